"""`hygiene db erase`: permanent erasure of one subject across the foreign-key graph, audited.

Foreign keys are followed through reflection to any depth (composite keys, self
references, cycles) plus relations declared in config for schemas without constraints. On
SQLite the keys come from `pragma_foreign_key_list`, because SQLAlchemy's reflection drops inline
`ON DELETE` actions.

Whose rows: the subject's own table holds other people, and so may any table below it. A row is
erased only when it belongs to the subject alone: walking up from it through foreign keys that
are not SET NULL (the ones whose parent's deletion would take the row or be refused), the
nearest rows of the subject's table are the subject and nobody else. Every other row that
refers to an erased row is kept: its link is set to NULL when the column allows it, otherwise
the erase is refused before anything changes, naming the rows. The engine's own ON DELETE
CASCADE is never relied on: children are deleted explicitly, and a count of every table the
engine could cascade into checks, before the COMMIT, that it deleted nothing hygiene did not plan.

One transaction; afterwards a fresh connection verifies that nothing remains. No archive is
kept: it would defeat the erasure. The audit record is written before the COMMIT and kept once
the COMMIT was sent, whatever happens next.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hygiene.db.connect import (
    DbFailed,
    Schema,
    TableInfo,
    check_connect,
    database_errors,
    describe,
    open_engine,
    quote,
)
from hygiene.db.settings import Relation
from hygiene.db.url import Target
from hygiene.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

CHUNK = 200


SHOWN = 5  # blocking rows named in a refusal


class CommitOutcomeUnknown(DbFailed):
    """The COMMIT was sent and no answer came back: the erasure may or may not have happened."""

    def __init__(self, message: str, *, interrupted: bool) -> None:
        super().__init__(message)
        self.exit_code = EXIT_INTERRUPTED if interrupted else EXIT_FINDINGS


@dataclass(frozen=True)
class Edge:
    """`child.child_cols` refers to `parent.parent_cols`."""

    child: str
    child_cols: tuple[str, ...]
    parent: str
    parent_cols: tuple[str, ...]
    on_delete: str  # "delete" (NO ACTION, RESTRICT, CASCADE) or "set-null"
    declared: bool = True  # False: from [[db.relations]]
    cascade: bool = False  # the engine itself deletes the children (ON DELETE CASCADE)

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
    via: str  # the foreign key(s) that reached these rows, or "subject"
    reason: str  # why these rows are deleted or unlinked


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
    settled: int = 0  # earlier runs' records found pending and logged as "outcome unknown"

    @property
    def ok(self) -> bool:
        return not any(self.remaining.values())


def _action(raw: str | None) -> str:
    return "set-null" if (raw or "").upper() == "SET NULL" else "delete"


def _cascade(raw: str | None) -> bool:
    return (raw or "").upper() == "CASCADE"


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
                    Edge(
                        table,
                        tuple(r[3] for r in rows),
                        parent,
                        to,
                        _action(rows[0][5]),
                        cascade=_cascade(rows[0][5]),
                    )
                )
        else:
            for fk in schema.inspector.get_foreign_keys(table):
                if fk.get("referred_schema") or fk["referred_table"] not in schema.tables:
                    continue
                ondelete = (fk.get("options") or {}).get("ondelete")
                edges.append(
                    Edge(
                        table,
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        _action(ondelete),
                        cascade=_cascade(ondelete),
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


Row = dict[str, Any]
Key = tuple[Any, ...]


@dataclass
class _Collected:
    """What erasing the subject touches, keyed by each table's identity (primary key or rowid)."""

    subject: Key = ()
    rows: dict[str, dict[Key, Row]] = field(default_factory=dict)  # erased
    via: dict[str, list[str]] = field(default_factory=dict)  # the edges that reached them
    unlink: dict[Edge, dict[Key, Row]] = field(default_factory=dict)  # kept, link set NULL
    blocked: list[tuple[Edge, Row, tuple[Key, ...]]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # tables in discovery order


def _identity(engine: Engine, info: TableInfo) -> tuple[str, ...]:
    if info.primary_key:
        return info.primary_key
    if engine.dialect.name == "sqlite":
        return ("rowid",)
    return tuple(info.columns)  # no key at all: the whole row is its identity


def _select(
    conn: Connection,
    engine: Engine,
    info: TableInfo,
    columns: tuple[str, ...],
    values: list[Any],
    *,
    lock: bool = False,
) -> list[Row]:
    from sqlalchemy import text

    ident = _identity(engine, info)
    extra = ", rowid" if ident == ("rowid",) else ""
    # In the write transaction the rows about to change are locked, so no child can be added
    # under them before the COMMIT (SQLite's BEGIN IMMEDIATE already holds off other writers).
    suffix = " FOR UPDATE" if lock and engine.dialect.name != "sqlite" else ""
    found: list[Row] = []
    for chunk in _chunks(values):
        where, params = _match(engine, columns, chunk)
        result = conn.execute(
            text(f"SELECT *{extra} FROM {quote(engine, info.name)} WHERE {where}{suffix}"),
            params,
        )
        found.extend(dict(row._mapping) for row in result)
    return found


class _Owners:
    """Who a row belongs to: the nearest rows of the subject's table above it.

    Walking up through foreign keys that are not SET NULL (a row depends on what they point
    at: deleting that would take the row or be refused), level by level; the first level that
    reaches the subject's table names the owners. A reply belongs to its author (one level up),
    not to the author of the comment it answers (two levels up); a row with two owners at the
    same distance (a message between two people) belongs to both.
    """

    def __init__(
        self, conn: Connection, engine: Engine, schema: Schema, edges: list[Edge], table: str
    ) -> None:
        self.conn, self.engine, self.schema, self.table = conn, engine, schema, table
        self.up: dict[str, list[Edge]] = defaultdict(list)
        for edge in edges:
            if edge.on_delete == "delete":
                self.up[edge.child].append(edge)
        self._parents: dict[tuple[Edge, Key], list[Row]] = {}

    def key(self, table: str, row: Row) -> Key:
        ident = _identity(self.engine, self.schema.table(table, what="erase"))
        return tuple(row[c] for c in ident)

    def parents(self, edge: Edge, values: Key) -> list[Row]:
        if (edge, values) not in self._parents:
            info = self.schema.table(edge.parent, what="erase")
            self._parents[(edge, values)] = _select(
                self.conn, self.engine, info, edge.parent_cols, [values]
            )
        return self._parents[(edge, values)]

    def nearest(self, table: str, row: Row) -> set[Key]:
        frontier = [(table, row)]
        seen = {(table, self.key(table, row))}
        while frontier:
            found: set[Key] = set()
            above: list[tuple[str, Row]] = []
            for name, current in frontier:
                for edge in self.up[name]:
                    values = tuple(current[c] for c in edge.child_cols)
                    if None in values:
                        continue
                    for parent in self.parents(edge, values):
                        mark = (edge.parent, self.key(edge.parent, parent))
                        if mark in seen:
                            continue
                        seen.add(mark)
                        if edge.parent == self.table:
                            found.add(mark[1])  # a person: never walk above one
                        else:
                            above.append((edge.parent, parent))
            if found:
                return found
            frontier = above
        return set()


def _collect(
    conn: Connection,
    engine: Engine,
    schema: Schema,
    edges: list[Edge],
    table: str,
    key: Any,
    *,
    lock: bool = False,
) -> _Collected:
    info = schema.table(table, what="--table")
    state = _Collected()
    subject = _select(conn, engine, info, info.primary_key, [(key,)], lock=lock)
    if not subject:
        return state
    owners = _Owners(conn, engine, schema, edges, table)
    state.subject = owners.key(table, subject[0])
    queue: list[tuple[str, list[Row]]] = []

    def erase(name: str, rows: list[Row], via: str) -> None:
        known = state.rows.setdefault(name, {})
        if name not in state.via:
            state.via[name] = []
            state.order.append(name)
        new = []
        for row in rows:
            k = owners.key(name, row)
            if k not in known:
                known[k] = row
                new.append(row)
        if new:
            if via not in state.via[name]:
                state.via[name].append(via)
            queue.append((name, new))

    erase(table, subject, "subject")
    while queue:
        parent, new_rows = queue.pop(0)
        for edge in (e for e in edges if e.parent == parent):
            values = {tuple(r[c] for c in edge.parent_cols) for r in new_rows}
            values = {v for v in values if None not in v}
            if not values:
                continue
            child_info = schema.table(edge.child, what="erase")
            children = _select(
                conn, engine, child_info, edge.child_cols, sorted(values, key=repr), lock=lock
            )
            mine = _judge_children(state, owners, edge, children, child_info, table)
            if mine:
                erase(edge.child, mine, edge.label)
    # A row erased anyway needs no unlinking.
    for edge, keyed in state.unlink.items():
        for k in state.rows.get(edge.child, {}):
            keyed.pop(k, None)
    return state


def _judge_children(
    state: _Collected,
    owners: _Owners,
    edge: Edge,
    children: list[Row],
    child_info: TableInfo,
    table: str,
) -> list[Row]:
    """The rows through `edge` below erased ones that belong to the subject alone (to erase);
    each other one is recorded to unlink, or as blocking when its link cannot be NULL."""
    mine: list[Row] = []
    for child in children:
        k = owners.key(edge.child, child)
        if k in state.rows.get(edge.child, {}):
            continue
        who: tuple[Key, ...] = ()
        if edge.on_delete == "delete":
            if edge.child != table:  # the subject's table holds only other people
                nearest = owners.nearest(edge.child, child)
                if nearest == {state.subject}:
                    mine.append(child)
                    continue
                who = tuple(sorted(nearest - {state.subject}, key=repr))
            if not set(edge.child_cols) <= child_info.nullable:
                state.blocked.append((edge, child, who))
                continue
        state.unlink.setdefault(edge, {})[k] = child
    return mine


def _erasable(
    conn: Connection,
    engine: Engine,
    schema: Schema,
    edges: list[Edge],
    table: str,
    key: Any,
    subject_id: str,
    *,
    lock: bool = False,
) -> _Collected:
    """What erasing the subject takes; UsageError (nothing changed) when there is no such
    subject, or when it would delete or orphan another person's rows."""
    state = _collect(conn, engine, schema, edges, table, key, lock=lock)
    if not state.rows:
        raise UsageError(f"--id: no row in {table!r} with that key; nothing to erase")
    if state.blocked:
        raise _refusal(engine, schema, table, subject_id, state)
    return state


def _describe(engine: Engine, schema: Schema, table: str, row: Row, edge: Edge) -> str:
    """A row by its key (never its other values: they may be personal data)."""
    info = schema.table(table, what="erase")
    ident = _identity(engine, info)
    if ident == tuple(info.columns) and len(ident) > 1:
        ident = edge.child_cols  # no key: name it by the link itself
    return f"{table}({', '.join(f'{c}={row[c]!r}' for c in ident)})"


def _refusal(
    engine: Engine, schema: Schema, table: str, subject_id: str, state: _Collected
) -> UsageError:
    info = schema.table(table, what="erase")
    parts = []
    for edge, row, who in state.blocked[:SHOWN]:
        text = f"{_describe(engine, schema, edge.child, row, edge)} through {edge.label}"
        if who:
            pk = info.primary_key
            names = ", ".join(
                f"{table}({', '.join(f'{c}={v!r}' for c, v in zip(pk, k, strict=False))})"
                for k in who
            )
            text += f" (it belongs to {names})"
        parts.append(text)
    more = len(state.blocked) - SHOWN
    listed = "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
    return UsageError(
        f"--id {subject_id}: erase refused, nothing changed: {len(state.blocked)} row(s) of "
        f"other people refer to what it would erase through a NOT NULL foreign key, and erase "
        f"never deletes other people's rows: {listed}"
    )


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


def _unlink_reason(edge: Edge, table: str) -> str:
    if edge.on_delete == "set-null":
        return "ON DELETE SET NULL" if edge.declared else "db.relations: on_erase = set-null"
    if edge.child == table:
        return f"other people: erase deletes no {table} row but the subject"
    return "these rows belong to someone else too: kept, only the link is cleared"


def _plan(target: Target, table: str, state: _Collected, edges: list[Edge]) -> ErasePlan:
    order, _ = _delete_order(state, edges)
    steps = [
        PlanStep(edge.child, "set-null", len(keyed), edge.label, _unlink_reason(edge, table))
        for edge, keyed in state.unlink.items()
        if keyed
    ]
    for name in order:
        subject = state.via[name] == ["subject"]
        steps.append(
            PlanStep(
                name,
                "delete",
                len(state.rows[name]),
                ", ".join(state.via[name]),
                "the subject" if subject else "these rows belong to the subject alone",
            )
        )
    return ErasePlan(target.masked, target.engine, table, tuple(steps))


_INTEGER = re.compile(r"[+-]?[0-9]+")


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
        # Plain ASCII digits only: int() would also take "1_000" and other scripts' digits.
        if not _INTEGER.fullmatch(subject_id.strip()):
            raise UsageError(
                f"--id: {table}.{info.primary_key[0]} is an integer column, got {subject_id!r}"
            )
        return int(subject_id)
    return subject_id


def _count(conn: Connection, engine: Engine, name: str) -> int:
    from sqlalchemy import text

    return int(conn.execute(text(f"SELECT count(*) FROM {quote(engine, name)}")).scalar() or 0)


def _cascade_reach(state: _Collected, edges: list[Edge]) -> list[str]:
    """The tables the engine's own ON DELETE CASCADE could delete from, starting at the rows
    erased: hygiene deletes children itself, so there it must find nothing left to do."""
    reach = set(state.rows)
    grew = True
    while grew:
        grew = False
        for edge in edges:
            if edge.cascade and edge.parent in reach and edge.child not in reach:
                reach.add(edge.child)
                grew = True
    return sorted(reach)


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
    watched = _cascade_reach(state, edges)
    before = {name: _count(conn, engine, name) for name in watched}
    nulled: dict[str, int] = defaultdict(int)
    for edge, keyed in state.unlink.items():
        info = schema.table(edge.child, what="erase")
        sets = ", ".join(f"{quote(engine, c)} = NULL" for c in edge.child_cols)
        for chunk in _chunks(sorted(keyed, key=repr)):
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
    for name in watched:
        extra = before[name] - deleted.get(name, 0) - _count(conn, engine, name)
        if extra:
            raise UsageError(
                f"erase refused, nothing changed: {extra} row(s) of {name} went that the plan "
                "did not name (a cascade or trigger hygiene cannot see); rolled back"
            )
    return deleted, dict(nulled)


def _canonical_key(state: _Collected) -> str:
    from hygiene.db.audit import subject_key

    (value,) = state.subject
    return subject_key(value)


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

    Returns the plan alone for a dry run or when `confirm` declines. Raises UsageError (nothing
    changed) when erasing would delete or orphan another person's rows.
    """
    from hygiene.db.audit import Pending, settle_leftovers, write_pending

    engine = open_engine(target)
    try:
        check_connect(engine, target)
        schema = Schema(engine)
        key = _subject_key(schema, table, subject_id)
        edges = foreign_keys(engine, schema, relations)
        with database_errors(target, "planning the erasure"), engine.connect() as conn:
            state = _erasable(conn, engine, schema, edges, table, key, subject_id)
        plan = _plan(target, table, state, edges)
        if dry_run or (confirm is not None and not confirm(plan)):
            return plan
        settled = settle_leftovers()
        pending: Pending | None = None
        with engine.connect() as raw:
            conn = raw.execution_options(hygiene_write=True)
            transaction = conn.begin()
            try:
                with database_errors(target, "erasing"):
                    # Collect again inside the write transaction: what is erased is what
                    # exists now, locked until the COMMIT.
                    state = _erasable(
                        conn, engine, schema, edges, table, key, subject_id, lock=True
                    )
                    deleted, nulled = _execute(conn, engine, schema, state, edges)
                pending = write_pending(
                    target=target,
                    table=table,
                    key=_canonical_key(state),
                    deleted=deleted,
                    nulled=nulled,
                )
            except BaseException:
                # The COMMIT was never sent, so nothing was erased and nothing
                # stays recorded (write_pending removes a half-written record itself).
                with contextlib.suppress(Exception):
                    transaction.rollback()
                raise
            try:
                transaction.commit()
            except BaseException as exc:
                # The COMMIT was sent: the server may have committed it (a dropped connection,
                # a Ctrl-C while its answer was in flight), so the record is kept.
                audit = pending.settle(commit="outcome unknown")
                interrupted = isinstance(exc, KeyboardInterrupt)
                cause = "interrupted" if interrupted else describe(exc)
                raise CommitOutcomeUnknown(
                    f"{target.masked}: erasing: COMMIT sent, then {cause}: commit outcome "
                    f"unknown; its audit record is kept, marked so, in {audit}; run the same "
                    "erase again: it erases what is left or says nothing is",
                    interrupted=interrupted,
                ) from None
        plan = _plan(target, table, state, edges)
        try:
            with database_errors(target, "verifying the erasure"), engine.connect() as conn:
                remaining = _remaining(conn, engine, schema, state)
        except BaseException:
            pending.settle(commit="done")  # committed; only the post-check is missing
            raise
        audit = pending.settle(commit="done", remaining=remaining)
        return EraseResult(plan, deleted, nulled, remaining, str(audit), settled)
    finally:
        engine.dispose()
