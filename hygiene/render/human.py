"""What every rich renderer shares: the console and how a path is shown below the roots.

rich is imported inside functions, never by the engine.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

from hygiene.paths import display

if TYPE_CHECKING:
    from rich.console import Console


def console() -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here; hygiene's one policy for a reader that left is exit 0
            # (`cli.main._reader_left`, issue 18 item 7), so the error goes on to it.
            raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")

    # Width from COLUMNS when set (tests fix it); never wrap paths mid-way on a pipe.
    return _Console(highlight=False, soft_wrap=False)


def short_path(path: str, roots: tuple[str, ...]) -> str:
    for root in roots:
        if path == root:
            return "."
        if path.startswith(root.rstrip(os.sep) + os.sep):
            return display(os.path.relpath(path, root))
    return display(path)
