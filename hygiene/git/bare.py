"""What makes a folder a git repository without a work tree (`git init --bare`, a mirror, a
local remote used as a backup): the entries HEAD, objects and refs together, which is what
git's own discovery looks for (https://git-scm.com/docs/gitrepository-layout). Judged by name
alone, as git does before it reads them: the cheap test for a walk that lists every entry."""

from __future__ import annotations

from collections.abc import Container

# Each name's bit; a folder holding all three has BARE_REPO.
BARE_REPO_PARTS = {"HEAD": 1, "objects": 2, "refs": 4}
BARE_REPO = 7


def is_bare_repo(names: Container[str]) -> bool:
    return all(name in names for name in BARE_REPO_PARTS)
