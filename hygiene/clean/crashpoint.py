"""A test hook on the real code path: die by SIGKILL at the Nth step of a destructive action.

`HYGIENE_CRASH_AFTER=N` makes the process kill itself (SIGKILL, no cleanup, no `finally`) when
it reaches its Nth checkpoint. Crash-safety tests run `hygiene clean` as a real subprocess with
N = 1, 2, 3, ... and check that every item is either in place or whole in quarantine.
Unset, a checkpoint costs one integer comparison.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

ENV = "HYGIENE_CRASH_AFTER"
_limit = int(os.environ.get(ENV, "0") or 0)
_count = 0


def checkpoint(step: str) -> None:
    global _count
    if _limit <= 0:
        return
    _count += 1
    if _count >= _limit:
        os.kill(os.getpid(), signal.SIGKILL)


# Tests act between two steps of a walk here, deterministically where racing another process
# would not be (a folder swapped for a symlink between two levels of a removal).
# `hooks[step](top, where)` runs with the tree's path and the folder reached inside it.
hooks: dict[str, Callable[[str, str], None]] = {}


def reached(step: str, top: str, where: str) -> None:
    action = hooks.get(step)
    if action is not None:
        action(top, where)
