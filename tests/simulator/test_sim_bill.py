"""A bill computed by hand, and the billing rules that wipe out naive savings."""

from __future__ import annotations

import pytest

from simulator.prices import GIB, Prices, builtin_prices
from simulator.report import payback_days, savings
from simulator.scenario import read_scenario
from simulator.simulation import Simulation, simulate


@pytest.fixture(scope="module")
def prices() -> Prices:
    return builtin_prices()


def run_text(text: str, prices: Prices) -> Simulation:
    return simulate(read_scenario(text, "test.toml"), prices)


# One 1 GiB object, created on Thursday 2025-12-25 only (December and Thursdays are the only
# non-zero profile entries), moved to Standard-IA at 30 days and deleted at 40 days: 10 days in
# IA, which has a 30-day minimum, so 20 days are charged as early deletion.
ONE_OBJECT = """
name = "one-object"
start = 2025-12-25
days = 60
[population]
users = 1
weekday_profile = [0, 0, 0, 1, 0, 0, 0]
month_profile = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
[[classes]]
name = "blob"
store = "object"
per_active_user = 1
unit_bytes = "1GiB"
[[jobs]]
name = "to-ia"
cron = "@daily"
action = "transition"
classes = ["blob"]
older_than = "30d"
to = "standard_ia"
[[jobs]]
name = "delete"
cron = "@daily"
action = "expire"
classes = ["blob"]
older_than = "40d"
"""


def test_hand_computed_bill(prices: Prices) -> None:
    sim = run_text(ONE_OBJECT, prices)
    a = sim.with_cleanup
    # Standard: Dec 25-31 (7 of 31 days) and Jan 1-23 (23 of 31), at $0.023/GiB-month.
    standard = 0.023 * (7 / 31 + 23 / 31)
    # Standard-IA: Jan 24-31 (8 of 31 days) and Feb 1-2 (2 of 28), at $0.0125.
    ia = 0.0125 * (8 / 31 + 2 / 28)
    early = 0.0125 * 20 / 30  # 20 remaining days of the 30-day minimum, pro-rated by 30
    transition = 0.01 / 1000  # one object into Standard-IA
    put = 0.005 / 1000  # one PUT into Standard
    assert a.cost_by_component["storage"] == pytest.approx(standard + ia, rel=1e-9)
    assert a.cost_by_component["early_deletion"] == pytest.approx(early, rel=1e-9)
    assert a.cost_by_component["transitions"] == pytest.approx(transition, rel=1e-9)
    assert a.cost_by_component["requests"] == pytest.approx(put, rel=1e-9)
    assert a.cost_usd == pytest.approx(standard + ia + early + transition + put, rel=1e-9)
    assert a.deleted_bytes == GIB
    assert a.live_bytes_end == 0

    b = sim.without_cleanup
    # Kept in Standard the whole time: Dec 7/31, all of January, Feb 1-22 (22/28).
    assert b.cost_usd == pytest.approx(0.023 * (7 / 31 + 1 + 22 / 28) + put, rel=1e-9)
    assert b.cost_by_component["transitions"] == 0
    assert b.cost_by_component["early_deletion"] == 0


def test_deleting_after_the_minimum_is_not_charged(prices: Prices) -> None:
    # In Standard-IA from day 30; deleted on day 60, after exactly its 30-day minimum.
    text = ONE_OBJECT.replace('older_than = "40d"', 'older_than = "60d"').replace(
        "days = 60", "days = 62"
    )
    sim = run_text(text, prices)
    assert sim.with_cleanup.deleted_bytes == GIB
    assert sim.with_cleanup.cost_by_component["early_deletion"] == 0
    # One day earlier is one day short, and that day is charged.
    early = run_text(text.replace('"60d"', '"59d"'), prices)
    assert early.with_cleanup.cost_by_component["early_deletion"] == pytest.approx(0.0125 / 30)


SMALL_OBJECTS = """
name = "small"
days = 120
[population]
users = 1000
[[classes]]
name = "thumbs"
store = "object"
per_active_user = 3
unit_bytes = "16KiB"
[[jobs]]
name = "to-ia"
cron = "@daily"
action = "transition"
classes = ["thumbs"]
older_than = "30d"
to = "standard_ia"
"""


def test_lifecycle_does_not_transition_objects_under_128k(prices: Prices) -> None:
    sim = run_text(SMALL_OBJECTS, prices)
    a = sim.with_cleanup
    assert a.cost_by_component["transitions"] == 0
    assert a.tiers_end["s3:standard_ia"] == 0
    assert a.cost_usd == pytest.approx(sim.without_cleanup.cost_usd)


