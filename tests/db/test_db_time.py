"""`hygiene db clean` compares time right or refuses (issue 15, item 2).

Every test holds rows at now, now + 1 s and now + 1 h, and rows just either side of the cutoff:
a row newer than the cutoff is never deleted, whatever the session's zone, the text's format or
offset, or the integer's unit. Refusals are one line naming the table and column, exit 2, and
nothing changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from dbhelp import NOW, NOW_ISO, count, create, execute, insert, write_config

CUTOFF = NOW - dt.timedelta(days=1)
# id -> when: 1..3 older than the 1-day cutoff, 4.. newer (they must survive).
WHEN = {
    1: NOW - dt.timedelta(days=3),
    2: CUTOFF - dt.timedelta(hours=1),
    3: CUTOFF - dt.timedelta(seconds=1),
    4: CUTOFF + dt.timedelta(seconds=1),
    5: CUTOFF + dt.timedelta(hours=1),
    6: NOW,
    7: NOW + dt.timedelta(seconds=1),
    8: NOW + dt.timedelta(hours=1),
}
OLD = [1, 2, 3]
NEW = [4, 5, 6, 7, 8]


def _rule(column: str = "at", table: str = "ev") -> str:
    return (
        f'[[db.rules]]\nname = "r-{table}-{column}"\ntable = "{table}"\ncolumn = "{column}"\n'
        'older_than = "1d"\n'
    )


def _ids(target: str, table: str = "ev") -> list[int]:
    from dbhelp import rows_of

    return [r[0] for r in rows_of(target, table)]


def _clean(cli: Any, target: str, tmp_path: Path, config: str) -> Any:
    path = write_config(tmp_path, config)
    return cli("db", "clean", target, "--yes", "--config", path, "--now", NOW_ISO)


def _table(column_type: Any) -> Any:
    from sqlalchemy import Column, Integer, MetaData, Table

    md = MetaData()
    Table(
        "ev",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("at", column_type),
    )
    return md


def _seed_text(target: str, values: dict[int, str]) -> None:
    from sqlalchemy import String

    md = _table(String(40))
    create(target, md)
    insert(target, md.tables["ev"], [{"id": i, "at": v} for i, v in values.items()])


def _refused(result: Any, *words: str) -> None:
    assert result.code == 2, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    for word in words:
        assert word in result.err, (word, result.err)


# ---- MariaDB TIMESTAMP and the session's zone -------------------------------------------------


@pytest.mark.mysql
@pytest.mark.parametrize("zone", ["+02:00", "-05:00"])
def test_mariadb_timestamp_in_a_non_utc_session(
    cli: Any, mysql_url: str, tmp_path: Path, zone: str
) -> None:
    """A server whose default zone is not UTC hands every new session that zone; the URL's
    `init_command` does the same for this one connection without changing the shared server's
    global default under other tests running at the same time."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    execute(mysql_url, "CREATE TABLE ev (id INTEGER PRIMARY KEY, at TIMESTAMP NULL)")
    rows = [{"id": i, "at": w.strftime("%Y-%m-%d %H:%M:%S")} for i, w in WHEN.items()]
    # Stored as instants: written in a UTC session.
    execute(mysql_url, "SET time_zone = '+00:00'", "INSERT INTO ev VALUES (:id, :at)", params=rows)
    user_url = (
        make_url(mysql_url)
        .update_query_dict({"init_command": f"SET time_zone = '{zone}'"})
        .render_as_string(hide_password=False)
    )
    probe = create_engine(user_url)
    with probe.connect() as conn:
        assert conn.execute(text("SELECT @@session.time_zone")).scalar() == zone
    probe.dispose()
    result = _clean(cli, user_url, tmp_path, _rule())
    assert result.code == 0, result.err
    assert _ids(mysql_url) == NEW


# ---- PostgreSQL timestamptz and timestamp in a non-UTC session --------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Chicago"])
@pytest.mark.parametrize("how", ["options", "PGTZ"])
def test_postgres_timestamps_in_a_non_utc_session(
    cli: Any,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    zone: str,
    how: str,
) -> None:
    from sqlalchemy.engine import make_url

    execute(
        postgres_url,
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, at timestamp, at_tz timestamptz)",
    )
    rows = [
        {"id": i, "at": w.replace(tzinfo=None), "at_tz": w.astimezone(dt.timezone.utc)}
        for i, w in WHEN.items()
    ]
    execute(postgres_url, "INSERT INTO ev VALUES (:id, :at, :at_tz)", params=rows)
    url = postgres_url
    if how == "options":
        url = (
            make_url(url)
            .update_query_dict({"options": f"-c timezone={zone}"})
            .render_as_string(hide_password=False)
        )
    else:
        monkeypatch.setenv("PGTZ", zone)
    result = _clean(cli, url, tmp_path, _rule("at_tz"))
    assert result.code == 0, result.err
    assert _ids(postgres_url) == NEW
    execute(postgres_url, "INSERT INTO ev VALUES (:id, :at, :at_tz)", params=rows[:3])
    result = _clean(cli, url, tmp_path, _rule("at"))
    assert result.code == 0, result.err
    assert _ids(postgres_url) == NEW


# ---- text columns ----------------------------------------------------------------------------


def test_text_column_with_another_format_is_refused(cli: Any, db_url: str, tmp_path: Path) -> None:
    """The newest value is ISO, so max() looks fine; the rows at now, +1 s and +1 h are
    written month first, which sorts before any ISO date."""
    values = {i: w.strftime("%Y-%m-%d %H:%M:%S") for i, w in WHEN.items()}
    for i in (6, 7):
        values[i] = WHEN[i].strftime("%m/%d/%Y %H:%M")
    _seed_text(db_url, values)
    result = _clean(cli, db_url, tmp_path, _rule())
    _refused(result, "'ev'", "'at'", "06/01/2024 12:00")
    assert count(db_url, "ev") == len(WHEN)


