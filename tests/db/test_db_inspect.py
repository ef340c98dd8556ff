"""`hygiene db inspect` and `hygiene db vacuum`, checked against what VACUUM really frees."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from dbhelp import engine_name, execute

ROWS = 4000


def _bloat(target: str) -> None:
    """A table with every other row deleted: the scattered pattern freelists under-report."""
    kind = engine_name(target)
    text_type = "TEXT" if kind != "mysql" else "VARCHAR(300)"
    execute(target, f"CREATE TABLE logs (id INTEGER PRIMARY KEY, msg {text_type})")
    execute(
        target,
        "INSERT INTO logs (id, msg) VALUES (:id, :msg)",
        params=[{"id": i, "msg": "x" * 200} for i in range(ROWS)],
    )
    execute(target, "DELETE FROM logs WHERE id % 2 = 0")


def test_inspect_reports_rows_size_and_reclaimable(cli: Any, db_url: str) -> None:
    _bloat(db_url)
    result = cli("db", "inspect", db_url, "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["schema"] == 1
    (db,) = doc["databases"]
    (logs,) = [t for t in db["tables"] if t["name"] == "logs"]
    assert logs["bytes"] > ROWS // 2 * 200
    assert logs["rows"] == ROWS // 2 if logs["rows_exact"] else logs["rows"] > 0
    assert logs["rows_exact"] is (db["engine"] != "postgresql")  # InnoDB rows are counted
    # Half the rows are gone; the measure must see a good part of that.
    assert logs["reclaimable"] >= ROWS // 2 * 200 * 0.5, db
    human = cli("db", "inspect", db_url)
    assert human.code == 0
    assert "logs" in human.out
    assert "reclaimable" in human.out


def test_sqlite_slack_is_counted_not_just_the_freelist(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    sqlite3.connect(db).close()
    _bloat(str(db))
    conn = sqlite3.connect(db)
    freelist = conn.execute("PRAGMA freelist_count").fetchone()[0] * 4096
    conn.close()
    reported = json.loads(cli("db", "inspect", db, "--json").out)["databases"][0]["reclaimable"]
    before = os.path.getsize(db)
    vacuumed = json.loads(cli("db", "vacuum", db, "--json").out)["reclaim"]
    freed = before - os.path.getsize(db)
    assert vacuumed["bytes_reclaimed"] == freed > 0
    assert freelist < freed * 0.5  # the freelist alone misses most of it
    assert reported >= freed * 0.9  # free pages + dbstat slack does not


def test_inspect_a_folder_finds_sqlite_files_by_header(cli: Any, tmp_path: Path) -> None:
    for name in ("a.db", "nested/b.sqlite3"):
        path = tmp_path / "proj" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        conn.close()
    (tmp_path / "proj" / "decoy.db").write_bytes(b"not sqlite" + b"\0" * 4086)  # 4096 bytes
    result = cli("db", "inspect", tmp_path / "proj", "--json")
    assert result.code == 0, result.err
    found = sorted(Path(d["target"]).name for d in json.loads(result.out)["databases"])
    assert found == ["a.db", "b.sqlite3"]


@pytest.mark.postgres
def test_pgstattuple_is_used_when_installed(cli: Any, postgres_url: str) -> None:
    _bloat(postgres_url)
    execute(postgres_url, "CREATE EXTENSION pgstattuple")
    db = json.loads(cli("db", "inspect", postgres_url, "--json").out)["databases"][0]
    assert "pgstattuple" in db["measure"]
    (logs,) = db["tables"]
    assert logs["reclaimable"] >= ROWS // 2 * 200 * 0.8


@pytest.mark.postgres
def test_vacuum_says_an_open_transaction_holds_the_horizon(cli: Any, postgres_url: str) -> None:
    from sqlalchemy import create_engine, text

    execute(postgres_url, "CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT)")
    holder = create_engine(postgres_url)
    conn = holder.connect()
    conn.execute(text("SELECT txid_current()"))  # an xid held open, as by a forgotten psql
    try:
        execute(
            postgres_url,
            "INSERT INTO logs SELECT g, repeat('x', 200) FROM generate_series(1, 4000) g",
        )
        execute(postgres_url, "DELETE FROM logs")
        result = cli("db", "vacuum", postgres_url, "--json")
    finally:
        conn.close()
        holder.dispose()
    assert result.code == 0, result.err
    note = json.loads(result.out)["reclaim"]["note"]
    assert "open transaction" in note, note
    assert "xmin horizon" in note, note


@pytest.mark.postgres
def test_plain_vacuum_explains_scattered_deletes_and_full_frees(
    cli: Any, postgres_url: str
) -> None:
    _bloat(postgres_url)
    plain = json.loads(cli("db", "vacuum", postgres_url, "--json").out)["reclaim"]
    assert plain["bytes_reclaimed"] <= 0
    assert "--full" in plain["note"]
    full = json.loads(cli("db", "vacuum", postgres_url, "--full", "--json").out)["reclaim"]
    assert full["bytes_reclaimed"] > ROWS // 2 * 200 * 0.5
    assert "FULL" in full["note"]


def test_vacuum_checkpoints_the_sqlite_wal(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    _bloat(str(db))
    # An idle app connection stays open, so closing hygiene's is not the last close that would
    # delete the -wal anyway: only the TRUNCATE checkpoint empties it.
    app = sqlite3.connect(db)
    app.execute("SELECT count(*) FROM logs").fetchone()
    try:
        result = cli("db", "vacuum", db, "--json")
        wal = Path(f"{db}-wal")
        assert wal.exists()
        assert wal.stat().st_size == 0
    finally:
        app.close()
    assert result.code == 0, result.err
    assert "wal_checkpoint(TRUNCATE)" in json.loads(result.out)["reclaim"]["note"]
