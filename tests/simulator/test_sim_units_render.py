"""Issue 19 items 4 and 7: what is counted is named everywhere; numbers are never cut."""

from __future__ import annotations

import json
import re

import pytest


def dollars(value: float) -> str:
    """The text's money format, written out here: whole dollars from $100, cents below."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    return f"{sign}${v:,.0f}" if v >= 100 else f"{sign}${v:,.2f}"


def test_netflix_at_80_columns_prints_every_dollar_whole(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("simulate", "--preset", "netflix", "--json").out)
    monkeypatch.setenv("COLUMNS", "80")
    text = cli("simulate", "--preset", "netflix").out
    assert "…" not in text
    a, b = doc["runs"]["with_cleanup"], doc["runs"]["without_cleanup"]
    figures = [a["cost_usd"], b["cost_usd"], doc["savings"]["usd"], doc["savings"]["naive_usd"]]
    for month in doc["monthly"]:
        figures += [month["with_cost"], month["without_cost"]]
        figures.append(month["without_cost"] - month["with_cost"])
    for row in doc["ledger"]:
        figures += [row["fees_usd"], row["saved_usd"]]
    for run in (a, b):
        figures += [v for v in run["cost_by_component"].values() if v]
    for value in figures:
        assert dollars(value) in text, (value, dollars(value))
    # The ledger's counts are whole too.
    for row in doc["ledger"]:
        if row["units_removed"]:
            assert f"{row['units_removed']:,.0f}" in text


def test_the_naive_note_explains_a_naive_sum_higher_than_the_bill(cli) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("simulate", "--preset", "netflix", "--json").out)
    assert doc["savings"]["naive_usd"] > doc["savings"]["usd"]
    text = cli("simulate", "--preset", "netflix").out
    note = next(line for line in text.splitlines() if line.startswith("The naive sum"))
    # Netflix's stock passes 500 TB: the honest bill prices it at $0.021, the naive one at $0.023.
    assert "band" in note and "$0.021" in note
    # And it says what would make the naive sum the lower one.
    assert "lower" in note


def test_what_is_counted_is_named_in_json(cli) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("simulate", "--preset", "netflix", "--days", "30", "--json").out)
    run = doc["runs"]["with_cleanup"]
    assert run["deleted_objects"]["events"] == run["deleted_units"]["events"] > 0
    assert run["deleted_rows"]["sessions"] == run["deleted_units"]["sessions"] > 0
    assert "sessions" not in run["deleted_objects"] and "events" not in run["deleted_rows"]
    assert "deleted_files" not in run or not run["deleted_files"]
    ledger = {r["name"]: r for r in doc["ledger"]}
    assert (
        ledger["kafka-retention"]["objects_removed"] == ledger["kafka-retention"]["units_removed"]
    )
    assert ledger["expire-sessions"]["rows_removed"] > 0
    seoul = json.loads(cli("simulate", "--preset", "seoul", "--days", "120", "--json").out)
    jobs = {j["name"]: j for j in seoul["scenario"]["jobs"]}
    assert jobs["incinerator"]["capacity_rows"] == jobs["incinerator"]["capacity"] == 1_870_000
    assert jobs["incinerator"]["counted"] == "rows"
    day = seoul["runs"]["with_cleanup"]["daily"][-1]
    assert day["backlog_rows"] == day["backlog_units"] > 0
    assert day["backlog_objects"] == 0


@pytest.mark.parametrize("flags", [(), ("--explain",)])
def test_text_names_rows_never_units(cli, flags: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    text = cli("simulate", "--preset", "seoul", "--days", "30", *flags).out
    flat = re.sub(r"\s+", " ", re.sub(r"[│┃]", " ", text))
    assert "at most 1,870,000 rows per run" in flat
    assert (
        re.findall(r"\bunits?\b(?! \(| of measure)", flat.replace("structure, not units", "")) == []
    )
    if flags:
        assert "1,870,000 rows a run" in flat


def test_html_backlog_names_rows(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "seoul.html"
    cli("simulate", "--preset", "seoul", "--days", "30", "--html", page)
    html = page.read_text(encoding="utf-8")
    assert re.search(r"backlog at the end</td><td[^>]*>[\d,]+ rows", html)
