"""JSON output. The document layout is versioned by `schema` and documented in docs/json.md."""

from __future__ import annotations

import dataclasses
import json
from typing import IO, TYPE_CHECKING, Any

from hygiene import __version__
from hygiene.model import Finding, ScanResult

if TYPE_CHECKING:
    from hygiene.fix.engine import FixOutcome, FixPlan

SCHEMA = 1
# Fields that exist for hygiene's own re-checks, not for readers.
_INTERNAL = frozenset({"device", "inode", "holds"})


_FIELDS: dict[tuple[type, bool], tuple[str, ...]] = {}


def _field_names(cls: type, *, public: bool = False) -> tuple[str, ...]:
    names = _FIELDS.get((cls, public))
    if names is None:
        fields = dataclasses.fields(cls)
        names = tuple(f.name for f in fields if not (public and f.name in _INTERNAL))
        _FIELDS[cls, public] = names
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


def finding_dict(finding: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": finding.kind}
    for name in _field_names(type(finding), public=True):
        out[name] = getattr(finding, name)
    return out


def scan_document(result: ScanResult) -> dict[str, Any]:
    document = {
        "schema": SCHEMA,
        "tool": "hygiene",
        "version": __version__,
        "roots": list(result.roots),
        "findings": [finding_dict(f) for f in result.findings],
        "totals": plain(result.totals),
        "errors": [plain(e) for e in result.errors],
    }
    # Secrets, local state and editors' unsaved work: never collected, reported when found.
    if result.precious:
        document["precious"] = [plain(p) for p in result.precious]
    # Reports that are not findings, present only when asked for (--git-stats, --system).
    for key in ("git_stats", "filesystems"):
        items = result.extra.get(key)
        if isinstance(items, list):
            document[key] = [plain(item) for item in items]
    return document


def fix_document(plan: FixPlan, outcomes: list[FixOutcome], *, applied: bool) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": "hygiene",
        "version": __version__,
        "applied": applied,
        "plan": [dataclasses.asdict(fix) for fix in plan.repos],
        "outcomes": [dataclasses.asdict(outcome) for outcome in outcomes],
    }


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


def dump_scan(result: ScanResult, stream: IO[str]) -> None:
    dump(scan_document(result), stream)
