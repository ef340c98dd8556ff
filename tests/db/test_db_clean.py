"""`hygiene db clean` on every engine: rule shapes, timestamp storages, dry run, archive, safety."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dbhelp import NOW, NOW_ISO, count, create, engine_name, execute, insert, rows_of, write_config

DAYS = 20  # row i is i days old


def _tables() -> Any:
    from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table

    md = MetaData()
    for name, column in [
        ("t_dt", Column("at", DateTime)),
        ("t_text", Column("at", String(40))),
        ("t_epoch", Column("at", BigInteger)),
        ("t_ms", Column("at", BigInteger)),
        ("t_soft", Column("deleted_at", DateTime, nullable=True)),
        ("t_where", Column("at", DateTime)),
    ]:
        Table(
            name,
            md,
            Column("id", Integer, primary_key=True, autoincrement=False),
            column,
            Column("status", String(10)),
        )
    return md


def _seed(target: str) -> Any:
    md = _tables()
    create(target, md)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in md.tables}
    for i in range(DAYS):
        when = (NOW - dt.timedelta(days=i, hours=1)).replace(microsecond=0)
        naive = when.replace(tzinfo=None)
        status = "closed" if i % 2 else "open"
        values = {
            "t_dt": naive,
            "t_text": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "t_epoch": int(when.timestamp()),
            "t_ms": int(when.timestamp() * 1000),
            "t_where": naive,
        }
        for table, value in values.items():
            rows[table].append({"id": i, "at": value, "status": status})
        soft = naive if i % 3 else None  # every third row not soft-deleted: NULL never matches
        rows["t_soft"].append({"id": i, "deleted_at": soft, "status": status})
    for table, batch in rows.items():
        insert(target, md.tables[table], batch)
    return md


CONFIG = """
[[db.rules]]
name = "dt"
table = "t_dt"
column = "at"
older_than = "10d"

[[db.rules]]
name = "text"
table = "t_text"
column = "at"
older_than = "10d"

[[db.rules]]
name = "epoch"
table = "t_epoch"
column = "at"
older_than = "10d"

[[db.rules]]
name = "ms"
table = "t_ms"
column = "at"
older_than = "10d"

[[db.rules]]
name = "soft-deleted"
table = "t_soft"
column = "deleted_at"
older_than = "5d"

