"""JSON with comments (VS Code's `settings.json`): parse it, and add keys without reformatting.

VS Code accepts `//` and `/* */` comments and trailing commas. Parsing blanks them out (keeping
every offset, so positions in the blanked text are positions in the file) and hands the rest to
`json`. Editing inserts text at two or three offsets and leaves every other byte alone; the
result is parsed again and must equal the original plus the additions, or the edit is refused
(`None`) and the caller prints the snippet instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class JsoncError(ValueError):
    pass


def _blank(text: str) -> str:
    """`text` with comments and trailing commas replaced by spaces (newlines kept)."""
    out = list(text)
    commas: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise JsoncError(f"unterminated /* comment at offset {i}")
            for j in range(i, end + 2):
                if out[j] != "\n":
                    out[j] = " "
            i = end + 2
        else:
            if ch == ",":
                commas.append(i)
            i += 1
    blanked = "".join(out)
    for pos in commas:
        rest = blanked[pos + 1 :].lstrip()
        if rest[:1] in ("}", "]"):
            out[pos] = " "
    return "".join(out)


def loads(text: str) -> Any:
    """Parse JSONC; `JsoncError` names the line and column of the first problem."""
    clean = _blank(text)
    try:
        return json.loads(clean) if clean.strip() else {}
    except json.JSONDecodeError as exc:
        raise JsoncError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None


@dataclass(frozen=True)
class _Member:
    key: str
    key_start: int
    value_start: int
    value_end: int


_WS = " \t\r\n"


def _skip(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WS:
        i += 1
    return i


def _value_end(s: str, i: int) -> int:
    decoder = json.JSONDecoder()
    _, end = decoder.raw_decode(s, i)
    return end


def _object(s: str, start: int) -> tuple[list[_Member], int]:
    """Members of the object opening at `start` and the offset of its closing brace."""
    members: list[_Member] = []
    i = _skip(s, start + 1)
    while s[i] != "}":
        key, after = json.decoder.scanstring(s, i + 1)  # type: ignore[attr-defined]
        colon = _skip(s, after)
        value = _skip(s, colon + 1)
        end = _value_end(s, value)
        members.append(_Member(key, i, value, end))
        i = _skip(s, end)
        if s[i] == ",":
            i = _skip(s, i + 1)
    return members, i


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    prefix = text[start:pos]
    return prefix if not prefix.strip() else ""


def _insert(
    text: str,
    clean: str,
    open_at: int,
    members: list[_Member],
    close: int,
    lines: list[str],
    inner_indent: str,
) -> list[tuple[int, str]]:
    """Edits (offset, text) that add `lines` (each one `"key": value`) to one object."""
    edits: list[tuple[int, str]] = []
    trailing = False
    if members:
        last = members[-1].value_end
        trailing = text[last:close].strip().startswith(",")
        if not trailing:
            edits.append((last, ","))
    line_start = clean.rfind("\n", 0, close) + 1
    if line_start > open_at and not clean[line_start:close].strip():
        # The closing brace has a line of its own: new members go on lines just above it.
        body = "".join(
            f"{inner_indent}{line}{',' if trailing or k < len(lines) - 1 else ''}\n"
            for k, line in enumerate(lines)
        )
        edits.append((line_start, body))
        return edits
    sep = " " if members else ""
    edits.append((close, f"{sep}{', '.join(lines)}{' ' if members else ''}"))
    return edits


def add_members(text: str, key: str, entries: Mapping[str, Any]) -> str | None:
    """`text` with `entries` added to the object at top-level `key` (created if missing).

    Entries already present are left as they are. Returns None when the edit cannot be made
    safely (not an object at the top, `key` holds something else, a duplicate key, or the
    result does not parse back to exactly what was meant).
    """
    try:
        before = loads(text)
    except JsoncError:
        return None
    if not isinstance(before, dict):
        return None
    current = before.get(key, {})
    if not isinstance(current, dict):
        return None
    wanted = {k: v for k, v in entries.items() if k not in current}
    if not wanted:
        return text
    clean = _blank(text)
    top = _skip(clean, 0)
    if top >= len(clean):
        body = ",\n".join(f"        {json.dumps(k)}: {json.dumps(v)}" for k, v in wanted.items())
        result = f"{{\n    {json.dumps(key)}: {{\n{body}\n    }}\n}}\n"
    else:
        try:
            members, close = _object(clean, top)
        except (ValueError, IndexError):
            return None
        if [m.key for m in members].count(key) > 1:
            return None
        unit = _line_indent(text, members[0].key_start) if members else ""
        unit = unit or "    "
        found = next((m for m in members if m.key == key), None)
        if found is not None:
            inner, inner_close = _object(clean, found.value_start)
            indent = _line_indent(text, inner[0].key_start) if inner else ""
            indent = indent or _line_indent(text, inner_close) + unit
            lines = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in wanted.items()]
            edits = _insert(text, clean, found.value_start, inner, inner_close, lines, indent)
        else:
            nested = ",\n".join(
                f"{unit * 2}{json.dumps(k)}: {json.dumps(v)}" for k, v in wanted.items()
            )
            lines = [f"{json.dumps(key)}: {{\n{nested}\n{unit}}}"]
            edits = _insert(text, clean, top, members, close, lines, unit)
        result = text
        # Back to front, so earlier offsets stay valid; at one offset, the first edit ends first.
        for _, (offset, piece) in sorted(enumerate(edits), key=lambda e: (e[1][0], e[0]))[::-1]:
            result = result[:offset] + piece + result[offset:]
    try:
        after = loads(result)
    except JsoncError:
        return None
    expected = {**before, key: {**current, **wanted}}
    return result if after == expected else None
