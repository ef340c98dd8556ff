"""`hygiene db clean`: run retention rules in keyset batches, archive first, then reclaim space.

In order: validate every rule against the schema; freeze the cutoff and, per rule, the
highest matching key once (the run never chases rows that expire while it runs); delete by
keyset batches (`key > last AND key <= batch top`, never OFFSET), each batch its own short
transaction whose row count is checked (a trigger that swallows deletes stops the run and that
batch rolls back). How it is checked depends on what can swallow a delete (hygiene.db.guards):
where the catalog shows a DELETE trigger, a PostgreSQL rule or row-level security, or the key is
not an integer, a ranked pass plans every batch's row count and the DELETE must match it;
otherwise nothing can skip a matching row, batches are integer key ranges with no extra pass,
and each batch re-reads the catalog after its DELETE and rolls back if a guard appeared. For
`archive`, the batch's rows are in a complete, fsynced file before the DELETE runs, and that file
is unlinked on a failure only before the COMMIT is sent. The batch size adapts to keep a batch
between ~0.25 s and ~1 s, unless fixed. A
dry run counts with the same predicate and predicts bytes: exactly on SQLite (VACUUM INTO a
temporary copy, the rules applied there).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hygiene.db.connect import DbFailed, Schema, check_connect, database_errors, open_engine
from hygiene.db.rules import CompiledRule, compile_rules
from hygiene.db.settings import RetentionRule
from hygiene.db.url import Target, parse_target
from hygiene.db.vacuum import Reclaim, measure, reclaim
from hygiene.errors import EXIT_INTERRUPTED, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

Progress = Callable[[str, int, int], None]  # rule name, rows done, rows planned (0: unknown)

MIN_BATCH = 100
MAX_BATCH = 50_000
START_BATCH = 1000
FAST_BATCH_S = 0.25
SLOW_BATCH_S = 1.0


@dataclass(frozen=True)
class RuleOutcome:
    name: str
    table: str
    action: str
    rows: int  # deleted (or, in a dry run, that would be)
    archive_files: tuple[str, ...]
    cutoff: str
    storage: str
    notes: tuple[str, ...] = ()  # leftovers finished or removed


@dataclass(frozen=True)
class CleanReport:
    target: str  # masked
    engine: str
    dry_run: bool
    rules: tuple[RuleOutcome, ...]
    reclaim: Reclaim

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(f"rule {r.name!r}: {note}" for r in self.rules for note in r.notes)


@dataclass
class _Ledger:
    """What one rule has done so far, for its audit record when it fails part way."""

    rows: int | None = 0  # None: not known (a delete rule that failed part way)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class CommitUnknown(DbFailed):
    """A batch's COMMIT was sent and then failed: the server may have committed it.

    Its archive is kept. Exit 1, or 130 when the failure was a Ctrl-C."""

    def __init__(self, message: str, *, interrupted: bool) -> None:
        super().__init__(message)
        if interrupted:
            self.exit_code = EXIT_INTERRUPTED


AUDIT_LOG = "db-clean.jsonl"


def _audit(
    target: Target, rule: CompiledRule, ledger: _Ledger, *, error: BaseException | None
) -> None:
    """One durable line per rule run in HYGIENE_HOME/audit/db-clean.jsonl: rows, archive files,
    notes (leftovers, commit outcomes unknown), and how the rule ended."""
    from hygiene import __version__
    from hygiene.clean.audit import append_durably, now_iso
    from hygiene.db.audit import audit_dir

    if error is None:
        outcome = "done"
    elif isinstance(error, KeyboardInterrupt) or getattr(error, "exit_code", 0) == EXIT_INTERRUPTED:
        outcome = "interrupted"
    else:
        outcome = "failed"
    append_durably(
        audit_dir() / AUDIT_LOG,
        {
            "schema": 1,
            "event": "db.clean",
            "time": now_iso(),
            "tool": "hygiene",
            "version": __version__,
            "target": target.masked,
            "engine": target.engine,
            "rule": rule.rule.name,
            "table": rule.rule.table,
            "action": rule.rule.action,
            "rows": ledger.rows,
            "archive_files": ledger.files,
            "notes": ledger.notes,
            "outcome": outcome,
            "error": _error_text(error),
        },
    )


def _error_text(error: BaseException | None) -> str | None:
    """Our own messages as they are; a driver's first line only (its SQL may hold row data)."""
    from hygiene.db.connect import describe
    from hygiene.errors import HygieneError

    if error is None:
        return None
    return str(error) if isinstance(error, HygieneError) else describe(error)


