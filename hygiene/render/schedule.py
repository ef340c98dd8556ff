"""Rendering for `hygiene schedule` and `hygiene report`: rich for people, dicts for JSON."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hygiene import __version__
from hygiene.render.json import SCHEMA
from hygiene.units import format_bytes, percent_used

if TYPE_CHECKING:
    from rich.console import Console

    from hygiene.schedule.dispatch import JobOutcome
    from hygiene.schedule.install import Change
    from hygiene.schedule.report import Report
    from hygiene.schedule.runner import Attempt
    from hygiene.schedule.settings import JobSpec


def console() -> Console:
    # Through render.human (and so rich) only when something is drawn: a quiet tick draws nothing.
    from hygiene.render.human import console as make

    return make()


def _header() -> dict[str, Any]:
    return {"schema": SCHEMA, "tool": "hygiene", "version": __version__}


def _stamp(when: dt.datetime | None, tz: dt.tzinfo) -> str:
    return "-" if when is None else when.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")


def _iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def job_dict(job: JobSpec) -> dict[str, Any]:
    return {
        "name": job.name,
        "schedule": job.schedule.expression,
        "timezone": job.timezone,
        "run": list(job.shown_run),  # passwords masked (issue 17)
        "retries": job.retries,
        "timeout_seconds": job.timeout,
        "when": [c.text for c in job.when],
    }


def timetable_document(
    jobs: Sequence[JobSpec], runs: Mapping[str, list[dt.datetime]], now: dt.datetime
) -> dict[str, Any]:
    return {
        **_header(),
        "now": now.isoformat(),
        "jobs": [
            {**job_dict(job), "next_runs": [r.isoformat() for r in runs[job.name]]} for job in jobs
        ],
    }


def print_timetable(
    jobs: Sequence[JobSpec], runs: Mapping[str, list[dt.datetime]], tz: dt.tzinfo
) -> None:
    from hygiene.render.human import Column, Fitted

    now = dt.datetime.now(dt.timezone.utc)
    columns = [
        Column("job"),
        Column("schedule"),
        Column("zone"),
        Column("next runs"),
        Column("retries", "number"),
        Column("timeout", "number"),
        Column("when", "text"),
    ]
    rows = [
        [
            job.name,
            job.schedule.expression,
            job.timezone or "local",
            "\n".join(f"{r.astimezone(tz):%a %Y-%m-%d %H:%M}" for r in runs[job.name]),
            str(job.retries),
            f"{job.timeout / 60:g}m",
            ", ".join(c.text for c in job.when) or "-",
        ]
        for job in jobs
    ]
    out = console()
    out.print(Fitted(f"Collection timetable (times in {_zone_name(tz, now)})", columns, rows))
    # Each job's command whole on a line of its own (issue 18, item 4), to be copied.
    out.print("runs:")
    for job in jobs:
        out.print(f"  {job.name}: hygiene {job.command_line}", soft_wrap=True, markup=False)


def print_week(jobs: Sequence[JobSpec], now: dt.datetime, tz: dt.tzinfo) -> None:
    """The seed's weekly collection chart: a row per job, a column per day, run times inside."""
    from rich.table import Table

    from hygiene.schedule.tick import within

    start = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [(start + dt.timedelta(days=i)).date() for i in range(7)]
    table = Table(
        title=f"The week from {days[0]:%a %Y-%m-%d} ({_zone_name(tz, now)})",
        title_justify="left",
        show_lines=True,
    )
    table.add_column("job")
    for day in days:
        table.add_column(f"{day:%a %d}", justify="center")
    end = start + dt.timedelta(days=7)
    for job in jobs:
        cells: dict[dt.date, list[str]] = {day: [] for day in days}
        for run in within(job, start=start - dt.timedelta(microseconds=1), end=end):
            local = run.astimezone(tz)
            if local.date() in cells:
                cells[local.date()].append(local.strftime("%H:%M"))
        table.add_row(job.name, *(_cell(cells[day]) for day in days))
    console().print(table)


def _cell(times: list[str]) -> str:
    if not times:
        return "·"
    if len(times) > 4:
        return f"{times[0]}\n… {len(times)} runs"
    return "\n".join(times)


def _zone_name(tz: dt.tzinfo, now: dt.datetime) -> str:
    return str(getattr(tz, "key", None) or now.astimezone(tz).tzname())


def outcome_dict(outcome: JobOutcome) -> dict[str, Any]:
    return {
        "job": outcome.job,
        "outcome": outcome.outcome,
        "slot": _iso(outcome.slot),
        "missed": outcome.missed,
        "attempts": outcome.attempts,
        "reason": outcome.reason,
        "bytes_reclaimed": outcome.bytes_reclaimed,
        "rows_reclaimed": outcome.rows_reclaimed,
        "next_run": _iso(outcome.next_run),
    }


