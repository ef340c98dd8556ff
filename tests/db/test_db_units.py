"""Pure parts of `hygiene db`: timestamp formats, the `[db]` config section, URL masking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hygiene.db.timestamps import EPOCH_MS_THRESHOLD, Storage, cutoff_value, iso_storage

CUT = dt.datetime(2024, 3, 5, 7, 8, 9, 123456, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("2024-01-01 10:00:00", "2024-03-05 07:08:09"),
        ("2024-01-01T10:00:00Z", "2024-03-05T07:08:09Z"),
        ("2024-01-01T10:00:00+00:00", "2024-03-05T07:08:09+00:00"),
        ("2024-01-01 10:00:00.000000", "2024-03-05 07:08:09.123456"),
        ("2024-01-01 10:00:00.123", "2024-03-05 07:08:09.123"),
        ("2024-01-01T10:00", "2024-03-05T07:08"),
        ("2024-01-01", "2024-03-05"),
        ("2024-01-01T10:00:00+02:00", "2024-03-05T09:08:09+02:00"),
    ],
)
def test_iso_cutoff_is_written_like_the_column(sample: str, expected: str) -> None:
    assert cutoff_value(iso_storage(sample, what="t"), CUT) == expected


def test_not_iso_text_is_refused() -> None:
    from hygiene.errors import UsageError

    with pytest.raises(UsageError, match="not an ISO-8601 timestamp"):
        iso_storage("yesterday", what="rule 'x'")


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1)))
def test_text_order_matches_time_order(moment: dt.datetime) -> None:
    """Comparing ISO text is only right if the cutoff is rendered in the stored format."""
    storage = iso_storage("2024-01-01 10:00:00.000000", what="t")
    value = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    cutoff = cutoff_value(storage, CUT)
    assert (value < cutoff) == (moment.replace(tzinfo=dt.timezone.utc) < CUT)


def test_epoch_units_and_datetime_kinds() -> None:
    assert cutoff_value(Storage("epoch-s"), CUT) == int(CUT.timestamp())
    assert cutoff_value(Storage("epoch-ms"), CUT) == int(CUT.timestamp() * 1000)
    assert cutoff_value(Storage("datetime"), CUT).tzinfo is None
    assert cutoff_value(Storage("datetime", aware=True), CUT) == CUT
    assert cutoff_value(Storage("date"), CUT) == dt.date(2024, 3, 5)
    # Milliseconds of any date after 1973 are past the threshold; seconds never reach it.
    assert int(dt.datetime(1974, 1, 1).timestamp() * 1000) > EPOCH_MS_THRESHOLD
    assert int(dt.datetime(4000, 1, 1).timestamp()) < EPOCH_MS_THRESHOLD


def test_parse_now_reads_a_naive_time_in_the_zone_each_command_documents() -> None:
    from zoneinfo import ZoneInfo

    from hygiene.errors import UsageError
    from hygiene.units import parse_now

    utc = dt.timezone.utc
    paris = ZoneInfo("Europe/Paris")
    assert parse_now("2024-06-01T12:00:00Z", naive=paris) == dt.datetime(2024, 6, 1, 12, tzinfo=utc)
    assert parse_now("2024-06-01 12:00", naive=utc).tzinfo == utc
    assert parse_now("2024-06-01 12:00", naive=paris).utcoffset() == dt.timedelta(hours=2)
    assert parse_now("2024-06-01T12:00+01:00", naive=utc).utcoffset() == dt.timedelta(hours=1)
    with pytest.raises(UsageError, match="--now"):
        parse_now("noon", naive=utc)


def _load(tmp_path: Path, text: str) -> Any:
    from hygiene.config.layers import load_config

    path = tmp_path / "hygiene.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(tmp_path, path)


def test_db_section_parses_rules_relations_and_archive_dir(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[db]\narchive_dir = "~/arch"\n'
        '[[db.rules]]\nname = "s"\ntable = "sessions"\ncolumn = "expires_at"\n'
        'older_than = "12h"\naction = "archive"\nwhere = "x = 1"\n'
        '[[db.relations]]\ntable = "notes"\ncolumn = "author"\nreferences = "users.id"\n'
        'on_erase = "set-null"\n',
    )
    (rule,) = config.db.rules
    assert (rule.table, rule.column, rule.older_than, rule.action, rule.where) == (
        "sessions",
        "expires_at",
        43200.0,
        "archive",
        "x = 1",
    )
    (relation,) = config.db.relations
    assert (relation.ref_table, relation.ref_column, relation.on_erase) == (
        "users",
        "id",
        "set-null",
    )
    assert config.db.archive_dir == Path("~/arch").expanduser()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[db.rules]]\nname = "a"\ntable = "t"\ncolumn = "c"\n', "db.rules[0].older_than"),
        (
            '[[db.rules]]\nname = "a"\ntable = "t"\ncolumn = "c"\nolder_than = "1d"\n'
            'action = "drop"\n',
            "expected one of delete, archive",
        ),
        (
            '[[db.rules]]\nname = "a"\ntable = "t"\ncolumn = "c"\nolder_than = "1d"\ncolum = "x"\n',
            "db.rules[0].colum: unknown key",
        ),
        (
            '[[db.rules]]\nname = "a"\ntable = "t"\ncolumn = "c"\nolder_than = "30"\n',
            "expected a duration",
        ),
        ('[db]\narchive = "x"\n', "db.archive: unknown key"),
        (
            '[[db.relations]]\ntable = "n"\ncolumn = "a"\nreferences = "users"\n',
            "expected 'table.column'",
        ),
        (
            '[[db.rules]]\nname = "a"\ntable = "t"\ncolumn = "c"\nolder_than = "1d"\n'
            '[[db.rules]]\nname = "a"\ntable = "u"\ncolumn = "c"\nolder_than = "1d"\n',
            "duplicate rule name",
        ),
    ],
)
def test_bad_db_config_names_file_key_and_expectation(
    tmp_path: Path, body: str, message: str
) -> None:
    from hygiene.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        _load(tmp_path, body)
    assert message in str(error.value)
    assert str(tmp_path / "hygiene.toml") in str(error.value)


def test_project_rule_replaces_user_rule_of_the_same_name() -> None:
    from hygiene.db.settings import DbSettings, RetentionRule, merge_db

    user = DbSettings(
        rules=(
            RetentionRule("a", "t", "c", 1.0, source="user"),
            RetentionRule("b", "t", "c", 1.0, source="user"),
        ),
        archive_dir=Path("/u"),
    )
    project = DbSettings(rules=(RetentionRule("a", "t", "c", 2.0, source="project"),))
    merged = merge_db(user, project)
    assert [(r.name, r.source) for r in merged.rules] == [("b", "user"), ("a", "project")]
    assert merged.archive_dir == Path("/u")


def test_mask_hides_passwords_even_in_unparseable_text() -> None:
    from hygiene.db.url import mask

    assert mask("postgresql://app:p@ss:w0rd@host/db") == "postgresql://app:***@host/db"
    assert mask("mysql://root@localhost/db") == "mysql://root@localhost/db"


def test_sqlite_header_check(tmp_path: Path) -> None:
    import sqlite3

    from hygiene.db.sqlite import is_sqlite_file

    real = tmp_path / "a.db"
    sqlite3.connect(real).execute("CREATE TABLE t (x)").connection.close()
    fake = tmp_path / "b.db"
    fake.write_bytes(b"SQLite format 2\x00" + b"\0" * 496)
    odd = tmp_path / "c.db"
    odd.write_bytes(real.read_bytes() + b"x")  # not a whole number of 512-byte units
    assert is_sqlite_file(real)
    assert not is_sqlite_file(fake)
    assert not is_sqlite_file(odd)


def test_not_a_database_target_is_bad_input(cli: Any, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    for target, message in [
        (text, "not a SQLite database"),
        (tmp_path / "missing.db", "no such file"),
        (tmp_path, "is a folder"),
        ("oracle://u:pw@localhost/x", "unsupported database"),
    ]:
        result = cli("db", "clean", target, "--preset", "django", "--yes")
        assert result.code == 2, (target, result.err)
        assert message in result.err
        assert "pw@" not in result.err


def test_clean_without_rules_says_how_to_add_them(cli: Any, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    sqlite3.connect(db).execute("CREATE TABLE t (id INTEGER PRIMARY KEY)").connection.close()
    result = cli("db", "clean", db, "--yes")
    assert result.code == 2
    assert "no retention rules" in result.err
    assert "--preset" in result.err


def test_clean_human_report(cli: Any, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, last_activity INTEGER)")
    conn.executemany("INSERT INTO sessions VALUES (?, ?)", [(i, 1_000_000 + i) for i in range(30)])
    conn.commit()
    conn.close()
    result = cli("db", "clean", db, "--preset", "laravel", "--yes")
    assert result.code == 0, result.err
    assert "laravel-sessions" in result.out
    assert "│           30 │" in result.out  # rows deleted, right-aligned in its column
    assert "freed " in result.out
    # 30 tiny rows fit in one page: the vacuum frees nothing, and the report says why.
    assert "(VACUUM; nothing freed: the file had no free pages" in result.out
