"""What every rich renderer shares: the console and how a path is shown below the roots.

rich is imported inside functions, never by the engine.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hygiene.paths import display

if TYPE_CHECKING:
    from rich.console import Console


def console() -> Console:
    from rich.console import Console

    # Width from COLUMNS when set (tests fix it); never wrap paths mid-way on a pipe.
    return Console(highlight=False, soft_wrap=False)


def short_path(path: str, roots: tuple[str, ...]) -> str:
    for root in roots:
        if path == root:
            return "."
        if path.startswith(root.rstrip(os.sep) + os.sep):
            return display(os.path.relpath(path, root))
    return display(path)
