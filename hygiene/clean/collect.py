"""The `clean` pipeline wired end to end: recover -> scan -> guard -> plan, then run -> act.

Two calls so the command can show the plan and ask in between: `survey()` builds the plan,
`collect()` carries it out and measures free space before and after (psutil, issue 4 part 7).
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from hygiene.clean.act import CleanReport, Outcome, Progress, act, disk_free, dry_outcomes
from hygiene.clean.audit import AuditLog, entry
from hygiene.clean.plan import Plan, Policy, make_plan
from hygiene.clean.quarantine import Recovered, Run, all_runs, recover, tidy
from hygiene.clean.safety import Guard
from hygiene.config.layers import Config
from hygiene.model import Artifact
from hygiene.paths import hygiene_home
from hygiene.scan.engine import Filters, ScanRequest, scan
from hygiene.scan.engine import Progress as ScanProgress


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


def survey(request: CleanRequest, *, progress: ScanProgress | None = None) -> Survey:
    """Scan afresh and plan: only `Artifact` findings, each judged by policy and the guard."""
    # Items are later reached without following any symlink on their path (quarantine.
    # open_parent), so a root given through a symlink is resolved here, once, by the user's say.
    request = dataclasses.replace(request, roots=tuple(os.path.realpath(r) for r in request.roots))
    config = request.config
    roots = tuple(Path(r) for r in request.roots)
    # Taken before the scan, so anything changed after the scan saw it is re-judged (item 6).
    started = time.time()
    result = scan(
        ScanRequest(roots=roots, config=config, filters=request.filters), progress=progress
    )
    artifacts = [f for f in result.findings if isinstance(f, Artifact)]
    guard = Guard.build(
        roots=request.roots, artifacts=artifacts, config=config, keep_out=keep_out(), since=started
    )
    policy = Policy(
        now=time.time(),
        min_age=config.min_age,
        incinerate=request.incinerate,
        include=request.include,
        all_categories=request.all_categories,
    )
    vetoes = {a.path: guard.veto(a) for a in artifacts}
    plan = make_plan(artifacts, policy=policy, vetoes=vetoes)
    return Survey(request, plan, guard, result.refused)


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
