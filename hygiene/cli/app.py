"""The typer application: every command registered here, each defined in its own module."""

from __future__ import annotations

import typer

from hygiene import __version__
from hygiene.cli.commands import COMMANDS
from hygiene.cli.options import CONTEXT

HELP = (
    "Keep workstations, repositories and local dev databases clean, "
    "the way a city keeps itself clean."
)


def _version(value: bool) -> None:
    if value:
        print(f"hygiene {__version__}")
        raise typer.Exit(0)


def _register(app: typer.Typer, name: str) -> None:
    """Add one top-level command or group, importing only its own module."""
    from importlib import import_module

    kind, module_name, attr = COMMANDS[name]
    module = import_module(module_name)
    target = getattr(module, attr)
    if kind == "command":
        app.command(name, context_settings=CONTEXT)(target)
    else:
        group = target() if kind == "factory" else target
        app.add_typer(group, name=name, context_settings=CONTEXT)


def build_app(args: list[str] | None = None) -> typer.Typer:
    """The application; given the command line, only the command it names is registered.

    Building every command's parameters from its signature costs typer about as much as the
    rest of start-up, and `hygiene scan` has no use for `db`'s. A command line that names no
    known command (`--help`, a typo) gets them all, so help and "no such command" stay whole.
    """
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

    first = args[0] if args else None
    for name in [first] if first in COMMANDS else COMMANDS:
        _register(app, name)
    return app
