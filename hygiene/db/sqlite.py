"""Finding SQLite files by their header, and SQLite file sizes (main file + `-wal` + `-shm`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

HEADER = b"SQLite format 3\x00"
SIDECARS = ("", "-wal", "-shm", "-journal")


def is_sqlite_file(path: Path, size: int | None = None) -> bool:
    """A SQLite database is a whole number of 512-byte pages and starts with the magic string.

    Only 16 bytes are read, and only from files of a plausible size (sqlite.org fileformat2:
    page sizes are powers of two from 512). An empty file is not claimed.
    """
    try:
        if size is None:
            size = path.stat().st_size
        if size < 512 or size % 512:
            return False
        with path.open("rb") as handle:
            return handle.read(16) == HEADER
    except OSError:
        return False


def find_sqlite_files(root: Path) -> list[Path]:
    """Every SQLite database under `root`: no symlink followed, one filesystem, sorted."""
    found: list[Path] = []
    root_dev = root.stat().st_dev
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            st = _lstat(entry)
            if st is None:
                continue
            if stat.S_ISDIR(st.st_mode) and st.st_dev == root_dev:
                stack.append(Path(entry.path))
            elif stat.S_ISREG(st.st_mode) and is_sqlite_file(Path(entry.path), st.st_size):
                found.append(Path(entry.path))
    return sorted(found)


def _lstat(entry: os.DirEntry[str]) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def file_bytes(path: Path) -> int:
    """What the database costs on disk: the file plus its `-wal`, `-shm` and rollback journal."""
    return sum(os.stat(p).st_size for p in (f"{path}{s}" for s in SIDECARS) if os.path.exists(p))
