"""Dev databases: SQLite files found by their header, whatever their name.

Cheap by construction: the walker only reports files of a plausible size, and only their first
100 bytes are read. A file with the header is opened read-only (`hygiene.db.sqlite`, the one
SQLite reader, which `hygiene db` uses too) to read its page counts, and `dbstat` (where the
SQLite build has it) to count the slack inside pages that the freelist alone does not show
after scattered deletes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import sqlite3

from hygiene.db.sqlite import (
    BTREES_SQL,
    DB_SUFFIXES,
    HEADER,
    connect_readonly,
    footprint,
    journal_mode,
    plausible_files,
    plausible_size,
    slack,
)
from hygiene.detectors import DetectContext, Detected
from hygiene.scan.walk import FileSeen

# Above this, reading every page through dbstat costs more than the estimate is worth.
DBSTAT_LIMIT = 2_000_000_000


@dataclass(frozen=True)
class Database:
    kind: ClassVar[str] = "database"
    path: str
    bytes: int  # the main file plus whichever of `-wal`, `-shm`, `-journal` exist
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


def _looks_binary(head: bytes) -> bool:
    return b"\0" in head or sum(b < 9 or 13 < b < 32 or b > 126 for b in head) > len(head) // 4


def _slack(conn: sqlite3.Connection, page_size: int) -> int | None:
    """Unused bytes inside b-tree pages that VACUUM would pack, or None without dbstat."""
    import sqlite3

    try:
        rows = conn.execute(BTREES_SQL).fetchall()
    except sqlite3.Error:
        return None
    return sum(packed for _size, packed in slack(rows, page_size).values())


def inspect(path: str, *, repo: str | None = None) -> Database | None:
    """A `Database` for a SQLite file (an error entry if it cannot be read), else None."""
    try:
        st = os.lstat(path)
        with open(path, "rb") as handle:
            head = handle.read(100)
    except OSError:
        return None
    size, disk = footprint(path, st)

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
        if (
            path.lower().endswith(DB_SUFFIXES)
            and plausible_size(st.st_size)
            and _looks_binary(head)
        ):
            return unreadable("no SQLite header: encrypted (SQLCipher?) or not SQLite")
        return None
    journal = journal_mode(head)
    import sqlite3

    try:
        conn = connect_readonly(path, journal)
    except sqlite3.Error as exc:
        return unreadable(f"cannot open: {exc}", journal)
    try:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
        freelist = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
        packed = _slack(conn, page_size) if st.st_size <= DBSTAT_LIMIT else None
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
        reclaimable_bytes=free + (packed or 0),
        slack_measured=packed is not None,
        journal_mode=journal,
    )


def _inside_precious(ctx: DetectContext) -> list[FileSeen]:
    """Precious folders (Flask `instance/`, `.dynamodb/`) are not walked by the scan; look in."""
    return [
        FileSeen(path, item.repo, st)
        for item in ctx.precious
        if item.folder
        for path, st in plausible_files(item.path)
    ]


def detect(ctx: DetectContext) -> Detected:
    seen: dict[str, FileSeen] = {}
    for item in (*ctx.seen, *_inside_precious(ctx)):
        if plausible_size(item.st.st_size):
            seen.setdefault(item.path, item)
    findings = [db for s in seen.values() if (db := inspect(s.path, repo=s.repo)) is not None]
    findings.sort(key=lambda d: (-(d.reclaimable_bytes or 0), -d.bytes, d.path))
    return Detected(findings=tuple(findings))
