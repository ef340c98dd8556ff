"""A progress line on stderr for long scans, only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def reporter(*, enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    from hygiene.paths import display
    from hygiene.units import format_bytes

    console = Console(stderr=True)
    start = time.monotonic()
    with console.status("scanning") as status:

        def report(files: int, size: int, path: str) -> None:
            status.update(
                f"scanning: {files:,} files, {format_bytes(size)}, "
                f"{time.monotonic() - start:.0f}s  [dim]{display(path)[-60:]}[/dim]"
            )

        yield report
