"""The sewage plant: measure what the database occupies, reclaim space, say why when none came.

Sizes are measured, never estimated: the SQLite file plus `-wal`/`-shm`, PostgreSQL
`pg_total_relation_size` of the touched tables, InnoDB tablespace FILE_SIZE (DATA_FREE counts
only whole free 1 MiB extents). Reclaiming runs on an autocommit connection after every delete
batch has committed: VACUUM cannot run inside a transaction, and MySQL's OPTIMIZE TABLE would
commit one implicitly (reference: db-engines.md, sections 2.1 to 2.4).

What comes back is said for what it is: bytes returned to the file system, never
negative; growth (VACUUM writes free space and visibility maps); and, after a plain PostgreSQL
VACUUM, the space left inside the tables for reuse. A dry run's promise (`predict`) is the same
operation's: plain VACUUM returns only a heap's empty tail, VACUUM FULL and OPTIMIZE the size
now minus the size rebuilt.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hygiene.db.sqlite import file_bytes
from hygiene.db.url import Target
from hygiene.units import format_bytes

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine


@dataclass(frozen=True)
class Reclaim:
    bytes_before: int
    bytes_after: int
    bytes_reclaimed: int  # returned to the file system; never negative
    note: str
    ok: bool = True  # False when the engine reported an error (OPTIMIZE rows do not raise)
    bytes_grown: int = 0  # the files grew instead (VACUUM writes free space and visibility maps)
    # Freed inside the tables for their new rows but kept in the files (plain PostgreSQL VACUUM);
    # None where nothing is kept that way, or it was not measured.
    bytes_reusable: int | None = None

    def __post_init__(self) -> None:
        # Never "freed -295 KB: 221 KB -> 516 KB". A size that went up is growth, said as
        # such, whatever the caller passed as before minus after.
        if self.bytes_reclaimed < 0:
            object.__setattr__(self, "bytes_grown", self.bytes_grown - self.bytes_reclaimed)
            object.__setattr__(self, "bytes_reclaimed", 0)


@dataclass(frozen=True)
class TableChange:
    """What a run would do to one table, for `predict`."""

    rows_left: int
    rows_deleted: int
    # PostgreSQL: the last heap page still holding a row that stays (None: none stays), or -1
    # when not known.
    last_page_kept: int | None = -1


def _mysql_tablespaces(conn: Connection, schema: str, tables: list[str]) -> int | None:
    names = [f"{schema}/{t}" for t in tables]
    for view in ("INNODB_SYS_TABLESPACES", "INNODB_TABLESPACES"):  # MariaDB, then MySQL 8
        try:
            rows = conn.exec_driver_sql(
                f"SELECT NAME, FILE_SIZE FROM information_schema.{view}"
            ).all()
        except Exception:
            continue
        sizes = [int(size or 0) for name, size in rows if name in names]
        return sum(sizes) if sizes else None
    return None


def measure(engine: Engine, target: Target, tables: list[str]) -> int:
    """Bytes the database (SQLite) or the given tables (server engines) occupy on disk."""
    if target.engine == "sqlite":
        assert target.path is not None
        return file_bytes(target.path)
    if not tables:
        return 0
    with engine.connect() as conn:
        if target.engine == "postgresql":
            value = conn.exec_driver_sql(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relname = ANY(%(names)s)",
                {"names": tables},
            ).scalar()
            return int(value or 0)
        schema = str(conn.exec_driver_sql("SELECT DATABASE()").scalar())
        files = _mysql_tablespaces(conn, schema, tables)
        if files is not None:
            return files
        value = conn.exec_driver_sql(
            "SELECT coalesce(sum(data_length + index_length + data_free), 0) "
            "FROM information_schema.TABLES WHERE table_schema = DATABASE() "
            "AND table_name IN %(names)s",
            {"names": tuple(tables)},
        ).scalar()
        return int(value or 0)


def _vacuum_sqlite(engine: Engine, target: Target) -> tuple[str, bool]:
    assert target.path is not None
    size = file_bytes(target.path)
    free = shutil.disk_usage(target.path.parent).free
    if free < size:
        return (
            f"VACUUM skipped: it needs up to {format_bytes(size)} free, {format_bytes(free)} left"
        ), False
    raw = engine.raw_connection()
    try:
        dbapi: Any = raw.driver_connection
        dbapi.execute("VACUUM")
        mode = dbapi.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() == "wal":
            # Without TRUNCATE the -wal file stays as big as the database was (verified).
            busy = dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                return "VACUUM done; the -wal file is still held by another connection", True
            return "VACUUM, then wal_checkpoint(TRUNCATE)", True
        return "VACUUM", True
    finally:
        raw.close()


def _pg_free_disk(conn: Connection) -> int | None:
    try:
        folder = conn.exec_driver_sql("SHOW data_directory").scalar()
        return shutil.disk_usage(str(folder)).free
    except Exception:
        return None  # not superuser, or the server's disk is not this machine's


def _vacuum_postgres(conn: Connection, engine: Engine, tables: list[str], full: bool) -> str:
    from hygiene.db.connect import quote

    notes = []
    if full:
        need = int(
            conn.exec_driver_sql(
                "SELECT coalesce(max(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relname = ANY(%(names)s)",
                {"names": tables},
            ).scalar()
            or 0
        )
        free = _pg_free_disk(conn)
        if free is not None and free < need:
            notes.append(
                f"VACUUM FULL skipped: it needs about {format_bytes(need)} free, "
                f"{format_bytes(free)} left; ran plain VACUUM"
            )
            full = False
        elif free is None:
            notes.append("free disk not checked (the server's data directory is not readable)")
    for table in tables:
        conn.exec_driver_sql(f"VACUUM ({'FULL, ' if full else ''}ANALYZE) {quote(engine, table)}")
    notes.insert(0, f"VACUUM ({'FULL, ' if full else ''}ANALYZE) on {', '.join(tables)}")
    return "; ".join(notes)


def _pg_why_nothing(conn: Connection, full: bool) -> str:
    holder = conn.exec_driver_sql(
        "SELECT pid, state, xact_start FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL) "
        "ORDER BY xact_start NULLS LAST LIMIT 1"
    ).first()
    if holder is not None:
        return (
            f"an open transaction (pid {holder[0]}, {holder[1]}, since {holder[2]:%Y-%m-%d %H:%M}) "
            "holds PostgreSQL's xmin horizon: dead rows stay until it ends"
        )
    if not full:
        return PLAIN_VACUUM
    return "nothing was freed"


def _optimize_mysql(conn: Connection, engine: Engine, tables: list[str]) -> tuple[str, bool]:
    from hygiene.db.connect import quote

    errors: list[str] = []
    for table in tables:
        # Errors come back as result rows, not exceptions; read every row.
        rows = conn.exec_driver_sql(f"OPTIMIZE TABLE {quote(engine, table)}").all()
        errors.extend(f"{table}: {r[3]}" for r in rows if str(r[2]).lower() == "error")
    note = f"OPTIMIZE TABLE on {', '.join(tables)}"
    if errors:
        return f"{note}; errors: {'; '.join(errors)}", False
    return note, True


PLAIN_VACUUM = (
    "plain VACUUM returns the space of deleted rows to the table for reuse, not to the file "
    "system (only empty pages at a table's end go back); --full rewrites the tables and returns it"
)


def reclaim(*, engine: Engine, target: Target, tables: list[str], full: bool = False) -> Reclaim:
    """Reclaim space on an autocommit connection and measure before and after."""
    before = measure(engine, target, tables)
    ok = True
    reusable = None
    if target.engine == "sqlite":
        note, ok = _vacuum_sqlite(engine, target)
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if target.engine == "postgresql":
                note = _vacuum_postgres(conn, engine, tables, full)
                if not note.startswith("VACUUM (FULL"):  # plain, asked or fallen back to
                    reusable = _pg_reusable(conn, tables)
            else:
                note, ok = _optimize_mysql(conn, engine, tables)
    after = measure(engine, target, tables)
    freed = before - after
    if freed <= 0:
        note += f"; nothing freed: {why_nothing(engine, target, full=full)}"
    elif reusable:
        note += f"; {PLAIN_VACUUM}"
    return Reclaim(before, after, freed, note, ok, bytes_reusable=reusable)


def _pg_reusable(conn: Connection, tables: list[str]) -> int:
    """Bytes plain VACUUM left free inside the tables: what VACUUM FULL would still return.

    VACUUM (ANALYZE) has just refreshed reltuples and pg_stats, so the estimate is current.
    """
    from hygiene.db.rebuilt import pg_rebuilt_bytes

    total = 0
    for oid, rows, size in conn.exec_driver_sql(
        "SELECT c.oid, c.reltuples, pg_total_relation_size(c.oid) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = ANY(%(names)s)",
        {"names": tables},
    ).all():
        after, _ = pg_rebuilt_bytes(conn, oid, rows=max(0.0, float(rows or 0)))
        total += max(0, int(size) - after)
    return total


# VACUUM gives the heap's empty tail back only when at least this many pages, or this share of
# the table, can go (REL_TRUNCATE_MINIMUM and REL_TRUNCATE_FRACTION in PostgreSQL's
# https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/access/heap/vacuumlazy.c).
PG_TRUNCATE_MINIMUM = 1000
PG_TRUNCATE_FRACTION = 16


def predict(
    *, engine: Engine, target: Target, changes: dict[str, TableChange], full: bool = False
) -> Reclaim:
    """What the vacuum after a run would return to the file system (server engines).

    PostgreSQL, plain VACUUM: only the heap's empty tail, past the last page a kept row is on;
    the rest stays in the table for reuse. VACUUM FULL and OPTIMIZE TABLE: the size now minus
    the size rebuilt with the rows left (`hygiene.db.rebuilt`).
    """
    from hygiene.db import rebuilt

    tables = sorted(changes)
    before = measure(engine, target, tables)
    returned = 0
    reusable = 0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table, change in sorted(changes.items()):
            size = measure(engine, target, [table])
            if target.engine == "postgresql":
                oid, heap_pages, analyzed = conn.exec_driver_sql(
                    "SELECT c.oid, pg_relation_size(c.oid) / 8192, "
                    "EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname "
                    "        AND s.tablename = c.relname) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relname = %(t)s",
                    {"t": table},
                ).one()
                if not analyzed:  # the widths come from pg_stats; a fresh table has none
                    from hygiene.db.connect import quote

                    conn.exec_driver_sql(f"ANALYZE {quote(engine, table)}")
                rows = change.rows_left + change.rows_deleted
                now, _ = rebuilt.pg_rebuilt_bytes(conn, oid, rows=rows)
                after, _ = rebuilt.pg_rebuilt_bytes(conn, oid, rows=change.rows_left)
                if full:
                    returned += max(0, size - after)
                    continue
                reusable += max(0, now - after)
                kept = change.last_page_kept
                if kept is not None and kept < 0:
                    continue  # not known: promise nothing
                tail = int(heap_pages) - (0 if kept is None else kept + 1)
                if tail >= PG_TRUNCATE_MINIMUM or tail * PG_TRUNCATE_FRACTION >= heap_pages:
                    returned += max(0, tail) * rebuilt.PG_PAGE
            else:
                after = rebuilt.innodb_rebuilt_bytes(conn, table, rows=change.rows_left)
                returned += max(0, size - after)
    if target.engine == "postgresql" and not full:
        note = f"estimate: {PLAIN_VACUUM}; about {format_bytes(reusable)} would be left for reuse"
        return Reclaim(before, before - returned, returned, note, bytes_reusable=reusable)
    operation = "VACUUM FULL" if target.engine == "postgresql" else "OPTIMIZE TABLE"
    note = f"estimate: the size now minus the size {operation} writes for the rows left"
    return Reclaim(before, before - returned, returned, note)


def why_nothing(engine: Engine, target: Target, *, full: bool) -> str:
    if target.engine == "sqlite":
        return "the file had no free pages or in-page slack to give back"
    with engine.connect() as conn:
        if target.engine == "postgresql":
            return _pg_why_nothing(conn, full)
        per_table = conn.exec_driver_sql("SELECT @@innodb_file_per_table").scalar()
        if str(per_table) in ("0", "OFF"):
            return (
                "innodb_file_per_table is OFF: freed space goes back to the shared ibdata1 "
                "file, never to the OS"
            )
        return "the tables had no free space to give back"
