"""`hygiene scan`: the collection survey, as typer reads it (the work: `hygiene.cli.scan_run`)."""

from __future__ import annotations

from typing import Annotated

import typer

from hygiene.cli import complete
from hygiene.cli.options import (
    CategoryOpt,
    ConfigOpt,
    CrossMountsOpt,
    EcosystemOpt,
    JsonOpt,
    LargeOpt,
    MinSizeOpt,
    OlderThanOpt,
    QuietOpt,
    RootsArg,
    SystemOpt,
    VerboseOpt,
)


def scan_command(
    roots: RootsArg = None,
    json_output: JsonOpt = False,
    top: Annotated[
        int | None,
        typer.Option("--top", min=1, help="Show only the first N of each kind (by --sort)."),
    ] = None,
    older_than: OlderThanOpt = None,
    min_size: MinSizeOpt = None,
    ecosystem: EcosystemOpt = None,
    category: CategoryOpt = None,
    fail_over: Annotated[
        str | None,
        typer.Option("--fail-over", help="Exit 1 when the findings add up to more than this."),
    ] = None,
    cross_mounts: CrossMountsOpt = None,
    large: LargeOpt = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Only this kind of finding (artifact, ignore-gap, tracked-artifact, "
            "tracked-secret, large-file, history-blob, editor-exclude, database, system-cache); "
            "repeat.",
            autocompletion=complete.kinds,
        ),
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            help="Order each kind by size (largest first), age (oldest first) or path.",
            autocompletion=complete.sorts,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="Leave out paths matching GLOB (gitignore syntax, from each root); repeat.",
        ),
    ] = None,
    git_stats: Annotated[
        bool, typer.Option("--git-stats", help="Add a size summary of each repository.")
    ] = False,
    system: SystemOpt = False,
    config_path: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> int:
    """Find caches, build outputs, dependency folders, virtualenvs and junk under ROOTS.

    Also ignore gaps, tracked junk, large files, big history blobs, editor excludes and dev
    databases in the repositories found; machine-wide caches with --system.
    """
    from hygiene.cli.scan_run import ScanArgs, run_scan

    return run_scan(
        ScanArgs(
            roots=roots,
            json_output=json_output,
            top=top,
            older_than=older_than,
            min_size=min_size,
            ecosystem=ecosystem,
            category=category,
            fail_over=fail_over,
            cross_mounts=cross_mounts,
            large=large,
            kind=kind,
            sort=sort,
            exclude=exclude,
            git_stats=git_stats,
            system=system,
            config_path=config_path,
            quiet=quiet,
            verbose=verbose,
        )
    )
