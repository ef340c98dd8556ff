"""Tables keep their numbers (issue 18, item 4): at 60, 80 and 120 columns, and written to a
file, every number of the JSON appears whole in the text, every header is a whole word, the
path column folds (or is shortened in the middle) and a fix command is printed whole on a line
of its own, for scan (every finding kind), --git-stats, schedule list, db inspect and report."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from hygiene.units import format_bytes
from tests.conftest import Repo

WIDTHS = (60, 80, 120)
# One path of ~95 characters, as in the issue.
DEEP = "a-workspace-with-a-long-name/packages/some-deeply-nested-package/src/module_with_long_name"


def _whole(token: str, text: str) -> bool:
    """`token` appears with no letter or digit glued to it, nor a decimal part cut off."""
    return re.search(rf"(?<!\w)(?<!\d[.,]){re.escape(token)}(?!\w|[.,]\d)", text) is not None


def assert_whole(tokens: Iterable[str], text: str, what: str) -> None:
    missing = sorted({t for t in tokens if not _whole(t, text)})
    assert not missing, f"{what}: not whole in the text: {missing}\n{text}"


def _widths_ok(text: str, width: int, commands: Iterable[str] = ()) -> None:
    """A table fits the width; only a line of prose or a whole command may run past it."""
    from rich.cells import cell_len

    long = [
        line
        for line in text.splitlines()
        if cell_len(line) > width
        and any(rule in line for rule in "│┃━")
        and not any(c in line for c in commands)
    ]
    assert not long, f"lines wider than {width}:\n" + "\n".join(long)


# ---- scan ------------------------------------------------------------------------------------


@pytest.fixture
def workspace(make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    """A repository with a finding of every kind, one of them ~95 characters deep."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    pip = tmp_path / "xdg-cache" / "pip" / "http"
    pip.mkdir(parents=True)
    (pip / "blob").write_bytes(b"p" * 123_457)
    repo: Repo = make_repo("ws/proj")
    repo.write("pyproject.toml", "[project]\nname = 'proj'\n")
    repo.write("package.json", "{}\n")
    repo.write(".vscode/settings.json", "{}\n")
    repo.write("README.md", "hello\n")
    repo.write(".env", "SECRET_KEY=not-a-real-one-0123456789\n")
    repo.write("old/__pycache__/a.cpython-311.pyc", b"\0" * 2345)
    repo.write("history.bin", os.urandom(1_300_000))
    repo.commit(".", message="first")
    repo.git("rm", "-q", "history.bin")
    repo.git("commit", "-q", "-m", "drop the blob")
    repo.write(f"{DEEP}/__pycache__/m.cpython-311.pyc", b"\0" * 34_567)
    repo.write("data.bin", b"d" * 2_222_222)
    modules = repo.path / "node_modules"
    modules.mkdir()
    with open(modules / "big.bin", "wb") as handle:
        handle.truncate(12_345_678)  # sparse: big to VS Code, cheap to make
    conn = sqlite3.connect(repo.path / "app.sqlite3")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 100,)] * 500)
    conn.commit()
    conn.execute("DELETE FROM t WHERE id % 2 = 0")
    conn.commit()
    conn.close()
    return repo.path.parent


SCAN_ARGS = ("--large", "1MB", "--git-stats", "--system")


def _scan_tokens(doc: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(the numbers as the text shows them, the commands) of a scan's JSON."""
    numbers: set[str] = set()
    commands: set[str] = set()
    for f in doc["findings"]:
        for key in ("bytes", "reclaimable_bytes", "free_bytes"):
            if isinstance(f.get(key), int):
                numbers.add(format_bytes(f[key]))
        if isinstance(f.get("files"), int):
            numbers.add(f"{f['files']:,}")
        for key in ("fix", "recreate"):
            if f["kind"] != "artifact" and isinstance(f.get(key), str):
                commands.add(f[key])
    for s in doc.get("git_stats", []):
        for key in ("commits", "trees", "blobs", "packs"):
            numbers.add(f"{s[key]:,}")
        for key in ("blob_bytes", "biggest_blob_bytes"):
            numbers.add(format_bytes(s[key]))
        numbers.add(format_bytes(s["pack_bytes"] + s["loose_bytes"]))
    for fs in doc.get("filesystems", []):
        numbers.add(format_bytes(fs["total"]))  # used and free move while others write
    return numbers, commands


def test_the_workspace_has_every_kind(cli, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("scan", "--json", *SCAN_ARGS, workspace).out)
    from hygiene.detectors import ALL_KINDS

    assert {f["kind"] for f in doc["findings"]} == {"artifact", *ALL_KINDS}
    assert doc["git_stats"] and doc["filesystems"]


SCAN_HEADERS = (
    "size", "frees", "files", "age", "ecosystem", "path", "category", "add line", "what",
    "tracked", "committed", "lfs", "in HEAD", "commit", "repo", "folder", "free",
    "reclaimable", "journal", "tool", "commits", "trees", "blobs", "blob size", "biggest",
    "packs", "on disk", "mount", "used", "full",
)  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
def test_scan_keeps_every_number_whole(cli, workspace: Path, monkeypatch, width: int) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("scan", "--json", *SCAN_ARGS, workspace).out)
    numbers, commands = _scan_tokens(doc)
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("scan", *SCAN_ARGS, workspace)
    assert result.code == 0, result.err
    assert_whole(numbers, result.out, f"scan at {width} columns")
    assert_whole(SCAN_HEADERS, result.out, f"scan's headers at {width} columns")
    lines = [line.strip() for line in result.out.splitlines()]
    for command in commands:  # whole, on a line of its own
        assert command in lines, f"{command!r} not on its own line:\n{result.out}"
    _widths_ok(result.out, width, commands)


