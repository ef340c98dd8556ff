"""One question for every changing command: "no" changes nothing and exits 0; with no terminal
to ask on, exit 2 and "pass --yes" (docs/exit-codes.md)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest


class Typed(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def users_db(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('ada'), ('bob')")
    conn.commit()
    conn.close()
    return path


def _rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM users").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("answer", ["n\n", ""])  # end of input means no
def test_no_is_exit_0_and_nothing_changed(cli, users_db: Path, monkeypatch, answer: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", Typed(answer))
    res = cli("db", "erase", users_db, "--table", "users", "--id", "1")
    assert res.code == 0, res.err
    assert "[y/N]" in res.err
    assert "nothing changed" in res.err
    assert _rows(users_db) == 2


def test_no_terminal_is_exit_2_pass_yes(cli, users_db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    res = cli("db", "erase", users_db, "--table", "users", "--id", "1")
    assert res.code == 2
    assert "pass --yes" in res.err
    assert _rows(users_db) == 2
    res = cli("restore", "--last")  # refused for its own reason first: nothing to ask about
    assert res.code == 2


def test_yes_is_asked_once_and_acts(cli, users_db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", Typed("y\n"))
    res = cli("db", "erase", users_db, "--table", "users", "--id", "1")
    assert res.code == 0, res.err
    assert _rows(users_db) == 1
