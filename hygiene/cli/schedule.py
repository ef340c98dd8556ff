"""`hygiene schedule`: the collection timetable (list), the tick (run), exports and install."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hygiene.cli.convert import duration_option
from hygiene.cli.options import ConfigOpt, JsonOpt, QuietOpt, VerboseOpt
from hygiene.errors import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from hygiene.config.layers import Config
    from hygiene.schedule.dispatch import JobOutcome, RunPolicy
    from hygiene.schedule.settings import JobSpec

from hygiene.cli.confirm import confirm, declined
from hygiene.cli.options import CONTEXT, DryRunOpt, YesOpt, sub_app

NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="Pretend it is this time (ISO 8601), to try a timetable or replay a missed night.",
        hidden=True,
    ),
]


def parse_now(value: str | None) -> dt.datetime:
    """`--now` for the timetable: a time without an offset is the machine's local time."""
    from hygiene.schedule.cron import local_zone
    from hygiene.units import parse_now as parse_moment

    if value is None:
        return dt.datetime.now(dt.timezone.utc)
    return parse_moment(value, naive=local_zone())


def load_jobs(config_path: Path | None) -> tuple[Config, tuple[JobSpec, ...]]:
    from hygiene.config.layers import load_config

    config = load_config(Path.cwd(), config_path)
    if not config.jobs:
        where = config.project_file or "hygiene.toml, pyproject.toml [tool.hygiene] or user config"
        raise UsageError(f"no [[jobs]] in {where}; see docs/schedule.md for the format")
    return config, config.jobs


def _policy(config: Config) -> RunPolicy:
    import os

    from hygiene.schedule.dispatch import RunPolicy
    from hygiene.units import parse_duration

    cwd = config.project_file.parent if config.project_file else Path.cwd()
    # The first retry's wait; documented for CI and demos that cannot wait 30 seconds.
    backoff = os.environ.get("HYGIENE_RETRY_BACKOFF")
    if backoff is None:
        return RunPolicy(cwd=cwd)
    try:
        return RunPolicy(cwd=cwd, backoff=parse_duration(backoff))
    except ValueError:
        raise UsageError(
            f"HYGIENE_RETRY_BACKOFF: expected a duration such as 30s, got {backoff!r}"
        ) from None


def list_command(
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="Next runs per job.")] = 3,
    week: Annotated[bool, typer.Option("--week", help="Draw the coming week as a grid.")] = False,
    json_output: JsonOpt = False,
    config_path: ConfigOpt = None,
    now: NowOpt = None,
) -> int:
    """The timetable: every job, its schedule and its next runs."""
    from hygiene.render import schedule as render
    from hygiene.schedule.cron import local_zone
    from hygiene.schedule.tick import upcoming

    _, jobs = load_jobs(config_path)
    moment = parse_now(now)
    runs = {job.name: upcoming(job, now=moment, count=count) for job in jobs}
    if json_output:
        from hygiene.render.json import dump

        dump(render.timetable_document(jobs, runs, moment), sys.stdout)
    elif week:
        render.print_week(jobs, moment, local_zone())
    else:
        render.print_timetable(jobs, runs, local_zone())
    return EXIT_OK


def run_command(
    job_name: Annotated[
        str | None, typer.Argument(help="Run this job now.", show_default=False, metavar="JOB")
    ] = None,
    due: Annotated[
        bool, typer.Option("--due", help="Run every job whose time has come (the tick).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With JOB: ignore its `when` conditions.")
    ] = False,
    slot_window: Annotated[
        str | None,
        typer.Option(
            "--slot-window",
            help="With JOB: run only if one of its slots fell this recently (50m); for "
            "schedulers that fire in UTC only.",
        ),
    ] = None,
    json_output: JsonOpt = False,
    config_path: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    now: NowOpt = None,
) -> int:
    """Run due jobs (the tick a scheduler calls) or one job now."""
    from hygiene.render import schedule as render
    from hygiene.schedule.dispatch import run_due, run_now
    from hygiene.schedule.notify import Notifier

    if due == (job_name is not None):
        raise UsageError("schedule run: give either --due or a JOB name")
    if due and (force or slot_window is not None):
        raise UsageError("schedule run: --force and --slot-window apply to one JOB, not --due")
    window = duration_option("--slot-window", slot_window)
    config, jobs = load_jobs(config_path)
    fixed = parse_now(now) if now is not None else None

    def clock() -> dt.datetime:
        return fixed if fixed is not None else dt.datetime.now(dt.timezone.utc)

    policy = _policy(config)
    notifier = Notifier(config.notify)
    progress = None if quiet or json_output else render.attempt_reporter()
    outcomes: list[JobOutcome]
    if due:
        outcomes = list(
            run_due(jobs, now=clock, policy=policy, notifier=notifier, on_attempt=progress)
        )
    else:
        chosen = [job for job in jobs if job.name == job_name]
        if not chosen:
            known = ", ".join(job.name for job in jobs)
            raise UsageError(f"schedule run: no job named {job_name!r} (jobs: {known})")
        outcomes = [
            run_now(
                chosen[0],
                now=clock,
                policy=policy,
                notifier=notifier,
                force=force,
                slot_window=window,
                on_attempt=progress,
            )
        ]
    pending = notifier.wait()
    if json_output:
        from hygiene.render.json import dump

        dump(render.outcomes_document(outcomes), sys.stdout)
    elif not quiet or any(o.outcome in ("failed", "timeout") for o in outcomes):
        render.print_outcomes(outcomes, verbose=verbose)
    if not quiet:
        for problem in notifier.errors:
            print(f"hygiene: notify: {problem}", file=sys.stderr)
        if pending:
            print(f"hygiene: notify: {pending} notice(s) still sending; gave up", file=sys.stderr)
    failed = any(o.outcome in ("failed", "timeout") for o in outcomes)
    return EXIT_FINDINGS if failed else EXIT_OK


