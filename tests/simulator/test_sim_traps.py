"""Issue 19 item 10: the traps the bill was missing, each against arithmetic done here by hand.

The prices are written out below from docs/simulate.md's sources (the shared price reference's
AWS us-east-1 list prices), never read from the engine:
S3 Standard $0.023/GiB-month, PUT and LIST $0.005 and GET $0.0004 per 1,000 requests;
One Zone-IA $0.01/GiB-month, 128 KiB minimum billable size, transition $0.01 per 1,000;
Intelligent-Tiering $0.023 / $0.0125 / $0.004 (frequent, after 30 days, after 90 days), monitoring
$0.0025 per 1,000 objects of 128 KiB or more a month, smaller objects unmonitored at $0.023;
Deep Archive $0.00099 plus 32 KiB at its rate and 8 KiB at Standard's per object, transition
$0.05 per 1,000; RDS gp3 $0.115 allocated, backup past 100 % of it $0.095; Aurora Standard $0.10
used, $0.20 per million I/Os, backup past 100 % of the volume $0.021; Aurora I/O-Optimized no I/O.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math

import pytest

from simulator.prices import Prices, builtin_prices
from simulator.report import document, ledger
from simulator.scenario import read_scenario
from simulator.simulation import Simulation, simulate

KIB, MIB, GIB = 1024, 1024**2, 1024**3
STANDARD, PUT, LIST, GET = 0.023, 0.005 / 1000, 0.005 / 1000, 0.0004 / 1000
ONEZONE, ONEZONE_FEE = 0.01, 0.01 / 1000
INT_RATES, MONITOR = (0.023, 0.0125, 0.004), 0.0025 / 1000
GDA, GDA_FEE = 0.00099, 0.05 / 1000
RDS, AURORA, AURORA_BACKUP, IO = 0.115, 0.10, 0.021, 0.20 / 1e6


def dim(t: int, start: dt.date = dt.date(2026, 1, 1)) -> int:
    d = start + dt.timedelta(days=t)
    return calendar.monthrange(d.year, d.month)[1]


@pytest.fixture(scope="module")
def prices() -> Prices:
    return builtin_prices()


def run_text(text: str, prices: Prices) -> Simulation:
    return simulate(read_scenario(text, "test.toml"), prices)


def job_row(sim: Simulation, name: str):  # type: ignore[no-untyped-def]
    return next(r for r in ledger(sim) if r.name == name)


READS = """
name = "reads"
start = 2026-01-01
days = 10
[population]
users = 1
[[classes]]
name = "docs"
store = "object"
per_active_user = 1000
unit_bytes = "1MiB"
read_fraction = 0.1
"""


def test_reads_pay_get_requests(prices: Prices) -> None:
    sim = run_text(READS, prices)
    # 1,000 PUTs a day; a tenth of the stored objects read (GET) each day.
    puts = 10 * 1000 * PUT
    gets = sum(0.1 * 1000 * (t + 1) * GET for t in range(10))
    for run in (sim.with_cleanup, sim.without_cleanup):
        assert run.cost_by_component["requests"] == pytest.approx(puts + gets, rel=1e-12)


LISTING = """
name = "listing"
start = 2026-01-01
days = 5
[population]
users = 1
[[classes]]
name = "exports"
store = "object"
per_active_user = 1500
unit_bytes = "1MiB"
[[jobs]]
name = "sweep"
cron = "@daily"
action = "expire"
classes = ["exports"]
older_than = "2d"
{lists}
"""


@pytest.mark.parametrize("lists", [True, False])
def test_a_cleanup_script_pays_for_its_own_listing(prices: Prices, lists: bool) -> None:
    sim = run_text(LISTING.format(lists="lists = true" if lists else ""), prices)
    # Before the sweep on day t the bucket holds the cohorts t-2..t: min(t + 1, 3) x 1,500
    # objects, listed 1,000 keys per LIST request.
    requests = [math.ceil(min(t + 1, 3) * 1500 / 1000) for t in range(5)]
    assert requests == [2, 3, 5, 5, 5]
    listing = sum(requests) * LIST if lists else 0.0
    puts = 5 * 1500 * PUT
    assert sim.with_cleanup.cost_by_component["requests"] == pytest.approx(
        puts + listing, rel=1e-12
    )
    assert sim.without_cleanup.cost_by_component["requests"] == pytest.approx(puts, rel=1e-12)
    assert job_row(sim, "sweep").fees_usd == pytest.approx(listing, rel=1e-12, abs=1e-15)


ONEZONE_TEXT = """
name = "onezone"
start = 2026-01-01
days = 40
[population]
users = 1
[[classes]]
name = "photos"
store = "object"
per_active_user = 100
unit_bytes = "1MiB"
[[classes]]
name = "thumbs"
store = "object"
per_active_user = 100
unit_bytes = "16KiB"
[[jobs]]
name = "to-onezone"
cron = "@daily"
action = "transition"
classes = ["photos", "thumbs"]
older_than = "30d"
to = "onezone_ia"
"""


def test_one_zone_ia(prices: Prices) -> None:
    sim = run_text(ONEZONE_TEXT, prices)
    a = sim.with_cleanup
    storage = 0.0
    for t in range(40):
        for c in range(t + 1):
            # Photos move 30 days after creation; thumbs (16 KiB) stay under the 128 KiB floor.
            photo_rate = ONEZONE if t - c >= 30 else STANDARD
            storage += 100 / 1024 * photo_rate / dim(t)
            storage += 100 * 16 / 1024**2 * STANDARD / dim(t)
    moved = 10 * 100  # cohorts 0..9, moved on days 30..39
    assert a.tiers_end["s3:onezone_ia"] == moved * MIB
    assert a.cost_by_component["transitions"] == pytest.approx(moved * ONEZONE_FEE, rel=1e-12)
    assert a.cost_by_component["storage"] + a.cost_by_component["overhead"] == pytest.approx(
        storage, rel=1e-12
    )


INT_TEXT = """
name = "int"
start = 2026-01-01
days = 100
[population]
users = 1
[[classes]]
name = "photos"
store = "object"
tier = "intelligent_tiering"
per_active_user = 100
unit_bytes = "1MiB"
[[classes]]
name = "thumbs"
store = "object"
tier = "intelligent_tiering"
per_active_user = 100
unit_bytes = "16KiB"
"""


def test_intelligent_tiering_monitors_objects_of_128k_or_more(prices: Prices) -> None:
    sim = run_text(INT_TEXT, prices)
    storage = monitoring = 0.0
    for t in range(100):
        for c in range(t + 1):
            age = t - c
            rate = INT_RATES[0] if age < 30 else INT_RATES[1] if age < 90 else INT_RATES[2]
            storage += 100 / 1024 * rate / dim(t)
            # 16 KiB thumbs: not monitored, no fee, always the frequent rate.
            storage += 100 * 16 / 1024**2 * INT_RATES[0] / dim(t)
        monitoring += 100 * (t + 1) * MONITOR / dim(t)
    for run in (sim.with_cleanup, sim.without_cleanup):  # no job needed: the provider moves them
        assert run.cost_by_component["storage"] == pytest.approx(storage, rel=1e-12)
        assert run.cost_by_component["monitoring"] == pytest.approx(monitoring, rel=1e-12)
        assert run.cost_by_component["requests"] == pytest.approx(100 * 200 * PUT, rel=1e-12)
        assert run.tiers_end["s3:intelligent_tiering_aia"] == 10 * 100 * MIB  # cohorts 0..9


BACKUP = """
name = "backup"
start = 2026-01-01
days = 10
[population]
users = 1
[database]
engine = "{engine}"
fill_slack = 0
backup_retention = "3d"
[[classes]]
name = "sessions"
store = "db"
per_active_user = 1000
unit_bytes = "1MiB"
[[jobs]]
name = "purge"
cron = "@daily"
action = "purge"
classes = ["sessions"]
older_than = "2d"
[[jobs]]
name = "vacuum"
cron = "@daily"
action = "vacuum"
"""


def test_deleted_rows_live_on_in_backups_for_the_retention(prices: Prices) -> None:
    sim = run_text(BACKUP.format(engine="aurora"), prices)
    removed = [1000 if t >= 2 else 0 for t in range(10)]  # rows of 1 MiB purged each day
    live = [min(t + 1, 2) * 1000 for t in range(10)]
    backup_cost = 0.0
    file = 0.0
    for t in range(10):
        file = max(file, live[t])  # vacuumed daily, no slack: the file is the live high-water
        kept = live[t] + sum(removed[max(0, t - 2) : t + 1])  # the last 3 days' deletes live on
        backup_cost += max(0.0, kept - file) / 1024 * AURORA_BACKUP / 31
    assert backup_cost > 0
    assert sim.with_cleanup.cost_by_component["backup"] == pytest.approx(backup_cost, rel=1e-12)
    assert sim.without_cleanup.cost_by_component["backup"] == 0  # nothing deleted


IO_TEXT = """
name = "io"
start = 2026-01-01
days = 5
[population]
users = 1
[database]
engine = "{engine}"
[[classes]]
name = "sessions"
store = "db"
per_active_user = 1000
unit_bytes = "1MiB"
[[jobs]]
name = "purge"
cron = "@daily"
action = "purge"
classes = ["sessions"]
older_than = "2d"
"""


@pytest.mark.parametrize("engine", ["aurora", "aurora_io"])
def test_aurora_standard_bills_io(prices: Prices, engine: str) -> None:
    sim = run_text(IO_TEXT.format(engine=engine), prices)
    # Inserts: 1 GiB a day in 4 KiB write I/Os; the purge reads the 8 KiB pages of what it
    # deletes (1 GiB a day from day 2).
    writes = 5 * 1000 * MIB / (4 * KIB)
    reads = 3 * 1000 * MIB / (8 * KIB)
    assert writes == 1_280_000 and reads == 384_000
    rate = IO if engine == "aurora" else 0.0
    assert sim.with_cleanup.cost_by_component["database_io"] == pytest.approx(
        (writes + reads) * rate, rel=1e-12, abs=1e-15
    )
    assert sim.without_cleanup.cost_by_component["database_io"] == pytest.approx(
        writes * rate, rel=1e-12, abs=1e-15
    )
    assert job_row(sim, "purge").fees_usd == pytest.approx(reads * rate, rel=1e-12, abs=1e-15)


AUTOSCALE = """
name = "autoscale"
start = 2026-01-01
days = 3
[population]
users = 1
[database]
engine = "rds_gp3"
initial_alloc = "20GiB"
fill_slack = 0
[[classes]]
name = "loads"
store = "db"
per_active_user = 100
unit_bytes = "1GiB"
"""


def test_rds_autoscaling_waits_six_hours_between_increases(prices: Prices) -> None:
    sim = run_text(AUTOSCALE, prices)
    # At most 4 increases a day (6 h apart), each max(10 GiB, 10 %, 7 h of the growth seen
    # the day before), while the file is at 90 % of the allocation or more.
    alloc, seen, allocs, full = 20.0, 0.0, [], 0
    file = 0.0
    for _ in range(3):
        grown = file
        file += 100.0
        steps = 0
        while file >= 0.9 * alloc and steps < 4:
            alloc += max(10.0, 0.1 * alloc, 7 / 24 * seen)
            steps += 1
        seen = file - grown
        allocs.append(alloc)
        full += file > alloc
    assert allocs == pytest.approx([60.0, 60 + 4 * 700 / 24, 60 + 8 * 700 / 24])
    assert full == 3
    a = sim.with_cleanup
    assert (a.daily.db_billed / GIB).tolist() == pytest.approx(allocs, rel=1e-12)
    assert a.cost_by_component["database"] == pytest.approx(
        sum(x * RDS / 31 for x in allocs), rel=1e-12
    )
    assert a.db_storage_full_days == full
    assert document(sim)["runs"]["with_cleanup"]["db_storage_full_days"] == 3


SIZES = """
name = "sizes"
start = 2026-01-01
days = 60
{default}
[population]
users = 1
[[classes]]
name = "thumbs"
store = "object"
per_active_user = 1000
unit_bytes = "16KiB"
[[classes]]
name = "photos"
store = "object"
per_active_user = 10
unit_bytes = "4MiB"
[[jobs]]
name = "to-deep-archive"
cron = "@daily"
action = "transition"
classes = ["thumbs", "photos"]
older_than = "0d"
to = "deep_archive"
{size_filter}
"""


def _sizes_by_hand(thumbs_move: bool) -> float:
    """Total with cleanup: PUTs, transitions, storage and Deep Archive's per-object overhead."""
    total = 0.0
    for t in range(60):
        thumbs, photos = 1000 * (t + 1), 10 * (t + 1)
        total += (1000 + 10) * PUT
        total += (1000 * thumbs_move + 10) * GDA_FEE
        gib = 0.0
        gib_std = 0.0
        moved = photos + (thumbs if thumbs_move else 0)
        gib += photos * 4 / 1024 + moved * 32 / 1024**2
        gib_std += moved * 8 / 1024**2
        if thumbs_move:
            gib += thumbs * 16 / 1024**2
        else:
            gib_std += thumbs * 16 / 1024**2
        total += (gib * GDA + gib_std * STANDARD) / dim(t)
    return total


@pytest.mark.parametrize(
    ("default", "size_filter", "thumbs_move"),
    [
        # The trap: a bucket whose default lets small objects into Deep Archive.
        ('transition_default_minimum_object_size = "varies_by_storage_class"', "", True),
        # Avoided by a per-rule ObjectSizeGreaterThan, which takes precedence over the default.
        (
            'transition_default_minimum_object_size = "varies_by_storage_class"',
            'object_size_greater_than = "1MiB"',
            False,
        ),
        # S3's default since 2024: nothing under 128 KiB transitions.
        ("", "", False),
        # A custom filter lets small objects through even under that default.
        ("", 'object_size_greater_than = "0B"', True),
    ],
)
def test_a_size_filter_shows_and_avoids_the_small_objects_trap(
    prices: Prices, default: str, size_filter: str, thumbs_move: bool
) -> None:
    sim = run_text(SIZES.format(default=default, size_filter=size_filter), prices)
    a = sim.with_cleanup
    assert a.cost_usd == pytest.approx(_sizes_by_hand(thumbs_move), rel=1e-12)
    assert (a.tiers_end["s3:standard"] > 0) is not thumbs_move
    assert _sizes_by_hand(True) > _sizes_by_hand(False)  # moving 16 KiB objects loses money
