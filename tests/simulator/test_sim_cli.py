"""`hygiene simulate` through the real entry point: presets, formats, determinism, bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

PRESETS = ("dreamseed", "laptop", "netflix", "seoul")


def test_presets_are_listed(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "presets", "--json")
    assert result.code == 0
    names = [p["name"] for p in json.loads(result.out)["presets"]]
    assert names == list(PRESETS)
    text = cli("simulate", "presets")
    assert text.code == 0
    for name in PRESETS:
        assert name in text.out


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_loads_runs_and_balances(cli, preset: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "--preset", preset, "--days", "45", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["schema"] == 1
    assert doc["days"] == 45
    assert doc["scenario"]["name"] == preset
    for name in ("with_cleanup", "without_cleanup"):
        run = doc["runs"][name]
        assert len(run["daily"]) == 45
        total = run["deleted_bytes"] + run["compacted_bytes"] + run["live_bytes_end"]
        assert run["generated_bytes"] == pytest.approx(total, rel=1e-9)
        assert run["live_bytes_end"] == pytest.approx(sum(run["tiers_end"].values()), rel=1e-9)
        assert run["cost_usd"] > 0
    assert doc["runs"]["without_cleanup"]["deleted_bytes"] == 0
    assert doc["runs"]["with_cleanup"]["deleted_bytes"] > 0
    assert set(doc["savings"]) >= {"usd", "percent", "break_even_day"}


def test_seoul_shows_the_analogy_panel_and_the_incinerator_backlog(cli) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("simulate", "--preset", "seoul", "--days", "90", "--json").out)
    concepts = [row[0] for row in doc["analogy"]]
    assert "treatment shares" in concepts
    assert "capacity gap -> backlog" in concepts
    assert doc["runs"]["with_cleanup"]["backlog_end"]["incinerator"] > 0
    # The panel compares structure: no row converts tons into bytes.
    for _, city, data in doc["analogy"]:
        assert "t/day" not in data
        assert "kg" not in data
        assert "B/" not in city


def test_netflix_says_the_petabyte_was_transient_ingest(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "--preset", "netflix", "--days", "20")
    assert result.code == 0
    assert "transient" in result.out
    assert "2016" in result.out


def test_seed_makes_runs_deterministic(cli) -> None:  # type: ignore[no-untyped-def]
    def run(seed: str) -> dict[str, object]:
        doc = json.loads(
            cli("simulate", "--preset", "dreamseed", "--days", "30", "--seed", seed, "--json").out
        )
        doc.pop("engine_seconds")
        return doc

    assert run("7") == run("7")
    assert run("7")["runs"] != run("8")["runs"]


def test_population_and_days_override_the_preset(cli) -> None:  # type: ignore[no-untyped-def]
    small = json.loads(
        cli("simulate", "-p", "seoul", "--days", "10", "--population", "1000", "--json").out
    )
    big = json.loads(cli("simulate", "-p", "seoul", "--days", "10", "--json").out)
    assert small["scenario"]["population"]["users"] == 1000
    ratio = (
        big["runs"]["without_cleanup"]["generated_bytes"]
        / small["runs"]["without_cleanup"]["generated_bytes"]
    )
    assert ratio == pytest.approx(10_000, rel=0.01)


def test_csv_has_one_row_per_day(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "--preset", "laptop", "--days", "21", "--csv")
    assert result.code == 0
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0][0] == "date"
    assert "with_live_bytes" in rows[0]
    assert "without_cost_usd" in rows[0]
    assert len(rows) == 22
    assert rows[1][0] == "2026-01-01"


def test_human_report_with_naive_and_explain(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "--preset", "dreamseed", "--days", "60", "--naive", "--explain")
    assert result.code == 0, result.err
    out = result.out
    assert "naive with" in out
    assert "Last month, the seed's way" in out
    assert "sewage plant" in out
    assert "recycling centre" in out
    assert "real command: hygiene db vacuum DB" in out
    assert "Per-object payback" in out
    assert "# with cleanup" in out


def test_prices_override_changes_the_bill(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s3 = (Path(__file__).parents[2] / "simulator" / "data" / "s3.toml").read_text()
    doubled = s3.replace("[[51200, 0.023], [512000, 0.022], [inf, 0.021]]", "[[inf, 0.046]]")
    assert doubled != s3
    table = tmp_path / "s3-double.toml"
    table.write_text(doubled)
    base = json.loads(cli("simulate", "-p", "laptop", "--days", "5", "--json").out)
    args = ("simulate", "-p", "dreamseed", "--days", "30", "--json")
    plain = json.loads(cli(*args).out)
    dear = json.loads(cli(*args, "--prices", str(table)).out)
    assert base["runs"]["with_cleanup"]["cost_usd"] > 0
    key = "cost_by_component"
    assert dear["runs"]["without_cleanup"][key]["storage"] == pytest.approx(
        2 * plain["runs"]["without_cleanup"][key]["storage"], rel=1e-6
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--preset", "atlantis"), "unknown preset 'atlantis'"),
        ((), "give one of --preset NAME or --scenario FILE"),
        (("--preset", "seoul", "--json", "--csv"), "choose one format"),
        (("--scenario", "missing.toml"), "cannot read"),
        (("--preset", "seoul", "--days", "0"), "--days"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(cli, args: tuple[str, ...], expected: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", *args)
    assert result.code == 2
    assert expected in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


GOOD = """
name = "mine"
days = 10
[population]
users = 100
[[classes]]
name = "rows"
store = "db"
per_active_user = 1
unit_bytes = "100B"
[[jobs]]
name = "purge"
cron = "0 2 * * *"
action = "purge"
classes = ["rows"]
older_than = "3d"
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'unit_bytes = "100B"',
            'unit_bytes = "100B"\ncolour = "red"',
            "classes[0].colour: unknown key",
        ),
        ('cron = "0 2 * * *"', 'cron = "0 25 * * *"', "jobs[0].cron"),
        ('classes = ["rows"]', 'classes = ["row"]', "jobs[0].classes: unknown class 'row'"),
        ('action = "purge"', 'action = "expire"', "jobs[0].action: expire acts on object or disk"),
        ('action = "purge"', 'action = "transition"', "jobs[0].to: a transition needs the tier"),
        ('older_than = "3d"', 'older_than = "3h"', "jobs[0].older_than: expected whole days"),
        ("users = 100", 'users = "many"', "population.users: expected a number"),
        ('name = "mine"', 'name = "mine"\nprovider = "dropbox"', "provider: expected one of"),
        ("days = 10", 'days = 10\n[database]\nengine = "oracle"', "database.engine"),
    ],
)
def test_bad_scenarios_name_file_key_and_expectation(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert cli("simulate", "--scenario", _write(tmp_path, GOOD), "--json").code == 0
    path = _write(tmp_path, GOOD.replace(old, new))
    page = tmp_path / "page.html"
    result = cli("simulate", "--scenario", path, "--html", page)
    assert result.code == 2, result.out
    assert str(path) in result.err
    assert expected in result.err
    assert not page.exists()


def _write(folder: Path, text: str) -> Path:
    path = folder / "scenario.toml"
    path.write_text(text)
    return path


def test_engine_modules_never_import_typer_or_rich() -> None:
    code = (
        "import sys\n"
        "import simulator.engine, simulator.generate, simulator.scenario, simulator.prices\n"
        "import simulator.model, simulator.billing\n"
        "import simulator.simulation, simulator.report, simulator.materialize\n"
        "from simulator.prices import builtin_prices\n"
        "from simulator.scenario import load_preset\n"
        "from simulator.simulation import simulate\n"
        "from simulator.report import document\n"
        "document(simulate(load_preset('seoul').overridden(days=20), builtin_prices()))\n"
        "print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_daily_rows_and_months_add_up_to_the_totals(cli) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("simulate", "--preset", "seoul", "--days", "75", "--json").out)
    for name, key in (("with_cleanup", "with_cost"), ("without_cleanup", "without_cost")):
        run = doc["runs"][name]
        assert sum(d["cost_usd"] for d in run["daily"]) == pytest.approx(run["cost_usd"], rel=1e-5)
        assert sum(m[key] for m in doc["monthly"]) == pytest.approx(run["cost_usd"], rel=1e-9)
        assert sum(run["cost_by_component"].values()) == pytest.approx(run["cost_usd"], rel=1e-9)
        assert sum(run["cost_by_tier"].values()) == pytest.approx(
            run["cost_usd"]
            - run["cost_by_component"]["requests"]
            - run["cost_by_component"]["transitions"]
            - run["cost_by_component"]["early_deletion"]
            - run["cost_by_component"]["retrieval"],
            rel=1e-9,
        )
        assert run["daily"][-1]["live_bytes"] == pytest.approx(run["live_bytes_end"], rel=1e-5)
    assert [m["days"] for m in doc["monthly"]] == [31, 28, 16]


def test_a_negative_saving_is_said_as_a_cost(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario = _write(
        tmp_path,
        """
name = "costly"
days = 20
[population]
users = 1
[[classes]]
name = "tiny"
store = "object"
per_active_user = 100000
unit_bytes = "200KiB"
[[jobs]]
name = "to-deep"
cron = "@daily"
action = "transition"
classes = ["tiny"]
older_than = "0d"
to = "deep_archive"
[[jobs]]
name = "delete"
cron = "@daily"
action = "expire"
classes = ["tiny"]
older_than = "2d"
""",
    )
    result = cli("simulate", "--scenario", scenario)
    assert result.code == 0, result.err
    flat = " ".join(result.out.split())
    assert "Saved $-" not in flat
    assert "more than no cleanup" in flat


def test_csv_byte_counts_are_whole_numbers(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "--preset", "dreamseed", "--days", "40", "--csv")
    header, *rows = [line.split(",") for line in result.out.splitlines()]
    for name, value in zip(header, rows[-1], strict=True):
        if name.endswith("_bytes") or name.startswith("with_tier_"):
            assert "e" not in value and value.isdigit(), (name, value)


def test_seed_claims_side_by_side(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("simulate", "--preset", "dreamseed", "--json")
    doc = json.loads(result.out)
    claims = {c["claim"]: c for c in doc["seed_claims"]}
    for key in (
        "users",
        "GB a day",
        "cleanup jobs",
        "Glacier $/GB-month",
        "Deep Archive saving",
        "VACUUM space reclaim",
        "DB $100 -> $10",
        "$8,111.50 -> $12",
    ):
        assert key in claims, sorted(claims)
        assert claims[key]["seed"] and claims[key]["simulated"] and claims[key]["verdict"]
    # By hand: 8 jobs in the preset against the seed's 12 CronJobs.
    assert claims["cleanup jobs"]["simulated"].startswith(str(len(doc["scenario"]["jobs"])))
    gb_day = doc["runs"]["with_cleanup"]["generated_bytes"] / doc["days"] / 1e9
    assert f"{gb_day:.1f}" in claims["GB a day"]["simulated"]
    # $8,111.50 = 2,000 + 1,000 + 100 + 11.50 + 5,000; after: 0 + 50 + 0 + 10 + 2 = $62, not $12.
    assert "$62" in claims["$8,111.50 -> $12"]["simulated"]
    text = " ".join(cli("simulate", "--preset", "seoul").out.split())
    assert "Seed claim" in text and "800 trucks" in text and "9,189" in text
