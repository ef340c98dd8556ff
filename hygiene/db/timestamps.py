"""How a timestamp column stores time, and the cutoff written the same way.

Timestamps stored as SQL date/time types, ISO-8601 text or Unix epoch seconds or
milliseconds are all handled, told apart from the column type and its values. The cutoff is
bound in the column's own representation so the comparison runs in the database, on an index
where there is one. Naive timestamps are taken as UTC (Django with USE_TZ and Rails both store
UTC). ISO text compares as text, which is correct for one fixed format and offset; the format is
read from the column's values and the cutoff rendered in it.

What the comparison needs is checked, not sampled.
- Text: one SQL pass looks for any value not in the column's one ISO-8601 shape (same
  separator; with an offset written after the time, the same offset and precision, since
  `12:00:00Z` sorts after `12:00:00.5Z`; without one, a shorter time is a prefix of a longer
  one and sorts first, as its time does). Any such value refuses the rule, naming one.
- Integers: only types that hold epoch seconds today (32 bits or more) are read as time, and
  the unit is decided from the smallest and largest values: all below 1e11 is seconds, all at
  or above is milliseconds, both is refused, and a newest value within the first day of 1970
  is a flag, not a Unix time. Taking seconds for milliseconds would delete every row; the
  reverse none.
- Anything else (boolean, small integers, enum, uuid, json, time of day) is refused.
MariaDB TIMESTAMP columns are compared in UTC because every connection pins its session zone
(hygiene.db.connect); PostgreSQL gets an aware cutoff for timestamptz and a naive UTC one for
timestamp, neither of which the session's TimeZone changes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hygiene.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# Epoch seconds reach 1e11 only in the year 5138; milliseconds passed it in 1973.
EPOCH_MS_THRESHOLD = 100_000_000_000
# Milliseconds reach 1e14 in the year 5138 too: above it is microseconds or no time at all.
EPOCH_MS_LIMIT = 100_000_000_000_000
# A newest value below one day after the epoch is a flag or a small count, not a Unix time: an
# INTEGER of 0s and 1s would otherwise be read as 1970 and every row deleted. Kept low, since
# test fixtures (and old data) use small epoch values; the declared-type check does the rest.
EPOCH_S_FLOOR = 86_400
_ISO_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:([T ])(\d{2}:\d{2})(:\d{2})?(\.\d+)?)?(\s*(?:Z|[+-]\d{2}:?\d{2}))?$"
)


@dataclass(frozen=True)
class Storage:
    kind: str  # "datetime" | "date" | "iso-text" | "epoch-s" | "epoch-ms" | "empty"
    aware: bool = False  # datetime: a timestamptz column wants an aware value
    sep: str = " "  # iso-text: what sits between date and time ("" for date-only text)
    seconds: bool = True
    fraction: int = 0  # digits after the decimal point
    offset: str | None = None  # "Z", "+00:00", " +0200"... as stored, spaces before it included


def _parse_offset(text: str) -> dt.timezone:
    text = text.strip()
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def iso_storage(sample: str, *, what: str) -> Storage:
    match = _ISO_RE.fullmatch(sample)
    if not match:
        raise UsageError(
            f"{what}: text value {sample[:40]!r} is not an ISO-8601 timestamp "
            "(expected e.g. 2024-05-01 12:00:00 or 2024-05-01T12:00:00Z)"
        )
    _, sep, _, secs, frac, offset = match.groups()
    return Storage(
        kind="iso-text",
        sep=sep or "",
        seconds=bool(secs) or not sep,
        fraction=len(frac) - 1 if frac else 0,
        offset=offset,
    )


def _shape_example(storage: Storage) -> str:
    """What every value of the column must look like, for the refusal."""
    text = "YYYY-MM-DD"
    if storage.sep:
        text += ("T" if storage.sep == "T" else " ") + "hh:mm"
        if storage.offset:
            text += ":ss" if storage.seconds else ""
            text += "." + "f" * storage.fraction if storage.fraction else ""
        else:
            text += "[:ss[.fff]]"
    return text + (storage.offset or "")


def _off_shape(engine: str, column: str, storage: Storage) -> tuple[str, dict[str, str]]:
    """SQL true for a non-NULL value not in `storage`'s shape, and its parameters.

    PostgreSQL and MariaDB use a regular expression (MariaDB's on the bytes, so `t` is not
    `T` under a case-insensitive collation, and `\\z`, since PCRE's `$` also matches before a
    final newline); SQLite has no REGEXP, so GLOB (case-sensitive)."""
    offset = storage.offset or ""
    if engine == "sqlite":
        # `?` for each digit: GLOB's `[0-9]` classes cost 0.55 s a million rows against 0.09 s,
        # which would double a clean's time. The separators, their places and the length are
        # what text order depends on; a non-digit where a digit belongs is not caught here.
        date = "????-??-??"
        pattern = date
        if storage.sep:
            pattern += f"{storage.sep}??:??"
        if not storage.sep or offset:
            pattern += ":??" if storage.sep and storage.seconds else ""
            pattern += ("." + "?" * storage.fraction) if storage.fraction else ""
            return f"NOT ({column} GLOB :shape)", {"shape": pattern + offset}
        return (
            f"NOT ({column} GLOB :s1 OR {column} GLOB :s2 OR {column} GLOB :s3)",
            {"s1": pattern + ":??.?*", "s2": pattern + ":??", "s3": pattern},
        )
    date = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    pattern = date
    if storage.sep:
        pattern += f"{storage.sep}[0-9]{{2}}:[0-9]{{2}}"
        if offset:
            pattern += ":[0-9]{2}" if storage.seconds else ""
            pattern += f"\\.[0-9]{{{storage.fraction}}}" if storage.fraction else ""
        else:
            pattern += "(:[0-9]{2}(\\.[0-9]+)?)?"
    pattern += re.escape(offset)
    if engine == "postgresql":
        return f"NOT ({column} ~ :shape)", {"shape": f"^{pattern}$"}
    return f"NOT (CAST({column} AS BINARY) REGEXP :shape)", {"shape": f"^{pattern}\\z"}


def _check_text(
    conn: Connection, *, engine: str, table: str, column: str, sample: str, what: str
) -> Storage:
    """The storage `sample` shows, once one pass found no value in another shape."""
    from sqlalchemy import text

    storage = iso_storage(sample, what=what)
    off, params = _off_shape(engine, column, storage)
    bad = conn.execute(
        text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND {off} LIMIT 1"),
        params,
    ).scalar()
    if bad is None:
        return storage
    bad_text = str(bad)
    other = _ISO_RE.fullmatch(bad_text)
    if other and (other.group(6) or "") != (storage.offset or ""):
        why = (
            f"mixes UTC offsets ({(storage.offset or 'none').strip()!r} and "
            f"{(other.group(6) or 'none').strip()!r}), which text order cannot compare"
        )
    elif other:
        why = "mixes ISO-8601 shapes, which text order cannot compare"
    else:
        why = "holds a value that is not ISO-8601"
    raise UsageError(
        f"{what} {why}: e.g. {bad_text[:40]!r}; every value must look like "
        f"{_shape_example(storage)} (as {sample[:40]!r} does)"
    )


def _epoch(low: Any, high: Any, *, what: str) -> Storage:
    """Seconds or milliseconds, from the smallest and largest values; refused when unsure."""
    low_f, high_f = float(low), float(high)
    if high_f < EPOCH_S_FLOOR:
        raise UsageError(
            f"{what}: the newest value, {high}, is within the first day of 1970 read as Unix "
            "seconds: a flag or a count, not a time (expected epoch seconds or milliseconds)"
        )
    if high_f < EPOCH_MS_THRESHOLD:
        return Storage(kind="epoch-s")
    if high_f >= EPOCH_MS_LIMIT:
        raise UsageError(
            f"{what}: the value {high} is past the year 5138 even in milliseconds "
            "(expected epoch seconds or milliseconds)"
        )
    if low_f < EPOCH_MS_THRESHOLD:
        raise UsageError(
            f"{what}: values from {low} to {high} mix epoch seconds and milliseconds "
            "(taking seconds for milliseconds would delete newer rows)"
        )
    return Storage(kind="epoch-ms")


_NARROW_INTEGERS = {"SMALLINT", "TINYINT", "MEDIUMINT", "SMALL_INTEGER", "YEAR"}


def _not_a_time(sa_type: Any) -> str | None:
    """Why a declared type cannot hold a time hygiene compares (None: it can)."""
    from sqlalchemy import types

    name = str(getattr(sa_type, "__visit_name__", "")).upper()
    if isinstance(sa_type, types.Boolean):
        return "a boolean"
    if isinstance(sa_type, types.Integer):
        if name == "TINYINT" and getattr(sa_type, "display_width", None) == 1:
            return "a boolean (MySQL's BOOLEAN is tinyint(1))"
        if isinstance(sa_type, types.SmallInteger) or name in _NARROW_INTEGERS:
            return "an integer too narrow for epoch seconds (32 bits or more needed)"
        return None
    if isinstance(sa_type, types.Float):
        wide = isinstance(sa_type, types.Double) or (getattr(sa_type, "precision", 0) or 0) > 24
        return None if wide else "a single-precision float (rounds epoch seconds by minutes)"
    if isinstance(sa_type, types.Numeric):
        precision, scale = sa_type.precision, sa_type.scale or 0
        if precision is None or precision - scale >= 10:
            return None
        return "a decimal too narrow for epoch seconds"
    if isinstance(sa_type, types.Enum) or name in {"ENUM", "SET"}:
        return "an enum"
    return None


def detect(
    conn: Connection, *, engine: str, table: str, column: str, sa_type: Any, what: str
) -> Storage:
    """Decide the storage from the column type, then its values (`table`/`column` quoted)."""
    from sqlalchemy import types

    why_not = _not_a_time(sa_type)
    if why_not:
        raise UsageError(
            f"{what}: declared {sa_type} is {why_not}; expected a date/time, ISO-8601 text or "
            "an integer of epoch seconds or milliseconds"
        )
    if engine == "sqlite":
        # SQLite's declared types are hints: a DATETIME column holds text (Django, SQLAlchemy)
        # or numbers (Laravel epoch seconds). Only the stored values decide. SQLite orders
        # numbers < text < blobs, so min and max tell the kinds apart (two index seeks where
        # the column is indexed; a GROUP BY typeof() took 2.4 s on a million rows).
        # One aggregate per query keeps SQLite's min/max optimization; the Python type of the
        # value is its storage class.
        low = conn.exec_driver_sql(f"SELECT min({column}) FROM {table}").scalar()
        high = conn.exec_driver_sql(f"SELECT max({column}) FROM {table}").scalar()
        if low is None:
            return Storage(kind="empty")
        numbers = (int, float)
        if isinstance(low, numbers) and isinstance(high, str):
            raise UsageError(f"{what}: the column mixes text and numbers; cannot compare safely")
        if isinstance(low, str) and isinstance(high, str):
            return _check_text(
                conn, engine=engine, table=table, column=column, sample=high, what=what
            )
        if isinstance(low, numbers) and isinstance(high, numbers):
            return _epoch(low, high, what=what)
        raise UsageError(f"{what}: the column holds binary values, not timestamps")
    if isinstance(sa_type, types.DateTime):
        return Storage(kind="datetime", aware=bool(getattr(sa_type, "timezone", False)))
    if isinstance(sa_type, types.Date):
        return Storage(kind="date")
    if isinstance(sa_type, (types.Integer, types.Numeric, types.Float)):
        low = conn.exec_driver_sql(f"SELECT min({column}) FROM {table}").scalar()
        high = conn.exec_driver_sql(f"SELECT max({column}) FROM {table}").scalar()
        return Storage(kind="empty") if high is None else _epoch(low, high, what=what)
    if isinstance(sa_type, types.String):
        sample = conn.exec_driver_sql(
            f"SELECT max({column}) FROM {table} WHERE {column} IS NOT NULL"
        ).scalar()
        if sample is None:
            return Storage(kind="empty")
        return _check_text(
            conn, engine=engine, table=table, column=column, sample=str(sample), what=what
        )
    raise UsageError(
        f"{what}: declared {sa_type} is not a date/time, text or integer type; expected a "
        "date/time, ISO-8601 text or an integer of epoch seconds or milliseconds"
    )


def cutoff_value(storage: Storage, cutoff: dt.datetime) -> Any:
    """`cutoff` (aware) written the way the column stores time."""
    utc = cutoff.astimezone(dt.timezone.utc)
    if storage.kind == "datetime":
        return utc if storage.aware else utc.replace(tzinfo=None)
    if storage.kind == "date":
        return utc.date()
    if storage.kind == "epoch-s":
        return int(utc.timestamp())
    if storage.kind == "epoch-ms":
        return int(utc.timestamp() * 1000)
    if storage.kind == "iso-text":
        local = utc.astimezone(_parse_offset(storage.offset)) if storage.offset else utc
        if not storage.sep:
            return local.date().isoformat()
        text = local.strftime("%Y-%m-%d") + storage.sep + local.strftime("%H:%M")
        if storage.seconds:
            text += local.strftime(":%S")
        if storage.fraction:
            text += (
                "." + f"{local.microsecond:06d}".ljust(storage.fraction, "0")[: storage.fraction]
            )
        return text + (storage.offset or "")
    return utc.replace(tzinfo=None)  # "empty": no row can match whatever is bound
