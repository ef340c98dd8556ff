"""No password is printed, logged or written in clear (issue 15, item 4).

One masking function, `hygiene.db.url.mask`, is tested on every form the issue lists, and
each output that carries a target or a command is checked: messages, JSON, the crash log,
the erase audit, schedule exports. Files under HYGIENE_HOME that may hold row data or commands
are 0600 in 0700 folders.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from dbhelp import NOW_ISO, execute, write_config

SECRET = "S3cretPW"

FORMS = [
    "postgresql://postgres:S3cret/PW@127.0.0.1:notaport/x",
    "postgresql://postgres:S3cret@PW@127.0.0.1/x",
    "postgresql://postgres:S3c:retPW@127.0.0.1/x",
    "postgresql://postgres:S3c%40retPW@127.0.0.1/x",
    "postgresql://postgres:S3c?retPW@127.0.0.1/x",
    "postgresql://postgres@127.0.0.1/x?password=S3cretPW",
    "postgresql://postgres@127.0.0.1/x?sslmode=disable&password=S3cretPW&connect_timeout=3",
    "mysql://root:S3cret@PW@127.0.0.1/x",
    "mysql://root@127.0.0.1/x?password=S3cretPW",
    "mysql+pymysql://root@127.0.0.1/x?passwd=S3cretPW",
    "host=127.0.0.1 password=S3cretPW dbname=x",
    "host=127.0.0.1 password = 'S3c ret\\'PW' dbname=x",
    "postgresql://postgres:S3cretPW@db.example.com/x?password=S3cretPW",
    # What a driver, a shell or a config dump may print around a URL.
    "PGPASSWORD=S3cretPW psql -h db",
    "export MYSQL_PWD='S3c retPW'",
    "DB_PASSWORD=S3cretPW",
    "password: S3cretPW",
    '{"user": "app", "password": "S3cretPW"}',
    "--password=S3cretPW",
]


def _leaks(text: str) -> list[str]:
    """The pieces of the test passwords found in `text`."""
    return [piece for piece in ("S3cret", "S3c", "retPW", "PW@", "S3c ret") if piece in text]


@pytest.mark.parametrize("form", FORMS)
def test_mask_hides_every_form(form: str) -> None:
    from hygiene.db.url import mask

    masked = mask(form)
    assert not _leaks(masked), masked
    assert "***" in masked
    assert mask(masked) == masked  # idempotent: masking a masked text changes nothing


def test_mask_keeps_what_is_not_a_secret() -> None:
    from hygiene.db.url import mask

    assert mask("postgresql://app@db:5432/x?sslmode=require") == (
        "postgresql://app@db:5432/x?sslmode=require"
    )
    assert mask("postgresql://app:pw@db:5432/x") == "postgresql://app:***@db:5432/x"
    assert mask("/home/me/app.db") == "/home/me/app.db"
    assert mask("--older-than=3d") == "--older-than=3d"


@pytest.mark.parametrize(
    "form",
    [f for f in FORMS if "://" in f],
)
def test_no_command_prints_a_password(cli: Any, form: str) -> None:
    """Whatever happens to the URL (refused, unreachable, bad port, connected), no piece of the
    password reaches stdout or stderr."""
    result = cli("db", "inspect", form)
    assert not _leaks(result.out + result.err), result.err


@pytest.mark.postgres
def test_query_password_masked_in_json(cli: Any, postgres_url: str, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).update_query_dict({"password": SECRET})
    text = url.render_as_string(hide_password=False)
    execute(postgres_url, "CREATE TABLE logs (id INTEGER PRIMARY KEY, at TIMESTAMP)")
    config = write_config(
        tmp_path, '[[db.rules]]\nname = "r"\ntable = "logs"\ncolumn = "at"\nolder_than = "1d"\n'
    )
    result = cli("db", "clean", text, "--yes", "--json", "--config", config, "--now", NOW_ISO)
    assert result.code == 0, result.err  # trust authentication ignores the password
    assert SECRET not in result.out + result.err
    assert "password=***" in json.loads(result.out)["target"]


@pytest.mark.mysql
def test_mysql_query_password_not_printed(cli: Any, mysql_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(mysql_url).update_query_dict({"password": SECRET})
    result = cli("db", "inspect", url.render_as_string(hide_password=False))
    assert SECRET not in result.out + result.err


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_crash_log_masks_argv_and_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    from hygiene.cli.main import _crash_log

    monkeypatch.setattr(
        sys,
        "argv",
        ["hygiene", "db", "clean", FORMS[1], "--url", FORMS[5], FORMS[10]],
    )
    os.umask(0o022)
    try:
        raise RuntimeError(f"boom while opening {FORMS[0]}")
    except RuntimeError as exc:
        written = Path(_crash_log(exc))
    text = written.read_text(encoding="utf-8")
    assert "argv" in text
    assert not _leaks(text), text
    assert _mode(written) == 0o600
    assert _mode(written.parent) == 0o700


def test_erase_audit_is_private(cli: Any, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    conn.execute("INSERT INTO users VALUES (1, 'a@example.com')")
    conn.commit()
    conn.close()
    os.umask(0o022)
    result = cli("db", "erase", db, "--table", "users", "--id", "1", "--yes")
    assert result.code == 0, result.err
    from hygiene.paths import hygiene_home

    audit = hygiene_home() / "audit"
    files = [p for p in audit.iterdir() if p.is_file()]
    assert files
    for path in files:
        assert _mode(path) == 0o600, path
    assert _mode(audit) == 0o700


def test_archives_are_private(cli: Any, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE logs (id INTEGER PRIMARY KEY, at INTEGER, msg TEXT)")
    conn.executemany(
        "INSERT INTO logs VALUES (?, ?, 'personal')", [(i, 1_500_000_000) for i in range(5)]
    )
    conn.commit()
    conn.close()
    config = write_config(
        tmp_path,
        '[[db.rules]]\nname = "r"\ntable = "logs"\ncolumn = "at"\nolder_than = "1d"\n'
        'action = "archive"\n',
    )
    os.umask(0o022)
    result = cli("db", "clean", db, "--yes", "--config", config, "--now", NOW_ISO)
    assert result.code == 0, result.err
    from hygiene.db.archive import default_archive_dir

    root = default_archive_dir()
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert _mode(path) == 0o600, path
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        assert _mode(folder) == 0o700, folder


def test_schedule_shows_and_exports_no_password(tmp_path: Path) -> None:
    """The command a job runs is shown in `schedule list` and written into the crontab and
    systemd exports as a comment; the job itself runs from the config (`schedule run NAME`)."""
    from hygiene.schedule.cron import Cron
    from hygiene.schedule.export import ExportContext, export
    from hygiene.schedule.settings import JobSpec

    job = JobSpec(
        name="nightly",
        schedule=Cron.parse("0 3 * * *"),
        run=("db", "clean", FORMS[1], "--url", FORMS[5], "--yes"),
    )
    assert not _leaks(job.command_line), job.command_line
    assert job.command_line.startswith("db clean ")
    context = ExportContext(("hygiene",), None, tmp_path, tmp_path / "log")
    for fmt in ("crontab", "systemd"):
        for item in export(fmt, [job], context):
            assert not _leaks(item.content), (fmt, item.content)