[[db.rules]]
name = "closed-only"
table = "t_where"
column = "at"
older_than = "10d"
where = "status = 'closed'"
"""

# Row i is i days + 1 hour old, so "older than 10d" keeps ids 0..9.
EXPECTED_LEFT = {
    "t_dt": list(range(10)),
    "t_text": list(range(10)),
    "t_epoch": list(range(10)),
    "t_ms": list(range(10)),
    "t_soft": [i for i in range(DAYS) if i < 5 or i % 3 == 0],
    "t_where": [i for i in range(DAYS) if i < 10 or i % 2 == 0],
}


def _ids(target: str, table: str) -> list[int]:
    return [r[0] for r in rows_of(target, table)]


def test_every_rule_shape_and_timestamp_storage(cli: Any, db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    result = cli("db", "clean", db_url, "--yes", "--json", "--config", config, "--now", NOW_ISO)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["schema"] == 1
    assert doc["engine"] == engine_name(db_url)
    assert doc["dry_run"] is False
    assert set(doc["reclaim"]) == {"bytes_before", "bytes_after", "bytes_reclaimed", "note"}
    by_rule = {r["name"]: r for r in doc["rules"]}
    for rule, table in [
        ("dt", "t_dt"),
        ("text", "t_text"),
        ("epoch", "t_epoch"),
        ("ms", "t_ms"),
        ("soft-deleted", "t_soft"),
        ("closed-only", "t_where"),
    ]:
        assert _ids(db_url, table) == EXPECTED_LEFT[table], rule
        assert by_rule[rule]["rows"] == DAYS - len(EXPECTED_LEFT[table]), rule
        assert set(by_rule[rule]) == {"name", "table", "action", "rows", "archive_files"}


def test_dry_run_changes_nothing_and_counts_what_the_run_deletes(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    before = {t: rows_of(db_url, t) for t in EXPECTED_LEFT}
    size_before = os.path.getsize(db_url) if "://" not in db_url else None
    dry = cli("db", "clean", db_url, "--dry-run", "--json", "--config", config, "--now", NOW_ISO)
    assert dry.code == 0, dry.err
    assert {t: rows_of(db_url, t) for t in EXPECTED_LEFT} == before
    if size_before is not None:
        assert os.path.getsize(db_url) == size_before
    predicted = json.loads(dry.out)
    assert predicted["dry_run"] is True
    real = cli("db", "clean", db_url, "--yes", "--json", "--config", config, "--now", NOW_ISO)
    done = json.loads(real.out)
    assert [r["rows"] for r in predicted["rules"]] == [r["rows"] for r in done["rules"]]
    if size_before is not None:
        # SQLite: the prediction is exact (VACUUM INTO a copy, rules applied, VACUUM).
        assert predicted["reclaim"]["bytes_after"] == done["reclaim"]["bytes_after"]
        assert done["reclaim"]["bytes_after"] == os.path.getsize(db_url)


def _logs(target: str, n: int = 50) -> list[tuple[Any, ...]]:
    from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, Numeric, String, Table

    md = MetaData()
    logs = Table(
        "logs",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("at", DateTime),
        Column("msg", String(100)),
        Column("amount", Numeric(10, 2)),
        Column("blob", LargeBinary),
    )
    create(target, md)
    import decimal

    insert(
        target,
        logs,
        [
            {
                "id": i,
                "at": (NOW - dt.timedelta(days=i)).replace(tzinfo=None),
                "msg": f"naïve message {i} ✓",
                "amount": decimal.Decimal(f"{i}.25"),
                "blob": bytes([i, 0, 255]),
            }
            for i in range(n)
        ],
    )
    return rows_of(target, "logs")


ARCHIVE_CONFIG = """
[[db.rules]]
name = "old-logs"
table = "logs"
column = "at"
older_than = "7d"
action = "archive"
"""


def test_archive_then_restore_gives_back_the_same_rows(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    original = _logs(db_url)
    config = write_config(tmp_path, ARCHIVE_CONFIG)
    archive_dir = tmp_path / "archive"
    result = cli(
        "db", "clean", db_url, "--yes", "--json", "--config", config, "--now", NOW_ISO,
        "--batch-size", "7", "--archive-dir", archive_dir,
    )  # fmt: skip
    assert result.code == 0, result.err
    rule = json.loads(result.out)["rules"][0]
    assert rule["rows"] == 42  # ids 8..49 are more than 7 days old (id 7 is exactly 7 days)
    assert len(rule["archive_files"]) == 6  # 42 rows in batches of 7
    assert all(Path(f).is_file() and f.endswith(".jsonl.gz") for f in rule["archive_files"])
    assert [r[0] for r in rows_of(db_url, "logs")] == list(range(8))

    restored = cli("db", "restore-archive", archive_dir, db_url, "--json")
    assert restored.code == 0, restored.err
    files = json.loads(restored.out)["files"]
    assert sum(f["inserted"] for f in files) == 42
    assert rows_of(db_url, "logs") == original


def test_killed_between_archive_and_delete_loses_no_row(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    """A real process dies right after a batch's archive is fsynced, before its DELETE."""
    original = _logs(db_url, n=30)
    config = write_config(tmp_path, ARCHIVE_CONFIG)
    archive_dir = tmp_path / "archive"
    script = f"""
import os, sys
import hygiene.db.archive as clean
real = clean.write_archive
calls = []
def dying(*args, **kwargs):
    path = real(*args, **kwargs)
    calls.append(path)
    if len(calls) == 2:
        os._exit(9)   # killed: archive file complete, its DELETE never ran
    return path
clean.write_archive = dying
from hygiene.cli.main import main
sys.exit(main(["db", "clean", {db_url!r}, "--yes", "--config", {str(config)!r},
               "--now", {NOW_ISO!r}, "--batch-size", "5", "--archive-dir", {str(archive_dir)!r}]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    remaining = [r[0] for r in rows_of(db_url, "logs")]
    assert len(remaining) == 30 - 5  # first batch committed; the second never deleted
    from hygiene.db.archive import read_archive

    files = sorted(archive_dir.rglob("*.jsonl.gz"))
    assert len(files) == 2
    archived = [row["id"] for f in files for row in read_archive(f).rows]
    assert sorted(set(original_ids(original)) - set(remaining)) == sorted(archived[:5])
    assert set(archived[5:]) <= set(remaining)  # the killed batch's rows are still there

    rerun = cli(
        "db", "clean", db_url, "--yes", "--json", "--config", config, "--now", NOW_ISO,
        "--archive-dir", archive_dir,
    )  # fmt: skip
    assert rerun.code == 0, rerun.err
    restored = cli("db", "restore-archive", archive_dir, db_url, "--json")
    assert restored.code == 0, restored.err
    assert rows_of(db_url, "logs") == original


def original_ids(rows: list[tuple[Any, ...]]) -> list[int]:
    return [r[0] for r in rows]


def test_rule_naming_a_missing_table_or_column_lists_what_exists(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    _seed(db_url)
    before = rows_of(db_url, "t_dt")
    bad_table = write_config(
        tmp_path,
        CONFIG + '\n[[db.rules]]\nname = "typo"\ntable = "t_dtt"\ncolumn = "at"\n'
        'older_than = "1d"\n',
    )
    result = cli("db", "clean", db_url, "--yes", "--config", bad_table, "--now", NOW_ISO)
    assert result.code == 2
    assert "no table 't_dtt'" in result.err
    assert "t_dt, t_epoch" in result.err
    assert rows_of(db_url, "t_dt") == before  # the valid rules before it did not run either

    bad_column = write_config(
        tmp_path,
        '[[db.rules]]\nname = "typo"\ntable = "t_dt"\ncolumn = "att"\nolder_than = "1d"\n',
    )
    result = cli("db", "clean", db_url, "--yes", "--config", bad_column, "--now", NOW_ISO)
    assert result.code == 2
    assert "no column 'att'" in result.err
    assert "id, at, status" in result.err
    assert "Traceback" not in result.err


def test_bad_where_is_refused_before_anything_runs(cli: Any, db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    config = write_config(
        tmp_path,
        '[[db.rules]]\nname = "w"\ntable = "t_dt"\ncolumn = "at"\nolder_than = "1d"\n'
        'where = "no_such_column = 1"\n',
    )
    result = cli("db", "clean", db_url, "--yes", "--config", config, "--now", NOW_ISO)
    assert result.code == 2, result.err
    assert "rule 'w': where" in result.err
    assert count(db_url, "t_dt") == DAYS


def test_preset_cleans_django_sessions(cli: Any, db_url: str) -> None:
    from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

    md = MetaData()
    sessions = Table(
        "django_session",
        md,
        Column("session_key", String(40), primary_key=True),
        Column("session_data", Text),
        Column("expire_date", DateTime),
    )
    create(db_url, md)
    insert(
        db_url,
        sessions,
        [
            {
                "session_key": f"k{i:03d}",
                "session_data": "x",
                "expire_date": (NOW + dt.timedelta(hours=i - 5)).replace(tzinfo=None),
            }
            for i in range(12)
        ],
    )
    result = cli("db", "clean", db_url, "--preset", "django", "--yes", "--json", "--now", NOW_ISO)
    assert result.code == 0, result.err
    assert json.loads(result.out)["rules"][0]["rows"] == 5  # expired 5..1 hours ago
    assert [r[0] for r in rows_of(db_url, "django_session", "session_key")] == [
        f"k{i:03d}" for i in range(5, 12)
    ]


def test_confirmation_required_without_yes(cli: Any, db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    result = cli("db", "clean", db_url, "--config", config, "--now", NOW_ISO)
    assert result.code == 2
    assert "--yes" in result.err
    assert count(db_url, "t_dt") == DAYS


def test_trigger_that_swallows_deletes_stops_the_run(cli: Any, db_url: str, tmp_path: Path) -> None:
    kind = engine_name(db_url)
    if kind == "mysql":
        pytest.skip("a MySQL trigger cannot cancel a DELETE silently (only SIGNAL an error)")
    _seed(db_url)
    if kind == "sqlite":
        execute(
            db_url,
            "CREATE TRIGGER keep BEFORE DELETE ON t_dt WHEN old.id = 15 "
            "BEGIN SELECT RAISE(IGNORE); END",
        )
    else:
        execute(
            db_url,
            "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF old.id = 15 THEN RETURN NULL; END IF; RETURN old; END $$",
            "CREATE TRIGGER keep BEFORE DELETE ON t_dt FOR EACH ROW EXECUTE FUNCTION keep()",
        )
    config = write_config(
        tmp_path, '[[db.rules]]\nname = "dt"\ntable = "t_dt"\ncolumn = "at"\nolder_than = "10d"\n'
    )
    result = cli(
        "db", "clean", db_url, "--yes", "--config", config, "--now", NOW_ISO, "--batch-size", "4"
    )
    assert result.code == 1
    assert "removed 3 rows where 4 were planned" in result.err
    # Batches: 10-13 deleted; 14-17 hit the trigger and rolled back entirely; nothing after.
    assert _ids(db_url, "t_dt") == [*range(10), *range(14, DAYS)]


def test_rule_blocked_by_a_foreign_key_stops_with_a_clear_error(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    execute(db_url, "CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at TIMESTAMP NULL)")
    execute(
        db_url,
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, "
        "FOREIGN KEY (user_id) REFERENCES users (id))",
    )
    execute(
        db_url,
        "INSERT INTO users (id, deleted_at) VALUES (:id, :at)",
        params=[{"id": i, "at": dt.datetime(2024, 1, 1)} for i in range(1, 4)],
    )
    execute(db_url, "INSERT INTO orders (id, user_id) VALUES (1, 2)")
    config = write_config(
        tmp_path,
        '[[db.rules]]\nname = "soft"\ntable = "users"\ncolumn = "deleted_at"\nolder_than = "30d"\n',
    )
    if engine_name(db_url) == "sqlite":
        dry = cli("db", "clean", db_url, "--dry-run", "--config", config, "--now", NOW_ISO)
        assert dry.code == 1
        assert "would fail" in dry.err
    result = cli(
        "db", "clean", db_url, "--yes", "--config", config, "--now", NOW_ISO, "--batch-size", "1"
    )
    assert result.code == 1
    assert "rule 'soft'" in result.err
    assert "Traceback" not in result.err
    assert [r[0] for r in rows_of(db_url, "users")] == [2, 3]  # batch 1 done, batch 2 refused


def test_sqlite_column_mixing_text_and_numbers_is_refused(cli: Any, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "mixed.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, 1700000000), (2, "2024-01-01 00:00:00")])
    conn.commit()
    conn.close()
    config = write_config(
        tmp_path, '[[db.rules]]\nname = "m"\ntable = "t"\ncolumn = "at"\nolder_than = "1d"\n'
    )
    result = cli("db", "clean", db, "--yes", "--config", config)
    assert result.code == 2
    assert "mixes text and numbers" in result.err
    assert count(str(db), "t") == 2


@pytest.mark.postgres
def test_timestamptz_column_compares_in_utc(cli: Any, postgres_url: str, tmp_path: Path) -> None:
    execute(postgres_url, "CREATE TABLE events (id INTEGER PRIMARY KEY, at TIMESTAMPTZ)")
    execute(
        postgres_url,
        "INSERT INTO events VALUES (1, '2024-06-01 09:59:00+00'), (2, '2024-06-01 11:59:00+02'), "
        "(3, '2024-06-01 10:01:00+00'), (4, '2024-06-01 09:59:00-02')",
    )
    config = write_config(
        tmp_path, '[[db.rules]]\nname = "e"\ntable = "events"\ncolumn = "at"\nolder_than = "2h"\n'
    )
    result = cli("db", "clean", postgres_url, "--yes", "--config", config, "--now", NOW_ISO)
    assert result.code == 0, result.err
    # Cutoff 10:00 UTC: rows 1 (09:59Z) and 2 (11:59+02 = 09:59Z) go; rows 3 (10:01Z) and
    # 4 (09:59-02 = 11:59Z) stay.
    assert [r[0] for r in rows_of(postgres_url, "events")] == [3, 4]


def test_rule_option_selects_and_unknown_rule_is_refused(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    result = cli(
        "db", "clean", db_url, "--yes", "--json", "--config", config, "--now", NOW_ISO,
        "--rule", "epoch",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert [r["name"] for r in json.loads(result.out)["rules"]] == ["epoch"]
    assert count(db_url, "t_dt") == DAYS
    unknown = cli("db", "clean", db_url, "--yes", "--config", config, "--rule", "nope")
    assert unknown.code == 2
    assert "no rule named 'nope'" in unknown.err


def test_vacuum_skipped_when_the_disk_is_too_full(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk cannot be made real here: only the free-space figure is faked."""
    import collections
    import sqlite3

    import hygiene.db.vacuum as vacuum

    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, 1_000_000) for i in range(100)])
    conn.commit()
    conn.close()
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(vacuum.shutil, "disk_usage", lambda _path: usage(10**9, 10**9, 1000))
    config = write_config(
        tmp_path, '[[db.rules]]\nname = "m"\ntable = "t"\ncolumn = "at"\nolder_than = "1d"\n'
    )
    result = cli("db", "clean", db, "--yes", "--json", "--config", config)
    assert result.code == 1
    reclaim = json.loads(result.out)["reclaim"]
    assert "VACUUM skipped" in reclaim["note"]
    assert count(str(db), "t") == 0  # the rows were deleted; only the vacuum waited


def test_a_scheduled_run_reports_rows_to_the_run_history(
    cli: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a job, `db clean` tells `hygiene report` what it removed; a dry run tells nothing."""
    from hygiene.schedule.reclaimed import ENV, read_reclaimed

    _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    report = tmp_path / "job-report.jsonl"
    monkeypatch.setenv(ENV, str(report))
    dry = cli("db", "clean", db_url, "--dry-run", "--json", "--config", config, "--now", NOW_ISO)
    assert dry.code == 0, dry.err
    assert read_reclaimed(str(report)) == (0, 0)
    done = cli("db", "clean", db_url, "--yes", "--json", "--config", config, "--now", NOW_ISO)
    assert done.code == 0, done.err
    rows = sum(rule["rows"] for rule in json.loads(done.out)["rules"])
    assert rows > 0
    assert read_reclaimed(str(report))[1] == rows
