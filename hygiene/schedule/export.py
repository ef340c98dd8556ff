"""The timetable for the schedulers people already run: one renderer per format.

Two kinds of consumer. Those that know time zones and catch up after downtime by themselves
(systemd timers with Persistent=true, Kubernetes CronJob with timeZone, Celery beat) get one
entry per job calling `hygiene schedule run JOB`. Those that do not (cron, launchd) get the
tick, `hygiene schedule run --due`, called at every minute a job can fall on: hygiene then does
zones, anacron-like catch-up and conditions itself. GitHub Actions cron is UTC only, so its
entries are shifted to UTC and guarded with `--slot-window` where the shift is inexact (DST,
a day of the month crossing midnight).
"""

from __future__ import annotations

import datetime as dt
import json
import plistlib
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hygiene.errors import UsageError
from hygiene.paths import hygiene_home
from hygiene.relaunch import ON_PATH, program
from hygiene.schedule.cron import Cron, local_zone
from hygiene.schedule.runner import backoff_delays
from hygiene.schedule.settings import JobSpec

FORMATS = ("crontab", "systemd", "launchd", "k8s", "celery", "github-actions")
BEGIN = "# BEGIN hygiene schedule"
END = "# END hygiene schedule"
LAUNCHD_LABEL = "org.hygiene.schedule"
WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
# Jobs can fall on more minutes than this: the tick then runs every minute.
MAX_TICK_MINUTES = 12
# GitHub starts scheduled workflows late under load; a slot this recent still counts.
GITHUB_SLOT_WINDOW = "50m"


# Variables that move hygiene's files: carried into every local export where they were set at
# export time (issue 17), so the tick under cron's `env -i` writes its state, history and log
# in the HYGIENE_HOME that `hygiene report` reads.
CARRIED_ENV = ("HYGIENE_HOME", "HYGIENE_CONFIG_HOME")
# Where the ConfigMap's hygiene.toml is mounted in the pod, and the job's working folder.
K8S_WORKDIR = "/work"
# hygiene's state in the pod: on the work volume, not in the container's own layer, which goes
# with the pod; a job's quarantine and `db clean`'s archives of deleted rows must outlive it.
K8S_HOME = f"{K8S_WORKDIR}/.hygiene"
K8S_SECRET = "hygiene-env"


def install_spec() -> str:
    """What machines elsewhere (GitHub's runners, a Containerfile) install: our distribution,
    pinned to this version. `hygiene` on PyPI is an unrelated project's (issue 17)."""
    from hygiene import __version__
    from hygiene.relaunch import DISTRIBUTION

    return f"{DISTRIBUTION}=={__version__}"


def default_image() -> str:
    """The tag docs/schedule.md builds from this repository's Containerfile."""
    from hygiene import __version__

    return f"hygiene:{__version__}"


@dataclass(frozen=True)
class ExportContext:
    program: tuple[str, ...]  # how to start hygiene here: `hygiene.relaunch.program()`
    config: Path | None  # the project config, absolute
    workdir: Path
    log: Path
    image: str = field(default_factory=lambda: default_image())
    env: tuple[tuple[str, str], ...] = ()  # CARRIED_ENV as set at export time
    install: str = ""  # pip's argument on machines elsewhere; "" = install_spec()
    secrets: Path | None = None  # the EnvironmentFile= of jobs that read `${NAME}`

    @classmethod
    def current(
        cls, config: Path | None, *, image: str | None = None, install: str | None = None
    ) -> ExportContext:
        import os

        from hygiene.schedule.secrets import secrets_file

        # Not `shutil.which("hygiene")`: PATH may name another install, or none under cron.
        absolute = config.absolute() if config is not None else None
        workdir = absolute.parent if absolute is not None else Path.cwd()
        env = tuple(
            (name, str(Path(os.environ[name]).expanduser().absolute()))
            for name in CARRIED_ENV
            if os.environ.get(name)
        )
        return cls(
            program(),
            absolute,
            workdir,
            hygiene_home() / "logs" / "schedule.log",
            image or default_image(),
            env,
            install or install_spec(),
            secrets_file(),
        )

    def prepare(self) -> None:
        """Create what the exported lines need before they first run: cron's `>> LOG` and
        launchd's StandardOutPath open the log in a folder they do not create (issue 17)."""
        from hygiene.private import private_dir

        private_dir(self.log.parent, narrow=False)

    def hygiene(self, *args: str) -> list[str]:
        config = ["--config", str(self.config)] if self.config is not None else []
        return [*self.program, *args, *config]


