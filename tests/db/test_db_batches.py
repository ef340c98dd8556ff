"""How `hygiene db clean` plans its delete batches, on every engine.

Integer keys with nothing in the catalog that can swallow a delete take key arithmetic (no
counting pass); a DELETE trigger, a PostgreSQL rule or row-level security, or a non-integer key
take the ranked pass whose per-batch row counts are checked. Both must delete exactly the rows
the rule matches, whatever the keys look like.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from dbhelp import NOW, engine_name, execute, rows_of

import hygiene.db.clean as clean
from hygiene.db.connect import DbFailed
from hygiene.db.settings import RetentionRule

OLD = dt.datetime(2024, 1, 1)
FRESH = dt.datetime(2024, 12, 1)
RULE = RetentionRule(name="old", table="t", column="at", older_than=86400.0)

# Sparse, negative, and wide keys: gaps of one, of thousands and of 2**40.
SPARSE = [-7, -6, 1, 2, 3, 5, 8, 1000, 1001, 1002, 50_000, 50_001, 10**6, 2**40, 2**40 + 1]


def _old(key: int) -> bool:
    return key % 3 != 0  # a mix of expired and fresh rows, in every region of the key space


def _make(target: str, keys: list[Any], key_type: str = "BIGINT") -> None:
    execute(target, f"CREATE TABLE t (id {key_type} PRIMARY KEY, at TIMESTAMP NULL, msg TEXT)")
    execute(
        target,
        "INSERT INTO t (id, at, msg) VALUES (:id, :at, 'm')",
        params=[{"id": k, "at": OLD if _old_key(k) else FRESH} for k in keys],
    )


def _old_key(key: Any) -> bool:
    return _old(key) if isinstance(key, int) else _old(int(str(key)[-3:], 16))


def _ids(target: str) -> list[Any]:
    return [r[0] for r in rows_of(target, "t")]


def _forbid(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError(f"{name} must not run on this path")

    monkeypatch.setattr(clean, name, refuse)


@pytest.mark.parametrize("batch_size", [None, 1, 2, 5])
def test_integer_keys_with_gaps_take_key_arithmetic(
    db_url: str, monkeypatch: pytest.MonkeyPatch, batch_size: int | None
) -> None:
    _make(db_url, SPARSE)
    _forbid(monkeypatch, "_ranked_pass")
    seen: list[tuple[int, int]] = []
    report = clean.run_rules(
        target=db_url,
        rules=(RULE,),
        now=NOW,
        batch_size=batch_size,
        reclaim_space=False,
        progress=lambda _name, done, planned: seen.append((done, planned)),
    )
    expected_left = sorted(k for k in SPARSE if not _old(k))
    assert _ids(db_url) == expected_left
    assert report.rules[0].rows == len(SPARSE) - len(expected_left)
    assert seen[-1] == (report.rules[0].rows, report.rules[0].rows)
    if batch_size is not None:
        # A range of N integers holds at most N rows: the first batch is never larger than asked.
        first = next(done for done, _ in seen if done)
        assert first <= batch_size


def test_integer_keys_dense_then_sparse_then_dense(db_url: str) -> None:
    keys = [*range(1, 400), *range(10_000, 10**7, 99_991), *range(10**8, 10**8 + 400)]
    _make(db_url, keys)
    report = clean.run_rules(
        target=db_url, rules=(RULE,), now=NOW, batch_size=7, reclaim_space=False
    )
    assert _ids(db_url) == sorted(k for k in keys if not _old(k))
    assert report.rules[0].rows == sum(1 for k in keys if _old(k))


def test_text_keys_take_the_ranked_pass(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [f"k-{uuid.UUID(int=i).hex[-3:]}" for i in range(1, 40)]
    _make(db_url, keys, key_type="VARCHAR(40)")
    _forbid(monkeypatch, "_span_batches")
    report = clean.run_rules(target=db_url, rules=(RULE,), now=NOW, batch_size=4)
    assert _ids(db_url) == sorted(k for k in keys if not _old_key(k))
    assert report.rules[0].rows == sum(1 for k in keys if _old_key(k))


def _harmless_delete_trigger(target: str) -> None:
    """A DELETE trigger that swallows nothing: it writes an audit row."""
    execute(target, "CREATE TABLE audit (id BIGINT)")
    kind = engine_name(target)
    if kind == "sqlite":
        execute(
            target,
            "CREATE TRIGGER audit_t AFTER DELETE ON t BEGIN INSERT INTO audit VALUES (old.id); END",
        )
    elif kind == "postgresql":
        execute(
            target,
            "CREATE FUNCTION audit_f() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO audit VALUES (old.id); RETURN old; END $$",
            "CREATE TRIGGER audit_t AFTER DELETE ON t FOR EACH ROW EXECUTE FUNCTION audit_f()",
        )
    else:
        execute(
            target,
            "CREATE TRIGGER audit_t AFTER DELETE ON t FOR EACH ROW INSERT INTO audit VALUES (old.id)",
        )


def test_a_table_with_a_delete_trigger_takes_the_checked_path(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = list(range(1, 30))
    _make(db_url, keys)
    _harmless_delete_trigger(db_url)
    _forbid(monkeypatch, "_span_batches")
    report = clean.run_rules(target=db_url, rules=(RULE,), now=NOW, batch_size=4)
    deleted = [k for k in keys if _old(k)]
    assert report.rules[0].rows == len(deleted)
    assert sorted(r[0] for r in rows_of(db_url, "audit")) == deleted


def test_guards_read_from_the_catalog(db_url: str) -> None:
    from hygiene.db.connect import open_engine, quote
    from hygiene.db.guards import delete_guards
    from hygiene.db.url import parse_target

    _make(db_url, [1, 2])
    execute(db_url, "CREATE TABLE other (id INTEGER PRIMARY KEY)")
    kind = engine_name(db_url)
    target = parse_target(db_url)
    engine = open_engine(target)

    def guards() -> list[str]:
        with engine.connect() as conn:
            return delete_guards(conn, kind, "t", quote(engine, "t"))

    try:
        assert guards() == []
        # Triggers for other events, or on other tables, cannot skip a DELETE on t.
        if kind == "sqlite":
            execute(
                db_url,
                "CREATE TRIGGER on_update AFTER UPDATE ON t BEGIN SELECT 1; END",
                "CREATE TRIGGER elsewhere BEFORE DELETE ON other BEGIN SELECT RAISE(IGNORE); END",
            )
        elif kind == "postgresql":
            execute(
                db_url,
                "CREATE FUNCTION nothing() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RETURN NULL; END $$",
                "CREATE TRIGGER on_update BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION nothing()",
                "CREATE TRIGGER elsewhere BEFORE DELETE ON other "
                "FOR EACH ROW EXECUTE FUNCTION nothing()",
            )
        else:
            execute(
                db_url,
                "CREATE TRIGGER on_update BEFORE UPDATE ON t FOR EACH ROW SET @x = 1",
                "CREATE TRIGGER elsewhere BEFORE DELETE ON other FOR EACH ROW SET @x = 1",
            )
        assert guards() == []
        _harmless_delete_trigger(db_url)
        assert guards() == ["trigger audit_t"]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_rules_policies_and_partition_triggers_are_guards(postgres_url: str) -> None:
    from hygiene.db.connect import open_engine
    from hygiene.db.guards import delete_guards
    from hygiene.db.url import parse_target

    execute(
        postgres_url,
        "CREATE TABLE ruled (id INTEGER PRIMARY KEY)",
        "CREATE RULE keep AS ON DELETE TO ruled DO INSTEAD NOTHING",
        "CREATE TABLE secured (id INTEGER PRIMARY KEY)",
        "ALTER TABLE secured ENABLE ROW LEVEL SECURITY",
        "CREATE TABLE parted (id INTEGER, at TIMESTAMP, PRIMARY KEY (id)) PARTITION BY RANGE (id)",
        "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100)",
        "CREATE FUNCTION nothing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "CREATE TRIGGER keep_child BEFORE DELETE ON parted_1 "
        "FOR EACH ROW EXECUTE FUNCTION nothing()",
    )
    engine = open_engine(parse_target(postgres_url))
    try:
        with engine.connect() as conn:
            assert delete_guards(conn, "postgresql", "ruled", '"ruled"') == ["rule keep"]
            assert delete_guards(conn, "postgresql", "secured", '"secured"') == [
                "row-level security on secured"
            ]
            assert delete_guards(conn, "postgresql", "parted", '"parted"') == ["trigger keep_child"]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_row_level_security_hiding_rows_from_delete_stops_the_run(
    cli: Any, postgres_url: str, tmp_path: Any
) -> None:
    """A DELETE policy that hides a row the SELECT sees: the run must not report it deleted."""
    from sqlalchemy.engine import make_url

    role = f"hyg_rls_{uuid.uuid4().hex[:8]}"
    _make(postgres_url, list(range(20)), key_type="INTEGER")
    execute(
        postgres_url,
        f"CREATE ROLE {role} LOGIN",
        f"GRANT SELECT, DELETE ON t TO {role}",
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY see ON t FOR SELECT USING (true)",
        "CREATE POLICY spare ON t FOR DELETE USING (id <> 10)",
    )
    as_role = make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    try:
        config = tmp_path / "hygiene.toml"
        config.write_text(
            '[[db.rules]]\nname = "old"\ntable = "t"\ncolumn = "at"\nolder_than = "1d"\n',
            encoding="utf-8",
        )
        result = cli(
            "db", "clean", as_role, "--yes", "--config", config, "--now", "2024-06-01T12:00:00Z",
            "--batch-size", "2",
        )  # fmt: skip
        assert result.code == 1, result.err
        assert "removed 1 rows where 2 were planned" in result.err
        old = [k for k in range(20) if _old(k)]  # 1, 2, 4, 5, 7, 8, 10, 11, ...
        # Batches of two: (1, 2), (4, 5), (7, 8) deleted; (10, 11) rolled back whole.
        assert _ids(postgres_url) == [k for k in range(20) if k not in old[:6]]
    finally:
        execute(postgres_url, f"DROP OWNED BY {role}")
        execute(postgres_url, f"DROP ROLE {role}")


def test_a_trigger_created_mid_run_stops_the_run_and_rolls_back_its_batch(db_url: str) -> None:
    """The catalog is re-read inside every batch, after its DELETE took its lock."""
    kind = engine_name(db_url)
    if kind == "mysql":
        pytest.skip("a MySQL trigger cannot cancel a DELETE silently (only SIGNAL an error)")
    keys = list(range(1, 40))
    _make(db_url, keys)
    created: list[bool] = []

    def progress(_name: str, done: int, _planned: int) -> None:
        if done and not created:
            created.append(True)
            if kind == "sqlite":
                execute(
                    db_url,
                    "CREATE TRIGGER keep BEFORE DELETE ON t WHEN old.id > 20 "
                    "BEGIN SELECT RAISE(IGNORE); END",
                )
            else:
                execute(
                    db_url,
                    "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN IF old.id > 20 THEN RETURN NULL; END IF; RETURN old; END $$",
                    "CREATE TRIGGER keep BEFORE DELETE ON t FOR EACH ROW EXECUTE FUNCTION keep()",
                )

    with pytest.raises(DbFailed, match="trigger keep appeared on 't' during the run"):
        clean.run_rules(target=db_url, rules=(RULE,), now=NOW, batch_size=3, progress=progress)
    first_batch = [k for k in keys if _old(k) and k <= 3]
    assert _ids(db_url) == [k for k in keys if k not in first_batch]


@pytest.mark.postgres
@pytest.mark.parametrize("action", ["delete", "archive"])
def test_postgres_delete_batches_commit_without_waiting_and_archives_wait(
    postgres_url: str, action: str, tmp_path: Any
) -> None:
    """What each batch's transaction really runs with, seen from inside it by a trigger."""
    _make(postgres_url, list(range(1, 30)), key_type="INTEGER")
    execute(
        postgres_url,
        "CREATE TABLE seen (setting TEXT)",
        "CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO seen VALUES (current_setting('synchronous_commit')); RETURN OLD; END $$",
        "CREATE TRIGGER noted AFTER DELETE ON t FOR EACH ROW EXECUTE FUNCTION note()",
    )
    rule = RetentionRule(name="old", table="t", column="at", older_than=86400.0, action=action)
    clean.run_rules(
        target=postgres_url,
        rules=(rule,),
        now=NOW,
        batch_size=4,
        reclaim_space=False,
        archive_dir=tmp_path / "archive",
    )
    settings = {row[0] for row in rows_of(postgres_url, "seen", order="setting")}
    assert settings == ({"off"} if action == "delete" else {"on"})


@pytest.mark.postgres
def test_postgres_key_range_batches_relax_each_commit_then_flush_once(
    postgres_url: str,
) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _make(postgres_url, list(range(1, 30)), key_type="INTEGER")
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        clean.run_rules(
            target=postgres_url, rules=(RULE,), now=NOW, batch_size=4, reclaim_space=False
        )
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    deletes = [i for i, s in enumerate(sent) if s.startswith("DELETE FROM")]
    assert len(deletes) >= 3
    for i in deletes:
        assert sent[i - 1] == "SET LOCAL synchronous_commit TO OFF"
    assert any("txid_current()" in s for s in sent[deletes[-1] :])
