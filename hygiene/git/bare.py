"""What makes a folder a git repository without a work tree (`git init --bare`, a mirror, a
local remote used as a backup), by its entries' names (https://git-scm.com/docs/gitrepository-layout).

Two tests. `is_bare_repo` is git's own: HEAD, objects and refs together, what its discovery
looks for; the walk finds repositories by it. `holds_objects` is wider, for a folder inside an
artifact that is about to go: `objects` with any one of HEAD, refs or packed-refs. A copy
that lost its empty folders (after `git gc`, `refs/` holds only empty ones, which some sync
and backup tools drop) still holds every commit, and `mkdir refs` makes git read it again.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

# Each name's bit, so a loop over a folder's entries can gather them cheaply.
PARTS = {"HEAD": 1, "objects": 2, "refs": 4, "packed-refs": 8}
OBJECTS = 2


def is_bare_repo(names: Container[str]) -> bool:
    return "HEAD" in names and "objects" in names and "refs" in names


def holds_objects(bits: int) -> bool:
    """`bits`: the PARTS a folder holds. `objects` and any one of the others."""
    return bool(bits & OBJECTS) and bool(bits & ~OBJECTS)


def parts_of(names: Iterable[str]) -> int:
    bits = 0
    for name in names:
        bits |= PARTS.get(name, 0)
    return bits