@dataclass(frozen=True)
class ExportFile:
    name: str
    content: str


def export(fmt: str, jobs: Sequence[JobSpec], context: ExportContext) -> list[ExportFile]:
    renderers: dict[str, Callable[[Sequence[JobSpec], ExportContext], list[ExportFile]]] = {
        "crontab": crontab,
        "systemd": systemd,
        "launchd": launchd,
        "k8s": k8s,
        "celery": celery,
        "github-actions": github_actions,
    }
    assert set(renderers) == set(FORMATS)
    return renderers[fmt](jobs, context)


# ---- cron fields -----------------------------------------------------------------------------


def _field(values: Iterable[int], full: range) -> str:
    chosen = sorted(set(values))
    if chosen == list(full):
        return "*"
    return ",".join(str(v) for v in chosen)


def cron_fields(cron: Cron) -> str:
    """The five fields spelled out (aliases expanded), for consumers without `@daily`."""
    return " ".join(
        (
            _field(cron.minutes, range(60)),
            _field(cron.hours, range(24)),
            "*" if cron.days is None else _field(cron.days, range(1, 32)),
            _field(cron.months, range(1, 13)),
            "*" if cron.weekdays is None else _field(cron.weekdays, range(7)),
        )
    )


def tick_minutes(jobs: Sequence[JobSpec], *, year: int) -> list[int] | None:
    """The minutes of the local hour at which some job can fall, or None for every minute.

    A job in another zone keeps its minutes only when that zone's offset from the local one is
    whole hours in winter and in summer (Asia/Kolkata against UTC is not).
    """
    local = local_zone()
    minutes: set[int] = set()
    for job in jobs:
        for month in (1, 7):
            probe = dt.datetime(year, month, 1, 12, tzinfo=dt.timezone.utc)
            theirs = probe.astimezone(job.tz).utcoffset() or dt.timedelta()
            ours = probe.astimezone(local).utcoffset() or dt.timedelta()
            if (theirs - ours).total_seconds() % 3600:
                return None
        minutes |= job.schedule.minutes
    return None if len(minutes) > MAX_TICK_MINUTES else sorted(minutes)


def _comment_lines(jobs: Sequence[JobSpec]) -> list[str]:
    width = max(len(job.name) for job in jobs)
    return [
        f"#   {job.name:<{width}}  {job.schedule.expression} ({job.timezone or 'local time'})"
        f"  hygiene {job.command_line}"
        for job in jobs
    ]


# ---- crontab and launchd: the tick -----------------------------------------------------------


def crontab_block(jobs: Sequence[JobSpec], context: ExportContext) -> str:
    minutes = tick_minutes(jobs, year=dt.date.today().year)
    minute_field = "*" if minutes is None else ",".join(str(m) for m in minutes)
    # `NAME=value command`: the shell passes the variables to hygiene only (issue 17).
    assignments = "".join(f"{name}={shlex.quote(value)} " for name, value in context.env)
    command = (
        f"cd {shlex.quote(str(context.workdir))} && {assignments}"
        f"{shlex.join(context.hygiene('schedule', 'run', '--due', '--quiet'))} "
        f">> {shlex.quote(str(context.log))} 2>&1"
    )
    # `%` ends a crontab command (crontab(5)); paths rarely hold one, but escape it anyway.
    command = command.replace("%", "\\%")
    where = context.config or "the user config"
    lines = [
        f"{BEGIN} (managed by `hygiene schedule install`; edit the jobs in {where})",
        "# The tick runs each job when its time has come, in its own time zone, catches up",
        "# once after the machine slept, retries and records history. Jobs:",
        *_comment_lines(jobs),
        f"{minute_field} * * * * {command}",
        END,
    ]
    return "\n".join(lines) + "\n"


def crontab(jobs: Sequence[JobSpec], context: ExportContext) -> list[ExportFile]:
    return [ExportFile("crontab", crontab_block(jobs, context))]


def launchd(jobs: Sequence[JobSpec], context: ExportContext) -> list[ExportFile]:
    minutes = tick_minutes(jobs, year=dt.date.today().year)
    plist: dict[str, Any] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": context.hygiene("schedule", "run", "--due", "--quiet"),
        "WorkingDirectory": str(context.workdir),
        "StandardOutPath": str(context.log),
        "StandardErrorPath": str(context.log),
        **({"EnvironmentVariables": dict(context.env)} if context.env else {}),
        # At login too: launchd coalesces slots missed while asleep, and the tick catches up.
        "RunAtLoad": True,
        "ProcessType": "Background",
        "LowPriorityIO": True,
    }
    if minutes is None:
        plist["StartInterval"] = 60
    else:
        plist["StartCalendarInterval"] = [{"Minute": m} for m in minutes]
    content = plistlib.dumps(plist, sort_keys=False).decode("utf-8")
    return [ExportFile(f"{LAUNCHD_LABEL}.plist", content)]


