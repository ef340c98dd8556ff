"""`hygiene db inspect`: rows, size and what is reclaimable per table, measured against a rebuild.

"Reclaimable" is what a rebuild would give back to the file system: SQLite `VACUUM`,
PostgreSQL `VACUUM FULL`, InnoDB `OPTIMIZE TABLE`. It is the size now minus the size rebuilt,
estimated per table by `hygiene.db.rebuilt` (indexes included) and checked against real rebuilds
in the tests (within 10%). No figure here is exact, and none is called so.

SQLite: free pages belong to no table any more (the freelist keeps no owner,
https://www.sqlite.org/fileformat2.html#the_freelist), so they are their own row. PostgreSQL:
the heap from `pgstattuple`'s live tuples when the extension is installed, otherwise from the
statistics after ANALYZE. MySQL/MariaDB: exact row counts and measured record widths
(DATA_FREE counts only whole free extents, `data_length` every half-emptied page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hygiene.db import rebuilt, sqlite
from hygiene.db.connect import check_connect, database_errors, open_engine, quote
from hygiene.db.url import Target

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

FREE_PAGES = "free pages (whole file)"


@dataclass(frozen=True)
class TableStats:
    name: str
    rows: int | None
    rows_exact: bool
    bytes: int | None
    reclaimable: int | None
    dead_rows: int | None = None
    last_vacuum: str | None = None
    last_analyze: str | None = None
    kind: str = "table"  # or "free-pages": SQLite pages no table owns any more


@dataclass(frozen=True)
class DatabaseStats:
    target: str
    engine: str
    bytes: int | None  # on disk: the SQLite files, or the sum of the tables
    reclaimable: int | None  # the sum of the rows' reclaimable: what a rebuild would free
    measure: str  # how `reclaimable` was estimated
    tables: tuple[TableStats, ...]
    notes: tuple[str, ...] = ()


def _stamp(value: Any) -> str | None:
    return None if value is None else value.isoformat(sep=" ", timespec="seconds")


def _sqlite(conn: Connection, target: Target) -> DatabaseStats:
    assert target.path is not None
    page_size, freelist = conn.exec_driver_sql(
        "SELECT p.page_size, f.freelist_count FROM pragma_page_size p, pragma_freelist_count f"
    ).one()
    page_size = int(page_size)
    owners: dict[str, str] = dict(
        conn.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master").all()
    )
    names = sorted(
        n
        for (n,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).all()
    )
    notes = []
    sizes: dict[str, list[int]] = {}
    try:
        # Each b-tree (table or index) on its own, rebuilt as VACUUM packs it.
        per_btree = sqlite.slack(conn.exec_driver_sql(sqlite.BTREES_SQL).all(), page_size)
    except Exception:
        notes.append("this SQLite build has no dbstat: per-table sizes and slack unknown")
    else:
        for btree, (used, packed) in per_btree.items():
            entry = sizes.setdefault(owners.get(btree, btree), [0, 0])
            entry[0] += used
            entry[1] += packed
    tables = []
    for name in names:
        rows = conn.exec_driver_sql(f"SELECT count(*) FROM {quote(conn.engine, name)}").scalar()
        size, slack = sizes.get(name, (None, None)) if sizes else (None, None)
        tables.append(TableStats(name, int(rows or 0), True, size, slack))
    free_pages = int(freelist) * page_size
    # Freelist pages keep no owner (https://www.sqlite.org/fileformat2.html#the_freelist): a
    # contiguous delete frees whole pages, and which table they came from is no longer known.
    tables.append(TableStats(FREE_PAGES, None, False, free_pages, free_pages, kind="free-pages"))
    slack = sum(t.reclaimable or 0 for t in tables if t.kind == "table")
    notes.append(
        f"free pages {free_pages:,} B + in-page slack VACUUM would pack {slack:,} B "
        "(https://www.sqlite.org/lang_vacuum.html)"
    )
    return DatabaseStats(
        target=target.masked,
        engine="sqlite",
        bytes=sqlite.file_bytes(target.path),
        reclaimable=free_pages + slack,
        measure="estimate of VACUUM: free pages, plus the in-page slack of each b-tree (dbstat)",
        tables=tuple(tables),
        notes=tuple(notes),
    )


def _pg_table(conn: Connection, name: str, has_pgstattuple: bool) -> tuple[TableStats, bool]:
    """One table's figures; the flag says an index could not be sized (kept as it is)."""
    row = conn.exec_driver_sql(
        "SELECT c.oid, c.reltuples, pg_total_relation_size(c.oid), "
        "s.n_dead_tup, greatest(s.last_vacuum, s.last_autovacuum), "
        "greatest(s.last_analyze, s.last_autoanalyze) "
        "FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE s.schemaname = current_schema() AND s.relname = %(name)s",
        {"name": name},
    ).one()
    oid, reltuples, total, dead, vacuumed, analyzed = row
    rows = max(0.0, float(reltuples or 0))
    width = None
    if has_pgstattuple:
        # pgstattuple reads every heap page: its live tuple count and bytes are measured
        # (https://www.postgresql.org/docs/current/pgstattuple.html).
        count, length = conn.exec_driver_sql(
            "SELECT tuple_count, tuple_len FROM pgstattuple(%(oid)s::oid::regclass)",
            {"oid": oid},
        ).one()
        rows = float(count or 0)
        width = float(length or 0) / rows if rows else 0.0
    after, unsized = rebuilt.pg_rebuilt_bytes(conn, oid, rows=rows, tuple_bytes=width)
    stats = TableStats(
        name=name,
        rows=int(rows),
        rows_exact=False,
        bytes=int(total),
        reclaimable=max(0, int(total) - after),
        dead_rows=int(dead or 0),
        last_vacuum=_stamp(vacuumed),
        last_analyze=_stamp(analyzed),
    )
    return stats, unsized


