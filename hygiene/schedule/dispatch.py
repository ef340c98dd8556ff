"""The tick and the manual run: decide, lock, check conditions, run, record, notify.

Under each job's lock the decision is taken again from the state on disk, so a second tick that
was waiting for the lock sees the first tick's run and does not repeat it (two ticks
never run the same job twice). The served-until time is written after any run, failed or not:
a failure is recorded and notified, and the next slot tries again; only a deferral leaves the
job due.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hygiene.paths import hygiene_home
from hygiene.schedule import history, state
from hygiene.schedule.conditions import Machine, read_machine, unmet
from hygiene.schedule.notify import Notifier, failure_text
from hygiene.schedule.runner import Attempt, RunResult, hygiene_argv, run_command
from hygiene.schedule.secrets import MissingVariable, expand
from hygiene.schedule.settings import JobSpec
from hygiene.schedule.tick import decide

Outcome = Literal["ok", "failed", "timeout", "deferred", "busy", "waiting", "new"]


def job_log(name: str) -> Path:
    """Every attempt's full output is appended here (the history keeps only the error tail)."""
    return hygiene_home() / "logs" / "jobs" / f"{name}.log"


@dataclass(frozen=True)
class RunPolicy:
    """How runs are carried out; the defaults are production, tests pass their own."""

    backoff: float = 30.0  # first retry wait, doubled each time
    cwd: Path | None = None  # where the job's command runs (the project root)
    # `${NAME}` in run is read here, at run time (issue 17); MissingVariable fails the run.
    argv: Callable[[JobSpec], list[str]] = field(default=lambda job: hygiene_argv(expand(job.run)))
    sleep: Callable[[float], None] = time.sleep
    machine: Callable[[], Machine] = read_machine


@dataclass(frozen=True)
class JobOutcome:
    job: str
    outcome: Outcome
    next_run: dt.datetime | None = None
    slot: dt.datetime | None = None
    missed: int = 0
    attempts: int = 0
    reason: str = ""  # why deferred / the error
    bytes_reclaimed: int = 0
    rows_reclaimed: int = 0


def run_due(
    jobs: Sequence[JobSpec],
    *,
    now: Callable[[], dt.datetime],
    policy: RunPolicy,
    notifier: Notifier,
    on_attempt: Callable[[str, Attempt], None] | None = None,
) -> Iterator[JobOutcome]:
    """One tick: run every job whose slot has come since it was last served."""
    for job in jobs:
        first = decide(job, served_until=state.read_served(job.name), now=now())
        if first.verdict == "waiting":
            yield JobOutcome(job.name, "waiting", next_run=first.next_run)
            continue
        with state.job_lock(job.name) as acquired:
            if not acquired:
                yield JobOutcome(job.name, "busy", next_run=first.next_run)
                continue
            moment = now()
            decision = decide(job, served_until=state.read_served(job.name), now=moment)
            if decision.verdict == "new":
                state.write_served(job.name, moment)
                yield JobOutcome(job.name, "new", next_run=decision.next_run)
                continue
            if decision.verdict == "waiting":  # another tick ran it while we waited
                yield JobOutcome(job.name, "waiting", next_run=decision.next_run)
                continue
            yield _carry_out(
                job,
                trigger="due",
                slot=decision.slot,
                missed=decision.missed,
                next_run=decision.next_run,
                moment=moment,
                policy=policy,
                notifier=notifier,
                check_conditions=True,
                on_attempt=on_attempt,
            )


def run_now(
    job: JobSpec,
    *,
    now: Callable[[], dt.datetime],
    policy: RunPolicy,
    notifier: Notifier,
    force: bool = False,
    slot_window: float | None = None,
    on_attempt: Callable[[str, Attempt], None] | None = None,
) -> JobOutcome:
    """`hygiene schedule run JOB` (and per-job schedulers: systemd, k8s, Celery): run it now.

    With `slot_window`, only when one of the job's slots fell within that many seconds before
    now: a UTC-only scheduler fires both DST variants of a slot, and only one is real.
    """
    with state.job_lock(job.name) as acquired:
        moment = now()
        next_run = job.schedule.next_after(moment, job.tz)
        if not acquired:
            return JobOutcome(job.name, "busy", next_run=next_run)
        if slot_window is not None:
            slot = job.schedule.previous_at_or_before(moment, job.tz)
            if (moment - slot).total_seconds() > slot_window:
                return JobOutcome(job.name, "waiting", next_run=next_run)
        return _carry_out(
            job,
            trigger="manual",
            slot=None,
            missed=0,
            next_run=next_run,
            moment=moment,
            policy=policy,
            notifier=notifier,
            check_conditions=not force,
            on_attempt=on_attempt,
        )


def _hostname() -> str:
    import socket

    return socket.gethostname()


def _carry_out(
    job: JobSpec,
    *,
    trigger: str,
    slot: dt.datetime | None,
    missed: int,
    next_run: dt.datetime,
    moment: dt.datetime,
    policy: RunPolicy,
    notifier: Notifier,
    check_conditions: bool,
    on_attempt: Callable[[str, Attempt], None] | None,
) -> JobOutcome:
    if check_conditions and job.when:
        reason = unmet(job.when, policy.machine())
        if reason is not None:
            history.record(
                history.RunRecord(
                    job=job.name,
                    trigger=trigger,
                    slot=slot,
                    started=moment,
                    ended=moment,
                    status="deferred",
                    attempts=0,
                    exit_code=None,
                    missed=missed,
                    error=reason,
                )
            )
            return JobOutcome(job.name, "deferred", next_run, slot, missed, reason=reason)

    def attempted(attempt: Attempt) -> None:
        if on_attempt is not None:
            on_attempt(job.name, attempt)

    began = time.monotonic()
    result: RunResult
    try:
        argv = policy.argv(job)
    except MissingVariable as exc:
        # Nothing to retry: the variable will not appear between attempts.
        failed = Attempt(1, 2, False, 0.0, str(exc))
        attempted(failed)
        result = RunResult((failed,), (), 0, 0)
    else:
        result = run_command(
            argv,
            timeout=job.timeout,
            retries=job.retries,
            backoff=policy.backoff,
            cwd=policy.cwd,
            log=job_log(job.name),
            shown=hygiene_argv(job.shown_run),
            sleep=policy.sleep,
            on_attempt=attempted,
        )
    # Elapsed real time on top of the start: right under a replayed clock (`--now`) too.
    ended = moment + dt.timedelta(seconds=time.monotonic() - began)
    history.record(
        history.RunRecord(
            job=job.name,
            trigger=trigger,
            slot=slot,
            started=moment,
            ended=ended,
            status=result.status,
            attempts=len(result.attempts),
            exit_code=result.attempts[-1].exit_code,
            bytes_reclaimed=result.bytes_reclaimed,
            rows_reclaimed=result.rows_reclaimed,
            missed=missed,
            error=result.error,
        )
    )
    state.write_served(job.name, moment)
    if result.status != "ok":
        notifier.send(
            failure_text(
                job=job.name,
                status=result.status,
                attempts=len(result.attempts),
                error=result.error,
                host=_hostname(),
            )
        )
    return JobOutcome(
        job.name,
        result.status,
        next_run,
        slot,
        missed,
        attempts=len(result.attempts),
        reason=result.error,
        bytes_reclaimed=result.bytes_reclaimed,
        rows_reclaimed=result.rows_reclaimed,
    )