# ---- systemd: a .service and a .timer per job ------------------------------------------------


def _systemd_list(values: Iterable[int], full: range, fmt: str = "{:02d}") -> str:
    chosen = sorted(set(values))
    return "*" if chosen == list(full) else ",".join(fmt.format(v) for v in chosen)


def on_calendar(job: JobSpec, *, year: int | None = None) -> list[str]:
    """systemd.time(7) calendar events equivalent to the cron schedule.

    cron fires when the day of month OR the weekday matches (if both are restricted); systemd
    requires both, so that case becomes two events. Around DST changes systemd skips a time
    the clocks jump over and fires a repeated time once; cron (our semantics, docs/schedule.md)
    runs a skipped fixed time when the gap ends and a `*` hour in both real hours: those runs
    are added as dated events in UTC for the five years from `year` (issue 17).
    """
    events = _calendar_events(job)
    start = dt.date.today().year if year is None else year
    events += [f"{moment:%Y-%m-%d %H:%M:%S} UTC" for moment in dst_extras(job, start, start + 5)]
    return events


def _transitions(tz: dt.tzinfo, first: int, last: int) -> list[dt.datetime]:
    """The instants (UTC, to the minute) at which the zone's offset changes in [first, last)."""
    utc = dt.timezone.utc
    found: list[dt.datetime] = []
    day = dt.datetime(first, 1, 1, tzinfo=utc)
    end = dt.datetime(last, 1, 1, tzinfo=utc)

    def offset(moment: dt.datetime) -> dt.timedelta | None:
        return moment.astimezone(tz).utcoffset()

    while day < end:
        following = day + dt.timedelta(days=1)
        if offset(day) != offset(following):
            low, high = day, following
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            found.append(high.replace(second=0, microsecond=0))
        day = following
    return found


def dst_extras(job: JobSpec, first: int, last: int) -> list[dt.datetime]:
    """Runs (UTC) of cron's semantics that systemd's calendar events miss near DST changes."""
    utc = dt.timezone.utc
    tz = job.tz
    extras: list[dt.datetime] = []
    for change in _transitions(tz, first, last):
        start, end = change - dt.timedelta(hours=4), change + dt.timedelta(hours=4)
        ours = {r.astimezone(utc) for r in job.schedule.runs_between(start, end, tz)}
        # systemd: every wall time matching the fields that exists, its first pass only.
        theirs: set[dt.datetime] = set()
        day = start.astimezone(tz).date()
        while day <= end.astimezone(tz).date():
            if job.schedule.day_matches(day):
                for hour in job.schedule.hours:
                    for minute in job.schedule.minutes:
                        wall = dt.datetime(day.year, day.month, day.day, hour, minute)
                        moment = wall.replace(tzinfo=tz).astimezone(utc)
                        if moment.astimezone(tz).replace(tzinfo=None) == wall:
                            theirs.add(moment)
            day += dt.timedelta(days=1)
        extras += sorted(r for r in ours - theirs if start < r <= end)
    return extras


def _calendar_events(job: JobSpec) -> list[str]:
    cron = job.schedule
    time = f"{_systemd_list(cron.hours, range(24))}:{_systemd_list(cron.minutes, range(60))}:00"
    month = _systemd_list(cron.months, range(1, 13))
    suffix = f" {job.timezone}" if job.timezone else ""

    def event(days: frozenset[int] | None, weekdays: frozenset[int] | None) -> str:
        dom = "*" if days is None else _systemd_list(days, range(1, 32))
        dow = "" if weekdays is None else ",".join(WEEKDAYS[d] for d in sorted(weekdays)) + " "
        return f"{dow}*-{month}-{dom} {time}{suffix}"

    if cron.days is not None and cron.weekdays is not None:
        return [event(cron.days, None), event(None, cron.weekdays)]
    return [event(cron.days, cron.weekdays)]


