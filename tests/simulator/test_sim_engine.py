"""Engine properties: conservation of bytes over random scenarios, queueing laws, DB semantics."""

from __future__ import annotations

import calendar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.prices import Prices, builtin_prices
from simulator.scenario import read_scenario
from simulator.simulation import Simulation, simulate

PRICES = builtin_prices()


def run_text(text: str, prices: Prices = PRICES) -> Simulation:
    return simulate(read_scenario(text, "test.toml"), prices)


CRONS = ("@daily", "0 2 * * *", "0 3 * * 0", "0 4 1 * *", "*/30 * * * *", "0 0 * * 1,4")
OBJECT_TIERS = ("standard_ia", "glacier_ir", "glacier_fr", "deep_archive")


@st.composite
def scenarios(draw: st.DrawFn) -> str:
    days = draw(st.integers(1, 150))
    users = draw(st.sampled_from([1, 37, 1000, 250_000_000]))
    growth = draw(st.sampled_from([0.0, 0.3, -0.2]))
    noise = draw(st.sampled_from(["none", "poisson"]))
    lines = [
        'name = "random"',
        f"days = {days}",
        f"seed = {draw(st.integers(0, 99))}",
        "[population]",
        f"users = {users}",
        f"growth_per_year = {growth}",
        f"dau_ratio = {draw(st.sampled_from([0.1, 0.5, 1.0]))}",
        f'noise = "{noise}"',
        "[database]",
        f'engine = "{draw(st.sampled_from(["rds_gp3", "aurora", "aurora_io"]))}"',
    ]
    classes: list[tuple[str, str]] = []
    for i in range(draw(st.integers(1, 4))):
        store = draw(st.sampled_from(["db", "object", "disk"]))
        name = f"c{i}"
        classes.append((name, store))
        unit = draw(st.sampled_from(["200B", "4KiB", "300KB", "3MB"]))
        lines += [
            "[[classes]]",
            f'name = "{name}"',
            f'store = "{store}"',
            f"per_active_user = {draw(st.sampled_from([0.01, 1, 40]))}",
            f'unit_bytes = "{unit}"',
            f"size_sigma = {draw(st.sampled_from([0, 1.0]))}",
            f"read_fraction = {draw(st.sampled_from([0, 0.01]))}",
        ]
        if store == "object" and draw(st.booleans()):
            lines.append('bundle_bytes = "8MiB"')
    for j in range(draw(st.integers(0, 6))):
        name, store = draw(st.sampled_from(classes))
        if store == "db":
            action = draw(st.sampled_from(["purge", "drop_partition", "vacuum", "rewrite"]))
        elif store == "disk":
            action = draw(st.sampled_from(["archive", "expire"]))
        else:
            action = draw(st.sampled_from(["archive", "transition", "expire"]))
        older = draw(st.sampled_from([0, 1, 7, 14, 30, 45, 90]))
        lines += [
            "[[jobs]]",
            f'name = "j{j}"',
            f'cron = "{draw(st.sampled_from(CRONS))}"',
            f'action = "{action}"',
        ]
        if action not in ("vacuum", "rewrite"):
            lines += [f'classes = ["{name}"]', f'older_than = "{older}d"']
        if action == "transition":
            tier = draw(st.sampled_from(OBJECT_TIERS))
            if tier == "standard_ia":
                lines[-1] = f'older_than = "{max(older, 30)}d"'
            lines.append(f'to = "{tier}"')
        if action == "archive":
            lines += [f"compress = {draw(st.sampled_from([1, 10]))}", 'bundle_bytes = "128MiB"']
            if store == "object" and draw(st.booleans()):
                lines.append(f'to = "{draw(st.sampled_from(OBJECT_TIERS))}"')
        if action in ("purge", "expire") and draw(st.booleans()):
            lines.append(f"capacity = {draw(st.sampled_from([1, 5000, 1e9]))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_in_every_run(text: str) -> None:
    sim = run_text(text)
    for run in (sim.with_cleanup, sim.without_cleanup):
        total = run.deleted_bytes + run.compacted_bytes + run.live_bytes_end
        assert run.generated_bytes == pytest.approx(total, rel=1e-9, abs=1e-3)
        assert run.live_bytes_end == pytest.approx(sum(run.tiers_end.values()), rel=1e-9, abs=1e-3)
        assert (run.daily.costs >= -1e-9).all()
        assert run.billed_bytes_end >= -1e-3
        d = run.daily
        # The database file holds at least its live rows; RDS allocation never shrinks.
        assert (d.db_file + 1e-3 >= d.db_live).all()
        assert (np.diff(d.db_billed) >= -1e-3).all() or sim.scenario.database.engine != "rds_gp3"
    base = sim.without_cleanup
    assert base.deleted_bytes == 0
    assert base.compacted_bytes == 0
    assert sim.with_cleanup.generated_bytes == base.generated_bytes
    # Common random numbers: both runs consumed one generation.
    assert (sim.with_cleanup.daily.generated == base.daily.generated).all()
    assert sim.with_cleanup.live_bytes_end <= base.live_bytes_end * (1 + 1e-9) + 1e-3


SESSIONS = """
name = "sessions"
days = 200
[population]
users = 100000
dau_ratio = 0.5
[[classes]]
name = "sessions"
store = "db"
per_active_user = 1.5
unit_bytes = "350B"
[[jobs]]
name = "purge"
cron = "CRON"
action = "purge"
classes = ["sessions"]
older_than = "14d"
"""


def test_littles_law_with_a_daily_purge() -> None:
    sim = run_text(SESSIONS.replace("CRON", "0 2 * * *"))
    per_day = 100000 * 0.5 * 1.5 * 350
    live = sim.with_cleanup.daily.db_live
    # A job after the day's generation keeps the newest 14 days: stock = arrival rate x TTL.
    assert live[-1] == pytest.approx(per_day * 14)
    assert live[30:] == pytest.approx(np.full(170, per_day * 14))
    # Without cleanup the stock only grows, linearly.
    assert sim.without_cleanup.daily.db_live[-1] == pytest.approx(per_day * 200)


def test_a_weekly_purge_saw_tooths_between_ttl_and_ttl_plus_six_days() -> None:
    sim = run_text(SESSIONS.replace("CRON", "0 3 * * 0"))
    per_day = 100000 * 0.5 * 1.5 * 350
    live = sim.with_cleanup.daily.db_live[60:]
    assert live.min() == pytest.approx(per_day * 14)
    assert live.max() == pytest.approx(per_day * 20)


def test_sub_daily_crons_count_runs_and_capacity_scales_with_them() -> None:
    text = SESSIONS.replace("CRON", "0 */6 * * *") + "capacity = 10000\n"
    sim = run_text(text)
    assert (sim.generation.fires[0] == 4).all()
    # 4 runs a day x 10,000 rows < 75,000 rows a day: a backlog that grows.
    run = sim.with_cleanup
    assert run.deleted_units["sessions"] == pytest.approx(40000 * (200 - 14))
    assert run.deleted_bytes == pytest.approx(40000 * (200 - 14) * 350)
    assert run.backlog_end["purge"] > 0
    assert np.all(np.diff(run.daily.backlog[20:]) > 0)


DB = """
name = "db"
days = 120
[population]
users = 1000000
[database]
engine = "ENGINE"
initial_alloc = "20GiB"
fill_slack = 0.2
[[classes]]
name = "rows"
store = "db"
per_active_user = 10
unit_bytes = "400B"
[[jobs]]
name = "purge"
cron = "@daily"
action = "purge"
classes = ["rows"]
older_than = "30d"
"""


def test_purge_without_vacuum_leaves_the_file_at_its_high_water_mark() -> None:
    # With autovacuum off (on by default, issue 19): nothing ever makes dead rows reusable.
    text = DB.replace("ENGINE", "aurora").replace(
        "fill_slack = 0.2", "fill_slack = 0.2\nautovacuum = false"
    )
    sim = run_text(text)
    d = sim.with_cleanup.daily
    assert (np.diff(d.db_file) >= 0).all()
    # Dead rows pile up inside the file: it grows exactly as if nothing were deleted.
    assert d.db_file[-1] == pytest.approx(sim.without_cleanup.daily.db_file[-1])
    assert d.db_dead[-1] > 0


def test_vacuum_caps_growth_but_does_not_shrink() -> None:
    text = DB.replace("ENGINE", "aurora") + (
        '[[jobs]]\nname = "vacuum"\ncron = "@daily"\naction = "vacuum"\n'
    )
    sim = run_text(text)
    d = sim.with_cleanup.daily
    assert (np.diff(d.db_file) >= 0).all()
    assert d.db_file[-1] == pytest.approx(d.db_file[40])  # flat once the purge keeps up
    assert d.db_file[-1] < sim.without_cleanup.daily.db_file[-1] / 2


def test_a_rewrite_shrinks_aurora_but_never_the_rds_allocation() -> None:
    rewrite = '[[jobs]]\nname = "repack"\ncron = "0 5 1 * *"\naction = "rewrite"\n'
    aurora = run_text(DB.replace("ENGINE", "aurora") + rewrite).with_cleanup.daily
    assert (np.diff(aurora.db_file) < 0).any()
    assert (np.diff(aurora.db_billed) < 0).any()
    rds = run_text(DB.replace("ENGINE", "rds_gp3") + rewrite).with_cleanup.daily
    assert (np.diff(rds.db_file) < 0).any()
    assert (np.diff(rds.db_billed) >= 0).all()


def test_partition_drops_give_space_back() -> None:
    text = DB.replace("ENGINE", "aurora").replace('action = "purge"', 'action = "drop_partition"')
    sim = run_text(text)
    d = sim.with_cleanup.daily
    assert (np.diff(d.db_file) < 0).any()
    assert sim.with_cleanup.deleted_bytes > 0
    assert d.db_dead.max() == 0  # dropped, not dead


def test_archive_compacts_and_reduces_objects() -> None:
    text = """
name = "logs"
days = 40
[population]
users = 1000
[[classes]]
name = "logs"
store = "object"
per_active_user = 40
unit_bytes = "450B"
bundle_bytes = "8MiB"
[[jobs]]
name = "archive"
cron = "0 3 * * 0"
action = "archive"
classes = ["logs"]
older_than = "7d"
compress = 10
bundle_bytes = "128MiB"
"""
    sim = run_text(text)
    a = sim.with_cleanup
    assert a.compacted_bytes > 0
    assert a.deleted_bytes == 0
    # Archived cohorts keep a tenth of their bytes.
    archived_share = a.compacted_bytes / a.generated_bytes
    assert 0.5 < archived_share < 0.9


@pytest.mark.parametrize(
    ("provider", "tier", "price"),
    [("gcs", "coldline", 0.004), ("azure", "cool", 0.01), ("s3", "glacier_ir", 0.004)],
)
def test_every_provider_table_bills_its_own_tiers(provider: str, tier: str, price: float) -> None:
    text = f"""
name = "tiers"
days = 60
provider = "{provider}"
[population]
users = 1000
[[classes]]
name = "media"
store = "object"
per_active_user = 1
unit_bytes = "1GiB"
[[jobs]]
name = "cool-down"
cron = "@daily"
action = "transition"
classes = ["media"]
older_than = "30d"
to = "{tier}"
"""
    sim = run_text(text)
    a = sim.with_cleanup
    assert a.tiers_end[f"{provider}:{tier}"] == 1000 * 30 * 1024**3
    assert a.cost_by_component["transitions"] > 0
    # Day t >= 30 holds t - 29 cohorts of 1,000 GiB in the cold tier, each day a 1/days-in-month
    # share of the monthly price: Jan 31 (31 days), Feb 1-28 (28), Mar 1 (31).
    expected = sum(
        (t - 29) * 1000 * price / calendar.monthrange(d.year, d.month)[1]
        for t, d in enumerate(sim.generation.dates)
        if t >= 30
    )
    assert a.cost_by_tier[f"{provider}:{tier}"] == pytest.approx(expected, rel=1e-9)
    assert a.cost_usd < sim.without_cleanup.cost_usd
