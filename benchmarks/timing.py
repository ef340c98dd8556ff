"""Alternating timing of commands on the same data in the same run, reported as median ratios."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence

# Commits in generated benchmark repositories, whatever the machine's git config says.
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def time_command(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def alternate(
    commands: Mapping[str, Sequence[str]], runs: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Run each command in turn, `runs` rounds, after `warmup` untimed rounds (warm cache)."""
    for _ in range(warmup):
        for argv in commands.values():
            time_command(argv)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(time_command(argv))
    return times


def report(times: Mapping[str, list[float]], subject: str, reference: str) -> float:
    """Print medians and the median of per-round ratios; return that ratio."""
    for name, values in times.items():
        print(
            f"{name:>12}: median {statistics.median(values):.3f}s  "
            f"(min {min(values):.3f}s, max {max(values):.3f}s, {len(values)} runs)"
        )
    ratios = [s / r for s, r in zip(times[subject], times[reference], strict=True)]
    ratio = statistics.median(ratios)
    print(
        f"ratio {subject}/{reference}: median {ratio:.2f}x (per-round: "
        f"{', '.join(f'{r:.2f}' for r in ratios)})"
    )
    return ratio


def peak_rss_mb(argv: Sequence[str]) -> float:
    """Peak resident memory of one run of `argv` (Linux reports ru_maxrss in KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(before, after) / 1024