def _systemd_value(text: str) -> str:
    """One Environment=/EnvironmentFile= value: quoted when it holds a space or a quote."""
    text = text.replace("%", "%%")
    if any(c in text for c in " \t\"'\\"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _systemd_exec(argv: Sequence[str]) -> str:
    # systemd.service(5): `%` starts a specifier, so it is doubled; quoting is shell-like.
    return shlex.join(argv).replace("%", "%%")


def worst_case_seconds(job: JobSpec, backoff: float = 30.0) -> int:
    """Every attempt timing out plus every backoff wait: the longest one run can take."""
    return int(job.timeout * (job.retries + 1) + sum(backoff_delays(job.retries, backoff)) + 60)


def systemd(jobs: Sequence[JobSpec], context: ExportContext) -> list[ExportFile]:
    files: list[ExportFile] = []
    for job in jobs:
        unit = f"hygiene-{job.name}"
        # `${NAME}` in run: systemd reads the secrets file into the job's environment.
        secrets = (
            [f"EnvironmentFile={_systemd_value(str(context.secrets))}"]
            if job.env_names and context.secrets is not None
            else []
        )
        service = "\n".join(
            [
                "[Unit]",
                f"Description=hygiene job {job.name}: {job.command_line.replace('%', '%%')}",
                "",
                "[Service]",
                "Type=oneshot",
                f"WorkingDirectory={context.workdir}",
                *(f"Environment={_systemd_value(f'{n}={v}')}" for n, v in context.env),
                *secrets,
                f"ExecStart={_systemd_exec(context.hygiene('schedule', 'run', job.name))}",
                # hygiene retries and times out each attempt itself; this is only a backstop.
                f"TimeoutStartSec={worst_case_seconds(job)}",
                "Nice=10",
                "IOSchedulingClass=idle",
                "",
            ]
        )
        timer = "\n".join(
            [
                "[Unit]",
                f"Description=hygiene timetable for {job.name} ({job.schedule.expression})",
                "",
                "[Timer]",
                *(f"OnCalendar={event}" for event in on_calendar(job)),
                # Run once at boot/wake for a slot missed while off (catch-up).
                "Persistent=true",
                "RandomizedDelaySec=60",
                "",
                "[Install]",
                "WantedBy=timers.target",
                "",
            ]
        )
        files += [ExportFile(f"{unit}.service", service), ExportFile(f"{unit}.timer", timer)]
    return files


# ---- YAML (k8s, GitHub Actions) without a YAML library at run time ---------------------------


def _yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML; scalars as JSON, which YAML 1.2 reads as the same values."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {_yaml(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        lines = []
        for item in value:
            if isinstance(item, dict) and item:
                body = _yaml(item, indent + 2)
                lines.append(f"{pad}- {body[indent + 2 :]}")
            else:
                lines.append(f"{pad}- {_yaml(item)}")
        return "\n".join(lines)
    return json.dumps(value)


def zone_name(job: JobSpec) -> str:
    """The IANA name of the job's zone; a job without `timezone` gets the zone it resolves to
    here, at export time, so a cluster or runner elsewhere keeps this machine's hours."""
    if job.timezone:
        return job.timezone
    local = local_zone()
    key = getattr(local, "key", None)
    if isinstance(key, str):
        return key
    if local.utcoffset(dt.datetime.now()) == dt.timedelta(0):
        return "UTC"
    raise UsageError(
        f"job {job.name!r}: this machine's time zone has no IANA name to export; "
        "set timezone = 'Area/City' on the job"
    )


def _k8s_word(arg: str) -> str:
    """A run word for a container's command: `${NAME}` becomes Kubernetes' own `$(NAME)`
    (filled from the container's env); a literal `$(` is escaped as `$$(`."""
    from hygiene.schedule.settings import ENV_REF_RE

    return ENV_REF_RE.sub(lambda m: f"$({m.group(1)})", arg.replace("$(", "$$("))


def _refuse_password(job: JobSpec, target: str) -> None:
    if job.holds_password:
        raise UsageError(
            f"job {job.name!r}: run holds a password, which {target} would store as written; "
            f'set url_env = "NAME" on the job (or write ${{NAME}} in run) and keep the URL '
            "in the target's secrets (docs/schedule.md)"
        )


def k8s(jobs: Sequence[JobSpec], context: ExportContext) -> list[ExportFile]:
    """A ConfigMap with the timetable's config, and a CronJob per job that mounts it in its
    working folder and runs the job's command there, once (Kubernetes retries the pod)."""
    for job in jobs:
        _refuse_password(job, "a Kubernetes ConfigMap and CronJob")
    config_text = ""
    if context.config is not None:
        config_text = context.config.read_text(encoding="utf-8")
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "hygiene-config", "labels": {"app.kubernetes.io/name": "hygiene"}},
        "data": {"hygiene.toml": config_text},
    }
    docs = [
        "# The project's hygiene.toml, mounted as hygiene.toml in each job's working folder.\n"
        + _yaml(config_map)
    ]
    for job in jobs:
        container: dict[str, Any] = {
            "name": "hygiene",
            "image": context.image,
            "command": [*ON_PATH, *(_k8s_word(arg) for arg in job.run)],
            "workingDir": K8S_WORKDIR,
        }
        container["env"] = [
            {"name": "HYGIENE_HOME", "value": K8S_HOME},
            *(
                {"name": n, "valueFrom": {"secretKeyRef": {"name": K8S_SECRET, "key": n}}}
                for n in job.env_names
            ),
        ]
        container["volumeMounts"] = [
            {"name": "work", "mountPath": K8S_WORKDIR},
            {
                "name": "config",
                "mountPath": f"{K8S_WORKDIR}/hygiene.toml",
                "subPath": "hygiene.toml",
                "readOnly": True,
            },
        ]
        pod = {
            "restartPolicy": "Never",
            "containers": [container],
            "volumes": [
                # Scratch by default: replace with a persistentVolumeClaim holding the files
                # the job works on (a SQLite database, a tree to scan) and hygiene's state.
                {"name": "work", "emptyDir": {}},
                {"name": "config", "configMap": {"name": "hygiene-config"}},
            ],
        }
        spec: dict[str, Any] = {
            "schedule": cron_fields(job.schedule),
            "timeZone": zone_name(job),
            "concurrencyPolicy": "Forbid",
            # A slot missed while the controller was down still starts within the hour.
            "startingDeadlineSeconds": 3600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 5,
            "jobTemplate": {
                "spec": {
                    # Kubernetes retries the pod, so the container runs the command once.
                    "backoffLimit": job.retries,
                    "activeDeadlineSeconds": worst_case_seconds(job),
                    "template": {
                        "metadata": {"labels": {"app.kubernetes.io/name": "hygiene"}},
                        "spec": pod,
                    },
                }
            },
        }
        doc = {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {
                "name": f"hygiene-{job.name}",
                "labels": {
                    "app.kubernetes.io/name": "hygiene",
                    "app.kubernetes.io/component": job.name,
                },
            },
            "spec": spec,
        }
        notes = [f"# job {job.name}: {job.schedule.expression} ({zone_name(job)})"]
        notes += kubernetes_dst_notes(job, zone_name(job))
        if job.when:
            conditions = ", ".join(c.text for c in job.when)
            notes.append(
                f"# job {job.name}: when = {conditions} cannot be checked in a pod "
                "(no battery or desktop load there); it runs at every slot"
            )
        if job.env_names:
            notes.append(
                f"# job {job.name}: reads {', '.join(job.env_names)} from the Secret "
                f"{K8S_SECRET}: kubectl create secret generic {K8S_SECRET} "
                + " ".join(f"--from-literal={n}=..." for n in job.env_names)
            )
        docs.append("\n".join(notes) + "\n" + _yaml(doc))
    header = (
        "# Generated by `hygiene schedule export --format k8s`. The image is built from\n"
        "# hygiene's Containerfile (docs/schedule.md); pass --image for your registry's copy.\n"
    )
    return [ExportFile("hygiene-cronjobs.yaml", header + "---\n" + "\n---\n".join(docs) + "\n")]


