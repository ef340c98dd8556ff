"""The `[[jobs]]` and `[notify]` config sections. PLACEHOLDER until the schedule issue."""

from __future__ import annotations

from dataclasses import dataclass

from hygiene.settings import Table


@dataclass(frozen=True)
class JobSpec:
    name: str


@dataclass(frozen=True)
class NotifySettings:
    webhook: str | None = None


def parse_jobs(tables: list[Table]) -> tuple[JobSpec, ...]:
    jobs = []
    for table in tables:
        jobs.append(JobSpec(name=table.required_string("name")))
        table.done()
    return tuple(jobs)


def merge_jobs(lower: tuple[JobSpec, ...], higher: tuple[JobSpec, ...]) -> tuple[JobSpec, ...]:
    names = {job.name for job in higher}
    return (*(job for job in lower if job.name not in names), *higher)


def parse_notify(table: Table) -> NotifySettings:
    settings = NotifySettings(webhook=table.string("webhook"))
    table.done()
    return settings
