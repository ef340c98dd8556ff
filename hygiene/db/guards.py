"""What in the catalog can make a DELETE skip a row it matches, read once per rule.

A retention DELETE removes exactly the rows its WHERE matches unless something rewrites or
filters it: a SQLite trigger (`RAISE(IGNORE)` in a BEFORE DELETE trigger), a PostgreSQL
trigger (a BEFORE DELETE row trigger returning NULL, or any DELETE trigger that puts rows back),
a PostgreSQL rule on DELETE (`DO INSTEAD`), or PostgreSQL row-level security (a DELETE policy
hiding rows a SELECT sees). MySQL/MariaDB triggers cannot cancel a DELETE silently (only SIGNAL
an error) nor touch their own table, but a DELETE trigger there is reported too, so every engine
treats "a DELETE trigger exists" the same way. The reading is deliberately broad (any trigger
that mentions DELETE on SQLite, any DELETE trigger enabled or not, every rule and policy on the
table and on its partitions or inheritance children): a false alarm costs one counting pass,
a miss would cost the run's row-count check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# pg_trigger.tgtype bit for DELETE (src/include/catalog/pg_trigger.h: TRIGGER_TYPE_DELETE).
_PG_DELETE = 1 << 3

_PG_GUARDS = f"""
WITH RECURSIVE rels(oid) AS (
    SELECT CAST(:t AS regclass)::oid
    UNION SELECT i.inhrelid FROM pg_inherits i JOIN rels r ON i.inhparent = r.oid
)
SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN rels r ON t.tgrelid = r.oid
    WHERE NOT t.tgisinternal AND (t.tgtype & {_PG_DELETE}) <> 0
UNION ALL
SELECT 'rule ' || w.rulename FROM pg_rewrite w JOIN rels r ON w.ev_class = r.oid
    WHERE w.ev_type = '4'
UNION ALL
SELECT 'row-level security on ' || c.relname FROM pg_class c JOIN rels r ON c.oid = r.oid
    WHERE c.relrowsecurity
"""


def delete_guards(conn: Connection, engine: str, table: str, table_sql: str) -> list[str]:
    """What could make a DELETE on `table` skip a matching row (empty: nothing can).

    `table` is the plain name, `table_sql` the quoted one (PostgreSQL resolves it through the
    search_path exactly as the DELETE does)."""
    from sqlalchemy import text

    if engine == "sqlite":
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = :t COLLATE NOCASE"
            ),
            {"t": table},
        ).all()
        return [f"trigger {name}" for name, sql in rows if "DELETE" in str(sql or "").upper()]
    if engine == "postgresql":
        return [str(r[0]) for r in conn.execute(text(_PG_GUARDS), {"t": table_sql}).all()]
    rows = conn.execute(
        text(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
            "WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = :t "
            "AND EVENT_MANIPULATION = 'DELETE'"
        ),
        {"t": table},
    ).all()
    return [f"trigger {r[0]}" for r in rows]
