"""Options shared by several commands, defined once (their conversion: `hygiene.cli.convert`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hygiene.cli import complete

# Every command and group answers -h as well as --help.
CONTEXT = {"help_option_names": ["-h", "--help"]}


def sub_app(name: str, help: str, **settings: bool) -> typer.Typer:
    """A command group (`hygiene db ...`) with the settings every group shares."""
    settings.setdefault("no_args_is_help", True)
    return typer.Typer(
        name=name,
        help=help,
        context_settings=CONTEXT,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        **settings,  # type: ignore[arg-type]
    )


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Config file (hygiene.toml or pyproject.toml).", dir_okay=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or hints on stderr.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Show what would be done; change nothing.")
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Say more on stderr.")]
RootsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Folders to scan (default: the current folder).", show_default=False),
]
OlderThanOpt = Annotated[
    str | None, typer.Option("--older-than", help="Only findings untouched this long (30d).")
]
MinSizeOpt = Annotated[
    str | None, typer.Option("--min-size", help="Only findings this big (10MB).")
]
EcosystemOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ecosystem",
        "-e",
        help="Only this ecosystem (python, node, rust...); repeat.",
        autocompletion=complete.ecosystems,
    ),
]
CategoryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--category",
        help="Only this category (cache, build, dependencies, virtualenv, junk); repeat.",
        autocompletion=complete.categories,
    ),
]
CrossMountsOpt = Annotated[
    bool | None,
    typer.Option(
        "--cross-mounts/--one-filesystem",
        help="Descend into other mounted filesystems.",
        show_default=False,
    ),
]
LargeOpt = Annotated[
    str | None,
    typer.Option("--large", help="Large files and history blobs from this size (50MB)."),
]
SystemOpt = Annotated[
    bool, typer.Option("--system", help="Add machine-wide tool caches and filesystem usage.")
]
