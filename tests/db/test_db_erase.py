"""`hygiene db erase` on every engine: a three-level chain, self references, SET NULL, declared
relations, the audit record, and nothing personal kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dbhelp import count, create, engine_name, execute, insert, rows_of, write_config


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
        # 100 and her reply 104 to bob; bob's reply 101 to her is bob's: unlinked, and carol's
        # reply 102 to bob is never reached (issue 15: other people's rows are never deleted).
        "comments": 2,
        "notes": 1,
        "shipments": 1,  # reached through the composite key (10, 2)
    }
    # bob's manager_id (ON DELETE SET NULL); bob's reply 101 no longer points at 100.
    assert doc["nulled"] == {"users": 1, "comments": 1}
    assert [r[0] for r in rows_of(db_url, "users")] == [2, 3]
    assert rows_of(db_url, "users")[0][2] is None
    assert [r[0] for r in rows_of(db_url, "orders")] == [12]
    assert rows_of(db_url, "order_items", "order_id") == [(12, 1, "d")]
    assert [(r[0], r[2]) for r in rows_of(db_url, "comments")] == [
        (101, None),
        (102, 101),
        (103, None),
    ]
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


# Issue 15 item 1: erase deletes other people through self references, cycles and cascades.


def _issue_schema(target: str) -> None:
    """The schema of issue 15, exactly: a referral self reference with no ON DELETE clause."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

    md = MetaData()
    users = Table(
        "users",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("email", String(100)),
        Column("referred_by", Integer, ForeignKey("users.id"), nullable=True),
    )
    orders = Table(
        "orders",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    )
    items = Table(
        "order_items",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("order_id", Integer, ForeignKey("orders.id", ondelete="RESTRICT"), nullable=False),
    )
    reviews = Table(
        "reviews",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    create(target, md)
    insert(
        target,
        users,
        [
            {"id": 1, "email": "alice@example.com", "referred_by": None},
            {"id": 2, "email": "bob@example.com", "referred_by": 1},
            {"id": 3, "email": "carol@example.com", "referred_by": None},
            {"id": 4, "email": "dan@example.com", "referred_by": 2},
        ],
    )
    insert(
        target,
        orders,
        [
            {"id": 10, "user_id": 1},
            {"id": 11, "user_id": 1},
            {"id": 12, "user_id": 2},
            {"id": 13, "user_id": 4},
        ],
    )
    insert(
        target,
        items,
        [
            {"id": 100, "order_id": 10},
            {"id": 101, "order_id": 10},
            {"id": 102, "order_id": 11},
            {"id": 103, "order_id": 12},
            {"id": 104, "order_id": 13},
        ],
    )
    insert(target, reviews, [{"id": 1, "user_id": 1}, {"id": 2, "user_id": 2}])


def _counts(plan: list[dict[str, Any]], action: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for step in plan:
        if step["action"] == action:
            found[step["table"]] = found.get(step["table"], 0) + step["rows"]
    return found


def test_erase_never_deletes_other_users_through_a_self_reference(cli: Any, db_url: str) -> None:
    _issue_schema(db_url)
    dry = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    plan = json.loads(dry.out)["plan"]
    unlink = [s for s in plan if s["table"] == "users" and s["action"] == "set-null"]
    assert len(unlink) == 1
    assert unlink[0]["rows"] == 1
    assert "referred_by" in unlink[0]["via"]

    result = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--yes", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["deleted"] == {"users": 1, "orders": 2, "order_items": 3}
    assert doc["nulled"] == {"users": 1, "reviews": 1}
    # The dry run's plan is what the real run did.
    assert _counts(plan, "delete") == doc["deleted"]
    assert _counts(plan, "set-null") == doc["nulled"]
    assert [(r[0], r[2]) for r in rows_of(db_url, "users")] == [(2, None), (3, None), (4, 2)]
    assert [r[0] for r in rows_of(db_url, "orders")] == [12, 13]
    assert [r[0] for r in rows_of(db_url, "order_items")] == [103, 104]
    assert rows_of(db_url, "reviews") == [(1, None), (2, 2)]


def _snapshot(target: str, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
    return {t: rows_of(target, t) for t in tables}


def test_erase_refuses_a_not_null_self_reference(cli: Any, db_url: str) -> None:
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

    md = MetaData()
    users = Table(
        "users",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("sponsor_id", Integer, ForeignKey("users.id"), nullable=False),
    )
    create(db_url, md)
    insert(db_url, users, [{"id": 1, "sponsor_id": 1}])
    insert(db_url, users, [{"id": 2, "sponsor_id": 1}, {"id": 3, "sponsor_id": 2}])
    before = _snapshot(db_url, "users")
    for extra in ("--dry-run", "--yes"):
        result = cli("db", "erase", db_url, "--table", "users", "--id", "1", extra)
        assert result.code == 2, result.err
        assert len(result.err.strip().splitlines()) == 1
        assert "users(id=2)" in result.err
        assert "users(id=3)" not in result.err
        assert "sponsor_id" in result.err
        assert _snapshot(db_url, "users") == before


def _team_schema(target: str, *, member: bool) -> None:
    """A cycle users -> teams -> users: alice owns team 7, bob is in it."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

    md = MetaData()
    users = Table(
        "users",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(20)),
        Column(
            "team_id",
            Integer,
            ForeignKey("teams.id", use_alter=True, name="users_team_fk"),
            nullable=True,
        ),
    )
    teams = Table(
        "teams",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    )
    members = Table(
        "memberships",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("team_id", Integer, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
        Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    )
    create(target, md)
    insert(
        target,
        users,
        [{"id": 1, "name": "alice", "team_id": None}, {"id": 2, "name": "bob", "team_id": None}],
    )
    insert(target, teams, [{"id": 7, "owner_id": 1}])
    execute(target, "UPDATE users SET team_id = 7")
    if member:
        insert(target, members, [{"id": 50, "team_id": 7, "user_id": 2}])


def test_erase_unlinks_other_users_through_a_cycle(cli: Any, db_url: str) -> None:
    _team_schema(db_url, member=False)
    result = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--yes", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["deleted"] == {"users": 1, "teams": 1}
    assert doc["nulled"] == {"users": 1}
    assert rows_of(db_url, "users") == [(2, "bob", None)]
    assert rows_of(db_url, "teams") == []


def test_erase_refuses_a_cascade_into_another_users_rows(cli: Any, db_url: str) -> None:
    """bob's membership of alice's team is bob's: ON DELETE CASCADE would take it."""
    _team_schema(db_url, member=True)
    before = _snapshot(db_url, "users", "teams", "memberships")
    result = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--yes")
    assert result.code == 2, result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "memberships(id=50)" in result.err
    assert _snapshot(db_url, "users", "teams", "memberships") == before


def _shop_schema(target: str, *, nullable: bool) -> None:
    """alice sells product 5; bob bought it (RESTRICT) and commented under alice's comment."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

    md = MetaData()
    users = Table("users", md, Column("id", Integer, primary_key=True, autoincrement=False))
    products = Table(
        "products",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("seller_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    )
    purchases = Table(
        "purchases",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column(
            "product_id", Integer, ForeignKey("products.id", ondelete="RESTRICT"), nullable=nullable
        ),
        Column("buyer_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    )
    comments = Table(
        "comments",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        Column("parent_id", Integer, ForeignKey("comments.id", ondelete="CASCADE")),
    )
    create(target, md)
    insert(target, users, [{"id": 1}, {"id": 2}])
    insert(target, products, [{"id": 5, "seller_id": 1}, {"id": 6, "seller_id": 2}])
    insert(
        target,
        purchases,
        [
            {"id": 60, "product_id": 5, "buyer_id": 2},  # bob's purchase of alice's product
            {"id": 61, "product_id": 6, "buyer_id": 1},  # alice's purchase of bob's product
        ],
    )
    insert(
        target,
        comments,
        [
            {"id": 100, "user_id": 1, "parent_id": None},
            {"id": 101, "user_id": 2, "parent_id": 100},  # bob replies to alice
            {"id": 102, "user_id": 1, "parent_id": 101},  # alice replies to bob
        ],
    )


def test_erase_unlinks_other_users_rows_below_the_subjects(cli: Any, db_url: str) -> None:
    _shop_schema(db_url, nullable=True)
    dry = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    plan = json.loads(dry.out)["plan"]
    result = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--yes", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["deleted"] == {"users": 1, "products": 1, "purchases": 1, "comments": 2}
    assert doc["nulled"] == {"purchases": 1, "comments": 1}
    assert _counts(plan, "delete") == doc["deleted"]
    assert _counts(plan, "set-null") == doc["nulled"]
    assert rows_of(db_url, "users") == [(2,)]
    assert rows_of(db_url, "products") == [(6, 2)]
    assert rows_of(db_url, "purchases") == [(60, None, 2)]
    assert rows_of(db_url, "comments") == [(101, 2, None)]


def test_erase_refuses_a_restrict_child_of_another_user(cli: Any, db_url: str) -> None:
    _shop_schema(db_url, nullable=False)
    tables = ("users", "products", "purchases", "comments")
    before = _snapshot(db_url, *tables)
    result = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--yes")
    assert result.code == 2, result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "purchases(id=60)" in result.err
    assert "purchases(id=61)" not in result.err
    assert _snapshot(db_url, *tables) == before


# Issue 15 item 6: the audit hashes the key as the column holds it, not as typed.


def test_erase_audit_hashes_the_normalised_key(cli: Any, db_url: str) -> None:
    from hygiene.db.audit import subject_hash

    _issue_schema(db_url)
    result = cli("db", "erase", db_url, "--table", "users", "--id", "03", "--yes", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert [r[0] for r in rows_of(db_url, "users")] == [1, 2, 4]
    record = json.loads(Path(doc["audit_file"]).read_text(encoding="utf-8").splitlines()[-1])
    assert record["subject"]["key"] == subject_hash("users", "3")


# Issue 21: an unknown commit outcome never loses the audit record nor invents one.


class _Dropped(Exception):
    pass


def _fail_at_commit(monkeypatch: Any, raise_: type[BaseException]) -> None:
    """The real COMMIT runs on the server, then the client sees the failure (a dropped
    connection or a Ctrl-C while the answer is in flight)."""
    from sqlalchemy.engine.default import DefaultDialect

    real = DefaultDialect.do_commit
    fired: list[bool] = []

    def do_commit(self: Any, dbapi_connection: Any) -> None:
        real(self, dbapi_connection)
        if not fired:
            fired.append(True)
            if raise_ is KeyboardInterrupt:
                raise KeyboardInterrupt
            raise self.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(DefaultDialect, "do_commit", do_commit)


def _audit_records() -> list[dict[str, Any]]:
    from hygiene.db.audit import LOG_NAME, audit_dir

    path = audit_dir() / LOG_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_erase_keeps_its_audit_when_the_commit_outcome_is_unknown(
    cli: Any, db_url: str, monkeypatch: Any
) -> None:
    for n, (raise_, code) in enumerate(((_Dropped, 1), (KeyboardInterrupt, 130))):
        subject = str(n + 1)
        if n == 0:
            _issue_schema(db_url)
        with monkeypatch.context() as patch:
            _fail_at_commit(patch, raise_)
            result = cli("db", "erase", db_url, "--table", "users", "--id", subject, "--yes")
        assert result.code == code, result.err
        assert "commit outcome unknown" in result.err
        # The server did commit: the erasure happened, and the audit says it may have.
        assert subject not in [str(r[0]) for r in rows_of(db_url, "users")]
        records = _audit_records()
        assert len(records) == n + 1
        assert records[-1]["commit"] == "outcome unknown"
        from hygiene.db.audit import subject_hash

        assert records[-1]["subject"]["key"] == subject_hash("users", subject)


def test_erase_interrupted_before_its_commit_records_nothing(
    cli: Any, db_url: str, monkeypatch: Any
) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _issue_schema(db_url)
    before = _snapshot(db_url, "users", "orders", "order_items", "reviews")

    def interrupt(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            raise KeyboardInterrupt

    event.listen(Engine, "before_cursor_execute", interrupt)
    try:
        result = cli("db", "erase", db_url, "--table", "users", "--id", "1", "--yes")
    finally:
        event.remove(Engine, "before_cursor_execute", interrupt)
    assert result.code == 130, result.err
    assert _snapshot(db_url, "users", "orders", "order_items", "reviews") == before
    assert _audit_records() == []
    from hygiene.db.audit import audit_dir

    assert [p.name for p in audit_dir().rglob("*") if p.is_file() and p.suffix != ".key"] == []


def test_a_run_killed_after_its_commit_is_logged_by_the_next(cli: Any, tmp_path: Path) -> None:
    """kill -9 between the COMMIT and the final audit line: the record written before the
    COMMIT is found by the next erase and logged as "commit outcome unknown"."""
    import os
    import subprocess
    import sys

    path = tmp_path / "app.db"
    _issue_schema(str(path))
    code = (
        "import os\n"
        "from hygiene.db.audit import write_pending\n"
        "from hygiene.db.url import parse_target\n"
        f"write_pending(target=parse_target({str(path)!r}, allow_remote=False), table='users',"
        " key='1', deleted={'users': 1}, nulled={})\n"
        "os._exit(9)\n"
    )
    died = subprocess.run([sys.executable, "-c", code], env=os.environ.copy(), check=False)
    assert died.returncode == 9
    result = cli("db", "erase", path, "--table", "users", "--id", "3", "--yes", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["settled"] == 1
    records = _audit_records()
    assert [r["commit"] for r in records] == ["outcome unknown", "done"]
    from hygiene.db.audit import subject_hash

    assert records[0]["subject"]["key"] == subject_hash("users", "1")


def test_erase_rolls_back_when_the_engine_deletes_rows_it_did_not_plan(
    cli: Any, tmp_path: Path
) -> None:
    """A trigger hygiene cannot see deletes another user's order line: counted, rolled back."""
    import sqlite3

    path = tmp_path / "app.db"
    _issue_schema(str(path))
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TRIGGER spill AFTER DELETE ON users BEGIN DELETE FROM order_items WHERE id = 104; END"
    )
    conn.commit()
    conn.close()
    tables = ("users", "orders", "order_items", "reviews")
    before = _snapshot(str(path), *tables)
    result = cli("db", "erase", path, "--table", "users", "--id", "1", "--yes")
    assert result.code == 2, result.err
    assert "order_items" in result.err
    assert "rolled back" in result.err
    assert _snapshot(str(path), *tables) == before
    assert _audit_records() == []
