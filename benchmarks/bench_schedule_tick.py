"""How much a scheduler's tick costs over starting hygiene at all.

cron or launchd calls `hygiene schedule run --due` every hour (at the minutes jobs can fall on);
almost always nothing is due, so its price is start-up plus config, state and cron work. Two
references on the same machine in the same run: `hygiene --version` (the bare CLI start) and
`hygiene scan EMPTY --json` (a real command of similar options: typer's option parsing costs
more than our work). Runs alternate; the median ratio is reported (docs/schedule.md quotes it).

    .venv/bin/python benchmarks/bench_schedule_tick.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from hygiene.relaunch import program

SEED = """
[[jobs]]
name = "sessions"
schedule = "0 2 * * *"
timezone = "Asia/Seoul"
run = "db clean sqlite:///dev.sqlite3 --yes"

[[jobs]]
name = "logs"
schedule = "0 3 * * 0"
run = "clean --older-than 30d --yes"

[[jobs]]
name = "soft-deleted"
schedule = "0 4 1 * *"
run = "db clean sqlite:///dev.sqlite3 --yes"

[[jobs]]
name = "storage"
schedule = "0 5 1 * *"
run = "scan ."
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "hygiene.toml"
        config.write_text(SEED, encoding="utf-8")
        env = {**os.environ, "HYGIENE_HOME": str(Path(tmp) / "home")}
        hygiene = list(program())  # as cron starts it: the console script
        tick = [*hygiene, "schedule", "run", "--due", "--quiet", "--config", str(config)]
        listing = [*hygiene, "schedule", "list", "--config", str(config)]
        reference = [*hygiene, "--version"]
        empty = Path(tmp) / "empty"
        empty.mkdir()
        scan_empty = [*hygiene, "scan", str(empty), "--json", "--quiet"]
        timed(tick, env)  # first sight: the timetable starts; later ticks find nothing due
        commands = {"--version": reference, "scan empty": scan_empty, "tick": tick, "list": listing}
        absolute: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                absolute[name].append(timed(argv, env))
    median = statistics.median
    for name in commands:
        print(f"{name:>10}: median {median(absolute[name]) * 1000:.0f} ms")
    for name in ("tick", "list"):
        for ref in ("--version", "scan empty"):
            ratios = [a / b for a, b in zip(absolute[name], absolute[ref], strict=True)]
            print(f"{name} / {ref}: median ratio {median(ratios):.2f}x over {args.runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
