"""`hygiene db` safety: local only, masked credentials, locks, dropped connections."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dbhelp import NOW, NOW_ISO, count, execute, write_config

RULE = '[[db.rules]]\nname = "old"\ntable = "logs"\ncolumn = "at"\nolder_than = "1d"\n'


def _sqlite_logs(path: Path, n: int = 100) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE logs (id INTEGER PRIMARY KEY, at INTEGER, msg TEXT)")
    old = int(NOW.timestamp()) - 10 * 86400
    conn.executemany("INSERT INTO logs VALUES (?, ?, ?)", [(i, old, "m") for i in range(n)])
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:s3cret@db.example.com:5432/prod",
        "mysql://root:s3cret@10.1.2.3/prod",
        "postgresql://app:s3cret@192.168.1.20/prod",
    ],
)
def test_remote_url_refused_without_allow_remote(cli: Any, url: str) -> None:
    result = cli("db", "clean", url, "--preset", "django", "--yes")
    assert result.code == 2
    assert "not local" in result.err
    assert "--allow-remote" in result.err
    assert "s3cret" not in result.err
    assert "***" in result.err


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.4.5.6", True),
        ("::1", True),
        ("[::1]", True),
        (None, True),
        ("/var/run/postgresql", True),
        ("db.example.com", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
    ],
)
def test_local_hosts(host: str | None, local: bool) -> None:
    from hygiene.db.url import is_local_host

    assert is_local_host(host) is local


def test_socket_url_is_local() -> None:
    from hygiene.db.url import parse_target

    target = parse_target("postgresql://u:pw@/app?host=/var/run/postgresql")
    assert target.engine == "postgresql"
    assert "pw" not in target.masked
    assert target.url.startswith("postgresql+psycopg://")
    mysql = parse_target("mysql://root@localhost/app")
    assert mysql.url.startswith("mysql+pymysql://")


@pytest.mark.postgres
def test_credentials_never_printed(cli: Any, postgres_url: str, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    execute(url, "CREATE TABLE logs (id INTEGER PRIMARY KEY, at TIMESTAMP, msg TEXT)")
    config = write_config(tmp_path, RULE)
    result = cli("db", "clean", url, "--yes", "--json", "--config", config, "--now", NOW_ISO)
    assert result.code == 0, result.err  # trust auth here ignores the password
    assert "s3cret-pw" not in result.out + result.err
    assert json.loads(result.out)["target"].count("***") == 1
    inspect = cli("db", "inspect", url)
    assert inspect.code == 0
    assert "s3cret-pw" not in inspect.out + inspect.err
    down = make_url(url).set(port=1).render_as_string(hide_password=False)
    refused = cli("db", "inspect", down)
    assert refused.code == 2
    assert "cannot connect" in refused.err
    assert "s3cret-pw" not in refused.err


def test_locked_sqlite_gives_a_clear_message_and_no_partial_batch(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _sqlite_logs(db)
    config = write_config(tmp_path, RULE)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        result = cli("db", "clean", db, "--yes", "--config", config, "--now", NOW_ISO)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 1
    assert "locked" in result.err
    assert "re-run" in result.err
    assert "Traceback" not in result.err
    assert count(str(db), "logs") == 100
    again = cli("db", "clean", db, "--yes", "--config", config, "--now", NOW_ISO)
    assert again.code == 0, again.err
    assert count(str(db), "logs") == 0


@pytest.mark.parametrize("action", ["delete", "archive"])
def test_clean_where_hygiene_home_cannot_be_made_deletes_nothing(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """A HYGIENE_HOME hygiene cannot create (a pod's volume its user cannot write, a file in
    the way) is refused before the first row goes, not found out by the audit line after the
    rule ran. A regular file stands in the way here: root cannot get past it either."""
    db = tmp_path / "app.db"
    _sqlite_logs(db)
    config = write_config(tmp_path, RULE + f'action = "{action}"\n')
    blocker = tmp_path / "volume"
    blocker.write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setenv("HYGIENE_HOME", str(blocker / ".hygiene"))
    result = cli("db", "clean", db, "--yes", "--config", config, "--now", NOW_ISO)
    assert result.code == 2, result.err
    assert "nothing deleted" in result.err
    assert str(blocker / ".hygiene") in result.err
    assert count(str(db), "logs") == 100


def test_read_only_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run as an unprivileged user (root writes to read-only files), in a real process."""
    import shutil
    import tempfile

    import hygiene

    prefix: list[str] = []
    immutable = False
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        # Another user must be able to reach this Python and hygiene: a checkout in a folder
        # only root may enter (`mktemp -d` makes 0700 ones) cannot be run as nobody. Root
        # then meets a file it cannot write either way: an immutable one.
        others = all(
            d.stat().st_mode & 0o001
            for top in (Path(sys.prefix), Path(hygiene.__file__).parent)
            for d in [top.resolve(), *top.resolve().parents]
        )
        if setpriv is not None and others:
            prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        else:
            immutable = True
    folder = Path(tempfile.mkdtemp(prefix="hygiene-ro-"))
    db = folder / "app.db"
    try:
        folder.chmod(0o755)
        _sqlite_logs(db)
        db.chmod(0o444)
        if immutable and subprocess.run(["chattr", "+i", str(db)], check=False).returncode:
            pytest.skip(
                "running as root, with no other user able to run this checkout and no chattr"
            )
        config = folder / "hygiene.toml"
        config.write_text(RULE, encoding="utf-8")
        state = folder / "state"
        state.mkdir(mode=0o777)
        state.chmod(0o777)
        env = {
            **os.environ,
            "HOME": str(state),
            "HYGIENE_HOME": str(state / "home"),
            "HYGIENE_CONFIG_HOME": str(state / "config"),
        }
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "hygiene", "db", "clean", str(db), "--yes",
             "--config", str(config), "--now", NOW_ISO],
            capture_output=True, text=True, env=env, cwd=folder,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert "read-only" in done.stderr
        assert "Traceback" not in done.stderr
        assert count(str(db), "logs") == 100
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(db)], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
def test_dropped_connection_mid_run_keeps_whole_batches(postgres_url: str) -> None:
    """The server kills hygiene's connection after the first batch: that batch stays, the rest
    is untouched, the error is one clear line, and a re-run finishes the job."""
    from sqlalchemy import create_engine, text

    from hygiene.db.clean import run_rules
    from hygiene.db.connect import DbFailed
    from hygiene.db.settings import RetentionRule

    execute(postgres_url, "CREATE TABLE logs (id INTEGER PRIMARY KEY, at TIMESTAMP, msg TEXT)")
    execute(
        postgres_url,
        "INSERT INTO logs SELECT g, TIMESTAMP '2024-01-01', 'm' FROM generate_series(1, 50) g",
    )
    rule = RetentionRule(name="old", table="logs", column="at", older_than=86400.0)
    killer = create_engine(postgres_url, isolation_level="AUTOCOMMIT")

    def progress(name: str, done: int, total: int) -> None:
        if done == 10:
            with killer.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )

    with pytest.raises(DbFailed) as failure:
        run_rules(target=postgres_url, rules=(rule,), now=NOW, batch_size=10, progress=progress)
    killer.dispose()
    assert "rule 'old'" in str(failure.value)
    assert "\n" not in str(failure.value)
    assert count(postgres_url, "logs") == 40  # exactly one whole batch went
    report = run_rules(target=postgres_url, rules=(rule,), now=NOW, batch_size=10)
    assert report.rules[0].rows == 40
    assert count(postgres_url, "logs") == 0


def test_engine_modules_import_neither_typer_nor_rich() -> None:
    modules = [
        "archive", "audit", "clean", "connect", "erase", "inspect", "presets", "rules",
        "settings", "sqlite", "timestamps", "url", "vacuum",
    ]  # fmt: skip
    code = (
        "import sys\n"
        + "".join(f"import hygiene.db.{m}\n" for m in modules)
        + "print(sorted(m for m in ('typer', 'rich') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
