"""Dev databases: SQLite files found by their header, whatever their name.

Cheap by construction: a SQLite file is a whole number of pages (512 to 65536 bytes), so the
walker only reports files of such sizes, and only their first 100 bytes are read. A file with
the header is opened read-only through a `mode=ro` URI (never created, never written, never
checkpointed; `immutable` too for rollback-journal files, so no lock is ever taken) to read its
page counts, and `dbstat` (where the SQLite build has it) to count
the slack inside pages that the freelist alone does not show after scattered deletes.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import sqlite3

from hygiene.detectors import DetectContext, Detected
from hygiene.scan.walk import FileSeen

HEADER = b"SQLite format 3\0"
# Above this, reading every page through dbstat costs more than the estimate is worth.
DBSTAT_LIMIT = 2_000_000_000
# Names that promise a database: one of these without the header is reported as unreadable
# (encrypted with SQLCipher, or damaged), not silently skipped.
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3", ".s3db", ".sl3")


@dataclass(frozen=True)
class Database:
    kind: ClassVar[str] = "database"
    path: str
    bytes: int  # the main file plus `-wal` and `-shm`
    disk_bytes: int
    engine: str
    repo: str | None
    page_size: int | None
    page_count: int | None
    freelist_count: int | None
    free_bytes: int | None  # page_size * freelist_count, exact
    # What VACUUM would give back: at least free_bytes, plus in-page slack when dbstat measured it.
    reclaimable_bytes: int | None
    slack_measured: bool
    journal_mode: str | None  # "wal" or "rollback", from the header
    error: str | None = None


def _companions(path: str) -> tuple[int, int]:
    size = disk = 0
    for suffix in ("-wal", "-shm"):
        try:
            st = os.lstat(path + suffix)
        except OSError:
            continue
        size += st.st_size
        disk += st.st_blocks * 512
    return size, disk


def _looks_binary(head: bytes) -> bool:
    return b"\0" in head or sum(b < 9 or 13 < b < 32 or b > 126 for b in head) > len(head) // 4


def _slack(conn: sqlite3.Connection, page_size: int) -> int | None:
    """Unused bytes inside b-tree pages that VACUUM would pack, or None without dbstat."""
    import sqlite3

    try:
        row = conn.execute(
            "SELECT coalesce(sum(unused), 0), count(DISTINCT name) FROM dbstat"
        ).fetchone()
    except sqlite3.Error:
        return None
    unused, trees = int(row[0]), int(row[1])
    # After VACUUM each b-tree still ends in a partly filled page: do not promise that space.
    return max(0, unused - trees * page_size)


def inspect(path: str, *, repo: str | None = None) -> Database | None:
    """A `Database` for a SQLite file (an error entry if it cannot be read), else None."""
    try:
        st = os.lstat(path)
        with open(path, "rb") as handle:
            head = handle.read(100)
    except OSError:
        return None
    extra, extra_disk = _companions(path)
    size, disk = st.st_size + extra, st.st_blocks * 512 + extra_disk

    def unreadable(message: str, journal: str | None = None) -> Database:
        return Database(
            path,
            size,
            disk,
            "sqlite",
            repo,
            None,
            None,
            None,
            None,
            None,
            False,
            journal,
            error=message,
        )

    if not head.startswith(HEADER):
        if path.lower().endswith(DB_SUFFIXES) and st.st_size % 512 == 0 and _looks_binary(head):
            return unreadable("no SQLite header: encrypted (SQLCipher?) or not SQLite")
        return None
    journal = "wal" if len(head) > 19 and head[18] == 2 and head[19] == 2 else "rollback"
    # Read-only, never created. A rollback-journal file is also opened `immutable`: no SHARED
    # lock, so a long dbstat pass can never make the app writing it wait or fail with "database
    # is locked" (at worst a racing write gives us a stale figure or an error entry). A WAL
    # file needs its -wal read, and WAL readers never block writers anyway.
    flags = "mode=ro&immutable=1" if journal == "rollback" else "mode=ro"
    # Imported here: most scans find no SQLite file, and these cost about 5 ms to import.
    import sqlite3
    import urllib.parse

    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?{flags}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=1.0)
    except sqlite3.Error as exc:
        return unreadable(f"cannot open: {exc}", journal)
    try:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
        freelist = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
        slack = _slack(conn, page_size) if st.st_size <= DBSTAT_LIMIT else None
    except sqlite3.Error as exc:
        return unreadable(f"unreadable: {exc}", journal)
    finally:
        conn.close()
    free = page_size * freelist
    return Database(
        path=path,
        bytes=size,
        disk_bytes=disk,
        engine="sqlite",
        repo=repo,
        page_size=page_size,
        page_count=page_count,
        freelist_count=freelist,
        free_bytes=free,
        reclaimable_bytes=free + (slack or 0),
        slack_measured=slack is not None,
        journal_mode=journal,
    )


def _inside_precious(ctx: DetectContext) -> list[FileSeen]:
    """Precious folders (Flask `instance/`, `.dynamodb/`) are not walked by the scan; look in."""
    found: list[FileSeen] = []
    for item in ctx.precious:
        if not item.folder:
            continue
        for dirpath, _dirs, files in os.walk(item.path):
            for name in files:
                full = os.path.join(dirpath, name)
                try:
                    st = os.lstat(full)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and st.st_size >= 512 and st.st_size % 512 == 0:
                    found.append(FileSeen(full, item.repo, st))
    return found


def detect(ctx: DetectContext) -> Detected:
    seen: dict[str, FileSeen] = {}
    for item in (*ctx.seen, *_inside_precious(ctx)):
        if item.st.st_size >= 512 and item.st.st_size % 512 == 0:
            seen.setdefault(item.path, item)
    findings = [db for s in seen.values() if (db := inspect(s.path, repo=s.repo)) is not None]
    findings.sort(key=lambda d: (-(d.reclaimable_bytes or 0), -d.bytes, d.path))
    return Detected(findings=tuple(findings))
