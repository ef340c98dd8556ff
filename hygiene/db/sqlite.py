"""The one SQLite reader: what a SQLite file is, what it costs on disk, and how it is read.

`hygiene scan` (the `database` detector) and `hygiene db` (inspect, vacuum, clean) both use it,
so a database found by a scan and the same database inspected report the same bytes and the
same estimate of what VACUUM gives back.

- A SQLite database is a whole number of pages (powers of two from 512,
  https://www.sqlite.org/fileformat2.html) starting with `HEADER`: only files of such sizes are
  opened, and only their first 100 bytes read.
- Its cost on disk is the file plus the files SQLite keeps beside it
  (https://www.sqlite.org/tempfiles.html): in WAL mode `-wal` (committed pages not yet
  checkpointed) and `-shm` (the WAL index); in rollback mode `-journal`, which exists during a
  write transaction, stays after a crash (a hot journal, replayed on the next open) and stays
  between transactions under `journal_mode=PERSIST` or `TRUNCATE`. Whichever of them exists is
  counted: each is disk the database holds.
- It is read through a `mode=ro` URI: never created, never written, never checkpointed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

HEADER = b"SQLite format 3\x00"
SIDECARS = ("-wal", "-shm", "-journal")
# Names that promise a database: one of these without the header is reported as unreadable
# (encrypted with SQLCipher, or damaged), not silently skipped.
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3", ".s3db", ".sl3")
MIN_PAGE = 512


def plausible_size(size: int) -> bool:
    """A whole number of pages, at least one: the only sizes worth opening."""
    return size >= MIN_PAGE and size % MIN_PAGE == 0


def is_sqlite_file(path: Path, size: int | None = None) -> bool:
    """Of a plausible size and starting with the header (16 bytes read). An empty file is not
    claimed."""
    try:
        if size is None:
            size = path.stat().st_size
        if not plausible_size(size):
            return False
        with path.open("rb") as handle:
            return handle.read(len(HEADER)) == HEADER
    except OSError:
        return False


def plausible_files(root: str) -> Iterator[tuple[str, os.stat_result]]:
    """Every regular file of a plausible size under `root`, with its lstat: no symlink
    followed, one filesystem. For folders the scan does not walk (precious ones, `db inspect`
    on a folder)."""
    try:
        root_dev = os.lstat(root).st_dev
    except OSError:
        return
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode) and st.st_dev == root_dev:
                stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode) and plausible_size(st.st_size):
                yield entry.path, st


def find_sqlite_files(root: Path) -> list[Path]:
    """Every SQLite database under `root`, sorted."""
    return sorted(
        Path(path)
        for path, st in plausible_files(str(root))
        if is_sqlite_file(Path(path), st.st_size)
    )


def footprint(path: str | Path, st: os.stat_result | None = None) -> tuple[int, int]:
    """(bytes, disk bytes) of the database at `path` and whichever sidecars exist."""
    main = st if st is not None else os.stat(path)
    size, disk = main.st_size, main.st_blocks * 512
    for suffix in SIDECARS:
        try:
            side = os.lstat(f"{path}{suffix}")
        except OSError:
            continue
        if stat.S_ISREG(side.st_mode):
            size += side.st_size
            disk += side.st_blocks * 512
    return size, disk


def file_bytes(path: str | Path) -> int:
    """What the database costs: the file plus its `-wal`, `-shm` and `-journal`."""
    return footprint(path)[0]


def journal_mode(head: bytes) -> str:
    """ "wal" or "rollback", from the header's file format version bytes (18 and 19)."""
    return "wal" if len(head) > 19 and head[18] == 2 and head[19] == 2 else "rollback"


def connect_readonly(path: str, journal: str) -> sqlite3.Connection:
    """A read-only connection that can never create, change or lock the file for long.

    A rollback-journal file is also opened `immutable`: no SHARED lock, so a long dbstat pass
    never makes the app writing it wait or fail with "database is locked" (at worst a racing
    write gives a stale figure or an error). A WAL file needs its `-wal` read, and WAL readers
    never block writers anyway."""
    # Imported here: most scans find no SQLite file, and these cost start-up to import.
    import sqlite3
    import urllib.parse

    flags = "mode=ro&immutable=1" if journal == "rollback" else "mode=ro"
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?{flags}"
    return sqlite3.connect(uri, uri=True, timeout=1.0)


# Per b-tree (table or index): name, pages, bytes, unused bytes, cells. Both readers ask dbstat
# this, through sqlite3 or SQLAlchemy.
BTREES_SQL = "SELECT name, count(*), sum(pgsize), sum(unused), sum(ncell) FROM dbstat GROUP BY name"


def btree_slack(pages: int, size: int, unused: int, cells: int, page_size: int) -> int:
    """Bytes VACUUM would pack out of one b-tree (beside the freelist, counted apart)."""
    from hygiene.db.rebuilt import sqlite_btree_bytes

    after = sqlite_btree_bytes(pages=pages, page_size=page_size, used=size - unused, cells=cells)
    return max(0, size - after)


def slack(rows: Iterable[Sequence[Any]], page_size: int) -> dict[str, tuple[int, int]]:
    """Per b-tree name: (bytes, what VACUUM would pack out of it), from `BTREES_SQL` rows."""
    out: dict[str, tuple[int, int]] = {}
    for name, pages, size, unused, cells in rows:
        total = int(size or 0)
        packed = btree_slack(int(pages), total, int(unused or 0), int(cells or 0), page_size)
        out[str(name)] = (total, packed)
    return out
