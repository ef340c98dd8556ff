"""Options shared by several commands, defined once, and their conversion to typed values."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hygiene.errors import UsageError
from hygiene.units import DURATION_EXPECTED, SIZE_EXPECTED, parse_duration, parse_size

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
    typer.Option("--ecosystem", "-e", help="Only this ecosystem (python, node, rust...); repeat."),
]
CategoryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--category",
        help="Only this category (cache, build, dependencies, virtualenv, junk); repeat.",
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


def size_option(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError:
        raise UsageError(f"{name}: expected {SIZE_EXPECTED}, got {value!r}") from None


def duration_option(name: str, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError:
        raise UsageError(f"{name}: expected {DURATION_EXPECTED}, got {value!r}") from None


def roots_argument(roots: list[Path] | None) -> tuple[Path, ...]:
    """The roots, each an existing folder, or a one-line error naming the first bad one."""
    chosen = tuple(roots) if roots else (Path("."),)
    for root in chosen:
        if not root.exists():
            raise UsageError(f"root {str(root)!r} does not exist")
        if not root.is_dir():
            raise UsageError(f"root {str(root)!r} is not a folder")
    return tuple(root.absolute() for root in chosen)


def choices_option(name: str, values: list[str] | None, allowed: set[str]) -> frozenset[str]:
    chosen = frozenset(v.lower() for v in values or ())
    unknown = sorted(chosen - allowed)
    if unknown:
        raise UsageError(
            f"{name}: unknown value {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})"
        )
    return chosen