def next_batch_size(size: int, elapsed: float) -> int:
    if elapsed < FAST_BATCH_S:
        return min(MAX_BATCH, size * 2)
    if elapsed > SLOW_BATCH_S:
        return max(MIN_BATCH, size // 2)
    return size


def _count(conn: Connection, rule: CompiledRule) -> int:
    from sqlalchemy import text

    sql = f"SELECT count(*) FROM {rule.table_sql} WHERE {rule.predicate}"
    return int(conn.execute(text(sql), {"cutoff": rule.cutoff}).scalar() or 0)


def _archive_path(
    archive_dir: Path, target: Target, rule: CompiledRule, stamp: str, seq: int
) -> Path:
    from hygiene.db.archive import SUFFIX

    database = "".join(c if c.isalnum() or c in "-_." else "_" for c in target.database) or "db"
    return archive_dir / database / rule.rule.name / f"{stamp}-{seq:05d}{SUFFIX}"


def _first_key(
    conn: Connection,
    rule: CompiledRule,
    *,
    highest: bool = False,
    above: Any = None,
    hwm: Any = None,
) -> Any:
    """The lowest (or highest) matching key, optionally above `above` and at most `hwm`: a key
    scan that stops at the first match. SQLite and PostgreSQL plan min()/max() that way (SQLite
    sorts the whole timestamp index for ORDER BY key LIMIT 1: 0.21 s per million rows);
    MariaDB plans ORDER BY key LIMIT 1 that way, and max() over the whole timestamp index
    range (0.13 s per million rows)."""
    from sqlalchemy import text

    where = f"{rule.predicate} AND {rule.key_sql} IS NOT NULL"
    params: dict[str, Any] = {"cutoff": rule.cutoff}
    if above is not None:
        where += f" AND {rule.key_sql} > :above"
        params["above"] = above
    if hwm is not None:
        where += f" AND {rule.key_sql} <= :hwm"
        params["hwm"] = hwm
    if conn.dialect.name == "mysql":
        order = "DESC" if highest else "ASC"
        sql = (
            f"SELECT {rule.key_sql} FROM {rule.table_sql} WHERE {where} "
            f"ORDER BY {rule.key_sql} {order} LIMIT 1"
        )
    else:
        edge = "max" if highest else "min"
        sql = f"SELECT {edge}({rule.key_sql}) FROM {rule.table_sql} WHERE {where}"
    return conn.execute(text(sql), params).scalar()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _mismatch(target: Target, rule: CompiledRule, deleted: int, planned: int, done: int) -> str:
    return (
        f"{target.masked}: rule {rule.rule.name!r}: the DELETE on {rule.rule.table!r} removed "
        f"{deleted} rows where {planned} were planned (a trigger or rule rewrote it, or another "
        f"session changed them); that batch was rolled back, {done} rows deleted before it stay "
        "deleted; re-run when resolved"
    )


def _run_rule(
    engine: Engine,
    target: Target,
    rule: CompiledRule,
    *,
    batch_size: int | None,
    archive_dir: Path,
    progress: Progress | None,
    ledger: _Ledger,
) -> RuleOutcome:
    """Freeze the highest matching key, then delete (or archive and delete) by keyset batches.

    Delete mode picks one of two batch plans, on one connection:
    - nothing in the catalog can make a DELETE skip a matching row (hygiene.db.guards) and the
      keys are integers: batches are key ranges `(last, last + span]`, the span sized from the
      rows the previous range held, so no pass beyond the DELETEs themselves; each batch's
      transaction re-reads the catalog after its DELETE (which then holds a lock that keeps
      triggers, rules and policies from changing) and rolls back if a guard appeared.
    - otherwise (a DELETE trigger, rule or row-level security; or text, UUID, decimal keys):
      one ranked pass notes every group-th matching key and the total, and each batch's row
      count must equal the rows planned in its range.
    """
    from hygiene.db.archive import settle_leftovers

    # Before the rule's first batch: a .part left by a killed run on this rule.
    folder = _archive_path(archive_dir, target, rule, "", 0).parent
    ledger.notes.extend(settle_leftovers(engine=engine, folder=folder))
    if rule.rule.action == "archive":
        return _archive_rule(
            engine,
            target,
            rule,
            batch_size=batch_size,
            archive_dir=archive_dir,
            progress=progress,
            ledger=ledger,
        )
    ledger.rows = None
    from hygiene.db.guards import delete_guards

    with engine.connect() as conn:
        hwm = _first_key(conn, rule, highest=True)
        if hwm is None:
            return _outcome(rule, 0, [], ledger.notes)
        low = _first_key(conn, rule, hwm=hwm)
        guards = delete_guards(conn, target.engine, rule.rule.table, rule.table_sql)
        ranked = guards or not (_is_int(low) and _is_int(hwm))
        group = batch_size or MIN_BATCH
        planned, bounds = _ranked_pass(conn, rule, hwm=hwm, group=group) if ranked else (0, ())
        conn.rollback()  # the reads' transaction ends here: each batch begins its own
        conn.execution_options(hygiene_write=True)
        try:
            if ranked:
                done = _ranked_batches(
                    conn,
                    target,
                    rule,
                    hwm=hwm,
                    planned=planned,
                    bounds=bounds,
                    batch_size=batch_size,
                    progress=progress,
                )
            else:
                done = _span_batches(
                    conn, target, rule, low=low, hwm=hwm, batch_size=batch_size, progress=progress
                )
        except BaseException:
            # The batches committed before the failure stay deleted, durably; the failure is
            # what the user needs to hear about, not a second one from the flush.
            with contextlib.suppress(Exception):
                _make_durable(conn, target)
            raise
        _make_durable(conn, target)
    return _outcome(rule, done, [], ledger.notes)


def _relax_commit(conn: Connection, target: Target) -> None:
    """PostgreSQL: this batch's commit does not wait for its WAL to reach the disk.

    A crash could then undo the last few batches: their rows come back, nothing is lost, and a
    re-run deletes them. The rule ends with `_make_durable`, so what the report says is on disk.
    Waiting per batch cost about 7 ms a commit, an eighth of a million-row run. Archive batches
    never relax: their rows must be gone once the archive file says so.
    """
    if target.engine == "postgresql":
        from sqlalchemy import text

        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _make_durable(conn: Connection, target: Target) -> None:
    """PostgreSQL: one transaction that commits synchronously; its flush carries every relaxed
    batch's WAL before it (WAL is flushed in order)."""
    if target.engine == "postgresql":
        from sqlalchemy import text

        with conn.begin():
            conn.execute(text("SELECT pg_catalog.txid_current()"))


def _span_batches(
    conn: Connection,
    target: Target,
    rule: CompiledRule,
    *,
    low: int,
    hwm: int,
    batch_size: int | None,
    progress: Progress | None,
) -> int:
    """Integer keys, nothing that can swallow a delete: key arithmetic gives every batch's range.

    A range of `span` integers holds at most `span` rows, so the first batch (span = the batch
    size) cannot be larger than asked; later spans are the batch size divided by the share of
    keys the previous range held (growing at most 4x a step), and an empty range is followed by
    a probe for the next matching key, so gaps in the keys cost one round trip, not many."""
    from sqlalchemy import text

    from hygiene.db.guards import delete_guards

    head = f"DELETE FROM {rule.table_sql} WHERE {rule.predicate} AND {rule.key_sql} <= :top"
    first = text(f"{head} AND {rule.key_sql} >= :low")
    following = text(f"{head} AND {rule.key_sql} > :last")
    recheck = target.engine != "mysql"  # MySQL triggers cannot skip a row (hygiene.db.guards)
    size = batch_size or START_BATCH
    span, density = size, 1.0
    base = low - 1  # keys <= base are done; Python arithmetic only, never bound
    last: int | None = None
    done = 0
    if progress:
        progress(rule.rule.name, 0, 0)
    while True:
        started = time.monotonic()
        top = min(hwm, base + span)
        following_key: int | None = None
        with conn.begin():
            _relax_commit(conn, target)
            if last is None:
                params = {"cutoff": rule.cutoff, "low": low, "top": top}
                deleted = conn.execute(first, params).rowcount
            else:
                params = {"cutoff": rule.cutoff, "last": last, "top": top}
                deleted = conn.execute(following, params).rowcount
            if deleted < 0:
                raise DbFailed(
                    f"{target.masked}: rule {rule.rule.name!r}: the driver did not report how "
                    "many rows the DELETE removed; that batch was rolled back"
                )
            if recheck:
                found = delete_guards(conn, target.engine, rule.rule.table, rule.table_sql)
                if found:
                    raise DbFailed(
                        f"{target.masked}: rule {rule.rule.name!r}: {', '.join(found)} appeared "
                        f"on {rule.rule.table!r} during the run and could skip rows; that batch "
                        f"was rolled back, {done} rows deleted before it stay deleted; re-run"
                    )
            if not deleted and top < hwm:
                following_key = _first_key(conn, rule, above=top, hwm=hwm)
        done += deleted
        if deleted:
            density = deleted / (top - base)
        if top >= hwm or (not deleted and following_key is None):
            break
        if progress:
            progress(rule.rule.name, done, done + int(density * (hwm - top)))
        last = base = top
        if following_key is not None:
            base = following_key - 1
        if batch_size is None:
            size = next_batch_size(size, time.monotonic() - started)
        span = max(1, min(4 * span, int(size / density)))
    if progress:
        progress(rule.rule.name, done, done)
    return done


def _ranked_pass(
    conn: Connection, rule: CompiledRule, *, hwm: Any, group: int
) -> tuple[int, tuple[Any, ...]]:
    """One ranked pass: the total of matching keys up to `hwm` and every group-th of them, so
    each batch is one DELETE over (last, top] whose row count is known beforehand. Counting
    each batch first scanned every range twice (benchmarks/bench_db.py)."""
    from sqlalchemy import text

    ranked = conn.execute(
        text(
            f"SELECT k, rn FROM (SELECT {rule.key_sql} AS k, row_number() OVER "
            f"(ORDER BY {rule.key_sql}) AS rn FROM {rule.table_sql} "
            f"WHERE {rule.predicate} AND {rule.key_sql} <= :hwm) AS ranked "
            "WHERE rn % :g = 0 OR k = :hwm ORDER BY k"
        ),
        {"cutoff": rule.cutoff, "hwm": hwm, "g": group},
    ).all()
    planned = int(ranked[-1][1]) if ranked else 0
    return planned, tuple(k for k, rn in ranked if rn % group == 0)


def _ranked_batches(
    conn: Connection,
    target: Target,
    rule: CompiledRule,
    *,
    hwm: Any,
    planned: int,
    bounds: tuple[Any, ...],
    batch_size: int | None,
    progress: Progress | None,
) -> int:
    """Batches over the ranked pass's bounds; each DELETE's row count must equal the plan."""
    from sqlalchemy import text

    group = batch_size or MIN_BATCH
    if progress:
        progress(rule.rule.name, 0, planned)
    size = batch_size or START_BATCH
    last: Any = None
    used = 0  # boundaries consumed
    done = 0
    while True:
        started = time.monotonic()
        groups = max(1, size // group)
        if used + groups <= len(bounds):
            top, selected = bounds[used + groups - 1], groups * group
        else:
            groups = len(bounds) - used
            top, selected = hwm, planned - done
        used += groups
        if not selected:
            break
        lower = "" if last is None else f" AND {rule.key_sql} > :last"
        delete_params = {"cutoff": rule.cutoff, "top": top}
        if last is not None:
            delete_params["last"] = last
        with conn.begin():
            _relax_commit(conn, target)
            deleted = conn.execute(
                text(
                    f"DELETE FROM {rule.table_sql} WHERE {rule.predicate} "
                    f"AND {rule.key_sql} <= :top{lower}"
                ),
                delete_params,
            ).rowcount
            if deleted != selected:
                raise DbFailed(_mismatch(target, rule, deleted, selected, done))
        done += selected
        last = top
        if progress:
            progress(rule.rule.name, done, max(planned, done))
        if batch_size is None:
            size = next_batch_size(size, time.monotonic() - started)
    return done


def _archive_rule(
    engine: Engine,
    target: Target,
    rule: CompiledRule,
    *,
    batch_size: int | None,
    archive_dir: Path,
    progress: Progress | None,
    ledger: _Ledger,
) -> RuleOutcome:
    """Each batch's rows are selected (locked on servers), written to a fsynced file, and then
    exactly those keys are deleted in the same transaction; the DELETE's row count must equal
    the rows archived.

    The archive is unlinked on a failure only while the COMMIT has not been sent (the
    SELECT, the archive write, the DELETE, the row-count check): the server then cannot have
    committed the DELETE. Once the COMMIT is sent, a failure (a dropped connection, a server
    restart, Ctrl-C) leaves the outcome unknown: the server may have committed, so the archive
    is kept, the run stops and says so (restore skips the rows that are still present)."""
    files = ledger.files
    with engine.connect() as conn:
        hwm = _first_key(conn, rule, highest=True)
        if hwm is None:
            return _outcome(rule, 0, files, ledger.notes)
        planned = _planned(conn, rule, hwm)
    if progress:
        progress(rule.rule.name, 0, planned)
    batches = _ArchiveBatches(engine, target, rule, archive_dir, hwm)
    size = batch_size or START_BATCH
    done = 0
    last: Any = None
    with engine.connect() as conn:
        conn = conn.execution_options(hygiene_write=True)
        while True:
            started = time.monotonic()
            number = len(files) + 1
            transaction = conn.begin()
            selected, top, written = batches.move(conn, transaction, last, size, number, done)
            if not selected:
                transaction.rollback()
                break
            assert written is not None
            _commit_keeping(transaction, target, rule, ledger, number, written, done)
            files.append(str(written))
            done += selected
            ledger.rows = done
            last = top
            if progress:
                progress(rule.rule.name, done, max(planned, done))
            if batch_size is None:
                size = next_batch_size(size, time.monotonic() - started)
    return _outcome(rule, done, files, ledger.notes)


def _planned(conn: Connection, rule: CompiledRule, hwm: Any) -> int:
    """Rows the rule matches up to the key frozen at its start, for the progress bar."""
    from sqlalchemy import text

    sql = f"SELECT count(*) FROM {rule.table_sql} WHERE {rule.predicate} AND {rule.key_sql} <= :hwm"
    return int(conn.execute(text(sql), {"cutoff": rule.cutoff, "hwm": hwm}).scalar() or 0)


class _ArchiveBatches:
    """One rule's archive batches: select, write the file, delete exactly those rows."""

    def __init__(
        self, engine: Engine, target: Target, rule: CompiledRule, archive_dir: Path, hwm: Any
    ) -> None:
        self.target, self.rule, self.archive_dir, self.hwm = target, rule, archive_dir, hwm
        self.lock = "" if target.engine == "sqlite" else " FOR UPDATE"
        self.columns = list(rule.columns) + (["rowid"] if rule.key_sql == "rowid" else [])
        quote = engine.dialect.identifier_preparer.quote
        self.select_cols = ", ".join(c if c == "rowid" else quote(c) for c in self.columns)
        self.key_index = self.columns.index(rule.key_name)
        self.stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")

    def move(
        self, conn: Connection, transaction: Any, last: Any, size: int, number: int, done: int
    ) -> tuple[int, Any, Path | None]:
        """(rows moved, the batch's top key, its archive) inside `transaction`, not committed;
        on any failure the transaction is rolled back and the archive unlinked: no COMMIT was
        sent, so the DELETE cannot have been committed."""
        from sqlalchemy import text

        from hygiene.db.archive import write_archive

        rule = self.rule
        params: dict[str, Any] = {"cutoff": rule.cutoff}
        lower = "" if last is None else f" AND {rule.key_sql} > :last"
        where = f"{rule.predicate} AND {rule.key_sql} <= :hwm{lower}"
        batch_params = {**params, "hwm": self.hwm, "n": size}
        if last is not None:
            batch_params["last"] = last
        written: Path | None = None
        try:
            batch = (
                f"SELECT {self.select_cols} FROM {rule.table_sql} WHERE {where} "
                f"ORDER BY {rule.key_sql} LIMIT :n{self.lock}"
            )
            rows = conn.execute(text(batch), batch_params).all()
            selected, top = len(rows), rows[-1][self.key_index] if rows else None
            if selected:
                written = write_archive(
                    _archive_path(self.archive_dir, self.target, rule, self.stamp, number),
                    header={
                        "table": rule.rule.table,
                        "key": rule.key_name,
                        "rule": rule.rule.name,
                        "engine": self.target.engine,
                        "created": self.stamp,
                    },
                    columns=self.columns,
                    rows=[tuple(r) for r in rows],
                )
                upper_where = f"{rule.predicate} AND {rule.key_sql} <= :top{lower}"
                delete_params = {**params, "top": top}
                if last is not None:
                    delete_params["last"] = last
                deleted = conn.execute(
                    text(f"DELETE FROM {rule.table_sql} WHERE {upper_where}"), delete_params
                ).rowcount
                if deleted != selected:
                    raise DbFailed(_mismatch(self.target, rule, deleted, selected, done))
        except BaseException:
            with contextlib.suppress(Exception):
                transaction.rollback()
            if written is not None:
                written.unlink(missing_ok=True)
            raise
        return selected, top, written


def _commit_keeping(
    transaction: Any,
    target: Target,
    rule: CompiledRule,
    ledger: _Ledger,
    number: int,
    written: Path,
    done: int,
) -> None:
    """COMMIT the batch; if that fails, its outcome is unknown and its archive is kept."""
    try:
        transaction.commit()
    except BaseException as exc:
        ledger.files.append(str(written))  # kept: the server may have committed the DELETE
        note = (
            f"batch {number}: commit outcome unknown; its archive is kept; "
            "`db restore-archive` skips rows still present"
        )
        ledger.notes.append(note)
        interrupted = isinstance(exc, KeyboardInterrupt)
        from hygiene.db.connect import describe

        cause = "interrupted (Ctrl-C)" if interrupted else describe(exc)
        raise CommitUnknown(
            f"{target.masked}: rule {rule.rule.name!r}: {note} (the COMMIT failed: "
            f"{cause}; archive {written}; {done} rows deleted before it stay deleted)",
            interrupted=interrupted,
        ) from exc


def _outcome(
    rule: CompiledRule, rows: int, files: list[str], notes: list[str] | None = None
) -> RuleOutcome:
    return RuleOutcome(
        name=rule.rule.name,
        table=rule.rule.table,
        action=rule.rule.action,
        rows=rows,
        archive_files=tuple(files),
        cutoff=str(rule.cutoff),
        storage=rule.storage.kind,
        notes=tuple(notes or ()),
    )


def _predict_rule(work: sqlite3.Connection, target: Target, rule: CompiledRule) -> None:
    try:
        work.execute(
            f"DELETE FROM {rule.table_sql} WHERE {rule.predicate}", {"cutoff": rule.cutoff}
        )
    except sqlite3.Error as exc:
        raise DbFailed(
            f"{target.masked}: rule {rule.rule.name!r} would fail: {exc} (retention rules do "
            "not follow foreign keys: give the child rows their own rule, or narrow this one "
            "with where)"
        ) from None


def predict_sqlite(target: Target, rules: list[CompiledRule]) -> Reclaim:
    """Exact bytes after the run: VACUUM INTO a temporary copy, run the rules there, VACUUM."""
    from hygiene.db.sqlite import file_bytes

    assert target.path is not None
    before = file_bytes(target.path)
    with tempfile.TemporaryDirectory(prefix="hygiene-predict-") as tmp:
        copy = os.path.join(tmp, "copy.db")
        source = sqlite3.connect(f"{target.path.as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            source.execute("VACUUM INTO ?", (copy,))
        finally:
            source.close()
        work = sqlite3.connect(copy, isolation_level=None)
        try:
            work.execute("PRAGMA foreign_keys=ON")
            for rule in rules:
                _predict_rule(work, target, rule)
            work.execute("VACUUM")
        finally:
            work.close()
        after = os.stat(copy).st_size
    return Reclaim(
        before,
        after,
        before - after,
        "predicted exactly: VACUUM INTO a temporary copy, the rules applied to it, then VACUUM",
    )


def _predict_server(
    engine: Engine, target: Target, rules: list[CompiledRule], counts: list[int], *, full: bool
) -> Reclaim:
    """The promise matches the vacuum that will run: see `vacuum.predict`."""
    from sqlalchemy import text

    from hygiene.db.vacuum import TableChange, predict

    changes: dict[str, TableChange] = {}
    with engine.connect() as conn:
        for table in sorted({r.rule.table for r in rules}):
            mine = [(r, n) for r, n in zip(rules, counts, strict=True) if r.rule.table == table]
            table_sql = mine[0][0].table_sql
            total = int(conn.execute(text(f"SELECT count(*) FROM {table_sql}")).scalar() or 0)
            deleted = min(total, sum(n for _, n in mine))
            last: int | None = -1
            if target.engine == "postgresql" and not full and len(mine) == 1:
                # The heap page of the last row that stays: plain VACUUM can cut only past it.
                rule = mine[0][0]
                last = conn.execute(
                    text(
                        f"SELECT max((ctid::text::point)[0])::bigint FROM {table_sql} "
                        f"WHERE ({rule.predicate}) IS NOT TRUE"
                    ),
                    {"cutoff": rule.cutoff},
                ).scalar()
            changes[table] = TableChange(total - deleted, deleted, last)
    return predict(engine=engine, target=target, changes=changes, full=full)


def run_rules(
    *,
    target: Target | str,
    rules: tuple[RetentionRule, ...],
    now: dt.datetime | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    full: bool = False,
    archive_dir: Path | None = None,
    allow_remote: bool = False,
    reclaim_space: bool = True,
    progress: Progress | None = None,
) -> CleanReport:
    """The engine of `hygiene db clean`, callable in-process (the simulator does)."""
    from hygiene.db.archive import default_archive_dir

    if isinstance(target, str):
        target = parse_target(target, allow_remote=allow_remote)
    if not rules:
        raise UsageError(
            "no retention rules: add [[db.rules]] to hygiene.toml or pass --preset "
            "(django, laravel, rails)"
        )
    when = now or dt.datetime.now(dt.timezone.utc)
    engine = open_engine(target)
    try:
        check_connect(engine, target)
        compiled = compile_rules(engine, Schema(engine), rules, now=when)
        if dry_run:
            return _dry_run(engine, target, compiled, full=full)
        archive_dir = archive_dir or default_archive_dir()
        _ready_to_record(compiled, archive_dir)
        tables = sorted({r.rule.table for r in compiled})
        before = measure(engine, target, tables)
        done = [
            _audited_rule(
                engine,
                target,
                rule,
                batch_size=batch_size,
                archive_dir=archive_dir,
                progress=progress,
            )
            for rule in compiled
        ]
        touched = sorted({o.table for o in done if o.rows})
        result = _reclaimed(
            engine, target, tables, touched, before, full=full, reclaim_space=reclaim_space
        )
        return CleanReport(target.masked, target.engine, False, tuple(done), result)
    finally:
        engine.dispose()


def _ready_to_record(compiled: list[CompiledRule], archive_dir: Path) -> None:
    """The audit log's folder, and an archive rule's, made and writable before the first row
    goes: the audit line is written after a rule has run, so a HYGIENE_HOME that cannot be
    made (a pod's volume its user cannot write) would otherwise be found out after deleting."""
    from hygiene.db.audit import audit_dir
    from hygiene.paths import hygiene_home
    from hygiene.private import private_dir

    makers: list[tuple[Path, Callable[[], Path]]] = [(hygiene_home() / "audit", audit_dir)]
    if any(r.rule.action == "archive" for r in compiled):
        makers.append((archive_dir, lambda: private_dir(archive_dir, narrow=False)))
    for folder, make in makers:
        try:
            make()
            if not os.access(folder, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
        except OSError as exc:
            raise UsageError(
                f"cannot write {exc.filename or folder} ({exc.strerror or exc}): nothing "
                "deleted; the run's audit line (HYGIENE_HOME) and archives ([db] archive_dir) "
                "go there"
            ) from None


def _dry_run(
    engine: Engine, target: Target, compiled: list[CompiledRule], *, full: bool
) -> CleanReport:
    """What each rule would delete, and the space the chosen vacuum would return."""
    with database_errors(target, "counting"), engine.connect() as conn:
        counts = [_count(conn, rule) for rule in compiled]
    with database_errors(target, "predicting the space freed"):
        if target.engine == "sqlite":
            predicted = predict_sqlite(target, compiled)
        else:
            predicted = _predict_server(engine, target, compiled, counts, full=full)
    outcomes = tuple(_outcome(r, n, []) for r, n in zip(compiled, counts, strict=True))
    return CleanReport(target.masked, target.engine, True, outcomes, predicted)


def _audited_rule(
    engine: Engine,
    target: Target,
    rule: CompiledRule,
    *,
    batch_size: int | None,
    archive_dir: Path,
    progress: Progress | None,
) -> RuleOutcome:
    """One rule run, with its audit record written whatever happens."""
    ledger = _Ledger()
    try:
        with database_errors(target, f"rule {rule.rule.name!r}"):
            outcome = _run_rule(
                engine,
                target,
                rule,
                batch_size=batch_size,
                archive_dir=archive_dir,
                progress=progress,
                ledger=ledger,
            )
    except BaseException as exc:
        with contextlib.suppress(Exception):  # the failure is what to report
            _audit(target, rule, ledger, error=exc)
        raise
    ledger.rows = outcome.rows
    _audit(target, rule, ledger, error=None)
    return outcome


def _reclaimed(
    engine: Engine,
    target: Target,
    tables: list[str],
    touched: list[str],
    before: int,
    *,
    full: bool,
    reclaim_space: bool,
) -> Reclaim:
    """The vacuum step over the tables rows left, or why there was none."""
    if not touched:
        return Reclaim(before, before, 0, "nothing deleted, so nothing to vacuum")
    if not reclaim_space:
        after = measure(engine, target, tables)
        return Reclaim(before, after, before - after, "space not reclaimed (--no-vacuum)")
    with database_errors(target, "reclaiming space"):
        result = reclaim(engine=engine, target=target, tables=touched, full=full)
    return Reclaim(
        before,
        result.bytes_after,
        before - result.bytes_after,
        result.note,
        result.ok,
        bytes_reusable=result.bytes_reusable,
    )
