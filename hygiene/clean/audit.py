"""The incinerator's record: an append-only JSON Lines log of every action on every item.

Each record is written, flushed and fsynced before the caller moves on to the next item
so a crash loses at most the record of the item in flight, never an earlier one.
Other commands that destroy data (`db erase`, `quarantine purge`) append here too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hygiene.paths import hygiene_home

LOG_NAME = "audit.jsonl"
# Actions whose bytes leave the disk for good; a quarantine move only changes where they live.
FREEING_ACTIONS = frozenset({"incinerate", "purge"})
COLLECTING_ACTIONS = frozenset({"quarantine", "incinerate"})


class Item(Protocol):
    """What the log records of an item: an `Artifact`, or a quarantine manifest entry."""

    @property
    def path(self) -> str: ...
    @property
    def bytes(self) -> int: ...
    @property
    def files(self) -> int: ...
    @property
    def ecosystem(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def rule(self) -> str: ...


def entry(*, run_id: str, action: str, item: Item, outcome: str, reason: str) -> dict[str, Any]:
    """One audit record for one action on one item."""
    return {
        "run_id": run_id,
        "action": action,
        "path": item.path,
        "bytes": item.bytes,
        "files": item.files,
        "ecosystem": item.ecosystem,
        "category": item.category,
        "rule": item.rule,
        "reason": reason,
        "outcome": outcome,
    }


def default_log_path() -> Path:
    return hygiene_home() / LOG_NAME


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class AuditLog:
    """`AuditLog().append({...})`: one durable line per call; `time` is added when missing."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_log_path()

    def append(self, record: Mapping[str, Any]) -> None:
        append_durably(self.path, {"time": now_iso(), **record})

    def records(self) -> Iterator[dict[str, Any]]:
        return read_lines(self.path)


def append_durably(path: Path, record: Mapping[str, Any]) -> None:
    """Append one JSON line and fsync it before returning (also used by quarantine manifests)."""
    line = json.dumps(record, ensure_ascii=False, default=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND keeps concurrent writers' lines whole (each write is one line).
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8", "surrogateescape"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Every record in order. A torn last line (a crash mid-write) is skipped, not fatal."""
    try:
        handle = path.open(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


@dataclass(frozen=True)
class SummaryRow:
    key: str
    items: int
    collected_bytes: int  # moved to quarantine or incinerated
    freed_bytes: int  # really left the disk: incinerated or purged


def _period(stamp: str, by: str) -> str:
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return "unknown"
    if by == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    return when.date().isoformat()


def summarize(records: Iterable[Mapping[str, Any]], *, by: str) -> list[SummaryRow]:
    """Done actions grouped by `day`, `week` or `ecosystem`: bytes collected and freed."""
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for record in records:
        action = record.get("action")
        if record.get("outcome") != "done" or action not in COLLECTING_ACTIONS | FREEING_ACTIONS:
            continue
        size = record.get("bytes")
        size = size if isinstance(size, int) else 0
        if by == "ecosystem":
            key = str(record.get("ecosystem") or "unknown")
        else:
            key = _period(str(record.get("time", "")), by)
        row = rows[key]
        row[0] += 1
        if action in COLLECTING_ACTIONS:
            row[1] += size
        if action in FREEING_ACTIONS:
            row[2] += size
    ordered = sorted(rows.items(), key=lambda kv: kv[0] if by != "ecosystem" else -kv[1][1])
    return [SummaryRow(key, *values) for key, values in ordered]
