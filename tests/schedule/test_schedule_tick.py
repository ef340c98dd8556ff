"""The due decision with an injected clock: anacron catch-up, first sight, DST transitions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.schedule.cron import Cron
from hygiene.schedule.settings import JobSpec
from hygiene.schedule.tick import decide

UTC = dt.timezone.utc
NEW_YORK = ZoneInfo("America/New_York")


def job(expression: str, timezone: str | None = "UTC") -> JobSpec:
    return JobSpec(name="j", schedule=Cron.parse(expression), run=("scan",), timezone=timezone)


def serve(spec: JobSpec, start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> list:
    """Tick every `step` from start to end, as a scheduler would; return the due decisions."""
    served: dt.datetime | None = None
    ran = []
    # Step in UTC: adding a timedelta to a zoned datetime is wall-clock arithmetic in Python.
    now, end = start.astimezone(UTC), end.astimezone(UTC)
    while now <= end:
        decision = decide(spec, served_until=served, now=now)
        if decision.verdict in ("due", "new"):
            if decision.verdict == "due":
                ran.append(decision)
            served = now
        now += step
    return ran


def test_a_job_seen_first_is_not_run_at_once() -> None:
    now = dt.datetime(2026, 11, 26, 12, tzinfo=UTC)
    decision = decide(job("0 4 1 * *"), served_until=None, now=now)
    assert decision.verdict == "new"
    assert decision.next_run == dt.datetime(2026, 12, 1, 4, tzinfo=UTC)


def test_catch_up_after_a_week_asleep_runs_once() -> None:
    spec = job("0 2 * * *")
    went_to_sleep = dt.datetime(2026, 11, 1, 23, tzinfo=UTC)
    woke = dt.datetime(2026, 11, 8, 9, 30, tzinfo=UTC)
    decision = decide(spec, served_until=went_to_sleep, now=woke)
    assert decision.verdict == "due"
    assert decision.missed == 7
    assert decision.slot == dt.datetime(2026, 11, 8, 2, tzinfo=UTC)
    # Served now: the next tick finds nothing more to do until tomorrow's slot.
    assert decide(spec, served_until=woke, now=woke + dt.timedelta(minutes=15)).verdict == (
        "waiting"
    )
    tomorrow = dt.datetime(2026, 11, 9, 2, tzinfo=UTC)
    assert decide(spec, served_until=woke, now=tomorrow).verdict == "due"


def test_not_due_before_the_slot_and_due_exactly_at_it() -> None:
    spec = job("0 3 * * 0")  # Sunday 03:00
    served = dt.datetime(2026, 11, 28, 12, tzinfo=UTC)  # Saturday
    assert (
        decide(spec, served_until=served, now=dt.datetime(2026, 11, 29, 2, 59, tzinfo=UTC)).verdict
        == "waiting"
    )
    assert (
        decide(spec, served_until=served, now=dt.datetime(2026, 11, 29, 3, tzinfo=UTC)).verdict
        == "due"
    )


def test_time_zone_of_the_job_decides_the_slot() -> None:
    spec = job("0 2 * * *", "Asia/Seoul")  # 02:00 KST = 17:00 UTC the day before
    served = dt.datetime(2026, 11, 26, 16, tzinfo=UTC)
    assert (
        decide(spec, served_until=served, now=dt.datetime(2026, 11, 26, 16, 59, tzinfo=UTC)).verdict
        == "waiting"
    )
    assert (
        decide(spec, served_until=served, now=dt.datetime(2026, 11, 26, 17, tzinfo=UTC)).verdict
        == "due"
    )


def test_dst_fall_back_a_fixed_time_job_runs_once_in_the_repeated_hour() -> None:
    # 2026-11-01 in New York: 01:00-02:00 happens twice (EDT, then EST).
    spec = job("30 1 * * *", "America/New_York")
    start = dt.datetime(2026, 10, 31, 12, tzinfo=NEW_YORK)
    end = dt.datetime(2026, 11, 2, 12, tzinfo=NEW_YORK)
    ran = serve(spec, start, end, dt.timedelta(minutes=15))
    # Compared in UTC: Python never finds a time in a DST fold equal to another zone's time.
    slots = [d.slot.astimezone(UTC) for d in ran]
    assert len(slots) == 2  # Nov 1 and Nov 2, not three
    assert slots[0] == dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT)
    assert slots[1] == dt.datetime(2026, 11, 2, 6, 30, tzinfo=UTC)  # 01:30 EST


def test_dst_fall_back_an_hourly_job_runs_in_both_repeated_hours() -> None:
    spec = job("0 * * * *", "America/New_York")
    start = dt.datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)
    end = start.astimezone(UTC) + dt.timedelta(hours=4)  # real elapsed hours (in UTC)
    ran = serve(spec, start, end, dt.timedelta(minutes=10))
    # Each hour on time, the second 01:00 included: never late, never a "missed" slot.
    assert [d.missed for d in ran] == [1, 1, 1, 1]


def test_dst_spring_forward_a_job_in_the_missing_hour_still_runs_that_day() -> None:
    # 2026-03-08 in New York: 02:00-03:00 does not exist.
    spec = job("30 2 * * *", "America/New_York")
    start = dt.datetime(2026, 3, 7, 12, tzinfo=NEW_YORK)
    end = dt.datetime(2026, 3, 9, 12, tzinfo=NEW_YORK)
    ran = serve(spec, start, end, dt.timedelta(minutes=15))
    days = [d.slot.astimezone(NEW_YORK).date() for d in ran]
    assert days == [dt.date(2026, 3, 8), dt.date(2026, 3, 9)]


@settings(max_examples=60, deadline=None)
@given(
    asleep_hours=st.integers(min_value=0, max_value=24 * 40),
    expression=st.sampled_from(["0 2 * * *", "0 3 * * 0", "0 4 1 * *", "*/30 * * * *"]),
)
def test_catch_up_never_runs_more_than_once_per_wake(asleep_hours: int, expression: str) -> None:
    spec = job(expression, "America/New_York")
    served = dt.datetime(2026, 10, 20, 12, tzinfo=UTC)
    woke = served + dt.timedelta(hours=asleep_hours)
    first = decide(spec, served_until=served, now=woke)
    slots = list(spec.schedule.runs_between(served, woke, spec.tz))
    assert (first.verdict == "due") == bool(slots)
    if slots:
        assert first.slot == slots[-1]
        # However much was missed, serving it once leaves nothing due at the same moment.
        assert decide(spec, served_until=woke, now=woke).verdict == "waiting"
