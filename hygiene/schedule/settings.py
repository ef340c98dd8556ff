"""The `[[jobs]]` and `[notify]` config sections, validated on load into frozen values.

A bad cron expression, an unknown command, a bad duration or condition is one `ConfigError`
naming the file and the key (`jobs[1].schedule`), so the timetable can never be half-loaded.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass

from hygiene.cli.commands import COMMANDS
from hygiene.config.settings import Table
from hygiene.schedule.cron import Cron, zone

# The first word of `run`: every hygiene command a job may call.
KNOWN_COMMANDS = tuple(COMMANDS)
DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT = 3600.0
# Job names become systemd unit, launchd label and Kubernetes object names (RFC 1123 labels).
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")
NAME_EXPECTED = "lower-case letters, digits and '-', at most 42 characters (used in unit names)"
# `${NAME}` in a job's `run`: read from the environment when the job runs (issue 17), so a
# database URL with its password lives in a secret store, never in hygiene.toml or an export.
ENV_REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CONDITION_EXPECTED = (
    "conditions such as 'on-ac-power', 'battery-above:30', 'cpu-below:50' (percent)"
)


@dataclass(frozen=True)
class Condition:
    """One `when` entry. `limit` is a percentage for the `*-above`/`*-below` kinds."""

    kind: str  # "on-ac-power" | "battery-above" | "cpu-below"
    limit: float | None = None

    @property
    def text(self) -> str:
        return self.kind if self.limit is None else f"{self.kind}:{self.limit:g}"


_CONDITION_KINDS = {"on-ac-power": False, "battery-above": True, "cpu-below": True}


def parse_condition(text: str) -> Condition:
    kind, _, value = text.strip().partition(":")
    if kind not in _CONDITION_KINDS:
        raise ValueError(text)
    if not _CONDITION_KINDS[kind]:
        if value:
            raise ValueError(text)
        return Condition(kind)
    try:
        limit = float(value)
    except ValueError:
        raise ValueError(text) from None
    if not 0 <= limit <= 100:
        raise ValueError(text)
    return Condition(kind, limit)


@dataclass(frozen=True)
class JobSpec:
    name: str
    schedule: Cron
    run: tuple[str, ...]  # hygiene's arguments, without the program name
    timezone: str | None = None  # None: the machine's local zone
    retries: int = DEFAULT_RETRIES
    timeout: float = DEFAULT_TIMEOUT  # seconds, per attempt
    when: tuple[Condition, ...] = ()
    source: str = "default"
    url_env: str | None = None  # the variable holding the job's database URL, if named

    @property
    def env_names(self) -> tuple[str, ...]:
        """The variables `run` reads (`${NAME}`), in order of first use."""
        names: list[str] = []
        for arg in self.run:
            names += [n for n in ENV_REF_RE.findall(arg) if n not in names]
        return tuple(names)

    @property
    def tz(self) -> dt.tzinfo:
        return zone(self.timezone)

    @property
    def command_line(self) -> str:
        """For people and export comments, never to run: passwords masked."""

        return shlex.join(self.shown_run)

    @property
    def shown_run(self) -> tuple[str, ...]:
        """`run` for display (list, JSON, comments, logs): every password masked."""
        from hygiene.db.url import mask

        return tuple(mask(arg) for arg in self.run)

    @property
    def holds_password(self) -> bool:
        return self.shown_run != self.run


@dataclass(frozen=True)
class NotifySettings:
    webhook: str | None = None
    timeout: float = 5.0  # seconds: a slow hook must never hold a job up


def _run_argv(table: Table) -> tuple[str, ...]:
    value = table.raw("run")
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise table.error("run", f"cannot split into words: {exc}") from None
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        argv = list(value)
    elif value is None:
        raise table.error("run", "is required (a hygiene command line such as 'scan ~/code')")
    else:
        raise table.error("run", "expected a command line string or a list of strings")
    if argv and argv[0] == "hygiene":  # `run = "hygiene scan"` is what people will type
        argv = argv[1:]
    if not argv or argv[0] not in KNOWN_COMMANDS:
        got = repr(argv[0]) if argv else "nothing"
        raise table.error(
            "run", f"expected a hygiene command ({', '.join(KNOWN_COMMANDS)}), got {got}"
        )
    if argv[:2] == ["schedule", "run"]:
        raise table.error("run", "a job cannot run the scheduler itself ('schedule run')")
    return tuple(argv)


def _with_url_env(table: Table, run: tuple[str, ...], name: str) -> tuple[str, ...]:
    """`run` reading its database from `${name}`: as written, or as the TARGET of `db SUB`."""
    if not ENV_NAME_RE.match(name):
        raise table.error("url_env", f"expected an environment variable name, got {name!r}")
    reference = f"${{{name}}}"
    if any(reference in arg for arg in run):
        return run
    if run[0] != "db" or len(run) < 2:
        raise table.error(
            "url_env", f"run is not a `db` command; write {reference} where the URL goes in run"
        )
    return (*run[:2], reference, *run[2:])


def _condition(table: Table, text: str) -> Condition:
    try:
        return parse_condition(text)
    except ValueError:
        raise table.error("when", f"expected {CONDITION_EXPECTED}, got {text!r}") from None


def parse_job(table: Table) -> JobSpec:
    name = table.required_string("name")
    if not NAME_RE.match(name):
        raise table.error("name", f"expected {NAME_EXPECTED}, got {name!r}")
    expression = table.required_string("schedule")
    try:
        cron = Cron.parse(expression)
    except ValueError as exc:
        raise table.error("schedule", str(exc)) from None
    timezone = table.string("timezone")
    if timezone is not None:
        try:
            zone(timezone)
        except ValueError as exc:
            raise table.error("timezone", str(exc)) from None
    run = _run_argv(table)
    url_env = table.string("url_env")
    if url_env is not None:
        run = _with_url_env(table, run, url_env)
    retries = table.integer("retries", DEFAULT_RETRIES, minimum=0)
    timeout = table.duration("timeout", DEFAULT_TIMEOUT)
    if timeout <= 0:
        raise table.error("timeout", "expected a duration above zero, such as 30m")
    conditions = [_condition(table, text) for text in table.string_list("when")]
    table.done()
    return JobSpec(
        name=name,
        schedule=cron,
        run=run,
        timezone=timezone,
        retries=retries,
        timeout=timeout,
        when=tuple(conditions),
        source=table.source,
        url_env=url_env,
    )


def parse_jobs(tables: list[Table]) -> tuple[JobSpec, ...]:
    jobs: list[JobSpec] = []
    for table in tables:
        job = parse_job(table)
        if any(j.name == job.name for j in jobs):
            raise table.error("name", f"duplicate job name {job.name!r} in this file")
        jobs.append(job)
    return tuple(jobs)


def merge_jobs(lower: tuple[JobSpec, ...], higher: tuple[JobSpec, ...]) -> tuple[JobSpec, ...]:
    names = {job.name for job in higher}
    return (*(job for job in lower if job.name not in names), *higher)


def parse_notify(table: Table) -> NotifySettings:
    webhook = table.string("webhook")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise table.error("webhook", f"expected an http:// or https:// URL, got {webhook!r}")
    timeout = table.duration("timeout", NotifySettings.timeout)
    table.done()
    return NotifySettings(webhook=webhook, timeout=timeout)
