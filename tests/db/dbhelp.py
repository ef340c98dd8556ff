"""Helpers for the `hygiene db` tests: set up and read databases through SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

NOW = dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
NOW_ISO = "2024-06-01T12:00:00Z"


def sa_url(target: str) -> str:
    return target if "://" in target else f"sqlite:///{target}"


def engine_for(target: str) -> Any:
    from sqlalchemy import create_engine, event

    engine = create_engine(sa_url(target))
    if "://" not in target:

        @event.listens_for(engine, "connect")
        def _fk(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

    return engine


def execute(target: str, *statements: str, params: list[dict[str, Any]] | None = None) -> None:
    from sqlalchemy import text

    engine = engine_for(target)
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql), params or {})
    engine.dispose()


def insert(target: str, table: Any, rows: list[dict[str, Any]]) -> None:
    engine = engine_for(target)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    engine.dispose()


def create(target: str, metadata: Any) -> None:
    engine = engine_for(target)
    metadata.create_all(engine)
    engine.dispose()


def rows_of(target: str, table: str, order: str = "id") -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    engine = engine_for(target)
    with engine.connect() as conn:
        result = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
    engine.dispose()
    return result


def count(target: str, table: str) -> int:
    from sqlalchemy import text

    engine = engine_for(target)
    with engine.connect() as conn:
        n = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
    engine.dispose()
    return n


def engine_name(target: str) -> str:
    if "://" not in target:
        return "sqlite"
    return "postgresql" if target.startswith("postgresql") else "mysql"


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hygiene.toml"
    path.write_text(text, encoding="utf-8")
    return path


def seed_daily_logs(target: str, rows: int) -> list[tuple[Any, ...]]:
    """A `logs` table of `rows` rows, id i stamped i days before NOW (naive, UTC); its rows."""
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

    md = MetaData()
    logs = Table(
        "logs",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("at", DateTime),
        Column("msg", String(40)),
    )
    create(target, md)
    insert(
        target,
        logs,
        [
            {"id": i, "at": (NOW - dt.timedelta(days=i)).replace(tzinfo=None), "msg": f"m{i}"}
            for i in range(rows)
        ],
    )
    return rows_of(target, "logs")