def outcomes_document(outcomes: Sequence[JobOutcome]) -> dict[str, Any]:
    return {
        **_header(),
        "jobs": [outcome_dict(o) for o in outcomes],
    }


_SAY = {
    "ok": "done",
    "failed": "FAILED",
    "timeout": "TIMED OUT",
    "deferred": "deferred",
    "busy": "skipped: running in another process",
    "waiting": "not due",
    "new": "new: timetable starts now",
}


def print_outcomes(outcomes: Sequence[JobOutcome], *, verbose: bool) -> None:
    out = console()
    shown = [o for o in outcomes if verbose or o.outcome != "waiting"]
    if not shown:
        out.print("Nothing due.")
    for o in shown:
        line = f"{o.job}: {_SAY[o.outcome]}"
        if o.attempts:
            line += f" ({o.attempts} attempt{'s' if o.attempts != 1 else ''})"
        if o.missed > 1:
            line += f", caught up {o.missed} missed slots in one run"
        if o.bytes_reclaimed or o.rows_reclaimed:
            line += f", reclaimed {format_bytes(o.bytes_reclaimed)}, {o.rows_reclaimed:,} rows"
        if o.reason:
            line += f": {o.reason.strip().splitlines()[-1]}"
        if o.next_run is not None:
            line += f"; next {o.next_run:%Y-%m-%d %H:%M %Z}"
        out.print(line, soft_wrap=True)


def attempt_reporter() -> Callable[[str, Attempt], None]:
    def report(job: str, attempt: Attempt) -> None:
        if not attempt.ok:
            what = "timed out" if attempt.timed_out else f"exit {attempt.exit_code}"
            print(f"hygiene: {job}: attempt {attempt.number} {what}", file=sys.stderr)

    return report


def print_change(change: Change) -> None:
    """The install/uninstall change as a unified diff, on stderr (the question comes next)."""
    import difflib

    for item in change.files:
        diff = difflib.unified_diff(
            item.before.splitlines(keepends=True),
            item.after.splitlines(keepends=True),
            fromfile=f"{item.label} (now)",
            tofile=f"{item.label} (after)",
        )
        sys.stderr.writelines(diff)


def report_document(report: Report) -> dict[str, Any]:
    return {
        **_header(),
        **report.as_dict(),
    }


def print_report(report: Report, tz: dt.tzinfo) -> None:
    from hygiene.render.human import Column, Fitted

    out = console()
    columns = [
        Column("job"),
        Column("last run"),
        Column("status"),
        Column("attempts", "number"),
        Column("reclaimed", "number"),
        Column("next run"),
    ]
    rows: list[list[str]] = []
    for job in report.jobs:
        last = job.last
        rows.append(
            [
                job.name,
                _stamp(last.started if last else None, tz),
                "never ran" if last is None else last.status,
                "-" if last is None else str(last.attempts),
                "-" if last is None else format_bytes(last.bytes_reclaimed),
                _stamp(job.next_run, tz),
            ]
        )
    out.print(Fitted("Control room", columns, rows))
    out.print()
    if report.failures:
        out.print(f"Failures in the last {report.failure_days} days:")
        for run in report.failures:
            error = run.error.strip().splitlines()[-1] if run.error.strip() else run.status
            out.print(f"  {_stamp(run.started, tz)}  {run.job}: {error}", soft_wrap=True)
    else:
        out.print(f"No failures in the last {report.failure_days} days.")
    out.print()
    out.print("Bytes reclaimed per week:")
    peak = max((w.bytes_reclaimed for w in report.weeks), default=0)
    for week in report.weeks:
        width = 0 if peak == 0 else round(40 * week.bytes_reclaimed / peak)
        bar = "█" * width if width else ("▏" if week.bytes_reclaimed else "")
        out.print(
            f"  {week.start:%Y-%m-%d}  {bar:<40} {format_bytes(week.bytes_reclaimed):>9}"
            f"  {week.rows_reclaimed:,} rows"
        )
    out.print()
    out.print("Disk usage now:")
    for disk in report.disks:
        # df's Use% (issue 18, item 9): `free` is what an unprivileged user may still write.
        share = percent_used(disk.used, disk.free)
        out.print(
            f"  {disk.path}  {format_bytes(disk.used)} of {format_bytes(disk.total)} used "
            f"({share}%), {format_bytes(disk.free)} free",
            soft_wrap=True,
        )
