"""How much a scheduler's tick costs over starting hygiene at all.

cron or launchd calls `hygiene schedule run --due` every hour (at the minutes jobs can fall on);
almost always nothing is due, so its price is start-up plus config, state and cron work. The
reference is `hygiene --version` (the bare CLI start) on the same machine in the same run; runs
alternate and the median ratio is reported (docs/schedule.md quotes it).

    .venv/bin/python benchmarks/bench_schedule_tick.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
        hygiene = [sys.executable, "-m", "hygiene"]
        tick = [*hygiene, "schedule", "run", "--due", "--quiet", "--config", str(config)]
        listing = [*hygiene, "schedule", "list", "--config", str(config)]
        reference = [*hygiene, "--version"]
        timed(tick, env)  # first sight: the timetable starts; later ticks find nothing due
        ratios: dict[str, list[float]] = {"tick": [], "list": []}
        absolute: dict[str, list[float]] = {"tick": [], "list": [], "reference": []}
        for _ in range(args.runs):
            ref = timed(reference, env)
            t = timed(tick, env)
            listed = timed(listing, env)
            absolute["reference"].append(ref)
            absolute["tick"].append(t)
            absolute["list"].append(listed)
            ratios["tick"].append(t / ref)
            ratios["list"].append(listed / ref)
    median = statistics.median
    print(f"reference `hygiene --version`: median {median(absolute['reference']) * 1000:.0f} ms")
    for name in ("tick", "list"):
        print(
            f"{name:>4}: median {median(absolute[name]) * 1000:.0f} ms, "
            f"median ratio {median(ratios[name]):.2f}x over {args.runs} alternating runs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
