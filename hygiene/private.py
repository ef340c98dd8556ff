"""Files under HYGIENE_HOME that may hold row data or commands: 0600, in 0700 folders.

Why: crash logs hold the command line, audit records the target, archives whole rows;
created with the process umask (usually 022) they were readable by every local user. The mode
is given at creation (os.open's mode, mkdir's mode) and set again on what already exists, so a
file or folder made by an older hygiene is narrowed too.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(folder: Path, *, narrow: bool = True) -> Path:
    """`folder` with every level hygiene creates on the way made 0700; `narrow`: `folder`
    itself set to 0700 even if it existed (hygiene's own folders, not a user's choice)."""
    missing: list[Path] = []
    level = folder
    while not level.exists():
        missing.append(level)
        level = level.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another run made it first
            created.mkdir(mode=DIR_MODE)
        os.chmod(created, DIR_MODE)  # mkdir's mode is cut by the umask
    if narrow and not missing:
        with contextlib.suppress(OSError):  # not ours to change: leave it
            os.chmod(folder, DIR_MODE)
    return folder


def open_private(path: Path, flags: int) -> int:
    """os.open with mode 0600; an existing file is narrowed to 0600 as well."""
    fd = os.open(path, flags | os.O_CLOEXEC, FILE_MODE)
    with contextlib.suppress(OSError):  # not ours to change (another user's file): leave it
        os.fchmod(fd, FILE_MODE)
    return fd
