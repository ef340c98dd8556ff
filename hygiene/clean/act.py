"""Carry a plan out: re-check each item, move or delete it, audit it, yield its outcome.

Totals are computed from the outcomes by the caller, never from counters kept here.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Literal

from hygiene.clean.audit import AuditLog, entry
from hygiene.clean.plan import Plan, PlanItem
from hygiene.clean.quarantine import Refused, Run, destination, incinerate_item, quarantine_item
from hygiene.clean.safety import Guard, changed_aside
from hygiene.paths import display
from hygiene.units import format_bytes

OutcomeKind = Literal["done", "skipped", "failed"]
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Outcome:
    item: PlanItem
    outcome: OutcomeKind
    reason: str


@dataclass(frozen=True)
class CleanReport:
    run_id: str  # "" when nothing ran (a dry run, or nothing to collect)
    dry_run: bool
    outcomes: tuple[Outcome, ...]
    disk_free_before: int
    disk_free_after: int

    @property
    def done(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.outcome == "done")

    def count(self, kind: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == kind)


def dry_outcomes(plan: Plan) -> tuple[Outcome, ...]:
    """A dry run acts on nothing: every item is `skipped`, the planned ones saying so."""
    return tuple(
        Outcome(i, "skipped", i.skip if i.skip is not None else f"dry run: would {i.action}")
        for i in plan.items
    )


def disk_free(paths: Iterable[str]) -> int:
    """Free bytes summed over the distinct filesystems holding `paths` (psutil)."""
    import psutil

    seen: set[int] = set()
    free = 0
    for path in paths:
        try:
            device = os.stat(path).st_dev
        except OSError:
            continue
        if device not in seen:
            seen.add(device)
            free += psutil.disk_usage(path).free
    return free


def _room_for(run: Run, n: int, item: PlanItem) -> str | None:
    """A copy into quarantine needs room there first; a rename needs none."""
    method = destination(run, n, item.artifact.path)[1]
    if method != "copy":
        return None
    free = disk_free([str(run.folder)])
    if item.artifact.bytes > free:
        return (
            f"quarantine disk is full: needs {format_bytes(item.artifact.bytes)}, "
            f"{format_bytes(free)} free at {display(run.folder)}"
        )
    return None


def _failure(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "quarantine disk is full (no space left on device); left in place"
    where = f" ({display(exc.filename)})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def act(
    plan: Plan,
    *,
    run: Run,
    guard: Guard,
    audit: AuditLog,
    progress: Progress | None = None,
) -> Iterator[Outcome]:
    """Act on every going item in order; every item that reached here is audited before the next."""
    total = len(plan.items)
    for n, item in enumerate(plan.items):
        artifact = item.artifact
        if progress is not None:
            progress(n, total, artifact.path)
        if item.skip is not None:
            yield Outcome(item, "skipped", item.skip)
            continue
        outcome = _one(run, n, item, guard)
        audit.append(
            entry(
                run_id=run.run_id,
                action=item.action,
                item=artifact,
                outcome=outcome.outcome,
                reason=outcome.reason,
            )
        )
        yield outcome


def _one(run: Run, n: int, item: PlanItem, guard: Guard) -> Outcome:
    artifact = item.artifact
    incinerate = item.action == "incinerate"
    # An incinerated folder is walked once, set aside right before it is deleted, by
    # `changed_aside`; the re-check here keeps the checks that need no walk.
    why = guard.recheck(artifact, walk=not incinerate)
    if why is not None:
        return Outcome(item, "skipped", why)
    try:
        if incinerate:
            incinerate_item(run, n, artifact, partial(changed_aside, artifact, since=guard.since))
        else:
            # Each item is judged on its own room: a big item refused must not refuse the
            # small ones after it, and a failed copy gives its space back.
            full = _room_for(run, n, item)
            if full is not None:
                return Outcome(item, "failed", full)
            quarantine_item(run, n, artifact)
    except Refused as exc:  # it or its folder changed after the re-check: nothing was moved
        return Outcome(item, "skipped", _failure(exc))
    except OSError as exc:
        return Outcome(item, "failed", _failure(exc))
    return Outcome(item, "done", artifact.reason)
