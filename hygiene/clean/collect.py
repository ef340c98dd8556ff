"""The `clean` pipeline wired end to end: recover -> scan -> guard -> plan, then run -> act.

Two calls so the command can show the plan and ask in between: `survey()` builds the plan,
`collect()` carries it out and measures free space before and after (psutil).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hygiene.clean.act import CleanReport, Outcome, Progress, act, disk_free, dry_outcomes
from hygiene.clean.audit import AuditLog, entry
from hygiene.clean.plan import Plan, Policy, make_plan
from hygiene.clean.quarantine import (
    ItemRecord,
    Recovered,
    Run,
    all_runs,
    audited_step,
    exclusive,
    held_items,
    purge_item,
    recover,
    restore_item,
    restored_differs,
    tidy,
)
from hygiene.clean.safety import Glance, Guard
from hygiene.config.layers import Config
from hygiene.errors import UsageError
from hygiene.model import Artifact, Finding
from hygiene.paths import hygiene_home
from hygiene.scan.engine import Filters, ScanRequest, scan
from hygiene.scan.engine import Progress as ScanProgress
from hygiene.units import scan_clock


@dataclass(frozen=True)
class CleanRequest:
    roots: tuple[str, ...]
    config: Config
    filters: Filters = field(default_factory=Filters)
    incinerate: bool = False
    include: frozenset[str] = frozenset()
    all_categories: bool = False


@dataclass
class Survey:
    request: CleanRequest
    plan: Plan
    guard: Guard
    # Repositories git refused to answer for, with its words: nothing in them was judged.
    refused: tuple[tuple[str, str], ...] = ()


def keep_out() -> list[str]:
    """hygiene's own state: its home and every user store that holds a run."""
    stores = {s for run in all_runs() for s in run.summary().stores}
    return [str(hygiene_home()), *sorted(stores)]


def recover_and_audit(audit: AuditLog) -> list[Recovered]:
    """Settle what a killed run left (call under `quarantine.exclusive()`); audit each item."""
    settled = recover()
    for r in settled:
        audit.append(
            entry(
                run_id=r.run_id,
                action="recover",
                item=r.record,
                outcome="failed" if r.action.startswith("failed") else "done",
                reason=r.action,
            )
        )
    return settled


def resolved(request: CleanRequest) -> CleanRequest:
    """Items are later reached without following any symlink on their path (quarantine.
    open_parent), so a root given through a symlink is resolved here, once, by the user's say."""
    return dataclasses.replace(request, roots=tuple(os.path.realpath(r) for r in request.roots))


def survey(request: CleanRequest, *, progress: ScanProgress | None = None) -> Survey:
    """Scan afresh and plan: only `Artifact` findings, each judged by policy and the guard."""
    request = resolved(request)
    roots = tuple(Path(r) for r in request.roots)
    # Taken before the scan, so anything changed after the scan saw it is re-judged.
    started = scan_clock()
    result = scan(
        ScanRequest(roots=roots, config=request.config, filters=request.filters),
        progress=progress,
    )
    return judge(request, result.findings, refused=result.refused, started=started)


def judge(
    request: CleanRequest,
    findings: Iterable[Finding],
    *,
    refused: tuple[tuple[str, str], ...],
    started: float,
    ours: tuple[int, ...] = (),
) -> Survey:
    """The plan for the artifacts of a scan of `request.roots` (already `resolved`) that began
    at `started`: the same guard and policy whoever ran the scan (`clean`, or `browse`, which
    streams its own scan to the screen and plans in that scan's process). `ours`: processes
    that are the acting command itself besides this one, left out of the in-use check."""
    config = request.config
    artifacts = [f for f in findings if isinstance(f, Artifact)]
    guard = Guard.build(
        roots=request.roots,
        artifacts=artifacts,
        config=config,
        keep_out=keep_out(),
        since=started,
        ours=ours,
    )
    policy = Policy(
        now=time.time(),
        min_age=config.min_age,
        incinerate=request.incinerate,
        include=request.include,
        all_categories=request.all_categories,
    )
    glance = Glance()
    vetoes = {a.path: guard.veto(a, glance) for a in artifacts}
    plan = make_plan(artifacts, policy=policy, vetoes=vetoes)
    return Survey(request, plan, guard, refused)


def declined_report(found: Survey) -> CleanReport:
    """The user said no: every item stays, and says why."""
    free = disk_free(found.request.roots)
    outcomes = tuple(
        Outcome(i, "skipped", i.skip if i.skip is not None else "not confirmed")
        for i in found.plan.items
    )
    return CleanReport("", False, outcomes, free, free)


def dry_run_report(found: Survey) -> CleanReport:
    free = disk_free(found.request.roots)
    return CleanReport("", True, dry_outcomes(found.plan), free, free)


def collect(
    found: Survey, plan: Plan, *, audit: AuditLog, progress: Progress | None = None
) -> CleanReport:
    """Carry `plan` out (call under `quarantine.exclusive()`): one run, one outcome per item."""
    roots = found.request.roots
    before = disk_free(roots)
    if not plan.going:
        kept = tuple(Outcome(i, "skipped", i.skip or "") for i in plan.items)
        return CleanReport("", False, kept, before, before)
    guard = found.guard
    request = found.request
    guard.refresh(roots=roots, artifacts=[i.artifact for i in plan.going], config=request.config)
    run = Run.create(action=plan.action, roots=roots)
    outcomes = tuple(act(plan, run=run, guard=guard, audit=audit, progress=progress))
    tidy(run)
    return CleanReport(run.run_id, False, outcomes, before, disk_free(roots))