def export_command(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="crontab, systemd, launchd, k8s, celery or github-actions.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the file(s) into this folder instead of printing them.",
            file_okay=False,
        ),
    ] = None,
    image: Annotated[
        str | None,
        typer.Option(
            "--image",
            help="k8s: the image built from hygiene's Containerfile (default hygiene:VERSION).",
            show_default=False,
        ),
    ] = None,
    install: Annotated[
        str | None,
        typer.Option(
            "--install",
            metavar="SPEC",
            help="github-actions: what pip installs (default hygiene-cli==VERSION): a wheel, "
            "a git URL, or a name with --index-url.",
            show_default=False,
        ),
    ] = None,
    config_path: ConfigOpt = None,
) -> int:
    """Print the timetable for another scheduler (cron, systemd, launchd, k8s, Celery, GitHub)."""
    from hygiene.schedule.export import FORMATS, ExportContext, export

    if fmt not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    config, jobs = load_jobs(config_path)
    context = ExportContext.current(config.project_file, image=image, install=install)
    files = export(fmt, jobs, context)
    if fmt in ("crontab", "launchd"):
        context.prepare()
    if output is None:
        for index, item in enumerate(files):
            if len(files) > 1:
                print(f"{'' if index == 0 else chr(10)}# ---- {item.name} ----")
            sys.stdout.write(item.content)
        return EXIT_OK
    output.mkdir(parents=True, exist_ok=True)
    for item in files:
        (output / item.name).write_text(item.content, encoding="utf-8")
        print(f"wrote {output / item.name}", file=sys.stderr)
    return EXIT_OK


TargetOpt = Annotated[
    str, typer.Option("--target", "-t", help="crontab (the user crontab) or systemd (user timers).")
]


def install_command(
    target: TargetOpt = "crontab",
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    config_path: ConfigOpt = None,
) -> int:
    """Add the timetable to the user crontab or systemd user timers (shows the change first)."""
    from hygiene.schedule.export import ExportContext

    config, jobs = load_jobs(config_path)
    context = ExportContext.current(config.project_file)
    if not dry_run:
        context.prepare()
    return _apply(target, jobs, context, yes=yes, dry_run=dry_run, remove=False)


def uninstall_command(
    target: TargetOpt = "crontab",
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
) -> int:
    """Remove hygiene's crontab block or systemd user timers (shows the change first)."""
    from hygiene.schedule.export import ExportContext

    return _apply(target, (), ExportContext.current(None), yes=yes, dry_run=dry_run, remove=True)


def _apply(
    target: str,
    jobs: tuple[JobSpec, ...],
    context: object,
    *,
    yes: bool,
    dry_run: bool,
    remove: bool,
) -> int:
    from hygiene.render.schedule import print_change
    from hygiene.schedule import install
    from hygiene.schedule.export import ExportContext

    assert isinstance(context, ExportContext)
    if target not in install.TARGETS:
        raise UsageError(f"--target: expected one of {', '.join(install.TARGETS)}, got {target!r}")
    change = install.plan(target, jobs, context, remove=remove)
    if not change.changed:
        print(
            f"hygiene: {change.where}: already {'absent' if remove else 'up to date'}",
            file=sys.stderr,
        )
        return EXIT_OK
    print_change(change)
    if dry_run:
        return EXIT_OK
    if not confirm("Apply this change?", yes):
        return declined()
    for note in install.apply(change):
        print(f"hygiene: {note}", file=sys.stderr)
    return EXIT_OK


def build() -> typer.Typer:
    app = sub_app(
        "schedule", "The collection timetable: list jobs, run due ones, export and install them."
    )
    app.command("list", context_settings=CONTEXT)(list_command)
    app.command("run", context_settings=CONTEXT)(run_command)
    app.command("export", context_settings=CONTEXT)(export_command)
    app.command("install", context_settings=CONTEXT)(install_command)
    app.command("uninstall", context_settings=CONTEXT)(uninstall_command)
    return app
