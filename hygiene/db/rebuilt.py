"""What a table would occupy once rebuilt: the size VACUUM FULL, OPTIMIZE TABLE or VACUUM leaves.

Reclaimable space is the size now minus this. Both server engines are sized from the live rows
and their measured widths, because the free-space figures they keep see only part of the bloat:
PostgreSQL's pgstattuple measures the heap but not the indexes (22% under after deletes), and
InnoDB's DATA_FREE counts only whole free 1 MiB extents, while `data_length` still counts every
half-emptied page (64% under after scattered deletes). SQLite's `dbstat` sees every page, so
there the rebuilt size comes from the bytes its b-trees really use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# PostgreSQL page layout (https://www.postgresql.org/docs/current/storage-page-layout.html).
PG_PAGE = 8192
PG_PAGE_HEADER = 24
PG_BTREE_SPECIAL = 16  # BTPageOpaqueData at the end of every btree page
PG_LINE_POINTER = 4
PG_TUPLE_HEADER = 24  # HeapTupleHeaderData is 23 bytes, MAXALIGNed
PG_INDEX_TUPLE_HEADER = 8
PG_HEAP_TUPLES_PER_PAGE = 291  # MaxHeapTuplesPerPage for 8 KiB pages
PG_POSTING_ITEM = 6  # one more heap pointer in a deduplicated btree posting list

# InnoDB page layout (https://mariadb.com/kb/en/innodb-page-structure/): FIL header 38, page
# header 56, infimum and supremum 26, FIL trailer 8; records carry a 5-byte header, and clustered
# ones the 6-byte DB_TRX_ID and 7-byte DB_ROLL_PTR (6-byte DB_ROW_ID without a primary key).
INNODB_USABLE = 16384 - 38 - 56 - 26 - 8
INNODB_RECORD_HEADER = 5
INNODB_SYSTEM_COLUMNS = 13
INNODB_DIRECTORY = 0.5  # one 2-byte directory slot per 4 to 8 records
INNODB_FRAGMENT_PAGES = 32  # a segment's first pages come one by one, then whole extents
INNODB_EXTENT = 64  # pages of 16 KiB: 1 MiB
INNODB_FILE_HEADER_PAGES = 3  # FSP header, insert buffer bitmap, inode page
INNODB_SAMPLE_ROWS = 20_000


def _maxalign(n: float) -> int:
    return int(math.ceil(n / 8.0) * 8)


# --- PostgreSQL --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgIndex:
    name: str
    bytes: int
    rebuilt: int | None  # None: not a plain btree over columns (GIN, GiST, partial, expression)


def pg_heap_bytes(*, rows: float, tuple_bytes: float, fillfactor: int = 100) -> int:
    """Heap bytes VACUUM FULL writes: rows packed up to the fillfactor, whole pages.

    The rewrite starts a new page when a tuple would eat into the fillfactor's reserve
    (https://www.postgresql.org/docs/current/sql-createtable.html#RELOPTION-FILLFACTOR).
    """
    if rows <= 0:
        return 0
    room = (PG_PAGE - PG_PAGE_HEADER) - PG_PAGE * (100 - fillfactor) // 100
    per_page = max(1, min(PG_HEAP_TUPLES_PER_PAGE, int(room // (_maxalign(tuple_bytes) + 4))))
    return math.ceil(rows / per_page) * PG_PAGE


def pg_btree_bytes(
    *, rows: float, key_bytes: float, distinct: float | None, fillfactor: int = 90
) -> int:
    """Bytes of a btree built from scratch (REINDEX, VACUUM FULL): leaves filled to the
    fillfactor (90 by default), inner pages to 70, one metapage; equal keys share one tuple
    when deduplication applies (PostgreSQL 13+, https://www.postgresql.org/docs/current/btree-implementation.html#BTREE-DEDUPLICATION).
    """
    item = _maxalign(PG_INDEX_TUPLE_HEADER + key_bytes) + PG_LINE_POINTER
    room = PG_PAGE - PG_PAGE_HEADER - PG_BTREE_SPECIAL
    if rows <= 0:
        return PG_PAGE  # the metapage alone
    if distinct is not None and 0 < distinct < rows:
        used = distinct * item + (rows - distinct) * PG_POSTING_ITEM
    else:
        used = rows * item
    pages = math.ceil(used / (room * fillfactor / 100))
    level = pages
    while level > 1:  # inner levels, 70% full, one downlink per page below
        level = math.ceil(level * item / (room * 0.7))
        pages += level
    return (pages + 1) * PG_PAGE


def _pg_fillfactor(options: Any, default: int) -> int:
    for option in options or ():
        key, _, value = str(option).partition("=")
        if key == "fillfactor" and value.isdigit():
            return int(value)
    return default


def pg_indexes(conn: Connection, oid: int, rows: float) -> list[PgIndex]:
    """Every index of a table, its size now and rebuilt (widths from pg_stats: ANALYZE first)."""
    stats = {
        str(name): (float(width or 0), float(null_frac or 0), float(n_distinct or 0))
        for name, width, null_frac, n_distinct in conn.exec_driver_sql(
            "SELECT s.attname, s.avg_width, s.null_frac, s.n_distinct FROM pg_stats s "
            "JOIN pg_class c ON c.relname = s.tablename "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
            "WHERE c.oid = %(oid)s",
            {"oid": oid},
        ).all()
    }
    found = []
    for name, size, method, plain, unique, columns, options in conn.exec_driver_sql(
        "SELECT ic.relname, pg_relation_size(ic.oid), am.amname, "
        "i.indexprs IS NULL AND i.indpred IS NULL, i.indisunique, "
        "array(SELECT a.attname FROM unnest(i.indkey) k JOIN pg_attribute a "
        "      ON a.attrelid = i.indrelid AND a.attnum = k), ic.reloptions "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = ic.relam WHERE i.indrelid = %(oid)s ORDER BY ic.relname",
        {"oid": oid},
    ).all():
        rebuilt = None
        if method == "btree" and plain and all(c in stats for c in columns):
            key = sum(stats[c][0] * (1 - stats[c][1]) for c in columns)
            distinct = None
            if not unique:
                # Distinct keys: at most the product of each column's n_distinct (negative
                # means a share of the rows, https://www.postgresql.org/docs/current/view-pg-stats.html).
                distinct = 1.0
                for column in columns:
                    n = stats[column][2]
                    distinct *= n if n > 0 else -n * rows
                distinct = min(distinct, rows)
            rebuilt = pg_btree_bytes(
                rows=rows,
                key_bytes=key,
                distinct=distinct,
                fillfactor=_pg_fillfactor(options, 90),
            )
        found.append(PgIndex(str(name), int(size), rebuilt))
    return found


def pg_heap_tuple_bytes(conn: Connection, oid: int) -> float:
    """The average heap tuple from pg_stats after ANALYZE: header plus each column's width."""
    data = conn.exec_driver_sql(
        "SELECT coalesce(sum(s.avg_width * (1 - s.null_frac)), 0) FROM pg_stats s "
        "JOIN pg_class c ON c.relname = s.tablename "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
        "WHERE c.oid = %(oid)s",
        {"oid": oid},
    ).scalar()
    return PG_TUPLE_HEADER + float(data or 0)


def pg_fillfactor(conn: Connection, oid: int) -> int:
    options = conn.exec_driver_sql(
        "SELECT reloptions FROM pg_class WHERE oid = %(oid)s", {"oid": oid}
    ).scalar()
    return _pg_fillfactor(options, 100)


def pg_rebuilt_bytes(
    conn: Connection, oid: int, *, rows: float, tuple_bytes: float | None = None
) -> tuple[int, bool]:
    """Bytes the table takes after VACUUM FULL with `rows` live rows, and whether an index could
    not be sized (kept at its size now). TOAST is kept as it is: its bloat is not estimated."""
    width = pg_heap_tuple_bytes(conn, oid) if tuple_bytes is None else tuple_bytes
    heap = pg_heap_bytes(rows=rows, tuple_bytes=width, fillfactor=pg_fillfactor(conn, oid))
    indexes = pg_indexes(conn, oid, rows)
    toast = conn.exec_driver_sql(
        "SELECT coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0) FROM pg_class "
        "WHERE oid = %(oid)s",
        {"oid": oid},
    ).scalar()
    kept = sum(i.bytes if i.rebuilt is None else i.rebuilt for i in indexes)
    return heap + kept + int(toast or 0), any(i.rebuilt is None for i in indexes)


# --- MariaDB / MySQL (InnoDB) ------------------------------------------------------------------

_FIXED = {
    "tinyint": 1,
    "smallint": 2,
    "mediumint": 3,
    "int": 4,
    "integer": 4,
    "bigint": 8,
    "float": 4,
    "double": 8,
    "real": 8,
    "date": 3,
    "year": 1,
    "enum": 2,
    "set": 8,
    "uuid": 16,
    "inet6": 16,
    "inet4": 4,
}
_TEMPORAL = {"time": 3, "datetime": 5, "timestamp": 4}  # plus fractional seconds
_VARIABLE = ("char", "varchar", "binary", "varbinary", "text", "blob", "json")


@dataclass(frozen=True)
class _Column:
    name: str
    fixed: int | None  # bytes, or None: variable, measured
    nullable: bool


def _decimal_bytes(precision: int, scale: int) -> int:
    # Nine digits in four bytes, the leftover digits in 0 to 4 bytes
    # (https://dev.mysql.com/doc/refman/8.0/en/precision-math-decimal-characteristics.html).
    leftover = (0, 1, 1, 2, 2, 3, 3, 4, 4, 4)

    def part(digits: int) -> int:
        return digits // 9 * 4 + leftover[digits % 9]

    return part(precision - scale) + part(scale)


def _innodb_columns(conn: Connection, table: str) -> list[_Column]:
    columns = []
    for name, kind, nullable, precision, scale, fsp, char_len in conn.exec_driver_sql(
        "SELECT column_name, data_type, is_nullable, numeric_precision, numeric_scale, "
        "datetime_precision, character_maximum_length FROM information_schema.COLUMNS "
        "WHERE table_schema = DATABASE() AND table_name = %(t)s ORDER BY ordinal_position",
        {"t": table},
    ).all():
        kind = str(kind).lower()
        fixed: int | None = None
        if kind in _FIXED:
            fixed = _FIXED[kind]
        elif kind in _TEMPORAL:
            fixed = _TEMPORAL[kind] + (int(fsp or 0) + 1) // 2
        elif kind == "decimal":
            fixed = _decimal_bytes(int(precision or 10), int(scale or 0))
        elif kind == "bit":
            fixed = (int(precision or 1) + 7) // 8
        elif kind == "binary":
            fixed = int(char_len or 1)
        columns.append(_Column(str(name), fixed, str(nullable).upper() == "YES"))
    return columns


def _innodb_indexes(conn: Connection, table: str) -> dict[str, list[str]]:
    indexes: dict[str, list[str]] = {}
    for index, column, kind in conn.exec_driver_sql(
        "SELECT index_name, column_name, index_type FROM information_schema.STATISTICS "
        "WHERE table_schema = DATABASE() AND table_name = %(t)s ORDER BY index_name, seq_in_index",
        {"t": table},
    ).all():
        if str(kind).upper() == "BTREE":
            indexes.setdefault(str(index), []).append(str(column))
    return indexes


def _innodb_segment(pages: int) -> int:
    """Pages a segment holds for `pages` used ones: 32 single pages, then whole extents, one
    in eight more kept in reserve (as measured after OPTIMIZE on MariaDB 10.11: 5 extents used,
    6 held; 31 used, 35 held)."""
    if pages <= INNODB_FRAGMENT_PAGES:
        return pages
    extents = math.ceil((pages + 1 - INNODB_FRAGMENT_PAGES) / INNODB_EXTENT)
    extents += (extents + 4) // 8
    return INNODB_FRAGMENT_PAGES + extents * INNODB_EXTENT


def _innodb_tree(rows: int, record: float, fill: float) -> int:
    leaves = max(1, math.ceil(rows * (record + INNODB_DIRECTORY) / (INNODB_USABLE * fill)))
    inner = 0 if leaves == 1 else max(1, math.ceil(leaves * 16 / INNODB_USABLE))
    return _innodb_segment(leaves) + inner


def innodb_rebuilt_bytes(conn: Connection, table: str, *, rows: int) -> int:
    """The tablespace file OPTIMIZE TABLE (a sorted rebuild) writes for `rows` live rows.

    Record sizes follow the DYNAMIC row format (https://mariadb.com/kb/en/innodb-dynamic-row-format/),
    variable columns measured on up to 20,000 rows. A sorted build fills clustered leaves to
    15/16 at `innodb_fill_factor` 100, secondary leaves fully
    (https://mariadb.com/kb/en/innodb-system-variables/#innodb_fill_factor); the file grows
    in whole 1 MiB extents.
    """
    from hygiene.db.connect import quote

    q = conn.engine.dialect.identifier_preparer.quote
    columns = _innodb_columns(conn, table)
    indexes = _innodb_indexes(conn, table)
    widths: dict[str, float] = {c.name: float(c.fixed or 0) for c in columns}
    measured = [c for c in columns if c.fixed is None]
    if measured and rows:
        # A value costs its bytes plus one length byte (two past 127 bytes); NULL costs nothing.
        parts = ", ".join(
            f"avg(CASE WHEN {q(c.name)} IS NULL THEN 0 ELSE length({q(c.name)}) + "
            f"IF(length({q(c.name)}) > 127, 2, 1) END)"
            for c in measured
        )
        sample = conn.exec_driver_sql(
            f"SELECT {parts} FROM (SELECT * FROM {quote(conn.engine, table)} "
            f"LIMIT {INNODB_SAMPLE_ROWS}) s"
        ).one()
        widths.update({c.name: float(v or 0) for c, v in zip(measured, sample, strict=True)})
    nullable = sum(c.nullable for c in columns)
    header = INNODB_RECORD_HEADER + (nullable + 7) // 8
    primary = indexes.pop("PRIMARY", None)
    system = INNODB_SYSTEM_COLUMNS + (0 if primary else 6)
    fill_factor = int(conn.exec_driver_sql("SELECT @@innodb_fill_factor").scalar() or 100)
    clustered_fill = 15 / 16 if fill_factor >= 100 else fill_factor / 100
    pages = _innodb_tree(rows, header + system + sum(widths.values()), clustered_fill)
    key = primary or []
    for columns_of in indexes.values():
        record = header + sum(widths.get(c, 0) for c in {*columns_of, *key}) + (0 if key else 6)
        pages += _innodb_tree(rows, record, min(1.0, fill_factor / 100))
    pages += INNODB_FILE_HEADER_PAGES
    if pages > INNODB_EXTENT:
        # The file grows one extent at a time, four at a time past 32 (measured, as above).
        step = INNODB_EXTENT * (4 if pages > 32 * INNODB_EXTENT else 1)
        pages = math.ceil(pages / step) * step
    return pages * 16384


# --- SQLite ------------------------------------------------------------------------------------


def sqlite_btree_bytes(*, pages: int, page_size: int, used: int, cells: int) -> int:
    """Bytes a b-tree takes after VACUUM, which copies it in key order into packed pages.

    A packed page still ends with the part of a cell that did not fit: on average half a cell
    (https://www.sqlite.org/fileformat2.html#b_tree_pages). `used` is page bytes minus dbstat's
    `unused`.
    """
    if pages <= 1 or cells <= 0:
        return pages * page_size
    half_cell = min(used / cells / 2, page_size / 2)
    return max(1, math.ceil(used / (page_size - half_cell))) * page_size