def restorable_runs() -> list[Run]:
    """Runs still holding items, oldest first (`restore --last` takes the newest)."""
    return [r for r in all_runs() if held_items(r)]


def restore_blocked(run: Run, items: list[ItemRecord]) -> str | None:
    """Why nothing of `run` may be restored: something exists again at an original path."""
    from hygiene.clean.quarantine import conflicts
    from hygiene.paths import display

    taken = conflicts(items)
    if not taken:
        return None
    more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
    return (
        f"restore {run.run_id}: {display(taken[0])} exists again{more}; "
        "move it away first, nothing was restored"
    )


@dataclass(frozen=True)
class Restored:
    path: str
    bytes: int
    outcome: str  # "done", "differs", "skipped" or "failed"
    reason: str


def restore_run(run: Run, items: list[ItemRecord], *, audit: AuditLog) -> list[Restored]:
    """Put `items` of `run` back, each step audited, each result checked against the manifest
    (call under `quarantine.exclusive()`, after `restore_blocked` said nothing)."""
    done: list[Restored] = []
    for record in items:
        s = audited_step(audit, run, record, action="restore", step=restore_item)
        outcome, reason = s.outcome, s.reason
        if outcome == "done":
            # Checked against the manifest, not taken on trust.
            differs = restored_differs(record)
            if differs is not None:
                outcome, reason = "differs", differs
        done.append(Restored(s.path, s.bytes, outcome, reason))
    tidy(run)
    return done


def purge_run(run: Run, *, audit: AuditLog, dry_run: bool = False) -> list[Restored]:
    """Delete for good every item `run` holds, each audited (call under `exclusive()`)."""
    purged: list[Restored] = []
    for record in run.items().values():
        if record.state != "quarantined":
            continue
        outcome, reason = "done", ""
        if not dry_run:
            step = audited_step(audit, run, record, action="purge", step=purge_item)
            outcome, reason = step.outcome, step.reason
        purged.append(Restored(record.path, record.bytes, outcome, reason))
    if not dry_run:
        tidy(run)
    return purged


@dataclass(frozen=True)
class RestoreReport:
    run_id: str
    items: tuple[Restored, ...]

    @property
    def failed(self) -> int:
        return sum(r.outcome != "done" for r in self.items)

    @property
    def differs(self) -> bool:
        """Some item came back whole but not as the manifest recorded it."""
        return any(r.outcome == "differs" for r in self.items)


# Asked with (run id, items, bytes) before anything moves; False: leave the run as it is.
ConfirmRestore = Callable[[str, int, int], bool]


def restore(
    run_id: str | None, *, audit: AuditLog, confirm: ConfirmRestore | None = None
) -> RestoreReport | None:
    """Put run `run_id` back (None: the newest run holding items), under the quarantine's lock
    and after settling what a stopped run left; None if `confirm` said no. Refused whole
    (`UsageError`) when something exists again at one of its paths."""
    with exclusive():
        recover_and_audit(audit)
        if run_id is None:
            runs = restorable_runs()
            if not runs:
                raise UsageError("the quarantine holds no run to restore")
            run = runs[-1]
        else:
            run = Run.open(run_id)
        items = held_items(run)
        if not items:
            raise UsageError(f"run {run.run_id} holds nothing to restore")
        blocked = restore_blocked(run, items)
        if blocked is not None:
            raise UsageError(blocked)
        if confirm is not None and not confirm(run.run_id, len(items), sum(r.bytes for r in items)):
            return None
        return RestoreReport(run.run_id, tuple(restore_run(run, items, audit=audit)))


@dataclass(frozen=True)
class Purged:
    run_id: str
    item: Restored


@dataclass(frozen=True)
class PurgeReport:
    dry_run: bool
    items: tuple[Purged, ...]

    @property
    def bytes(self) -> int:
        """What was (or would be) deleted for good."""
        return sum(p.item.bytes for p in self.items if p.item.outcome == "done")

    @property
    def failed(self) -> int:
        return sum(p.item.outcome == "failed" for p in self.items)

    @property
    def runs(self) -> int:
        return len({p.run_id for p in self.items})


def purge(
    *, audit: AuditLog, older_than: float, dry_run: bool = False, run_id: str | None = None
) -> PurgeReport:
    """Delete for good what runs started more than `older_than` seconds ago hold (or the one
    run `run_id`, whatever its age), each item audited, under the quarantine's lock."""
    cutoff = time.time() - older_than
    purged: list[Purged] = []
    with exclusive():
        if not dry_run:
            recover_and_audit(audit)
        chosen = [Run.open(run_id)] if run_id is not None else all_runs()
        for run in chosen:
            summary = run.summary()
            if run_id is None and (summary.started > cutoff or not summary.items):
                continue
            purged += [Purged(run.run_id, p) for p in purge_run(run, audit=audit, dry_run=dry_run)]
    return PurgeReport(dry_run, tuple(purged))
