"""Issue 19's lessons, each against arithmetic done here by hand (never the engine's functions).

Prices are the S3 us-east-1 and Aurora list prices of simulator/data, written out below:
Standard $0.023, Glacier IR $0.004 per GiB-month; Glacier IR transitions $0.02 per 1,000;
Aurora Standard $0.10 per GiB-month of used volume. January has 31 days.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from simulator.prices import Prices, builtin_prices
from simulator.report import document, ledger, savings
from simulator.scenario import read_scenario
from simulator.simulation import Simulation, simulate

STANDARD, GIR, GIR_FEE, AURORA = 0.023, 0.004, 0.02 / 1000, 0.10
GIB = 1024**3
MIB = 1024**2


@pytest.fixture(scope="module")
def prices() -> Prices:
    return builtin_prices()


def run_text(text: str, prices: Prices) -> Simulation:
    return simulate(read_scenario(text, "test.toml"), prices)


def row(sim: Simulation, name: str):  # type: ignore[no-untyped-def]
    found = [r for r in ledger(sim) if r.name == name]
    assert len(found) == 1, [r.name for r in ledger(sim)]
    return found[0]


# 128 MiB a day written as 1 MiB objects; an archive job bundles each day into one 128 MiB
# object 10 days later; lifecycle moves objects to Glacier IR 30 days after *their* creation.
BUNDLES = """
name = "bundles"
start = 2026-01-01
days = 45
[population]
users = 1
[[classes]]
name = "logs"
store = "object"
per_active_user = 128
unit_bytes = "1MiB"
[[jobs]]
name = "bundle"
cron = "@daily"
action = "archive"
classes = ["logs"]
older_than = "10d"
compress = 1
bundle_bytes = "128MiB"
[[jobs]]
name = "to-gir"
cron = "@daily"
action = "transition"
classes = ["logs"]
older_than = "30d"
to = "glacier_ir"
[[jobs]]
name = "expire"
cron = "@daily"
action = "expire"
classes = ["logs"]
older_than = "33d"
"""


def test_a_bundle_ages_from_its_own_creation_like_s3(prices: Prices) -> None:
    sim = run_text(BUNDLES, prices)
    a = sim.with_cleanup
    days, archive_age, gir_age, expire_age = 45, 10, 30, 33
    # Day c's bundle is created on day c + 10; S3 ages it from then.
    created = {c: c + archive_age for c in range(days) if c + archive_age <= days - 1}
    moved = [c for c, born in created.items() if born + gir_age <= days - 1]
    expired = [c for c, born in created.items() if born + expire_age <= days - 1]
    assert moved == [0, 1, 2, 3, 4]
    assert expired == [0, 1]
    in_gir = [c for c in moved if c not in expired]
    assert a.tiers_end["s3:glacier_ir"] == len(in_gir) * 128 * MIB
    assert a.deleted_bytes == len(expired) * 128 * MIB
    # One 128 MiB object per moved bundle pays the Glacier IR transition fee.
    assert a.cost_by_component["transitions"] == pytest.approx(len(moved) * GIR_FEE, rel=1e-12)
    r = row(sim, "to-gir")
    assert r.objects_moved == len(moved)
    assert r.runs == days


SMALL = """
name = "small"
start = 2026-01-01
days = 60
[population]
users = 1
[[classes]]
name = "thumbs"
store = "object"
per_active_user = 1000
unit_bytes = "16KiB"
[[jobs]]
name = "thumbs-to-ia"
cron = "@daily"
action = "transition"
classes = ["thumbs"]
older_than = "30d"
to = "standard_ia"
[[jobs]]
name = "expire-thumbs"
cron = "0 5 1 * *"
action = "expire"
classes = ["thumbs"]
older_than = "90d"
"""


def test_a_transition_under_the_128k_floor_is_said_to_do_nothing(prices: Prices) -> None:
    sim = run_text(SMALL, prices)
    r = row(sim, "thumbs-to-ia")
    assert r.runs == 60
    assert r.objects_moved == 0
    assert r.fees_usd == 0
    assert r.saved_usd == 0
    assert r.warning is not None and "128 KiB" in r.warning
    # The monthly expire fires on the 1st (Jan 1 to Mar 1), never on data 90 days old.
    firsts = sum((dt.date(2026, 1, 1) + dt.timedelta(days=t)).day == 1 for t in range(60))
    e = row(sim, "expire-thumbs")
    assert e.runs == firsts == 3
    assert e.bytes_removed == 0
    assert e.warning is not None and "90" in e.warning and "60" in e.warning
    # The narration no longer promises fees nobody paid.
    doc_rows = {j["name"]: j for j in document(sim)["ledger"]}
    assert doc_rows["thumbs-to-ia"]["objects_moved"] == 0
    assert "128 KiB" in doc_rows["thumbs-to-ia"]["warning"]


# 1,000 rows of 1 MiB a day into Aurora (billed on the used volume), sessions purged after 2
# days, no vacuum job; fill slack 0 so the file is live + dead rows exactly.
AUTOVACUUM = """
name = "autovacuum"
start = 2026-01-01
days = 10
[population]
users = 1
[database]
engine = "aurora"
fill_slack = 0
{switch}
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


def _by_hand(days: int, autovacuum: bool) -> tuple[list[float], list[float]]:
    """(file GiB, dead GiB) at the end of each day, rows of 1 MiB, 1,000 a day."""
    rows_a_day, row_gib = 1000, 1 / 1024
    live = dead = file = 0.0
    files, deads = [], []
    for t in range(days):
        live += rows_a_day
        if t >= 2:  # the cohort of day t - 2 is now 2 days old
            live -= rows_a_day
            dead += rows_a_day
        # PostgreSQL: autovacuum when dead > 50 + 0.2 x live rows (threshold + scale factor).
        if autovacuum and dead > 50 + 0.2 * live:
            dead = 0.0
        file = max(file, (live + dead) * row_gib)
        files.append(file)
        deads.append(dead * row_gib)
    return files, deads


