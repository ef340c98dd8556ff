"""Cron expressions: one parser for `hygiene schedule` and the simulator.

croniter does the calendar work (field ranges, names, `@daily` aliases, DST gaps and folds);
this module adds what both users need: validation with a readable message, time-zone-aware
next runs, and a cheap per-day run count for simulations that must not iterate minute by minute.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CRON_EXPECTED = (
    "a cron expression of 5 fields (minute hour day month weekday) "
    "or @hourly/@daily/@weekly/@monthly/@yearly"
)


def local_zone() -> dt.tzinfo:
    """The machine's zone as a real IANA zone when it can be named, so DST is followed.

    `datetime.now().astimezone()` gives only today's fixed offset, which is wrong for a run
    on the other side of a DST change; `TZ` or the `/etc/localtime` link names the zone.
    """
    import os

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:  # pragma: no cover - no /etc/localtime (Windows)
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    local = dt.datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def zone(name: str | None) -> dt.tzinfo:
    """An IANA zone by name, or the machine's local zone for None."""
    if name is None:
        return local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (expected an IANA name such as Asia/Seoul)"
        ) from None


# The longest each month gets (February in a leap year).
_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: any day of the month
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 0 = Sunday ... 6 = Saturday; None: any weekday

    @classmethod
    def parse(cls, expression: str) -> Cron:
        """Parse or raise ValueError with a message fit for the user."""
        from croniter import croniter

        text = expression.strip()
        if text.startswith("@") and text.lower() in {"@reboot", "@every"}:
            raise ValueError(f"{expression!r} is not a calendar schedule; expected {CRON_EXPECTED}")
        if not text.startswith("@") and len(text.split()) != 5:
            raise ValueError(
                f"{expression!r} has {len(text.split())} fields; expected {CRON_EXPECTED}"
            )
        try:
            fields, _ = croniter.expand(text)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{expression!r}: {exc}; expected {CRON_EXPECTED}") from None
        if len(fields) != 5:
            raise ValueError(f"{expression!r}: expected {CRON_EXPECTED}")

        def as_set(values: list[int | str], full: range) -> frozenset[int]:
            return frozenset(full) if values == ["*"] else frozenset(int(v) for v in values)

        minutes = as_set(fields[0], range(60))
        hours = as_set(fields[1], range(24))
        days = None if fields[2] == ["*"] else as_set(fields[2], range(1, 32))
        months = as_set(fields[3], range(1, 13))
        weekdays = None if fields[4] == ["*"] else frozenset(int(v) % 7 for v in fields[4])
        if (
            days is not None
            and weekdays is None
            and not any(day <= _LONGEST_MONTH[month - 1] for month in months for day in days)
        ):
            # `0 0 30 2 *` passes croniter's field checks, then fails at the first next-run.
            raise ValueError(f"{expression!r} never fires (no such day in those months)")
        return cls(text, minutes, hours, days, months, weekdays)

    def day_matches(self, day: dt.date) -> bool:
        """Whether the schedule fires on this calendar day (cron's day-of-month OR weekday rule)."""
        if day.month not in self.months:
            return False
        weekday = (day.weekday() + 1) % 7  # Python: Monday=0; cron: Sunday=0
        if self.days is None and self.weekdays is None:
            return True
        if self.days is None:
            return weekday in (self.weekdays or ())
        if self.weekdays is None:
            return day.day in self.days
        # Both restricted: cron fires when either matches.
        return day.day in self.days or weekday in self.weekdays

    @property
    def runs_per_matching_day(self) -> int:
        return len(self.minutes) * len(self.hours)

    def runs_on(self, day: dt.date) -> int:
        """How many times it fires on `day` (wall-clock count, DST shifts ignored)."""
        return self.runs_per_matching_day if self.day_matches(day) else 0

    @property
    def fixed_hours(self) -> bool:
        return len(self.hours) < 24

    def repeated_wall_time(self, run: dt.datetime, tz: dt.tzinfo) -> bool:
        """Whether `run` is the second pass of a wall-clock time in a DST fold.

        When clocks fall back, 01:30 happens twice. Cron runs a job with fixed hours once then
        (Vixie cron's rule, kept by cronie and systemd); a job on every hour runs in both hours,
        since they are different hours of real time.
        """
        if not self.fixed_hours:
            return False
        wall = run.astimezone(tz).replace(tzinfo=None)
        first = wall.replace(tzinfo=tz, fold=0)
        # Compare in UTC: aware datetimes sharing a tzinfo compare by wall time, ignoring fold.
        utc = dt.timezone.utc
        return first.utcoffset() != run.utcoffset() and first.astimezone(utc) < run.astimezone(utc)

    def next_after(self, when: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
        """The first run strictly after `when`, computed in `tz`, returned aware."""
        return next(self.runs_between(when, dt.datetime.max.replace(tzinfo=dt.timezone.utc), tz))

    def previous_at_or_before(self, when: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
        """The latest run at or before `when` (the slot a catch-up tick stands in for).

        Found with `runs_between` over a growing look-back, not croniter's `get_prev`: across a
        DST fold `get_prev` answers the first 01:00 when the second has come (issue 17), so the
        tick ran the second 01:00 an hour late. One semantics, the forward one, everywhere.
        """
        span = dt.timedelta(minutes=1)
        while span < dt.timedelta(days=366 * 30):
            last: dt.datetime | None = None
            for run in self.runs_between(when - span, when, tz):
                last = run
            if last is not None:
                return last
            span *= 8
        raise ValueError(f"{self.expression!r} has no run before {when}")

    def runs_between(
        self, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo
    ) -> Iterator[dt.datetime]:
        """Runs in (start, end], in order; a fixed-hour run is not repeated in a DST fold."""
        from croniter import croniter

        it = croniter(self.expression, start.astimezone(tz))
        while True:
            nxt: dt.datetime = it.get_next(dt.datetime)
            if nxt > end:
                return
            if not self.repeated_wall_time(nxt, tz):
                yield nxt

    def month_days(self, year: int, month: int) -> list[int]:
        """Days of a month on which it fires (for calendars and the simulator)."""
        last = calendar.monthrange(year, month)[1]
        return [d for d in range(1, last + 1) if self.day_matches(dt.date(year, month, d))]
