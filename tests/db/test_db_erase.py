"""`hygiene db erase` on every engine: a three-level chain, self references, SET NULL, declared
relations, the audit record, and nothing personal kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dbhelp import count, create, engine_name, insert, rows_of, write_config


def _schema(target: str) -> Any:
    from sqlalchemy import (
        Column,
        ForeignKey,
        ForeignKeyConstraint,
        Integer,
        MetaData,
        String,
        Table,
    )

    md = MetaData()
    users = Table(
        "users",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("email", String(100)),
        Column("manager_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    orders = Table(
        "orders",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    )
    items = Table(
        "order_items",
        md,
        Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
        Column("line", Integer, primary_key=True, autoincrement=False),  # composite key
        Column("sku", String(20)),
    )
    shipments = Table(  # a composite foreign key
        "shipments",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("order_id", Integer, nullable=False),
        Column("line", Integer, nullable=False),
        ForeignKeyConstraint(["order_id", "line"], ["order_items.order_id", "order_items.line"]),
    )
    comments = Table(
        "comments",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("parent_id", Integer, ForeignKey("comments.id"), nullable=True),  # self reference
        Column("body", String(100)),
    )
    notes = Table(  # no constraint: reached only through [[db.relations]]
        "notes",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("author", Integer),
    )
    create(target, md)
    insert(
        target,
        users,
        [
            {"id": 1, "email": "alice@example.com", "manager_id": None},
            {"id": 2, "email": "bob@example.com", "manager_id": 1},
            {"id": 3, "email": "carol@example.com", "manager_id": 2},
        ],
    )
    insert(
        target,
        orders,
        [{"id": 10, "user_id": 1}, {"id": 11, "user_id": 1}, {"id": 12, "user_id": 2}],
    )
    insert(
        target,
        items,
        [
            {"order_id": 10, "line": 1, "sku": "a"},
            {"order_id": 10, "line": 2, "sku": "b"},
            {"order_id": 11, "line": 1, "sku": "c"},
            {"order_id": 12, "line": 1, "sku": "d"},
        ],
    )
    insert(
        target,
        shipments,
        [{"id": 1, "order_id": 10, "line": 2}, {"id": 2, "order_id": 12, "line": 1}],
    )
    insert(
        target,
        comments,
        [
            {"id": 100, "user_id": 1, "parent_id": None, "body": "alice's post"},
            {"id": 101, "user_id": 2, "parent_id": 100, "body": "reply to alice"},
            {"id": 102, "user_id": 3, "parent_id": 101, "body": "reply to the reply"},
            {"id": 103, "user_id": 2, "parent_id": None, "body": "bob's own post"},
            {"id": 104, "user_id": 1, "parent_id": 103, "body": "alice replies to bob"},
        ],
    )
    insert(target, notes, [{"id": 1, "author": 1}, {"id": 2, "author": 3}])
    return md


RELATIONS = """
[[db.relations]]
table = "notes"
column = "author"
references = "users.id"
"""


def test_erase_follows_chains_self_references_and_declared_relations(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    _schema(db_url)
    config = write_config(tmp_path, RELATIONS)
    result = cli(
        "db", "erase", db_url, "--table", "users", "--id", "1", "--yes", "--json",
        "--config", config,
    )  # fmt: skip
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["ok"] is True
    assert doc["done"] is True
    assert doc["deleted"] == {
        "users": 1,
        "orders": 2,
        "order_items": 3,  # deleted explicitly although ON DELETE CASCADE would: counted
        "comments": 4,  # 100, its reply 101, the reply's reply 102, and 104
        "notes": 1,
        "shipments": 1,  # reached through the composite key (10, 2)
    }
    assert doc["nulled"] == {"users": 1}  # bob's manager_id (ON DELETE SET NULL)
    assert [r[0] for r in rows_of(db_url, "users")] == [2, 3]
    assert rows_of(db_url, "users")[0][2] is None
    assert [r[0] for r in rows_of(db_url, "orders")] == [12]
    assert rows_of(db_url, "order_items", "order_id") == [(12, 1, "d")]
    assert [r[0] for r in rows_of(db_url, "comments")] == [103]
    assert [r[0] for r in rows_of(db_url, "notes")] == [2]
    assert [r[0] for r in rows_of(db_url, "shipments")] == [2]
    # Children come before parents in the plan.
    order = [s["table"] for s in doc["plan"] if s["action"] == "delete"]
    assert order.index("shipments") < order.index("order_items")
    assert order.index("order_items") < order.index("orders") < order.index("users")
    assert order.index("comments") < order.index("users")

    audit = Path(doc["audit_file"])
    lines = audit.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[-1])
    assert record["event"] == "db.erase"
    assert record["post_check"] == {"remaining": 0, "ok": True}
    assert record["deleted"]["order_items"] == 3
    assert record["subject"]["key"].startswith("hmac-sha256:")
    text = audit.read_text(encoding="utf-8")
    assert "alice" not in text
    assert "example.com" not in text
    # No archive of erased rows anywhere under HYGIENE_HOME.
    home = audit.parent.parent
    assert not list(home.rglob("*.jsonl.gz"))


def test_erase_dry_run_shows_the_plan_and_changes_nothing(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    _schema(db_url)
    before = {t: rows_of(db_url, t, "1") for t in ("users", "orders", "comments")}
    result = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--dry-run", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["done"] is False
    steps = {(s["table"], s["action"]): s["rows"] for s in doc["plan"]}
    assert steps[("orders", "delete")] == 2
    assert steps[("order_items", "delete")] == 3
    assert {t: rows_of(db_url, t, "1") for t in ("users", "orders", "comments")} == before


def test_erase_needs_yes_and_refuses_unknown_subject(cli: Any, db_url: str) -> None:
    _schema(db_url)
    result = cli("db", "erase", db_url, "--table", "users", "--id", "1")
    assert result.code == 2
    assert "--yes" in result.err
    assert count(db_url, "users") == 3
    missing = cli("db", "erase", db_url, "--table", "users", "--id", "99", "--yes")
    assert missing.code == 2
    assert "no row in 'users'" in missing.err
    typo = cli("db", "erase", db_url, "--table", "user", "--id", "1", "--yes")
    assert typo.code == 2
    assert "no table 'user'" in typo.err
    assert "users" in typo.err
    notint = cli("db", "erase", db_url, "--table", "users", "--id", "x1", "--yes")
    assert notint.code == 2
    assert "integer column" in notint.err


def test_sqlite_inline_on_delete_is_read_from_the_pragma(cli: Any, tmp_path: Path) -> None:
    """SQLAlchemy drops an inline `ON DELETE SET NULL` on SQLite; the pragma keeps it."""
    import sqlite3

    path = tmp_path / "inline.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY);
        CREATE TABLE posts (id INTEGER PRIMARY KEY,
                            editor_id INTEGER REFERENCES users ON DELETE SET NULL);
        INSERT INTO users VALUES (1), (2);
        INSERT INTO posts VALUES (10, 1), (11, 2);
        """
    )
    conn.close()
    result = cli("db", "erase", path, "--table", "users", "--id", "1", "--yes", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["nulled"] == {"posts": 1}
    assert rows_of(str(path), "posts") == [(10, None), (11, 2)]
    assert engine_name(str(path)) == "sqlite"


def _sqlite_with_trigger(tmp_path: Path, table: str, row_id: int) -> Path:
    import sqlite3

    path = tmp_path / "keep.db"
    sqlite3.connect(path).close()
    _schema(str(path))
    conn = sqlite3.connect(path)
    conn.execute(
        f"CREATE TRIGGER keep BEFORE DELETE ON {table} WHEN old.id = {row_id} "
        "BEGIN SELECT RAISE(IGNORE); END"
    )
    conn.close()
    return path


def test_erase_exits_1_and_audits_when_rows_remain(cli: Any, tmp_path: Path) -> None:
    """A trigger silently keeps a row no constraint protects: the post-check sees it."""
    path = _sqlite_with_trigger(tmp_path, "notes", 1)
    config = write_config(tmp_path, RELATIONS)
    result = cli(
        "db", "erase", path, "--table", "users", "--id", "1", "--yes", "--json",
        "--config", config,
    )  # fmt: skip
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    assert doc["ok"] is False
    assert doc["remaining"]["notes"] == 1
    record = json.loads(Path(doc["audit_file"]).read_text(encoding="utf-8").splitlines()[-1])
    assert record["post_check"] == {"ok": False, "remaining": 1}


def test_erase_is_one_transaction(cli: Any, tmp_path: Path) -> None:
    """A kept order makes deleting its user fail: nothing at all is erased."""
    path = _sqlite_with_trigger(tmp_path, "orders", 11)
    before = {t: rows_of(str(path), t, "1") for t in ("users", "orders", "order_items", "comments")}
    result = cli("db", "erase", path, "--table", "users", "--id", "1", "--yes")
    assert result.code == 1
    assert "FOREIGN KEY constraint failed" in result.err
    after = {t: rows_of(str(path), t, "1") for t in ("users", "orders", "order_items", "comments")}
    assert after == before
