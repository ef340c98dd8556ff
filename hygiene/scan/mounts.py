"""Mount points, from the kernel's own table.

A bind mount of a folder on the same filesystem keeps its `st_dev`, so comparing devices (as
`du -x` does) cannot see it; deleting through one would delete the mounted data. On Linux the
mount table lists every mount point; elsewhere the device comparison is all there is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    # mountinfo writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def mount_points() -> frozenset[str]:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as table:
            return frozenset(_unescape(line.split(" ")[4]) for line in table if line.strip())
    except OSError:
        return frozenset()


def mounts_below(paths: Iterable[str], mounts: frozenset[str]) -> frozenset[str]:
    """The mount points at or below any of `paths`: the only ones inside anything there."""
    prefixes = tuple(path.rstrip(os.sep) + os.sep for path in paths)
    return frozenset(m for m in mounts if m.startswith(prefixes) or f"{m}{os.sep}" in prefixes)


def mount_inside(path: str, mounts: frozenset[str]) -> str | None:
    """A mount point at `path` or below it, if any."""
    prefix = path.rstrip(os.sep) + os.sep
    for mount in mounts:
        if mount == path or mount.startswith(prefix):
            return mount
    return None
