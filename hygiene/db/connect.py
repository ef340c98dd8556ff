"""Opening a target with SQLAlchemy, reflecting what hygiene needs, and turning driver errors
into one-line messages that never carry credentials.

SQLite connections get `PRAGMA foreign_keys=ON` (SQLite enforces foreign keys only when asked,
per connection; without it erasing a parent silently leaves orphans) and a busy timeout. Hygiene
emits BEGIN itself (the SQLAlchemy pysqlite recipe) so a write batch can start with
`BEGIN IMMEDIATE`: its SELECT and DELETE then see the same rows even with another writer live.

MySQL/MariaDB connections pin the session zone to UTC: a TIMESTAMP column is stored
in UTC but read and compared in the session's zone, which a server's default (or an
`init_command`) may set to anything, and hygiene binds its cutoff as naive UTC
(https://mariadb.com/kb/en/timestamp/#time-zones). The pin runs after the driver's own
`init_command`, on every new connection, so reads, compares and archive restores all agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hygiene.db.url import Target
from hygiene.errors import ActionFailed, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 5000


class DbFailed(ActionFailed):
    """The database refused or dropped mid-run; committed batches stay done (exit 1)."""


def open_engine(target: Target) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    if target.engine == "sqlite":
        # NullPool: a closed connection really closes, so locks and the WAL are released.
        engine = create_engine(target.url, poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("hygiene_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    args = {"connect_timeout": 10}
    engine = create_engine(target.url, connect_args=args, pool_pre_ping=True)
    if target.engine == "mysql":

        @event.listens_for(engine, "connect")
        def _utc(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("SET time_zone = '+00:00'")
            cursor.close()

    return engine


def describe(exc: BaseException) -> str:
    """The driver's first line, without SQL text or parameters (which may hold personal data)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


@contextmanager
def database_errors(target: Target, doing: str) -> Iterator[None]:
    """Map driver errors to DbFailed naming the target (masked) and what was being done."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        yield
    except OperationalError as exc:
        message = describe(exc)
        hint = ""
        if "locked" in message:
            hint = "; another program holds a write lock: close it and re-run"
        elif "readonly" in message or "read-only" in message:
            hint = "; the file or its folder is read-only"
        raise DbFailed(f"{target.masked}: {doing}: {message}{hint}") from None
    except DBAPIError as exc:
        raise DbFailed(f"{target.masked}: {doing}: {describe(exc)}") from None


def check_connect(engine: Engine, target: Target) -> None:
    """Connect once up front: an unreachable server is bad input, nothing changed (exit 2)."""
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        raise UsageError(f"{target.masked}: cannot connect: {describe(exc)}") from None


def quote(engine: Engine, name: str) -> str:
    return str(engine.dialect.identifier_preparer.quote(name))


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: dict[str, Any]  # column name -> SQLAlchemy type
    nullable: frozenset[str]
    primary_key: tuple[str, ...]


class Schema:
    """Reflected tables, read lazily and once per run."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy import inspect

        self.engine = engine
        self.inspector = inspect(engine)
        self.tables = sorted(self.inspector.get_table_names())
        self._info: dict[str, TableInfo] = {}

    def table(self, name: str, *, what: str) -> TableInfo:
        if name not in self.tables:
            known = ", ".join(self.tables) or "none"
            raise UsageError(f"{what}: no table {name!r} (tables: {known})")
        if name not in self._info:
            columns = self.inspector.get_columns(name)
            pk = tuple(self.inspector.get_pk_constraint(name).get("constrained_columns") or ())
            self._info[name] = TableInfo(
                name=name,
                columns={c["name"]: c["type"] for c in columns},
                nullable=frozenset(c["name"] for c in columns if c.get("nullable", True)),
                primary_key=pk,
            )
        return self._info[name]

    def column(self, table: str, column: str, *, what: str) -> Any:
        info = self.table(table, what=what)
        if column not in info.columns:
            known = ", ".join(info.columns)
            raise UsageError(f"{what}: table {table!r} has no column {column!r} (columns: {known})")
        return info.columns[column]