def test_larger_objects_do_transition(prices: Prices) -> None:
    sim = run_text(SMALL_OBJECTS.replace('"16KiB"', '"1MiB"'), prices)
    a = sim.with_cleanup
    assert a.cost_by_component["transitions"] > 0
    assert a.tiers_end["s3:standard_ia"] > 0


ARCHIVE_SMALL_BUNDLES = """
name = "bundles"
days = 20
[population]
users = 100
[[classes]]
name = "logs"
store = "object"
per_active_user = 64
unit_bytes = "1KiB"
bundle_bytes = "64KiB"
[[jobs]]
name = "archive"
cron = "@daily"
action = "archive"
classes = ["logs"]
older_than = "1d"
compress = 1
bundle_bytes = "64KiB"
to = "glacier_ir"
"""


def test_minimum_billable_size_is_charged_as_overhead(prices: Prices) -> None:
    sim = run_text(ARCHIVE_SMALL_BUNDLES, prices)
    a = sim.with_cleanup
    # 64 KiB objects in Glacier IR are billed as 128 KiB: the extra half is overhead.
    gir = a.daily.tier_bytes[sim.model.tier_names.index("s3:glacier_ir")]
    assert gir[-1] > 0
    assert a.cost_by_component["overhead"] > 0
    assert a.cost_by_component["overhead"] == pytest.approx(
        a.cost_by_tier["s3:glacier_ir"] / 2, rel=1e-6
    )


def test_payback_table_matches_the_reference(prices: Prices) -> None:
    s3 = prices.objects["s3"]
    ia, gir, gfr, gda = (
        s3.index(n) for n in ("standard_ia", "glacier_ir", "glacier_fr", "deep_archive")
    )
    assert payback_days(s3, 4 * 1024, ia) is None
    assert payback_days(s3, 4 * 1024, gda) is None
    assert payback_days(s3, 16 * 1024, ia) is None
    assert payback_days(s3, 128 * 1024, ia) == pytest.approx(234, abs=1)
    assert payback_days(s3, 128 * 1024, gir) == pytest.approx(259, abs=1)
    assert payback_days(s3, 128 * 1024, gfr) == pytest.approx(432, abs=1)
    assert payback_days(s3, 128 * 1024, gda) == pytest.approx(605, abs=1)
    assert payback_days(s3, 1024**2, ia) == pytest.approx(29, abs=1)


def test_break_even_day_is_where_cumulative_savings_turn_positive(prices: Prices) -> None:
    sim = run_text(ONE_OBJECT, prices)
    saved = savings(sim)
    cum = (sim.without_cleanup.daily.cost - sim.with_cleanup.daily.cost).cumsum()
    if saved.break_even_day is None:
        assert cum[-1] <= 0
    else:
        assert (cum[saved.break_even_day :] > 0).all()
        assert saved.break_even_day == 0 or cum[saved.break_even_day - 1] <= 0


DEEP_ARCHIVE = """
name = "deep"
days = 40
[population]
users = 1000
[[classes]]
name = "scans"
store = "object"
per_active_user = 1
unit_bytes = "1MiB"
[[jobs]]
name = "to-deep-archive"
cron = "@daily"
action = "archive"
classes = ["scans"]
older_than = "0d"
compress = 1
bundle_bytes = "1MiB"
to = "deep_archive"
"""


def test_deep_archive_bills_40k_per_object_overhead(prices: Prices) -> None:
    sim = run_text(DEEP_ARCHIVE, prices)
    a = sim.with_cleanup
    assert a.tiers_end["s3:deep_archive"] == 1000 * 40 * 1024**2
    # Each object also pays 32 KiB at the Deep Archive rate and 8 KiB at the Standard rate.
    per_object = 32 * 1024 * 0.00099 + 8 * 1024 * 0.023
    expected = per_object / (1024**2 * 0.00099)
    assert a.cost_by_component["overhead"] / a.cost_by_component["storage"] == pytest.approx(
        expected, rel=1e-9
    )
    assert a.cost_by_component["early_deletion"] == 0


def test_a_city_of_nobody_costs_nothing_but_its_allocation(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "--preset", "seoul", "--population", "0", "--days", "5")
    assert result.code == 0, result.err
    assert "Saved $0.00" in result.out
