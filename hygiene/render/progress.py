"""Progress on stderr, only when it is a terminal and the command was not asked to be quiet.

The one reporter: `reporter()` is a status line for a walk (files, bytes, the folder now),
`bars()` a bar per step of known size (`db clean`'s rules). Both yield None when progress is
not shown, which the engine takes as "nobody listens".
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def shown(enabled: bool) -> bool:
    return enabled and sys.stderr.isatty()


@contextmanager
def reporter(*, enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not shown(enabled):
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


@contextmanager
def bars(*, enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """One bar per named step, told (name, done, total); a total of 0 is unknown."""
    if not shown(enabled):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, TaskID

    tasks: dict[str, TaskID] = {}
    with Progress(console=Console(stderr=True), transient=False) as progress:

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total or None)
            progress.update(tasks[step], completed=done, total=total or None)

        yield report
