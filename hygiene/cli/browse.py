"""`hygiene browse`: the interactive list, with `scan`'s options; textual is imported
here only, when the command runs, so no other command's start-up grows."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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
from hygiene.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from hygiene.browse.session import BrowseRequest
    from hygiene.browse.ui.app import BrowseApp


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
    # Checked first: a full-screen app on a pipe would write escape codes into it.
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise UsageError(
            "browse needs a terminal; use 'hygiene scan' to list findings "
            "and 'hygiene clean' to collect them"
        )
    request, live_older, live_size = browse_request(
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
    code = launch(request, live_older, live_size).run()
    return EXIT_OK if code is None else code


def launch(request: BrowseRequest, older_than: float | None, min_size: int | None) -> BrowseApp:
    """The app, its scan already running: started first, in a forked process (this one has a
    single thread yet), so the walk goes on while Textual is imported and starts (issue 20)."""
    from hygiene.browse.feed import ScanFeed

    feed = ScanFeed.start(request.scan, request.clean)
    try:
        from hygiene.browse.ui.app import BrowseApp

        return BrowseApp(request, older_than=older_than, min_size=min_size, feed=feed)
    except BaseException:
        feed.stop()
        feed.close()
        raise


def browse_request(
    *,
    roots: list[Path] | None,
    older_than: str | None,
    min_size: str | None,
    ecosystem: list[str] | None,
    category: list[str] | None,
    cross_mounts: bool | None,
    large: str | None,
    kind: list[str] | None,
    system: bool,
    min_age: str | None,
    config_path: Path | None,
) -> tuple[BrowseRequest, float | None, int | None]:
    """`scan`'s request, read by `scan_request` itself; its `--older-than` and `--min-size`
    become the board's live filters (so changing them needs no new scan)."""
    from hygiene.browse.session import BrowseRequest
    from hygiene.clean.collect import CleanRequest, resolved
    from hygiene.cli.convert import duration_option
    from hygiene.cli.scan_run import ScanArgs, scan_request

    scan = scan_request(
        ScanArgs(
            roots=roots,
            older_than=older_than,
            min_size=min_size,
            ecosystem=ecosystem,
            category=category,
            cross_mounts=cross_mounts,
            large=large,
            kind=kind,
            git_stats=False,
            system=system,
            config_path=config_path,
        )
    )
    live = scan.filters
    config = scan.config.with_flags(min_age=duration_option("--min-age", min_age))
    # Each item is picked by hand, so a marked virtualenv counts as asked for (clean --all).
    clean = resolved(
        CleanRequest(roots=tuple(str(r) for r in scan.roots), config=config, all_categories=True)
    )
    scan = dataclasses.replace(
        scan,
        roots=tuple(Path(r) for r in clean.roots),
        config=config,
        filters=dataclasses.replace(live, older_than=None, min_size=None),
    )
    return BrowseRequest(scan=scan, clean=clean), live.older_than, live.min_size