def test_scan_to_a_file_keeps_every_number_whole(workspace: Path, tmp_path: Path) -> None:
    """`hygiene scan DIR > file`: no terminal, rich's 80 columns."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out = tmp_path / "scan.txt"
    with open(out, "w", encoding="utf-8") as handle:
        subprocess.run(
            [sys.executable, "-m", "hygiene", "scan", *SCAN_ARGS, str(workspace)],
            stdout=handle,
            env=env,
            cwd=tmp_path,
            check=True,
        )
    as_json = subprocess.run(
        [sys.executable, "-m", "hygiene", "scan", "--json", *SCAN_ARGS, str(workspace)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    numbers, commands = _scan_tokens(json.loads(as_json.stdout))
    text = out.read_text(encoding="utf-8")
    assert_whole(numbers, text, "scan > file")
    assert_whole(SCAN_HEADERS, text, "scan > file, headers")
    _widths_ok(text, 80, commands)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_deep_path_is_there_folded_or_shortened(
    cli, workspace: Path, monkeypatch, width: int
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", str(width))
    out = cli("scan", "--kind", "artifact", workspace).out
    joined = "".join(
        line.split("│")[-1].strip() for line in out.splitlines() if "│" in line
    )  # the path column's pieces, in order
    path = f"ws/proj/{DEEP}/__pycache__/"
    assert path in joined or path in out.splitlines(), out


# ---- schedule list, report -------------------------------------------------------------------

JOBS = """
[[jobs]]
name = "sessions-and-old-uploads"
schedule = "0 2 * * *"
timezone = "Asia/Seoul"
retries = 12345
timeout = "90m"
run = "clean --all --older-than 30d --min-size 10MB /srv/some/rather/long/folder/of/uploads"

