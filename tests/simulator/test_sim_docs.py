"""docs/simulate.md does not lie: its scenario example runs, and every command it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "simulate.md"


def _block_after(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match, heading
    return match.group(1)


def test_documented_scenario_runs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "my-city.toml"
    path.write_text(_block_after("## Scenario files"), encoding="utf-8")
    result = cli("simulate", "--scenario", path, "--days", "40", "--json")
    assert result.code == 0, result.err


def test_documented_commands_parse(cli) -> None:  # type: ignore[no-untyped-def]
    text = DOC.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("```", 2)[1]
    for line in quick.splitlines():
        if not line.startswith("hygiene simulate"):
            continue
        args = line.split("#")[0].split(">")[0].split()[1:]
        if "materialize" in args:
            args = ["simulate", "materialize", "--help"]
        else:
            args = [a for a in args if not a.endswith(".html")]
            if "--html" in args:
                args.remove("--html")
            if "--scenario" in args:
                continue  # a file the reader writes
            args += (
                ["--days", "3"] if "--days" not in args and args != ["simulate", "presets"] else []
            )
        result = cli(*args)
        assert result.code == 0, (line, result.err)
