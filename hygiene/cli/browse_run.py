"""`hygiene browse` once its arguments are read: by typer (`hygiene.cli.browse`) or, for the
common command lines, by `hygiene.cli.fast` without importing typer (the scan is started sooner
by the time typer takes; issue 20). No typer here; textual is imported only once the scan runs.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hygiene.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from hygiene.browse.session import BrowseRequest
    from hygiene.browse.ui.app import BrowseApp


@dataclass(frozen=True)
class BrowseArgs:
    """`browse`'s command line as read, by typer or without it: the one place its options are
    named and defaulted."""

    roots: list[Path] | None = None
    older_than: str | None = None
    min_size: str | None = None
    ecosystem: list[str] | None = None
    category: list[str] | None = None
    cross_mounts: bool | None = None
    large: str | None = None
    kind: list[str] | None = None
    system: bool = False
    min_age: str | None = None
    config_path: Path | None = None


def run_browse(args: BrowseArgs) -> int:
    # Checked first: a full-screen app on a pipe would write escape codes into it.
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise UsageError(
            "browse needs a terminal; use 'hygiene scan' to list findings "
            "and 'hygiene clean' to collect them"
        )
    request, live_older, live_size = browse_request(args)
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


def browse_request(args: BrowseArgs) -> tuple[BrowseRequest, float | None, int | None]:
    """`scan`'s request, read by `scan_request` itself; its `--older-than` and `--min-size`
    become the board's live filters (so changing them needs no new scan)."""
    from hygiene.browse.session import BrowseRequest
    from hygiene.clean.collect import CleanRequest, resolved
    from hygiene.cli.convert import duration_option
    from hygiene.cli.scan_run import ScanArgs, scan_request

    scan = scan_request(
        ScanArgs(
            roots=args.roots,
            older_than=args.older_than,
            min_size=args.min_size,
            ecosystem=args.ecosystem,
            category=args.category,
            cross_mounts=args.cross_mounts,
            large=args.large,
            kind=args.kind,
            git_stats=False,
            system=args.system,
            config_path=args.config_path,
        )
    )
    live = scan.filters
    config = scan.config.with_flags(min_age=duration_option("--min-age", args.min_age))
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