def _postgres(conn: Connection, target: Target) -> DatabaseStats:
    has_pgstattuple = bool(
        conn.exec_driver_sql(
            "SELECT count(*) FROM pg_extension WHERE extname = 'pgstattuple'"
        ).scalar()
    )
    names = [
        n
        for (n,) in conn.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "ORDER BY relname"
        ).all()
    ]
    for name in names:  # reltuples and the column widths in pg_stats: make them fresh
        conn.exec_driver_sql(f"ANALYZE {quote(conn.engine, name)}")
    version = int(conn.exec_driver_sql("SHOW server_version_num").scalar() or 0)
    if version >= 150000:
        # Stats are flushed lazily (a pooled session saw 70k dead rows of 100k): flush ours.
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
    tables = []
    unsized = False
    for name in names:
        stats, odd_index = _pg_table(conn, name, has_pgstattuple)
        tables.append(stats)
        unsized = unsized or odd_index
    heap = "pgstattuple's live tuples" if has_pgstattuple else "statistics after ANALYZE"
    measure = (
        f"estimate of VACUUM FULL: size now minus the heap rebuilt from {heap} "
        "and each btree index rebuilt from the live rows"
    )
    notes = [
        "rows are "
        + ("pgstattuple's live tuple count" if has_pgstattuple else "the planner's estimate")
    ]
    if not has_pgstattuple:
        notes.append("CREATE EXTENSION pgstattuple measures the heap instead of estimating it")
    if unsized:
        notes.append(
            "indexes other than plain btrees (GIN, GiST, partial, expression) are not sized"
        )
    return DatabaseStats(
        target=target.masked,
        engine="postgresql",
        bytes=sum(t.bytes or 0 for t in tables),
        reclaimable=sum(t.reclaimable or 0 for t in tables),
        measure=measure,
        tables=tuple(tables),
        notes=tuple(notes),
    )


def _mysql(conn: Connection, target: Target) -> DatabaseStats:
    from hygiene.db.vacuum import _mysql_tablespaces

    schema = str(conn.exec_driver_sql("SELECT DATABASE()").scalar())
    names = [
        n
        for (n,) in conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.TABLES WHERE table_schema = DATABASE() "
            "AND table_type = 'BASE TABLE' AND engine = 'InnoDB' ORDER BY table_name"
        ).all()
    ]
    for name in names:  # persistent stats are stale right after a load or a delete
        conn.exec_driver_sql(f"ANALYZE TABLE {quote(conn.engine, name)}").all()
    tables = []
    for name in names:
        data, index, free = conn.exec_driver_sql(
            "SELECT data_length, index_length, data_free "
            "FROM information_schema.TABLES WHERE table_schema = DATABASE() "
            "AND table_name = %(name)s",
            {"name": name},
        ).one()
        # table_rows is a guess from a few sampled pages; the rebuilt size needs the real count.
        rows = int(
            conn.exec_driver_sql(f"SELECT count(*) FROM {quote(conn.engine, name)}").scalar() or 0
        )
        file_size = _mysql_tablespaces(conn, schema, [name])
        size = (
            file_size
            if file_size is not None
            else int(data or 0) + int(index or 0) + int(free or 0)
        )
        after = rebuilt.innodb_rebuilt_bytes(conn, name, rows=rows)
        tables.append(TableStats(name, rows, True, size, max(0, size - after)))
    per_table = conn.exec_driver_sql("SELECT @@innodb_file_per_table").scalar()
    notes = []
    if str(per_table) in ("0", "OFF"):
        notes.append("innodb_file_per_table is OFF: OPTIMIZE cannot give space back to the OS")
    return DatabaseStats(
        target=target.masked,
        engine="mysql",
        bytes=sum(t.bytes or 0 for t in tables),
        reclaimable=sum(t.reclaimable or 0 for t in tables),
        measure=(
            "estimate of OPTIMIZE TABLE: tablespace file size minus the file a sorted rebuild "
            "of the live rows writes (record widths measured, indexes included)"
        ),
        tables=tuple(tables),
        notes=tuple(notes),
    )


def inspect_database(*, target: Target) -> DatabaseStats:
    engine: Engine = open_engine(target)
    try:
        check_connect(engine, target)
        with database_errors(target, "inspecting"):
            if target.engine == "sqlite":
                with engine.connect() as conn:
                    return _sqlite(conn, target)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                if target.engine == "postgresql":
                    return _postgres(conn, target)
                return _mysql(conn, target)
    finally:
        engine.dispose()
