"""Retention rules checked against the reflected schema and compiled into one predicate each.

Tables and columns are checked before anything runs, and a typo gets an error listing
what exists. The predicate compiled here is the only one: the dry-run count, the batch SELECT
and the DELETE all use it (Laravel #39991: a pretend count that disagreed with the delete).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hygiene.db.connect import Schema, describe, quote
from hygiene.db.settings import RetentionRule
from hygiene.db.timestamps import Storage, cutoff_value, detect
from hygiene.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class CompiledRule:
    rule: RetentionRule
    table_sql: str  # quoted
    key_sql: str  # quoted single-column key: the primary key, or SQLite's rowid
    key_name: str  # the same, unquoted
    predicate: str  # SQL using the bind :cutoff
    cutoff: Any  # in the column's own representation
    storage: Storage
    columns: tuple[str, ...]


def rule_label(rule: RetentionRule) -> str:
    return f"{rule.source}: rule {rule.name!r}"


def _key(engine: Engine, schema: Schema, rule: RetentionRule, what: str) -> str:
    info = schema.table(rule.table, what=what)
    if len(info.primary_key) == 1:
        return info.primary_key[0]
    if engine.dialect.name == "sqlite" and not info.primary_key:
        return "rowid"
    shape = "a composite primary key" if info.primary_key else "no primary key"
    raise UsageError(
        f"{what}: table {rule.table!r} has {shape}; hygiene deletes in keyset batches and "
        "needs a single-column primary key"
    )


def compile_rules(
    engine: Engine, schema: Schema, rules: tuple[RetentionRule, ...], *, now: dt.datetime
) -> list[CompiledRule]:
    """Validate every rule first, so a typo in the third rule stops the run before the first."""
    from sqlalchemy.exc import DBAPIError

    compiled: list[CompiledRule] = []
    for rule in rules:
        what = rule_label(rule)
        sa_type = schema.column(rule.table, rule.column, what=what)
        key = _key(engine, schema, rule, what)
        table_sql = quote(engine, rule.table)
        column_sql = quote(engine, rule.column)
        with engine.connect() as conn:
            storage = detect(
                conn,
                engine=engine.dialect.name,
                table=table_sql,
                column=column_sql,
                sa_type=sa_type,
                what=f"{what}: table {rule.table!r} column {rule.column!r}",
            )
            predicate = f"{column_sql} < :cutoff"
            if rule.where:
                predicate += f" AND ({rule.where})"
                try:
                    conn.exec_driver_sql(
                        f"SELECT 1 FROM {table_sql} WHERE ({rule.where}) LIMIT 0"
                    ).all()
                except DBAPIError as exc:
                    raise UsageError(f"{what}: where {rule.where!r}: {describe(exc)}") from None
        cutoff = cutoff_value(storage, now - dt.timedelta(seconds=rule.older_than))
        compiled.append(
            CompiledRule(
                rule=rule,
                table_sql=table_sql,
                key_sql=key if key == "rowid" else quote(engine, key),
                key_name=key,
                predicate=predicate,
                cutoff=cutoff,
                storage=storage,
                columns=tuple(schema.table(rule.table, what=what).columns),
            )
        )
    return compiled
