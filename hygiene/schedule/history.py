"""The run history (monitoring): every job run in a SQLite file under HYGIENE_HOME.

One row per run: start, end, status, attempts, bytes/rows reclaimed, error. `hygiene report`
and the Prometheus textfile are read from here. WAL mode and a busy timeout let two ticks
record at once.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hygiene.paths import hygiene_home

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    trigger TEXT NOT NULL,          -- 'due' (a tick) or 'manual' (schedule run JOB)
    slot TEXT,                      -- the scheduled time a due run stands in for (UTC ISO)
    started TEXT NOT NULL,          -- UTC ISO 8601
    ended TEXT NOT NULL,
    status TEXT NOT NULL,           -- ok | failed | timeout | deferred
    attempts INTEGER NOT NULL,
    exit_code INTEGER,
    bytes_reclaimed INTEGER NOT NULL DEFAULT 0,
    rows_reclaimed INTEGER NOT NULL DEFAULT 0,
    missed INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_job_started ON runs (job, started);
"""


@dataclass(frozen=True)
class RunRecord:
    job: str
    trigger: str
    slot: dt.datetime | None
    started: dt.datetime
    ended: dt.datetime
    status: str
    attempts: int
    exit_code: int | None
    bytes_reclaimed: int = 0
    rows_reclaimed: int = 0
    missed: int = 0
    error: str = ""
    id: int | None = None


def history_file() -> Path:
    return hygiene_home() / "schedule" / "history.sqlite3"


def _iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.astimezone(dt.timezone.utc).isoformat()


def _when(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


@contextmanager
def _connect(path: Path | None = None, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    target = path or history_file()
    if create:
        target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, timeout=30.0)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        with conn:
            yield conn
    finally:
        conn.close()


def record(run: RunRecord, *, path: Path | None = None) -> int:
    with _connect(path) as conn:
        cursor = conn.execute(
            "INSERT INTO runs (job, trigger, slot, started, ended, status, attempts, exit_code,"
            " bytes_reclaimed, rows_reclaimed, missed, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.job,
                run.trigger,
                _iso(run.slot),
                _iso(run.started),
                _iso(run.ended),
                run.status,
                run.attempts,
                run.exit_code,
                run.bytes_reclaimed,
                run.rows_reclaimed,
                run.missed,
                run.error,
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


def _row(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        job=row["job"],
        trigger=row["trigger"],
        slot=_when(row["slot"]),
        started=_when(row["started"]) or dt.datetime.min,
        ended=_when(row["ended"]) or dt.datetime.min,
        status=row["status"],
        attempts=row["attempts"],
        exit_code=row["exit_code"],
        bytes_reclaimed=row["bytes_reclaimed"],
        rows_reclaimed=row["rows_reclaimed"],
        missed=row["missed"],
        error=row["error"],
    )


def runs(
    *,
    job: str | None = None,
    since: dt.datetime | None = None,
    statuses: tuple[str, ...] = (),
    limit: int | None = None,
    path: Path | None = None,
) -> list[RunRecord]:
    """Runs newest first, filtered. An absent history file is an empty history."""
    target = path or history_file()
    if not target.exists():
        return []
    sql = "SELECT * FROM runs WHERE 1=1"
    params: list[object] = []
    if job is not None:
        sql += " AND job = ?"
        params.append(job)
    if since is not None:
        sql += " AND started >= ?"
        params.append(_iso(since))
    if statuses:
        sql += f" AND status IN ({', '.join('?' * len(statuses))})"
        params.extend(statuses)
    sql += " ORDER BY started DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    with _connect(target, create=False) as conn:
        conn.row_factory = sqlite3.Row
        return [_row(r) for r in conn.execute(sql, params)]


def last_runs(*, path: Path | None = None) -> dict[str, RunRecord]:
    """The latest run of each job that actually ran (deferrals are not runs)."""
    latest: dict[str, RunRecord] = {}
    for run in runs(statuses=("ok", "failed", "timeout"), path=path):
        latest.setdefault(run.job, run)
    return latest
