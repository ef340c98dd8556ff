"""Issue 21: a batch whose COMMIT was sent keeps its archive, whatever happens next.

The failure is injected after the server (or SQLite) has really committed the batch's DELETE:
on PostgreSQL and MariaDB a loopback proxy (faultproxy.py) drops the connection, or delivers
SIGINT to the waiting thread, once the server has answered the COMMIT; on SQLite the dialect's
commit is wrapped to raise right after the real commit returns. Afterwards every row the rule
matched is either still in the table or in a kept archive file, and both the summary and the
audit say that the batch's outcome is unknown.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from dbhelp import NOW_ISO, engine_name, rows_of, seed_daily_logs, write_config
from faultproxy import FaultProxy

from hygiene.errors import EXIT_FINDINGS, EXIT_INTERRUPTED

BATCH = 5
ROWS = 30  # ids 8..29 are older than 7 days: batches of 5, 5, 5, 5, 2
UNKNOWN = "batch 2: commit outcome unknown; its archive is kept"

CONFIG = """
[[db.rules]]
name = "old-logs"
table = "logs"
column = "at"
older_than = "7d"
action = "archive"
"""


def _seed(target: str) -> list[tuple[Any, ...]]:
    return seed_daily_logs(target, ROWS)


def _archived(archive_dir: Path) -> dict[int, dict[str, Any]]:
    from hygiene.db.archive import read_archive

    rows: dict[int, dict[str, Any]] = {}
    for path in sorted(archive_dir.rglob("*.jsonl.gz")):
        for row in read_archive(path).rows:
            rows[row["id"]] = row
    return rows


def _audit_notes() -> list[str]:
    path = Path(os.environ["HYGIENE_HOME"]) / "audit" / "db-clean.jsonl"
    assert path.is_file(), "no db clean audit record"
    return [
        note
        for line in path.read_text(encoding="utf-8").splitlines()
        for note in json.loads(line).get("notes", [])
    ]


def _with_port(url: str, port: int) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(port=port).render_as_string(hide_password=False)


@pytest.fixture
def faulty_url(
    db_url: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[str]:
    """db_url, through which the COMMIT that follows the second DELETE fails after the server
    committed it; the failure (`drop` or `sigint`) is the test's `fault` parameter."""
    fault: Literal["drop", "sigint"] = request.getfixturevalue("fault")
    engine = engine_name(db_url)
    if engine == "sqlite":
        from sqlalchemy import event
        from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
        from sqlalchemy.engine import Engine

        real = SQLiteDialect_pysqlite.do_commit
        deletes: list[str] = []
        fired: list[bool] = []

        def count_deletes(*args: Any) -> None:
            if args[2].startswith("DELETE FROM"):
                deletes.append(args[2])

        def commit_then_fail(self: Any, dbapi_connection: Any) -> None:
            real(self, dbapi_connection)
            if len(deletes) >= 2 and not fired:  # the COMMIT of batch 2 has just returned
                fired.append(True)
                if fault == "sigint":
                    raise KeyboardInterrupt  # what Python raises as sqlite3's COMMIT returns
                raise sqlite3.OperationalError("disk I/O error")

        event.listen(Engine, "before_cursor_execute", count_deletes)
        monkeypatch.setattr(SQLiteDialect_pysqlite, "do_commit", commit_then_fail)
        try:
            yield db_url
        finally:
            event.remove(Engine, "before_cursor_execute", count_deletes)
        assert fired, "the fault never fired"
        return
    from sqlalchemy.engine import make_url

    port = make_url(db_url).port or (5432 if engine == "postgresql" else 3306)
    proxy = FaultProxy(port, engine=engine, after_deletes=2, action=fault)
    try:
        yield _with_port(db_url, proxy.port)
        assert proxy.fired.is_set(), "the fault never fired"
    finally:
        proxy.close()


@pytest.mark.parametrize("fault", ["drop", "sigint"])
def test_a_commit_that_fails_after_the_server_committed_keeps_the_archive(
    cli: Any, db_url: str, faulty_url: str, fault: str, tmp_path: Path
) -> None:
    original = _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    archive_dir = tmp_path / "archive"
    result = cli(
        "db", "clean", faulty_url, "--yes", "--config", config, "--now", NOW_ISO,
        "--batch-size", str(BATCH), "--archive-dir", archive_dir,
    )  # fmt: skip
    assert result.code == (EXIT_INTERRUPTED if fault == "sigint" else EXIT_FINDINGS), result.err
    left = {r[0]: r for r in rows_of(db_url, "logs")}
    assert sorted(left) == [i for i in range(ROWS) if i < 8 or i >= 8 + 2 * BATCH]
    archived = _archived(archive_dir)
    for row in original:
        assert row[0] in left or row[0] in archived, f"row {row[0]} is neither left nor archived"
    assert sorted(archived) == list(range(8, 8 + 2 * BATCH))  # batch 2's file was kept
    assert list(archive_dir.rglob("*.part")) == []
    assert UNKNOWN in result.err
    assert "`db restore-archive` skips rows still present" in result.err
    assert any(UNKNOWN in note for note in _audit_notes())

    # The run can be finished and everything put back.
    rerun = cli(
        "db", "clean", db_url, "--yes", "--config", config, "--now", NOW_ISO,
        "--archive-dir", archive_dir,
    )  # fmt: skip
    assert rerun.code == 0, rerun.err
    assert [r[0] for r in rows_of(db_url, "logs")] == list(range(8))
    restored = cli("db", "restore-archive", archive_dir, db_url, "--json")
    assert restored.code == 0, restored.err
    assert rows_of(db_url, "logs") == original
