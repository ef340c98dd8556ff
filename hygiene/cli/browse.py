"""`hygiene browse` read by typer: the interactive list, with `scan`'s options. The command
itself is `hygiene.cli.browse_run` (which `hygiene.cli.fast` calls without typer); textual is
imported there only, when the command runs, so no other command's start-up grows."""

from __future__ import annotations

from typing import Annotated

import typer

from hygiene.cli import browse_run
from hygiene.cli.options import (
    CategoryOpt,
    ConfigOpt,
    CrossMountsOpt,
    EcosystemOpt,
    LargeOpt,
    MinSizeOpt,
    OlderThanOpt,
    RootsArg,
    SystemOpt,
)


def browse_command(
    roots: RootsArg = None,
    older_than: OlderThanOpt = None,
    min_size: MinSizeOpt = None,
    ecosystem: EcosystemOpt = None,
    category: CategoryOpt = None,
    cross_mounts: CrossMountsOpt = None,
    large: LargeOpt = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", "-k", help="Only this kind of finding (as scan --kind); repeat."),
    ] = None,
    system: SystemOpt = False,
    min_age: Annotated[
        str | None,
        typer.Option(
            "--min-age", help="Keep items modified more recently than this (default: 1h)."
        ),
    ] = None,
    config_path: ConfigOpt = None,
) -> int:
    """Browse the findings under ROOTS as they stream in; mark, quarantine, undo, fix.

    Press ? inside for the keys. Needs a terminal: for scripts use `hygiene scan` and
    `hygiene clean`.
    """
    return browse_run.run_browse(
        browse_run.BrowseArgs(
            roots=roots,
            older_than=older_than,
            min_size=min_size,
            ecosystem=ecosystem,
            category=category,
            cross_mounts=cross_mounts,
            large=large,
            kind=kind,
            system=system,
            min_age=min_age,
            config_path=config_path,
        )
    )