def robfig_runs(
    job: JobSpec, tz: dt.tzinfo, start: dt.datetime, end: dt.datetime
) -> set[dt.datetime]:
    """Runs (UTC) in (start, end] as the Kubernetes CronJob controller finds them: robfig/cron
    v3's `Next` in `timeZone` fires every wall time that matches the fields and exists, in
    both passes of a repeated hour, and never one the clocks jump over ("jobs scheduled during
    daylight-savings leap-ahead transitions will not be run!", its documentation)."""
    utc = dt.timezone.utc
    found: set[dt.datetime] = set()
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    while day <= end.astimezone(tz).date():
        if job.schedule.day_matches(day):
            for hour in job.schedule.hours:
                for minute in job.schedule.minutes:
                    wall = dt.datetime(day.year, day.month, day.day, hour, minute)
                    for fold in (0, 1):
                        moment = wall.replace(tzinfo=tz, fold=fold).astimezone(utc)
                        if (
                            moment.astimezone(tz).replace(tzinfo=None) == wall
                            and start < moment <= end
                        ):
                            found.add(moment)
        day += dt.timedelta(days=1)
    return found


def kubernetes_dst_notes(job: JobSpec, zone: str, now: dt.datetime | None = None) -> list[str]:
    """Comment lines for the coming DST changes (two years) at which Kubernetes runs the job
    differently from cron(8) and hygiene's tick: a skipped fixed time, a repeated one run twice."""
    utc = dt.timezone.utc
    tz = ZoneInfo(zone)
    moment = dt.datetime.now(utc) if now is None else now
    notes: dict[str, str] = {}
    for change in _transitions(tz, moment.year, moment.year + 2):
        if change <= moment:
            continue
        start, end = change - dt.timedelta(hours=4), change + dt.timedelta(hours=4)
        ours = {r.astimezone(utc) for r in job.schedule.runs_between(start, end, tz)}
        theirs = robfig_runs(job, tz, start, end)
        day = f"{change.astimezone(tz):%Y-%m-%d}"
        if ours - theirs and "skips" not in notes:
            at = ", ".join(f"{r.astimezone(tz):%H:%M}" for r in sorted(ours - theirs))
            notes["skips"] = (
                f"# job {job.name}: when clocks go forward in {zone} (next {day}) Kubernetes "
                f"skips the time the clocks jump over; cron and hygiene's tick run it at {at}"
            )
        if theirs - ours and "twice" not in notes:
            at = ", ".join(sorted({f"{r.astimezone(tz):%H:%M}" for r in theirs - ours}))
            notes["twice"] = (
                f"# job {job.name}: when clocks go back in {zone} (next {day}) Kubernetes "
                f"runs {at} twice, once per pass of the repeated hour; cron and hygiene's "
                "tick run it once"
            )
    return list(notes.values())


