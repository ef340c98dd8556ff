"""What `browse` asks of the engine, without any UI: the same calls `scan`, `clean`, `restore`,
`quarantine` and `fix` make, so browse keeps every guarantee of docs/clean.md.

Each function runs on a worker thread of the app; none prints. The scan itself runs in a
child process (`hygiene.browse.feed`). Acting always goes through
`collect()` under the quarantine lock, after settling what a killed run left, exactly as
`clean` does: the guard is refreshed and every item re-checked right before it moves.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hygiene.browse.feed import ScanFeed
from hygiene.clean import collect as pipeline
from hygiene.clean.audit import AuditLog
from hygiene.clean.collect import (
    CleanRequest,
    Restored,
    Survey,
    collect,
    judge,
    recover_and_audit,
)
from hygiene.clean.plan import Action, pick
from hygiene.clean.quarantine import RunSummary, all_runs, exclusive
from hygiene.model import Artifact, Finding, ScanResult
from hygiene.scan.engine import ScanRequest

if TYPE_CHECKING:
    from hygiene.clean.act import CleanReport
    from hygiene.fix.engine import FixOutcome, FixPlan


@dataclass(frozen=True)
class BrowseRequest:
    """`scan` as `hygiene scan` would run it (its `--older-than`/`--min-size` are the board's
    live filters instead), and the clean request whose plan judges what may go."""

    scan: ScanRequest
    clean: CleanRequest


@dataclass
class Inbox:
    """What the scan's reader thread hands the UI thread: appends and plain assignments only,
    which are atomic in CPython, so the scan never waits for the screen. `feed`: the scan
    already started for it (the command starts one before Textual loads)."""

    candidates: deque[Artifact] = field(default_factory=deque)
    files: int = 0
    bytes: int = 0
    started: float = 0.0
    feed: ScanFeed | None = None
    # The walk is over: its result, every finding of every kind; the plan is being made.
    result: ScanResult | None = None
    # Called (on the reader thread) once `result` is in, so the screen need not wait a tick.
    on_walked: Callable[[], None] | None = None

    @property
    def walked(self) -> bool:
        return self.result is not None

    def progress(self, files: int, size: int) -> None:
        self.files, self.bytes = files, size

    def walk_over(self, result: ScanResult) -> None:
        self.result = result
        if self.on_walked is not None:
            self.on_walked()


@dataclass(frozen=True)
class Verdict:
    result: ScanResult
    survey: Survey

    def kept(self) -> dict[str, str]:
        """Artifact path -> the plan's reason to keep it."""
        return {i.artifact.path: i.skip for i in self.survey.plan.items if i.skip is not None}


def run_scan(request: BrowseRequest, inbox: Inbox) -> Verdict:
    """Stream the scan (in its own process, `hygiene.browse.feed`) into `inbox`; the plan of
    its findings comes from that process too, made by `clean`'s own `judge`."""
    feed = inbox.feed
    if feed is None:
        feed = inbox.feed = ScanFeed.start(request.scan, request.clean)
    # Taken before the scan, so anything changed after the scan saw it is re-judged (as clean).
    inbox.started = feed.started
    scanned = feed.read(inbox.candidates.extend, inbox.progress, inbox.walk_over)
    survey = scanned.survey
    if survey is None:  # a feed started without the clean request
        survey = judge(
            request.clean,
            scanned.result.findings,
            refused=scanned.result.refused,
            started=inbox.started,
        )
    return Verdict(scanned.result, survey)


# One act at a time from this app; across processes the quarantine lock does the same.
_acting = threading.Lock()


def act_on(survey: Survey, paths: list[str], action: Action) -> CleanReport:
    """Quarantine or incinerate the picked items through `clean`'s own path."""
    audit = AuditLog()
    with _acting, exclusive():
        recover_and_audit(audit)
        return collect(survey, pick(survey.plan, paths, action), audit=audit)


def runs() -> list[RunSummary]:
    return [s for s in (r.summary() for r in all_runs()) if s.listed]


def restore(run_id: str | None) -> tuple[str, list[Restored]]:
    """Put a run back (None: the newest holding items, as `restore --last`)."""
    with _acting:
        report = pipeline.restore(run_id, audit=AuditLog())
    assert report is not None  # no question asked: the board asked before
    return report.run_id, list(report.items)


def purge(run_id: str) -> list[Restored]:
    with _acting:
        report = pipeline.purge(audit=AuditLog(), older_than=0, run_id=run_id)
    from hygiene.schedule.reclaimed import note_reclaimed

    note_reclaimed(bytes_freed=report.bytes)
    return [p.item for p in report.items]


def plan_fix(finding: Finding) -> FixPlan:
    from hygiene.fix.engine import plan_fixes

    return plan_fixes([finding])


def apply_fix(plan: FixPlan) -> list[FixOutcome]:
    from hygiene.fix.engine import apply_fixes

    return list(apply_fixes(plan))


def biggest_children(
    path: str, *, shown: int = 5, budget: int = 50_000
) -> tuple[list[tuple[str, int]], bool]:
    """The biggest entries directly in folder `path`, by apparent size, never following a link.

    At most `budget` entries are looked at, so a huge `node_modules` does not keep a worker
    busy for long; True in the second place when the figures are partial."""
    left = budget
    sizes: list[tuple[str, int]] = []

    def size_of(entry: os.DirEntry[str]) -> int:
        nonlocal left
        left -= 1
        st = entry.stat(follow_symlinks=False)
        if not entry.is_dir(follow_symlinks=False):
            return st.st_size
        total = 0
        stack = [entry.path]
        while stack and left > 0:
            try:
                with os.scandir(stack.pop()) as it:
                    for sub in it:
                        left -= 1
                        if sub.is_dir(follow_symlinks=False):
                            stack.append(sub.path)
                        else:
                            total += sub.stat(follow_symlinks=False).st_size
            except OSError:
                continue
        return total

    try:
        with os.scandir(path) as it:
            for entry in it:
                try:
                    sizes.append((entry.name, size_of(entry)))
                except OSError:
                    continue
    except OSError:
        return [], False
    sizes.sort(key=lambda kv: (-kv[1], kv[0]))
    return sizes[:shown], left <= 0


def database_figures(path: str) -> list[str]:
    """`hygiene db inspect`'s figures for a SQLite file, one line each."""
    from pathlib import Path

    from hygiene.db.inspect import inspect_database
    from hygiene.db.url import sqlite_target
    from hygiene.units import format_bytes

    stats = inspect_database(target=sqlite_target(Path(path)))
    size = "-" if stats.bytes is None else format_bytes(stats.bytes)
    free = "-" if stats.reclaimable is None else format_bytes(stats.reclaimable)
    lines = [f"{size} on disk, {free} reclaimable ({stats.measure})"]
    for table in stats.tables[:5]:
        rows = "?" if table.rows is None else f"{table.rows:,}"
        lines.append(f"  {table.name}: {rows} rows")
    return lines