[[jobs]]
name = "logs"
schedule = "0 3 * * 0"
timezone = "UTC"
run = "scan ."
when = ["on-ac-power"]
"""


@pytest.mark.parametrize("width", WIDTHS)
def test_schedule_list_keeps_every_number_whole(
    cli, tmp_path: Path, monkeypatch, width: int
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "UTC")
    config = tmp_path / "hygiene.toml"
    config.write_text(JOBS, encoding="utf-8")
    now = ("--now", "2026-11-26T12:00+00:00", "--config", config)
    doc = json.loads(cli("schedule", "list", "--json", *now).out)
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("schedule", "list", *now)
    assert result.code == 0, result.err
    tokens = set()
    for job in doc["jobs"]:
        tokens.add(str(job["retries"]))
        tokens.add(f"{job['timeout_seconds'] / 60:g}m")
        tokens.add(job["name"])
        for run in job["next_runs"]:
            when = dt.datetime.fromisoformat(run).astimezone(dt.timezone.utc)
            tokens.add(f"{when:%Y-%m-%d %H:%M}")
    assert_whole(tokens, result.out, f"schedule list at {width} columns")
    assert_whole(
        ("job", "schedule", "zone", "next runs", "retries", "timeout"), result.out, "headers"
    )
    lines = [line.strip() for line in result.out.splitlines()]
    command = "hygiene clean --all --older-than 30d --min-size 10MB /srv/some/rather/long/folder/of/uploads"
    assert any(line.endswith(command) for line in lines), result.out
    _widths_ok(result.out, width, [command])


@pytest.mark.parametrize("width", WIDTHS)
def test_report_keeps_every_number_whole(cli, tmp_path: Path, monkeypatch, width: int) -> None:  # type: ignore[no-untyped-def]
    from hygiene.schedule import history

    monkeypatch.setenv("TZ", "UTC")
    config = tmp_path / "hygiene.toml"
    config.write_text(JOBS, encoding="utf-8")
    started = dt.datetime(2026, 11, 24, 2, tzinfo=dt.timezone.utc)
    history.record(
        history.RunRecord(
            job="sessions-and-old-uploads",
            trigger="due",
            slot=started,
            started=started,
            ended=started + dt.timedelta(seconds=42),
            status="ok",
            attempts=12,
            exit_code=0,
            bytes_reclaimed=123_456_789_012,
            rows_reclaimed=1_234_567,
            error="",
        )
    )
    now = ("--now", "2026-11-26T12:00+00:00", "--config", config)
    doc = json.loads(cli("report", "--json", *now).out)
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("report", *now)
    assert result.code == 0, result.err
    tokens = {"12", format_bytes(123_456_789_012), "1,234,567", "2026-11-24 02:00"}
    for disk in doc["disks"]:
        tokens.add(format_bytes(disk["total"]))  # used and free move while others write
    assert_whole(tokens, result.out, f"report at {width} columns")
    assert_whole(
        ("job", "last run", "status", "attempts", "reclaimed", "next run"), result.out, "headers"
    )
    _widths_ok(result.out, width, [d["path"] for d in doc["disks"]])


# ---- db inspect ------------------------------------------------------------------------------


def _sqlite_inspect(cli, tmp_path: Path, monkeypatch, width: int) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "a-rather-long-folder-name" / "holding-a-database-with-a-long-name.sqlite3"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE user_sessions_with_a_long_table_name (id INTEGER PRIMARY KEY, v)")
    conn.executemany(
        "INSERT INTO user_sessions_with_a_long_table_name (v) VALUES (?)", [("x" * 300,)] * 3000
    )
    conn.commit()
    conn.execute("DELETE FROM user_sessions_with_a_long_table_name WHERE id % 2 = 0")
    conn.commit()
    conn.close()
    doc = json.loads(cli("db", "inspect", db, "--json").out)
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("db", "inspect", db)
    assert result.code == 0, result.err
    tokens = set()
    for d in doc["databases"]:
        tokens |= {format_bytes(d["bytes"]), format_bytes(d["reclaimable"])}
        for t in d["tables"]:
            tokens |= {format_bytes(t[k]) for k in ("bytes", "reclaimable") if t[k] is not None}
            if t["rows"] is not None:
                tokens.add(f"{t['rows']:,}")
    assert_whole(tokens, result.out, f"db inspect at {width} columns")
    assert_whole(("table", "rows", "size", "reclaimable"), result.out, "headers")
    _widths_ok(result.out, width, [str(db), doc["databases"][0]["measure"]])


@pytest.mark.parametrize("width", WIDTHS)
def test_db_inspect_keeps_every_number_whole(
    cli, tmp_path: Path, monkeypatch, capsys, width: int
) -> None:  # type: ignore[no-untyped-def]
    """A real SQLite file through the command, then PostgreSQL's layout (seven columns,
    estimates, vacuum times) drawn from its stats: no server needed."""
    _sqlite_inspect(cli, tmp_path, monkeypatch, width)
    from hygiene.db.inspect import DatabaseStats, TableStats
    from hygiene.render.db import print_inspect

    tables = tuple(
        TableStats(
            name=f"public.event_log_partition_{i}",
            rows=12_345_678 + i,
            rows_exact=False,
            bytes=9_876_543_210 + i,
            reclaimable=1_234_567_890,
            dead_rows=2_345_678,
            last_vacuum="2026-12-01 03:04:05+00:00",
            last_analyze="2026-12-02 06:07:08+00:00",
        )
        for i in range(3)
    )
    stats = DatabaseStats(
        target="postgresql+psycopg://app@db.internal.example:5432/production_events",
        engine="postgresql",
        bytes=29_629_629_633,
        reclaimable=3_703_703_670,
        measure="pgstattuple_approx",
        tables=tables,
    )
    monkeypatch.setenv("COLUMNS", str(width))
    capsys.readouterr()
    print_inspect([stats])
    out = capsys.readouterr().out
    tokens = {"12,345,678", "12,345,680", "2,345,678", format_bytes(9_876_543_210)}
    tokens |= {
        format_bytes(1_234_567_890),
        "2026-12-01 03:04:05+00:00",
        "2026-12-02 06:07:08+00:00",
    }
    assert_whole(tokens, out, f"db inspect (postgresql) at {width} columns")
    headers = ("table", "rows (estimate)", "size", "reclaimable", "dead rows", "last vacuum")
    assert_whole((*headers, "last analyze"), out, "headers")
    _widths_ok(out, width, [stats.target])
