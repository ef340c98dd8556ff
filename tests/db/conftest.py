"""Fixtures for `hygiene db`: the same test logic on a SQLite file, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Config discovery starts at the current folder: keep the repo's own files out of it.
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file path, or a server URL of its own."""
    if request.param == "sqlite":
        path = tmp_path / "app.db"
        import sqlite3

        sqlite3.connect(path).execute("PRAGMA user_version = 1").connection.close()
        yield str(path)
    elif request.param == "postgresql":
        yield request.getfixturevalue("postgres_url")
    else:
        yield request.getfixturevalue("mysql_url")
