"""The due-run decision: pure, with the clock passed in, so a week of sleep is a test case.

Anacron's rule: a job is due when at least one of its slots fell in
(served_until, now]; however many slots were missed while the machine slept, it runs once.
A job seen for the first time is not run at once: its timetable starts now, like a systemd
timer's first activation, so adding a monthly job does not fire it on the spot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from hygiene.schedule.settings import JobSpec

# Counting missed slots of a minutely job after a month asleep must stay cheap.
MISSED_CAP = 1000

Verdict = Literal["due", "waiting", "new"]


@dataclass(frozen=True)
class Decision:
    job: str
    verdict: Verdict
    slot: dt.datetime | None  # the latest slot a due run stands in for
    missed: int  # slots in (served_until, now], capped at MISSED_CAP
    next_run: dt.datetime  # the first slot after now


def decide(job: JobSpec, *, served_until: dt.datetime | None, now: dt.datetime) -> Decision:
    tz = job.tz
    next_run = job.schedule.next_after(now, tz)
    if served_until is None:
        return Decision(job.name, "new", None, 0, next_run)
    slot = job.schedule.previous_at_or_before(now, tz)
    if slot <= served_until:
        return Decision(job.name, "waiting", None, 0, next_run)
    missed = 0
    for _ in job.schedule.runs_between(served_until, now, tz):
        missed += 1
        if missed >= MISSED_CAP:
            break
    return Decision(job.name, "due", slot, missed, next_run)


def upcoming(job: JobSpec, *, now: dt.datetime, count: int) -> list[dt.datetime]:
    """The next `count` runs after now, in the job's zone."""
    runs: list[dt.datetime] = []
    for run in job.schedule.runs_between(
        now, dt.datetime.max.replace(tzinfo=dt.timezone.utc), job.tz
    ):
        runs.append(run)
        if len(runs) >= count:
            break
    return runs


def within(job: JobSpec, *, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Runs in (start, end] (for the week grid)."""
    return list(job.schedule.runs_between(start, end, job.tz))
