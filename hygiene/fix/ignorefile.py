"""Append missing lines to a repository's top `.gitignore`, once, in one marked block.

Shared by `hygiene fix` and the `hygiene-ignore-gaps --fix` hook. Idempotent: a line already
present anywhere in the file (ignoring surrounding white space) is never added again, and a
second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hygiene.errors import UsageError
from hygiene.fix.atomicwrite import write_text_atomically

BLOCK_HEADER = "# added by hygiene"


def _read(gitignore: Path) -> str:
    """The file as it is, line endings included ("" when it does not exist)."""
    try:
        with open(gitignore, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise UsageError(f"{gitignore}: not UTF-8 text; hygiene leaves it alone") from None


def existing_lines(gitignore: Path) -> set[str]:
    return {line.strip() for line in _read(gitignore).splitlines() if line.strip()}


def missing_lines(gitignore: Path, wanted: Iterable[str]) -> list[str]:
    """Lines of `wanted` not yet in the file, in first-seen order, without repeats."""
    have = existing_lines(gitignore)
    out: list[str] = []
    for line in wanted:
        line = line.strip()
        if line and line not in have and line not in out:
            out.append(line)
    return out


def append_lines(gitignore: Path, wanted: Iterable[str]) -> list[str]:
    """Add what is missing under the hygiene block; return the lines added (maybe none)."""
    lines = missing_lines(gitignore, wanted)
    if not lines:
        return []
    current = _read(gitignore)
    # Keep the file's own line endings: a CRLF file must not become a whole-file diff.
    eol = "\r\n" if "\r\n" in current else "\n"
    parts: list[str] = []
    if current and not current.endswith("\n"):
        parts.append(eol)
    if BLOCK_HEADER not in existing_lines(gitignore):
        parts.append((eol if current.strip() else "") + BLOCK_HEADER + eol)
    parts.extend(f"{line}{eol}" for line in lines)
    write_text_atomically(gitignore, current + "".join(parts))
    return lines
