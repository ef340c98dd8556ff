"""The typer application: every command registered here, each defined in its own module."""

from __future__ import annotations

import typer

from hygiene import __version__

HELP = (
    "Keep workstations, repositories and local dev databases clean, "
    "the way a city keeps itself clean."
)
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _version(value: bool) -> None:
    if value:
        print(f"hygiene {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    from hygiene.cli import db, scan

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
    app.add_typer(db.db_app, name="db")
    return app
