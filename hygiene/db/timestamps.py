"""How a timestamp column stores time, and the cutoff written the same way.

Issue 6: timestamps stored as SQL date/time types, ISO-8601 text or Unix epoch seconds or
milliseconds are all handled, told apart from the column type and its values. The cutoff is
bound in the column's own representation so the comparison runs in the database, on an index
where there is one. Naive timestamps are taken as UTC (Django with USE_TZ and Rails both store
UTC). ISO text compares as text, which is correct for one fixed format and offset; the format is
read from the column's values and the cutoff rendered in it.
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
_ISO_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:([T ])(\d{2}:\d{2})(:\d{2})?(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass(frozen=True)
class Storage:
    kind: str  # "datetime" | "date" | "iso-text" | "epoch-s" | "epoch-ms" | "empty"
    aware: bool = False  # datetime: a timestamptz column wants an aware value
    sep: str = " "  # iso-text: what sits between date and time ("" for date-only text)
    seconds: bool = True
    fraction: int = 0  # digits after the decimal point
    offset: str | None = None  # "Z", "+00:00", "+0200"... as stored


def _parse_offset(text: str) -> dt.timezone:
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def iso_storage(sample: str, *, what: str) -> Storage:
    match = _ISO_RE.match(sample.strip())
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


def _epoch(value: Any) -> Storage:
    return Storage(kind="epoch-ms" if abs(float(value)) >= EPOCH_MS_THRESHOLD else "epoch-s")


def detect(
    conn: Connection, *, engine: str, table: str, column: str, sa_type: Any, what: str
) -> Storage:
    """Decide the storage from the column type, then its values (`table`/`column` quoted)."""
    from sqlalchemy import types

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
            return iso_storage(high, what=what)
        if isinstance(low, numbers) and isinstance(high, numbers):
            return _epoch(max(abs(float(low)), abs(float(high))))
        raise UsageError(f"{what}: the column holds binary values, not timestamps")
    if isinstance(sa_type, types.DateTime):
        return Storage(kind="datetime", aware=bool(getattr(sa_type, "timezone", False)))
    if isinstance(sa_type, types.Date):
        return Storage(kind="date")
    if isinstance(sa_type, (types.Integer, types.Numeric, types.Float)):
        top = conn.exec_driver_sql(f"SELECT max(abs({column})) FROM {table}").scalar()
        return Storage(kind="empty") if top is None else _epoch(top)
    if isinstance(sa_type, types.String):
        sample = conn.exec_driver_sql(
            f"SELECT max({column}) FROM {table} WHERE {column} IS NOT NULL"
        ).scalar()
        return Storage(kind="empty") if sample is None else iso_storage(str(sample), what=what)
    raise UsageError(f"{what}: column type {sa_type} is not a date, time, text or number")


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


def parse_now(text: str) -> dt.datetime:
    """`--now` for simulation and tests: ISO-8601, naive means UTC."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--now: expected an ISO-8601 time such as 2024-05-01T12:00:00Z, got {text!r}"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
