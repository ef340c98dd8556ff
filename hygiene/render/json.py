"""JSON output. The document layout is versioned by `schema` and documented in docs/json.md."""

from __future__ import annotations

import dataclasses
import json
from typing import IO, TYPE_CHECKING, Any

from hygiene import __version__
from hygiene.model import Finding, ScanResult

if TYPE_CHECKING:
    from hygiene.fix import FixOutcome, FixPlan

SCHEMA = 1
# Fields that exist for hygiene's own re-checks, not for readers.
_INTERNAL = frozenset({"device", "inode"})


def finding_dict(finding: Finding) -> dict[str, Any]:
    fields = dataclasses.asdict(finding)  # type: ignore[call-overload]
    return {"kind": finding.kind, **{k: v for k, v in fields.items() if k not in _INTERNAL}}


def scan_document(result: ScanResult) -> dict[str, Any]:
    document = {
        "schema": SCHEMA,
        "tool": "hygiene",
        "version": __version__,
        "roots": list(result.roots),
        "findings": [finding_dict(f) for f in result.findings],
        "totals": dataclasses.asdict(result.totals),
        "errors": [dataclasses.asdict(e) for e in result.errors],
    }
    # Reports that are not findings, present only when asked for (--git-stats, --system).
    for key in ("git_stats", "filesystems"):
        items = result.extra.get(key)
        if isinstance(items, list):
            document[key] = [dataclasses.asdict(item) for item in items]
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


def dump(document: dict[str, Any], stream: IO[str]) -> None:
    json.dump(document, stream, indent=2)
    stream.write("\n")


def dump_scan(result: ScanResult, stream: IO[str]) -> None:
    dump(scan_document(result), stream)