@pytest.mark.parametrize("newest", ["+02:00", "-05:00", "Z"])
def test_text_column_with_mixed_offsets_is_refused(
    cli: Any, db_url: str, tmp_path: Path, newest: str
) -> None:
    zones = {
        "+02:00": dt.timezone(dt.timedelta(hours=2)),
        "-05:00": dt.timezone(dt.timedelta(hours=-5)),
        "Z": dt.timezone.utc,
    }
    names = ["+02:00", "-05:00", "Z"]
    values: dict[int, str] = {}
    for i, when in WHEN.items():
        name = newest if i == 8 else names[i % 3]
        local = when.astimezone(zones[name])
        text = local.strftime("%Y-%m-%dT%H:%M:%S")
        values[i] = text + ("Z" if name == "Z" else local.strftime("%z")[:3] + ":00")
    _seed_text(db_url, values)
    result = _clean(cli, db_url, tmp_path, _rule())
    _refused(result, "'ev'", "'at'", "offset")
    assert count(db_url, "ev") == len(WHEN)


def test_text_column_with_one_offset_and_uneven_fractions_is_refused(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    """`...12:00:00Z` sorts after `...12:00:00.5Z` ('Z' > '.'): with an offset written after
    the time, every value must have the same precision for text order to be time order."""
    values = {i: w.strftime("%Y-%m-%dT%H:%M:%SZ") for i, w in WHEN.items()}
    values[4] = (CUTOFF + dt.timedelta(seconds=0.5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    _seed_text(db_url, values)
    result = _clean(cli, db_url, tmp_path, _rule())
    _refused(result, "'ev'", "'at'")
    assert count(db_url, "ev") == len(WHEN)


def test_naive_text_with_uneven_precision_compares_right(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    """Django writes `str(datetime)`: no fraction when the microseconds are 0. Without an
    offset after the time, a shorter value is a prefix of a longer one and sorts first, as
    its time does: accepted and compared right."""
    values = {i: w.strftime("%Y-%m-%d %H:%M:%S") for i, w in WHEN.items()}
    values[3] = (CUTOFF - dt.timedelta(seconds=0.5)).strftime("%Y-%m-%d %H:%M:%S.%f")
    values[4] = (CUTOFF + dt.timedelta(seconds=0.25)).strftime("%Y-%m-%d %H:%M:%S.%f")
    values[5] = (CUTOFF + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    _seed_text(db_url, values)
    result = _clean(cli, db_url, tmp_path, _rule())
    assert result.code == 0, result.err
    assert _ids(db_url) == NEW


# ---- columns that are not a time at all -------------------------------------------------------


def test_boolean_column_is_refused(cli: Any, db_url: str, tmp_path: Path) -> None:
    from sqlalchemy import Boolean

    md = _table(Boolean)
    create(db_url, md)
    insert(db_url, md.tables["ev"], [{"id": i, "at": i % 2 == 0} for i in WHEN])
    result = _clean(cli, db_url, tmp_path, _rule())
    _refused(result, "'ev'", "'at'")
    assert count(db_url, "ev") == len(WHEN)


def test_small_integer_column_is_refused(cli: Any, db_url: str, tmp_path: Path) -> None:
    from sqlalchemy import SmallInteger

    md = _table(SmallInteger)
    create(db_url, md)
    insert(db_url, md.tables["ev"], [{"id": i, "at": i} for i in WHEN])
    result = _clean(cli, db_url, tmp_path, _rule())
    _refused(result, "'ev'", "'at'")
    assert count(db_url, "ev") == len(WHEN)


def test_integer_flags_are_not_epoch_seconds(cli: Any, db_url: str, tmp_path: Path) -> None:
    """An INTEGER holding 0 and 1 is no time: taken for epoch seconds, every row is older."""
    from sqlalchemy import Integer

    md = _table(Integer)
    create(db_url, md)
    insert(db_url, md.tables["ev"], [{"id": i, "at": i % 2} for i in WHEN])
    result = _clean(cli, db_url, tmp_path, _rule())
    _refused(result, "'ev'", "'at'")
    assert count(db_url, "ev") == len(WHEN)


def test_epoch_seconds_and_milliseconds_mixed_are_refused(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    """One value in milliseconds made the whole column milliseconds: the rows in seconds at
    now, +1 s and +1 h were all below the cutoff in milliseconds."""
    from sqlalchemy import BigInteger

    md = _table(BigInteger)
    create(db_url, md)
    rows = [{"id": i, "at": int(w.timestamp())} for i, w in WHEN.items()]
    rows[-1]["at"] = int(WHEN[8].timestamp() * 1000)
    insert(db_url, md.tables["ev"], rows)
    result = _clean(cli, db_url, tmp_path, _rule())
    _refused(result, "'ev'", "'at'")
    assert count(db_url, "ev") == len(WHEN)


@pytest.mark.parametrize("unit", [1, 1000])
def test_epoch_columns_keep_every_newer_row(
    cli: Any, db_url: str, tmp_path: Path, unit: int
) -> None:
    from sqlalchemy import BigInteger

    md = _table(BigInteger)
    create(db_url, md)
    rows = [{"id": i, "at": int(w.timestamp() * unit)} for i, w in WHEN.items()]
    insert(db_url, md.tables["ev"], rows)
    result = _clean(cli, db_url, tmp_path, _rule())
    assert result.code == 0, result.err
    assert _ids(db_url) == NEW
