"""Human sizes, durations and times: parsing what users type and formatting what they read."""

from __future__ import annotations

import datetime as dt
import re

from hygiene.errors import UsageError

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_DURATION_UNITS = {
    "s": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$")

SIZE_EXPECTED = "a size such as 500KB, 50MB, 2GiB or a number of bytes"
DURATION_EXPECTED = "a duration such as 90s, 30m, 12h, 30d or 2w"


def parse_size(text: str | int) -> int:
    """`"50MB"` -> 50_000_000. Decimal units as in `du --si` and pre-commit; `MiB` for binary."""
    if isinstance(text, bool):
        raise ValueError(SIZE_EXPECTED)
    if isinstance(text, int):
        if text < 0:
            raise ValueError(SIZE_EXPECTED)
        return text
    match = _SIZE_RE.match(text)
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise ValueError(SIZE_EXPECTED)
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


def parse_duration(text: str | int) -> float:
    """`"30d"` -> seconds. A bare number is refused: `30` could mean seconds or days."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(DURATION_EXPECTED)
    match = _DURATION_RE.match(text)
    if not match or match.group(2).lower() not in _DURATION_UNITS:
        raise ValueError(DURATION_EXPECTED)
    return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]


def percent_used(used: int, available: int) -> int:
    """How full a filesystem is, as `df` says it (issue 18, item 9): used / (used + available),
    rounded up. Blocks reserved for root count as neither, so this is more than used / total."""
    whole = used + available
    if whole <= 0:
        return 0
    return -(-used * 100 // whole)


def format_bytes(n: float) -> str:
    """Decimal units, three significant figures: 1.23 GB."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(value) < 1000 or unit == "PB":
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.3g} {unit}" if abs(value) < 100 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def format_age(seconds: float) -> str:
    """A coarse age: 45s, 12m, 5h, 3d, 7w, 2y."""
    for unit, size in (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit in "yw" else 1):
            return f"{int(seconds // size)}{unit}"
    return f"{max(0, int(seconds))}s"


def parse_now(text: str, *, naive: dt.tzinfo) -> dt.datetime:
    """`--now`: an ISO 8601 time (a trailing `Z` is UTC). A time without an offset is read in
    `naive`, which each command documents: the machine's zone for the timetable (`schedule`,
    `report`), UTC for `db clean`'s cutoffs and the simulator's virtual clock."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--now: expected an ISO 8601 time such as 2026-03-08T02:30, got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=naive)


def scan_clock() -> float:
    """The moment a scan begins, for "changed since the scan" (a ctime later than it).

    File times are stamped from the kernel's coarse clock, which runs up to a tick (at most
    10 ms, at HZ=100) behind `time.time()`: a file moved in just after the scan began could
    carry a ctime earlier than the moment read here, and be missed. So the moment is read, and
    the scan waits two ticks' worth before it begins: whatever changes once it runs carries a
    ctime after the moment; whatever changed before, a ctime before it."""
    import time

    moment = time.time()
    time.sleep(SCAN_CLOCK_MARGIN)
    return moment


# Two ticks of the slowest common kernel clock (HZ=100): longer than a file time can lag.
SCAN_CLOCK_MARGIN = 0.02