@pytest.mark.parametrize("on", [True, False])
def test_autovacuum_as_the_seed_configures_it(prices: Prices, on: bool) -> None:
    switch = "" if on else "autovacuum = false"  # on by default, as the seed's postgresql.conf
    sim = run_text(AUTOVACUUM.format(switch=switch), prices)
    a = sim.with_cleanup
    files, deads = _by_hand(10, on)
    assert (a.daily.db_file / GIB).tolist() == pytest.approx(files, rel=1e-12)
    assert (a.daily.db_dead / GIB).tolist() == pytest.approx(deads, rel=1e-12, abs=1e-12)
    assert a.cost_by_component["database"] == pytest.approx(
        sum(f * AURORA / 31 for f in files), rel=1e-12
    )
    warning = row(sim, "purge").warning
    if on:
        # Over 10 days on Aurora Standard the purge's own I/O outweighs what it saves (issue 19
        # item 10); no word about vacuum, which autovacuum does.
        assert warning is None or ("vacuum" not in warning and "I/O" in warning)
    else:
        assert warning is not None and "vacuum" in warning


# 1 GiB a day of 1 MiB objects in a versioned bucket, "expired" after 2 days.
VERSIONED = """
name = "versioned"
start = 2026-01-01
days = 10
[population]
users = 1
[[classes]]
name = "photos"
store = "object"
per_active_user = 1024
unit_bytes = "1MiB"
versioned = true
[[jobs]]
name = "expire-photos"
cron = "@daily"
action = "expire"
classes = ["photos"]
older_than = "2d"
{noncurrent}
"""


@pytest.mark.parametrize("noncurrent", [None, 3])
def test_a_delete_in_a_versioned_bucket_is_not_one(prices: Prices, noncurrent: int | None) -> None:
    extra = "" if noncurrent is None else f'noncurrent_days = "{noncurrent}d"'
    sim = run_text(VERSIONED.format(noncurrent=extra), prices)
    a, b = sim.with_cleanup, sim.without_cleanup
    days = 10
    # Stored GiB at the end of each day: every version stays until noncurrent expiration.
    keep = days if noncurrent is None else 2 + noncurrent
    stored = [min(t + 1, keep) for t in range(days)]
    assert a.cost_by_component["storage"] == pytest.approx(
        sum(g * STANDARD / 31 for g in stored), rel=1e-12
    )
    markers = sum(1024 for c in range(days) if c + 2 <= days - 1)
    r = row(sim, "expire-photos")
    assert r.delete_markers == markers
    if noncurrent is None:
        assert a.cost_usd == pytest.approx(b.cost_usd, rel=1e-12)
        assert r.warning is not None and "noncurrent" in r.warning
    else:
        assert r.bytes_removed == sum(1 for c in range(days) if c + keep <= days - 1) * GIB


# 1,024 objects of 1 MiB a day, moved to Glacier IR the day they are written.
TIERED = """
name = "tiered"
start = 2026-01-01
days = 120
[population]
users = 1
[[classes]]
name = "scans"
store = "object"
per_active_user = 1024
unit_bytes = "1MiB"
[[jobs]]
name = "to-gir"
cron = "@daily"
action = "transition"
classes = ["scans"]
older_than = "0d"
to = "glacier_ir"
"""


def _daily_saving_tiered(days: int) -> list[float]:
    start = dt.date(2026, 1, 1)
    out = []
    for t in range(days):
        d = start + dt.timedelta(days=t)
        dim = calendar.monthrange(d.year, d.month)[1]
        gib = t + 1
        out.append(gib * (STANDARD - GIR) / dim - 1024 * GIR_FEE)
    return out


def test_break_even_exists_when_cleanup_first_costs_more(prices: Prices) -> None:
    sim = run_text(TIERED, prices)
    daily = _daily_saving_tiered(120)
    cum, total, first_positive_for_good = [], 0.0, None
    for v in daily:
        total += v
        cum.append(total)
    assert cum[0] < 0
    for t in range(len(cum)):
        if all(c > 0 for c in cum[t:]):
            first_positive_for_good = t
            break
    assert first_positive_for_good is not None
    saved = savings(sim)
    assert saved.break_even_day == first_positive_for_good
    assert saved.cheaper_from_day is None
    assert saved.usd == pytest.approx(total, rel=1e-9)


# 1 GiB a day in Standard, deleted after 3 days: cleanup never costs more.
EXPIRING = """
name = "expiring"
start = 2026-01-01
days = 20
[population]
users = 1
[[classes]]
name = "tmp"
store = "object"
per_active_user = 1024
unit_bytes = "1MiB"
[[jobs]]
name = "expire"
cron = "@daily"
action = "expire"
classes = ["tmp"]
older_than = "3d"
"""


def test_no_break_even_when_cleanup_never_costs_more(prices: Prices) -> None:
    sim = run_text(EXPIRING, prices)
    # Day t keeps min(t + 1, 3) GiB with cleanup, t + 1 without; the first saving is day 3.
    daily = [((t + 1) - min(t + 1, 3)) * STANDARD / 31 for t in range(20)]
    first = next(t for t, v in enumerate(daily) if v > 0)
    assert first == 3
    saved = savings(sim)
    assert saved.break_even_day is None
    assert saved.cheaper_from_day == first
    assert saved.usd == pytest.approx(sum(daily), rel=1e-9)
