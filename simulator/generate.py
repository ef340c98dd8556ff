"""The day-by-day generation and the job timetable, computed once for both runs.

Both runs (with the timetable and without any cleanup) consume this one `Generation`, so their
difference comes only from the jobs (common random numbers, reference section 3.7). Totals are
exact under aggregation because expectation is linear: population x daily active ratio x
weekday/month profile x units per active user x bytes per unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hygiene.schedule.cron import Cron
from simulator.scenario import Scenario

if TYPE_CHECKING:
    import datetime as dt

    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Generation:
    dates: tuple[dt.date, ...]
    active_users: Floats  # per day
    units: Floats  # classes x days: rows, lines, objects or files
    bytes: Floats  # classes x days
    objects: Floats  # classes x days: stored objects (bundled streams: bytes / bundle size)
    fires: Ints  # jobs x days: runs on that day (sub-daily crons count runs, never iterate)
    days_in_month: Floats
    put_cost: Floats  # per day: PUT requests for the day's new objects in their home tier


def firing_days(cron: str, dates: tuple[dt.date, ...]) -> Ints:
    """How many times `cron` fires on each date, from the same parser as `hygiene schedule`."""
    import numpy as np

    parsed = Cron.parse(cron)
    return np.fromiter((parsed.runs_on(d) for d in dates), dtype=np.int64, count=len(dates))


def generate(scenario: Scenario, *, put_fee: Floats | None = None) -> Generation:
    """Every day's workload; `put_fee` is the PUT price per object in each class's home tier."""
    import datetime as dt

    import numpy as np

    s, p = scenario, scenario.population
    days = s.days
    t = np.arange(days)
    start = np.datetime64(s.start, "D")
    day64 = start + t
    month_start = day64.astype("datetime64[M]")
    dim = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(
        np.float64
    )
    month = month_start.astype(np.int64) % 12
    weekday = (s.start.weekday() + t) % 7  # Monday = 0, like weekday_profile
    users = p.users * (1 + p.growth_per_year) ** (t / 365.0)
    active = (
        users
        * p.dau_ratio
        * np.asarray(p.weekday_profile)[weekday]
        * np.asarray(p.month_profile)[month]
    )
    if p.noise == "poisson":
        active = np.random.default_rng(s.seed).poisson(active).astype(np.float64)
    per_user = np.array([c.per_active_user for c in s.classes])
    unit = np.array([c.unit_bytes for c in s.classes])
    bundle = np.array([c.bundle_bytes for c in s.classes])
    units = per_user[:, None] * active[None, :]
    size = units * unit[:, None]
    safe_bundle = np.where(bundle > 0, bundle, 1.0)
    objects = np.where(bundle[:, None] > 0, size / safe_bundle[:, None], units)
    dates = tuple(s.start + dt.timedelta(days=int(i)) for i in range(days))
    fires = (
        np.stack([firing_days(job.cron, dates) for job in s.jobs])
        if s.jobs
        else np.zeros((0, days), dtype=np.int64)
    )
    fee = np.zeros(len(s.classes)) if put_fee is None else put_fee
    return Generation(
        dates=dates,
        active_users=active,
        units=units,
        bytes=size,
        objects=objects,
        fires=fires,
        days_in_month=dim,
        put_cost=(objects * fee[:, None]).sum(axis=0),
    )
