"""`hygiene schedule list`: the timetable as a table, as JSON, and as a week grid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SEED = """
[[jobs]]
name = "sessions"
schedule = "0 2 * * *"
timezone = "Asia/Seoul"
run = "scan ."

[[jobs]]
name = "logs"
schedule = "0 3 * * 0"
timezone = "UTC"
run = "scan ."
when = ["on-ac-power"]
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TZ", "UTC")
    path = tmp_path / "hygiene.toml"
    path.write_text(SEED, encoding="utf-8")
    return path


def test_list_json_has_the_next_runs_in_each_jobs_zone(cli, config: Path) -> None:
    result = cli(
        "schedule",
        "list",
        "--json",
        "-n",
        "2",
        "--config",
        config,
        "--now",
        "2026-11-26T12:00+00:00",
    )
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["schema"] == 1
    jobs = {j["name"]: j for j in doc["jobs"]}
    assert jobs["sessions"]["next_runs"] == [
        "2026-11-27T02:00:00+09:00",
        "2026-11-28T02:00:00+09:00",
    ]
    assert jobs["logs"]["next_runs"] == ["2026-11-29T03:00:00+00:00", "2026-12-06T03:00:00+00:00"]
    assert jobs["logs"]["when"] == ["on-ac-power"]
    assert jobs["sessions"]["retries"] == 3


def test_list_table_and_week_grid(cli, config: Path) -> None:
    table = cli("schedule", "list", "--config", config, "--now", "2026-11-26T12:00+00:00")
    assert table.code == 0
    assert "Thu 2026-11-26 17:00" in table.out  # 02:00 in Seoul, shown in local time (UTC)
    week = cli("schedule", "list", "--week", "--config", config, "--now", "2026-11-26T12:00+00:00")
    assert week.code == 0
    rows = {line.split("│")[1].strip(): line for line in week.out.splitlines() if "│" in line}
    cells = [c.strip() for c in rows["logs"].split("│")[2:-1]]
    assert cells == ["·", "·", "·", "03:00", "·", "·", "·"]  # Sunday the 29th only
    sessions = [c.strip() for c in rows["sessions"].split("│")[2:-1]]
    assert sessions == ["17:00"] * 7
