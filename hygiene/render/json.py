"""JSON output: the one writer, `dump`, and `SCHEMA`, the layout version every document carries.

Each area's render module builds its own document; the layouts are documented in docs/json.md.
"""

from __future__ import annotations

import dataclasses
import json
from typing import IO, Any

# Every document's `schema` key: fields may be added within a version, never renamed or removed.
SCHEMA = 1


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def plain(item: Any) -> dict[str, Any]:
    """A dataclass as a dict, one level deep; `json` calls this again for nested ones.

    `dataclasses.asdict` deep-copies every value, which costs more than the encoding itself on
    a scan with thousands of findings.
    """
    return {name: getattr(item, name) for name in _field_names(type(item))}


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# One encoder for every line: json.dumps with options builds a new one per call.
_COMPACT = json.JSONEncoder(separators=(", ", ": "), default=_default)


def _compact(value: Any) -> str:
    return _COMPACT.encode(value)


def _pretty(value: Any, indent: str) -> str:
    # json's own indenting runs in pure Python (its C encoder only writes unindented text),
    # so only the small parts of a document go through it.
    text = json.dumps(value, indent=2, default=_default)
    return text.replace("\n", "\n" + indent)


def dump(document: dict[str, Any], stream: IO[str]) -> None:
    """Write `document` indented, with each item of a list of objects on a line of its own.

    One finding per line keeps a big scan both readable and `grep`-able, and lets the C
    encoder do nearly all the work.
    """
    lines = ["{"]
    last = len(document) - 1
    for n, (key, value) in enumerate(document.items()):
        comma = "," if n < last else ""
        head = f"  {json.dumps(key)}: "
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n".join("    " + _compact(v) for v in value)
            lines.append(f"{head}[\n{items}\n  ]{comma}")
        else:
            lines.append(f"{head}{_pretty(value, '  ')}{comma}")
    lines.append("}")
    stream.write("\n".join(lines))
    stream.write("\n")
