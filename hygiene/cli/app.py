"""The typer application: every command registered here, each defined in its own module."""

from __future__ import annotations

import typer

from hygiene import __version__
from hygiene.cli.options import CONTEXT

HELP = (
    "Keep workstations, repositories and local dev databases clean, "
    "the way a city keeps itself clean."
)


def _version(value: bool) -> None:
    if value:
        print(f"hygiene {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    from hygiene.cli import clean, fix, hook, log, quarantine, report, restore, scan, schedule
    from hygiene.cli import db as db_cli
    from hygiene.cli import simulate as simulate_cli

    app = typer.Typer(
        name="hygiene",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings=CONTEXT,
        rich_markup_mode=None,
    )

    @app.callback()
    def root(
        version: bool = typer.Option(
            False, "--version", "-V", callback=_version, is_eager=True, help="Show the version."
        ),
    ) -> None:
        """Keep workstations, repositories and local dev databases clean."""

    app.command("scan", context_settings=CONTEXT)(scan.scan_command)
    app.command("fix", context_settings=CONTEXT)(fix.fix_command)
    app.command("clean", context_settings=CONTEXT)(clean.clean_command)
    app.command("restore", context_settings=CONTEXT)(restore.restore_command)
    app.add_typer(quarantine.app, name="quarantine", context_settings=CONTEXT)
    app.command("log", context_settings=CONTEXT)(log.log_command)
    app.add_typer(hook.build_hook_app(), name="hook", context_settings=CONTEXT)
    app.add_typer(db_cli.db_app, name="db", context_settings=CONTEXT)
    app.add_typer(schedule.build(), name="schedule", context_settings=CONTEXT)
    app.command("report", context_settings=CONTEXT)(report.report_command)
    app.add_typer(simulate_cli.build_simulate_app(), name="simulate", context_settings=CONTEXT)
    return app
