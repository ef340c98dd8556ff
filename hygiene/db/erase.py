"""`hygiene db erase`: permanent erasure of one subject across the foreign-key graph, audited.

Issue 6: foreign keys are followed through reflection to any depth (composite keys, self
references, cycles) plus relations declared in config for schemas without constraints. On
SQLite the keys come from `pragma_foreign_key_list`, because SQLAlchemy's reflection drops inline
`ON DELETE` actions. Children are deleted first, explicitly even where ON DELETE CASCADE would,
so every row is counted; `SET NULL` children are unlinked, not erased. Self references and
cycles are broken by setting the link to NULL on rows that are about to be erased anyway (InnoDB
checks foreign keys row by row). One transaction; afterwards a fresh connection verifies that
nothing remains. No archive is kept: it would defeat the erasure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hygiene.db.connect import (
    Schema,
    TableInfo,
    check_connect,
    database_errors,
    open_engine,
    quote,
)
from hygiene.db.settings import Relation
from hygiene.db.url import Target
from hygiene.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

CHUNK = 200


@dataclass(frozen=True)
class Edge:
    """`child.child_cols` refers to `parent.parent_cols`."""

    child: str
    child_cols: tuple[str, ...]
    parent: str
    parent_cols: tuple[str, ...]
    on_delete: str  # "delete" (NO ACTION, RESTRICT, CASCADE) or "set-null"
    declared: bool = True  # False: from [[db.relations]]

    @property
    def label(self) -> str:
        return (
            f"{self.child}({', '.join(self.child_cols)}) -> "
            f"{self.parent}({', '.join(self.parent_cols)})"
        )


@dataclass(frozen=True)
class PlanStep:
    table: str
    action: str  # "delete" | "set-null"
    rows: int
    via: str  # the foreign key that reached it, or "subject"


@dataclass(frozen=True)
class ErasePlan:
    target: str
    engine: str
    table: str
    steps: tuple[PlanStep, ...]  # in execution order

    @property
    def total_rows(self) -> int:
        return sum(s.rows for s in self.steps if s.action == "delete")


@dataclass(frozen=True)
class EraseResult:
    plan: ErasePlan
    deleted: dict[str, int]
    nulled: dict[str, int]
    remaining: dict[str, int]  # post-check: rows of the erased set still present, per table
    audit_file: str | None

    @property
    def ok(self) -> bool:
        return not any(self.remaining.values())


def _action(raw: str | None) -> str:
    return "set-null" if (raw or "").upper() == "SET NULL" else "delete"


def foreign_keys(engine: Engine, schema: Schema, relations: tuple[Relation, ...]) -> list[Edge]:
    edges: list[Edge] = []
    for table in schema.tables:
        if engine.dialect.name == "sqlite":
            groups: dict[int, list[Any]] = defaultdict(list)
            with engine.connect() as conn:
                for row in conn.exec_driver_sql(
                    'SELECT id, seq, "table", "from", "to", on_delete '
                    "FROM pragma_foreign_key_list(?) ORDER BY id, seq",
                    (table,),
                ).all():
                    groups[row[0]].append(row)
            for rows in groups.values():
                parent = rows[0][2]
                if parent not in schema.tables:
                    continue
                to = tuple(r[4] for r in rows)
                if any(t is None for t in to):  # REFERENCES parent: its primary key
                    to = schema.table(parent, what="foreign key").primary_key
                edges.append(
                    Edge(table, tuple(r[3] for r in rows), parent, to, _action(rows[0][5]))
                )
        else:
            for fk in schema.inspector.get_foreign_keys(table):
                if fk.get("referred_schema") or fk["referred_table"] not in schema.tables:
                    continue
                edges.append(
                    Edge(
                        table,
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        _action((fk.get("options") or {}).get("ondelete")),
                    )
                )
    for rel in relations:
        what = f"{rel.source}: db.relations {rel.table}.{rel.column}"
        schema.column(rel.table, rel.column, what=what)
        schema.column(rel.ref_table, rel.ref_column, what=what)
        edges.append(
            Edge(
                rel.table,
                (rel.column,),
                rel.ref_table,
                (rel.ref_column,),
                rel.on_erase,
                declared=False,
            )
        )
    return edges


def _match(
    engine: Engine, columns: tuple[str, ...], values: list[tuple[Any, ...]]
) -> tuple[str, dict[str, Any]]:
    """SQL matching any of `values` on `columns` (NULL-safe), with its bind parameters."""
    params: dict[str, Any] = {}
    if len(columns) == 1 and all(v[0] is not None for v in values):
        names = []
        for i, (value,) in enumerate(values):
            params[f"v{i}"] = value
            names.append(f":v{i}")
        return f"{quote(engine, columns[0])} IN ({', '.join(names)})", params
    terms = []
    for i, row in enumerate(values):
        parts = []
        for j, (column, value) in enumerate(zip(columns, row, strict=True)):
            if value is None:
                parts.append(f"{quote(engine, column)} IS NULL")
            else:
                params[f"v{i}_{j}"] = value
                parts.append(f"{quote(engine, column)} = :v{i}_{j}")
        terms.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(terms) or "1 = 0", params


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _Collected:
    """Rows reached from the subject, keyed by each table's identity (primary key or rowid)."""

    rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    via: dict[str, str] = field(default_factory=dict)
    unlink: dict[Edge, set[tuple[Any, ...]]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # tables in discovery order


def _identity(engine: Engine, info: TableInfo) -> tuple[str, ...]:
    if info.primary_key:
        return info.primary_key
    if engine.dialect.name == "sqlite":
        return ("rowid",)
    return tuple(info.columns)  # no key at all: the whole row is its identity


def _select(
    conn: Connection, engine: Engine, info: TableInfo, columns: tuple[str, ...], values: list[Any]
) -> list[dict[str, Any]]:
    from sqlalchemy import text

    ident = _identity(engine, info)
    extra = ", rowid" if ident == ("rowid",) else ""
    found: list[dict[str, Any]] = []
    for chunk in _chunks(values):
        where, params = _match(engine, columns, chunk)
        result = conn.execute(
            text(f"SELECT *{extra} FROM {quote(engine, info.name)} WHERE {where}"), params
        )
        found.extend(dict(row._mapping) for row in result)
    return found


def _collect(
    conn: Connection, engine: Engine, schema: Schema, edges: list[Edge], table: str, key: Any
) -> _Collected:
    info = schema.table(table, what="--table")
    state = _Collected()
    subject = _select(conn, engine, info, info.primary_key, [(key,)])
    if not subject:
        return state
    queue: list[tuple[str, list[dict[str, Any]]]] = []

    def add(name: str, rows: list[dict[str, Any]], via: str) -> None:
        tinfo = schema.table(name, what="erase")
        ident = _identity(engine, tinfo)
        known = state.rows.setdefault(name, {})
        if name not in state.via:
            state.via[name] = via
            state.order.append(name)
        new = []
        for row in rows:
            k = tuple(row[c] for c in ident)
            if k not in known:
                known[k] = row
                new.append(row)
        if new:
            queue.append((name, new))

    add(table, subject, "subject")
    while queue:
        parent, new_rows = queue.pop(0)
        for edge in (e for e in edges if e.parent == parent):
            values = {tuple(r[c] for c in edge.parent_cols) for r in new_rows}
            values = {v for v in values if None not in v}
            if not values:
                continue
            child_info = schema.table(edge.child, what="erase")
            children = _select(conn, engine, child_info, edge.child_cols, sorted(values, key=repr))
            if not children:
                continue
            if edge.on_delete == "set-null":
                ident = _identity(engine, child_info)
                keys = state.unlink.setdefault(edge, set())
                keys.update(tuple(r[c] for c in ident) for r in children)
            else:
                add(edge.child, children, edge.label)
    # A row erased anyway needs no unlinking.
    for edge, keys in state.unlink.items():
        keys.difference_update(state.rows.get(edge.child, {}))
    return state


def _delete_order(state: _Collected, edges: list[Edge]) -> tuple[list[str], list[Edge]]:
    """Children before parents; the edges that close a cycle (self references included)."""
    tables = set(state.rows)
    children: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.parent in tables and edge.child in tables and edge.on_delete == "delete":
            children[edge.parent].append(edge)
    order: list[str] = []
    state_of: dict[str, int] = {}  # 1 visiting, 2 done
    cycle_edges: list[Edge] = []

    def visit(name: str) -> None:
        state_of[name] = 1
        for edge in children[name]:
            mark = state_of.get(edge.child)
            if mark == 1:
                cycle_edges.append(edge)
            elif mark is None:
                visit(edge.child)
        state_of[name] = 2
        order.append(name)  # after all its children

    for name in state.order:
        if name not in state_of:
            visit(name)
    return order, cycle_edges


def _plan(target: Target, table: str, state: _Collected, edges: list[Edge]) -> ErasePlan:
    order, _ = _delete_order(state, edges)
    steps = [
        PlanStep(edge.child, "set-null", len(keys), edge.label)
        for edge, keys in state.unlink.items()
        if keys
    ]
    steps += [PlanStep(t, "delete", len(state.rows[t]), state.via[t]) for t in order]
    return ErasePlan(target.masked, target.engine, table, tuple(steps))


def _subject_key(schema: Schema, table: str, subject_id: str) -> Any:
    info = schema.table(table, what="--table")
    if len(info.primary_key) != 1:
        raise UsageError(
            f"--table {table!r}: erase needs a single-column primary key to name the subject"
        )
    sa_type = info.columns[info.primary_key[0]]
    try:
        python_type = sa_type.python_type
    except NotImplementedError:
        return subject_id
    if python_type is int:
        try:
            return int(subject_id)
        except ValueError:
            raise UsageError(
                f"--id: {table}.{info.primary_key[0]} is an integer column, got {subject_id!r}"
            ) from None
    return subject_id


def _remaining(
    conn: Connection, engine: Engine, schema: Schema, state: _Collected
) -> dict[str, int]:
    from sqlalchemy import text

    left: dict[str, int] = {}
    for name, rows in state.rows.items():
        info = schema.table(name, what="erase")
        ident = _identity(engine, info)
        count = 0
        for chunk in _chunks(list(rows)):
            where, params = _match(engine, ident, chunk)
            count += int(
                conn.execute(
                    text(f"SELECT count(*) FROM {quote(engine, name)} WHERE {where}"), params
                ).scalar()
                or 0
            )
        left[name] = count
    return left


def _execute(
    conn: Connection, engine: Engine, schema: Schema, state: _Collected, edges: list[Edge]
) -> tuple[dict[str, int], dict[str, int]]:
    from sqlalchemy import text

    order, cycle_edges = _delete_order(state, edges)
    nulled: dict[str, int] = defaultdict(int)
    for edge, keys in state.unlink.items():
        info = schema.table(edge.child, what="erase")
        sets = ", ".join(f"{quote(engine, c)} = NULL" for c in edge.child_cols)
        for chunk in _chunks(sorted(keys, key=repr)):
            where, params = _match(engine, _identity(engine, info), chunk)
            nulled[edge.child] += conn.execute(
                text(f"UPDATE {quote(engine, edge.child)} SET {sets} WHERE {where}"), params
            ).rowcount
    for edge in cycle_edges:
        info = schema.table(edge.child, what="erase")
        if not set(edge.child_cols) <= info.nullable:
            continue  # cannot unlink; statement-level checks (PostgreSQL) still pass
        sets = ", ".join(f"{quote(engine, c)} = NULL" for c in edge.child_cols)
        for chunk in _chunks(list(state.rows[edge.child])):
            where, params = _match(engine, _identity(engine, info), chunk)
            conn.execute(
                text(f"UPDATE {quote(engine, edge.child)} SET {sets} WHERE {where}"), params
            )
    deleted: dict[str, int] = {}
    for name in order:
        info = schema.table(name, what="erase")
        count = 0
        for chunk in _chunks(list(state.rows[name])):
            where, params = _match(engine, _identity(engine, info), chunk)
            count += conn.execute(
                text(f"DELETE FROM {quote(engine, name)} WHERE {where}"), params
            ).rowcount
        deleted[name] = count
    return deleted, dict(nulled)


def erase_subject(
    *,
    target: Target,
    table: str,
    subject_id: str,
    relations: tuple[Relation, ...] = (),
    dry_run: bool = False,
    confirm: Callable[[ErasePlan], bool] | None = None,
) -> EraseResult | ErasePlan:
    """Plan, ask `confirm` (when given), erase in one transaction, verify, audit.

    Returns the plan alone for a dry run or when `confirm` declines.
    """
    from hygiene.db.audit import record_erasure

    engine = open_engine(target)
    try:
        check_connect(engine, target)
        schema = Schema(engine)
        key = _subject_key(schema, table, subject_id)
        edges = foreign_keys(engine, schema, relations)
        with database_errors(target, "planning the erasure"), engine.connect() as conn:
            state = _collect(conn, engine, schema, edges, table, key)
        if not state.rows:
            raise UsageError(f"--id: no row in {table!r} with that key; nothing to erase")
        plan = _plan(target, table, state, edges)
        if dry_run or (confirm is not None and not confirm(plan)):
            return plan
        with database_errors(target, "erasing"), engine.connect() as conn:
            conn = conn.execution_options(hygiene_write=True)
            with conn.begin():
                # Collect again inside the write transaction: what is erased is what exists now.
                state = _collect(conn, engine, schema, edges, table, key)
                deleted, nulled = _execute(conn, engine, schema, state, edges)
        plan = _plan(target, table, state, edges)
        with database_errors(target, "verifying the erasure"), engine.connect() as conn:
            remaining = _remaining(conn, engine, schema, state)
        audit = record_erasure(
            target=target,
            table=table,
            subject_id=subject_id,
            deleted=deleted,
            nulled=nulled,
            remaining=remaining,
        )
        return EraseResult(plan, deleted, nulled, remaining, str(audit))
    finally:
        engine.dispose()
