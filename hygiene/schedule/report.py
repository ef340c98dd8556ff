"""`hygiene report`, the control room: last and next run per job, failures, bytes
reclaimed per week and disk usage now, built from the run history; and the same figures in the
Prometheus node-exporter textfile format so Grafana can chart them.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hygiene.schedule import history
from hygiene.schedule.history import RunRecord
from hygiene.schedule.settings import JobSpec

WEEKS = 8
FAILURE_DAYS = 7


@dataclass(frozen=True)
class JobStatus:
    name: str
    schedule: str
    last: RunRecord | None
    next_run: dt.datetime
    runs: int  # runs recorded in total
    failures: int  # failed or timed-out runs recorded in total


@dataclass(frozen=True)
class Week:
    start: dt.date  # Monday (ISO week)
    bytes_reclaimed: int
    rows_reclaimed: int
    runs: int


@dataclass(frozen=True)
class Disk:
    path: str
    total: int
    used: int
    free: int


@dataclass(frozen=True)
class Report:
    now: dt.datetime
    jobs: tuple[JobStatus, ...]
    failures: tuple[RunRecord, ...]
    failure_days: int
    weeks: tuple[Week, ...]
    disks: tuple[Disk, ...]

    def as_dict(self) -> dict[str, Any]:
        def run(record: RunRecord | None) -> dict[str, Any] | None:
            if record is None:
                return None
            data = asdict(record)
            for key in ("slot", "started", "ended"):
                data[key] = None if data[key] is None else data[key].isoformat()
            return data

        return {
            "now": self.now.isoformat(),
            "jobs": [
                {
                    "name": j.name,
                    "schedule": j.schedule,
                    "last_run": run(j.last),
                    "next_run": j.next_run.isoformat(),
                    "runs": j.runs,
                    "failures": j.failures,
                }
                for j in self.jobs
            ],
            "failures": [run(f) for f in self.failures],
            "weeks": [{**asdict(w), "start": w.start.isoformat()} for w in self.weeks],
            "disks": [asdict(d) for d in self.disks],
        }


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def build_report(
    jobs: Sequence[JobSpec],
    *,
    now: dt.datetime,
    disk_paths: Sequence[Path],
    weeks: int = WEEKS,
    failure_days: int = FAILURE_DAYS,
) -> Report:
    records = history.runs()
    ran = [r for r in records if r.status != "deferred"]
    latest: dict[str, RunRecord] = {}
    for record in ran:  # newest first
        latest.setdefault(record.job, record)
    statuses = tuple(
        JobStatus(
            name=job.name,
            schedule=job.schedule.expression,
            last=latest.get(job.name),
            next_run=job.schedule.next_after(now, job.tz),
            runs=sum(r.job == job.name for r in ran),
            failures=sum(r.job == job.name and r.status in ("failed", "timeout") for r in ran),
        )
        for job in jobs
    )
    cutoff = now - dt.timedelta(days=failure_days)
    failures = tuple(r for r in ran if r.status in ("failed", "timeout") and r.started >= cutoff)
    this_week = _week_start(now.date())
    starts = [this_week - dt.timedelta(weeks=i) for i in reversed(range(weeks))]
    buckets = {start: [0, 0, 0] for start in starts}
    for record in ran:
        bucket = buckets.get(_week_start(record.started.astimezone(now.tzinfo).date()))
        if bucket is not None:
            bucket[0] += record.bytes_reclaimed
            bucket[1] += record.rows_reclaimed
            bucket[2] += 1
    week_rows = tuple(Week(s, *buckets[s]) for s in starts)
    return Report(now, statuses, failures, failure_days, week_rows, disks(disk_paths))


def disks(paths: Sequence[Path]) -> tuple[Disk, ...]:
    """Usage of each distinct filesystem among `paths` (the first path names it)."""
    seen: set[int] = set()
    found = []
    for path in paths:
        try:
            device = path.stat().st_dev
            usage = shutil.disk_usage(path)
        except OSError:
            continue
        if device in seen:
            continue
        seen.add(device)
        found.append(Disk(str(path), usage.total, usage.used, usage.free))
    return tuple(found)


# ---- Prometheus node-exporter textfile -------------------------------------------------------


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    # Full precision: `:g` would round a Unix timestamp to six digits.
    return str(int(value)) if value.is_integer() else repr(value)


def prometheus_text(report: Report) -> str:
    """The text exposition format (version 0.0.4), one HELP/TYPE pair per metric family."""
    lines: list[str] = []

    def family(
        name: str, kind: str, text: str, samples: list[tuple[dict[str, str], float]]
    ) -> None:
        lines.append(f"# HELP {name} {text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            number = _number(value)
            lines.append(f"{name}{{{label_text}}} {number}" if labels else f"{name} {number}")

    def job_samples(pick: Any) -> list[tuple[dict[str, str], float]]:
        samples = []
        for job in report.jobs:
            value = pick(job)
            if value is not None:
                samples.append(({"job_name": job.name}, float(value)))
        return samples

    # `job_name`, not `job`: Prometheus reserves `job` for the scrape target.
    family(
        "hygiene_job_last_run_timestamp_seconds",
        "gauge",
        "When the job's last run started (Unix time).",
        job_samples(lambda j: j.last.started.timestamp() if j.last else None),
    )
    family(
        "hygiene_job_last_success",
        "gauge",
        "1 when the job's last run succeeded, 0 when it failed or timed out.",
        job_samples(lambda j: (1 if j.last.status == "ok" else 0) if j.last else None),
    )
    family(
        "hygiene_job_last_duration_seconds",
        "gauge",
        "How long the job's last run took, retries included.",
        job_samples(lambda j: (j.last.ended - j.last.started).total_seconds() if j.last else None),
    )
    family(
        "hygiene_job_last_attempts",
        "gauge",
        "Attempts the job's last run needed.",
        job_samples(lambda j: j.last.attempts if j.last else None),
    )
    family(
        "hygiene_job_last_reclaimed_bytes",
        "gauge",
        "Bytes the job's last run reclaimed.",
        job_samples(lambda j: j.last.bytes_reclaimed if j.last else None),
    )
    family(
        "hygiene_job_next_run_timestamp_seconds",
        "gauge",
        "When the job runs next (Unix time).",
        job_samples(lambda j: j.next_run.timestamp()),
    )
    family(
        "hygiene_job_runs_total",
        "counter",
        "Runs recorded in the history.",
        job_samples(lambda j: j.runs),
    )
    family(
        "hygiene_job_failures_total",
        "counter",
        "Failed or timed-out runs recorded in the history.",
        job_samples(lambda j: j.failures),
    )
    this_week = report.weeks[-1] if report.weeks else None
    family(
        "hygiene_reclaimed_bytes_this_week",
        "gauge",
        "Bytes reclaimed by jobs since Monday.",
        [({}, float(this_week.bytes_reclaimed if this_week else 0))],
    )
    for name, field, text in (
        ("hygiene_disk_total_bytes", "total", "Size of the filesystem."),
        ("hygiene_disk_free_bytes", "free", "Free space on the filesystem."),
    ):
        family(
            name,
            "gauge",
            text,
            [({"path": d.path}, float(getattr(d, field))) for d in report.disks],
        )
    return "\n".join(lines) + "\n"


def write_prometheus(report: Report, path: Path) -> None:
    """Write atomically: node-exporter's textfile collector may read at any moment, and its
    documentation asks for a write to a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(prometheus_text(report), encoding="utf-8")
    os.replace(tmp, path)
