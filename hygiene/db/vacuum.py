"""The sewage plant: measure what the database occupies, reclaim space, say why when none came.

Sizes are measured, never estimated: the SQLite file plus `-wal`/`-shm`, PostgreSQL
`pg_total_relation_size` of the touched tables, InnoDB tablespace FILE_SIZE (DATA_FREE counts
only whole free 1 MiB extents). Reclaiming runs on an autocommit connection after every delete
batch has committed: VACUUM cannot run inside a transaction, and MySQL's OPTIMIZE TABLE would
commit one implicitly (reference: db-engines.md, sections 2.1 to 2.4).
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
    bytes_reclaimed: int
    note: str
    ok: bool = True  # False when the engine reported an error (OPTIMIZE rows do not raise)


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
        return (
            "plain VACUUM keeps space freed by scattered deletes inside the table for reuse "
            "(only empty pages at the end go back to the OS); --full rewrites the table"
        )
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


def reclaim(*, engine: Engine, target: Target, tables: list[str], full: bool = False) -> Reclaim:
    """Reclaim space on an autocommit connection and measure before and after."""
    before = measure(engine, target, tables)
    ok = True
    if target.engine == "sqlite":
        note, ok = _vacuum_sqlite(engine, target)
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if target.engine == "postgresql":
                note = _vacuum_postgres(conn, engine, tables, full)
            else:
                note, ok = _optimize_mysql(conn, engine, tables)
    after = measure(engine, target, tables)
    freed = before - after
    if freed <= 0:
        note += f"; nothing freed: {why_nothing(engine, target, full=full)}"
    return Reclaim(before, after, freed, note, ok)


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