def _utc_offsets(tz: dt.tzinfo, year: int) -> list[int]:
    """The zone's distinct UTC offsets (seconds) in winter and summer."""
    offsets = []
    for month in (1, 7):
        probe = dt.datetime(year, month, 1, 12, tzinfo=dt.timezone.utc).astimezone(tz)
        offset = int((probe.utcoffset() or dt.timedelta()).total_seconds())
        if offset not in offsets:
            offsets.append(offset)
    return offsets


def utc_expression(job: JobSpec, offset: int) -> tuple[str, bool]:
    """The job's schedule shifted from a zone at `offset` seconds to UTC, and whether the run
    needs the `--slot-window` guard because the shift could not keep the day fields exact.

    Crossing midnight moves weekdays along; a day of the month cannot move (the 1st in Seoul
    is the last of the previous month in UTC), so the days are dropped and the guard picks the
    right day in the job's own zone.
    """
    cron = job.schedule
    if offset % 3600:
        raise UsageError(
            f"job {job.name!r}: {job.timezone} is not a whole number of hours from UTC; "
            "GitHub Actions cron is UTC only (use timezone = 'UTC')"
        )
    shift = offset // 3600
    shifted = {h - shift for h in cron.hours}
    hours = frozenset(h % 24 for h in shifted)
    moves = {h // 24 for h in shifted}
    restricted = cron.days is not None or cron.weekdays is not None
    if moves == {0} or not restricted:
        days, weekdays, guarded = cron.days, cron.weekdays, False
    elif len(moves) == 1 and cron.days is None and cron.weekdays is not None:
        move = moves.pop()
        days, weekdays, guarded = None, frozenset((d + move) % 7 for d in cron.weekdays), False
    else:
        days, weekdays, guarded = None, None, True
    shifted_cron = Cron(cron.expression, cron.minutes, hours, days, cron.months, weekdays)
    return cron_fields(shifted_cron), guarded


def _github_step(job: JobSpec, run: list[str]) -> dict[str, Any]:
    step: dict[str, Any] = {"run": shlex.join(run)}
    if job.env_names:
        # The repository's secrets, by the variable's own name (Settings > Secrets > Actions).
        step["env"] = {n: f"${{{{ secrets.{n} }}}}" for n in job.env_names}
    return step


def github_actions(jobs: Sequence[JobSpec], context: ExportContext) -> list[ExportFile]:
    for job in jobs:
        # The workflow runs the hygiene.toml committed with it: the password would be in git.
        _refuse_password(job, "git (a workflow runs the hygiene.toml committed beside it)")
    year = dt.date.today().year
    triggers: list[dict[str, str]] = []
    workflow_jobs: dict[str, Any] = {}
    for job in jobs:
        tz = job.tz if job.timezone else dt.timezone.utc
        offsets = _utc_offsets(tz, year)
        expressions: list[str] = []
        guarded = False
        for offset in offsets:
            expression, inexact = utc_expression(job, offset)
            guarded = guarded or inexact
            if expression not in expressions:
                expressions.append(expression)
        triggers += [{"cron": e} for e in expressions if {"cron": e} not in triggers]
        run = [*ON_PATH, "schedule", "run", job.name]
        if guarded or len(expressions) > 1:
            # One entry per DST offset, or days dropped: a firing with no slot of the job's
            # own zone within the window does nothing.
            run += ["--slot-window", GITHUB_SLOT_WINDOW]
        condition = " || ".join(f"github.event.schedule == '{e}'" for e in expressions)
        workflow_jobs[job.name] = {
            "if": f"github.event_name == 'workflow_dispatch' || {condition}",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": max(1, worst_case_seconds(job) // 60),
            "steps": [
                {"uses": "actions/checkout@v4"},
                {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
                # Our distribution, pinned (issue 17); --install for a wheel, git URL or index.
                {"run": f"python -m pip install {context.install or install_spec()}"},
                _github_step(job, run),
            ],
        }
    workflow = {
        "name": "hygiene schedule",
        # GitHub runs `schedule:` in UTC only; zones were converted above.
        "on": {"schedule": triggers, "workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "jobs": workflow_jobs,
    }
    header = "# Generated by `hygiene schedule export --format github-actions`. Jobs:\n"
    header += "\n".join(_comment_lines(jobs)) + "\n"
    return [ExportFile("hygiene-schedule.yml", header + _yaml(workflow) + "\n")]


# ---- Celery beat -----------------------------------------------------------------------------


def _celery_entry(job: JobSpec, key: str, days: str, weekdays: str) -> str:
    cron = job.schedule
    return (
        f"    {key!r}: {{\n"
        f"        'task': 'hygiene.run_job',\n"
        f"        'schedule': zoned_crontab(minute={_field(cron.minutes, range(60))!r}, "
        f"hour={_field(cron.hours, range(24))!r}, day_of_month={days!r}, "
        f"month_of_year={_field(cron.months, range(1, 13))!r}, "
        f"day_of_week={weekdays!r}, zone={zone_name(job)!r}),\n"
        f"        'args': ({job.name!r},),\n"
        f"        'options': {{'expires': {worst_case_seconds(job)}}},\n"
        f"    }},\n"
    )


# The schedule class of the generated beat module: plain Python (no hygiene import), kept out of
# the f-string below so its braces are its own.
CELERY_ZONED_CRONTAB = '''class zoned_crontab(crontab):
    """Celery's crontab matched in the job's own zone, with cron(8)'s rules across DST.

    Celery matches a crontab in `self.tz` (the app's zone) and ignores `nowfun`'s zone, so a
    02:00 Asia/Seoul job would fire at 02:00 UTC; here `tz` is the job's zone. Across a DST
    change Celery's own arithmetic runs a skipped 02:30 at 03:30 and drops the second 01:00 of
    an hourly job, so the next run is found here the way cron(8) and hygiene's tick find it: a
    fixed time the clocks jump over runs when the gap ends, a fixed time that happens twice runs
    the first time only, a job on every hour runs in both repeated hours (docs/schedule.md).
    """

    def __init__(self, *args, zone="UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        # Beat pickles its entries: crontab's __reduce__ carries the cron fields as arguments
        # and these keywords (nowfun, app) as the state __setstate__ gets; the zone rides there.
        self._orig_kwargs = {**self._orig_kwargs, "zone": zone}

    @property
    def tz(self):
        return ZoneInfo(self.zone)

    def __setstate__(self, state):
        state = dict(state)
        zone = state.pop("zone", "UTC")
        super().__setstate__(state)
        self.zone = zone
        self._orig_kwargs = {**state, "zone": zone}

    def remaining_estimate(self, last_run_at, ffwd=None):
        """Time from now to the first run after `last_run_at` (negative: overdue)."""
        last = self.maybe_make_aware(last_run_at)
        now = self.maybe_make_aware(self.now())
        return self.next_run(last) - now.astimezone(timezone.utc)

    def next_run(self, after):
        """The first run strictly after the aware datetime `after`, in UTC."""
        zone, after = self.tz, after.astimezone(timezone.utc)
        fixed = len(self.hour) < 24
        day = after.astimezone(zone).date() - timedelta(days=1)
        for _ in range(366 * 5):
            if (
                day.month in self.month_of_year
                and day.day in self.day_of_month
                and day.isoweekday() % 7 in self.day_of_week
            ):
                runs = set()
                for hour in self.hour:
                    for minute in self.minute:
                        wall = datetime(day.year, day.month, day.day, hour, minute)
                        runs.update(_instants(wall, zone, fixed))
                later = [run for run in runs if run > after]
                if later:
                    return min(later)
            day += timedelta(days=1)
        raise ValueError(f"{self!r} has no run within five years of {after}")


def _instants(wall, zone, fixed):
    """When the wall-clock time `wall` happens in `zone`, by cron's rules (UTC)."""
    utc = timezone.utc
    passes = sorted(
        {
            moment.astimezone(utc)
            for moment in (wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1))
            if moment.astimezone(utc).astimezone(zone).replace(tzinfo=None) == wall
        }
    )
    if passes:
        # Twice in a fold: a fixed time runs once, a job on every hour in both real hours.
        return passes[:1] if fixed else passes
    if not fixed:
        return []
    # Skipped by the clocks: a fixed time runs at the first minute after the gap.
    moment = min(wall.replace(tzinfo=zone, fold=f).astimezone(utc) for f in (0, 1))
    while moment.astimezone(zone).replace(tzinfo=None) <= wall:
        moment += timedelta(minutes=1)
    return [moment]
'''


def celery(jobs: Sequence[JobSpec], context: ExportContext) -> list[ExportFile]:
    entries = []
    env = {job.name: list(job.env_names) for job in jobs if job.env_names}
    for job in jobs:
        cron = job.schedule
        days = "*" if cron.days is None else _field(cron.days, range(1, 32))
        weekdays = "*" if cron.weekdays is None else _field(cron.weekdays, range(7))
        if cron.days is not None and cron.weekdays is not None:
            # Celery requires both fields to match; cron needs either: two entries.
            entries.append(_celery_entry(job, f"hygiene-{job.name}", days, "*"))
            entries.append(_celery_entry(job, f"hygiene-{job.name}-weekday", "*", weekdays))
        else:
            entries.append(_celery_entry(job, f"hygiene-{job.name}", days, weekdays))
    module = f'''"""Celery beat timetable, generated by `hygiene schedule export --format celery`.

Run it as it is, from this folder (beat inside the worker):
    CELERY_BROKER_URL=redis://localhost:6379/0 celery -A hygiene_beat worker -B
or from your own Celery app, which importing this module gives the task:
    app.conf.beat_schedule = hygiene_beat.beat_schedule
Jobs:
{chr(10).join(line[1:] for line in _comment_lines(jobs))}
"""

import os
import subprocess
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from celery import Celery, shared_task
from celery.schedules import crontab

HYGIENE = {list(context.program)!r}
CONFIG = {[] if context.config is None else ["--config", str(context.config)]!r}
WORKDIR = {str(context.workdir)!r}
# HYGIENE_HOME and HYGIENE_CONFIG_HOME as set at export time: the worker's environment may lack
# them, and the history and logs must land where `hygiene report` reads them.
CARRIED = {dict(context.env)!r}
# The variables each job's run reads (`${{NAME}}`): taken from the worker's environment.
ENV = {env!r}


{CELERY_ZONED_CRONTAB}

@shared_task(name="hygiene.run_job")
def run_job(name):
    missing = [variable for variable in ENV.get(name, ()) if variable not in os.environ]
    if missing:
        raise RuntimeError(f"hygiene job {{name}}: set {{', '.join(missing)}} for the worker")
    # hygiene retries, times out, records history and notifies; a failure fails the task.
    subprocess.run(
        [*HYGIENE, "schedule", "run", name, *CONFIG],
        cwd=WORKDIR,
        env={{**os.environ, **CARRIED}},
        check=True,
    )


beat_schedule = {{
{"".join(entries)}}}

# The app `celery -A hygiene_beat` finds. Its broker and result backend are Celery's own
# settings from the environment (CELERY_BROKER_URL, CELERY_RESULT_BACKEND) or `-b`. Not made
# the current app: a project that imports this module into its own app keeps its app current.
app = Celery("hygiene_beat", set_as_current=False)
app.conf.beat_schedule = beat_schedule
'''
    return [ExportFile("hygiene_beat.py", module)]
