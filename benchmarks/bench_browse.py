"""`hygiene browse`: time to the first finding on screen and to the full list, against
`hygiene scan --json` on the same tree, alternating in the same run.

    python benchmarks/bench_browse.py [--root /tmp/hygiene-bench/workspace] [--files 200000]

Target (issue 20): the first findings within a fraction of a second; the full list at most 20 %
slower than `scan --json`. browse runs headless (Textual's `run_test`, which renders every
frame as a terminal would) in `browse_probe.py`; each time is from the process start. Also
printed: the CPU seconds browse's own process (the UI, the plan) had used at the full list,
which a shared machine's load changes far less than the wall-clock times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from timing import time_command
from workspace import prepare


def browse_once(root: Path) -> tuple[float, float, float]:
    start = time.time()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "browse_probe.py"), str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    return seen["first"] - start, seen["full"] - start, seen["cpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("/tmp/hygiene-bench/workspace"))
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="regenerate the workspace")
    args = parser.parse_args()
    prepare(args.root, args.files, fresh=args.fresh)
    from hygiene.relaunch import program

    scan_cmd = [*program(), "scan", str(args.root), "--json", "--quiet"]
    time_command(scan_cmd)  # warm the cache
    browse_once(args.root)
    scans: list[float] = []
    firsts: list[float] = []
    fulls: list[float] = []
    cpus: list[float] = []
    for _ in range(args.runs):
        scans.append(time_command(scan_cmd))
        first, full, cpu = browse_once(args.root)
        firsts.append(first)
        fulls.append(full)
        cpus.append(cpu)
    med = statistics.median
    print(
        f"scan --json:          median {med(scans):.3f}s (min {min(scans):.3f}s, {args.runs} runs)"
    )
    print(f"browse first finding: median {med(firsts):.3f}s (min {min(firsts):.3f}s)")
    print(f"browse full list:     median {med(fulls):.3f}s (min {min(fulls):.3f}s)")
    print(f"browse process CPU:   median {med(cpus):.3f}s (min {min(cpus):.3f}s) at the full list")
    ratios = [b / s for b, s in zip(fulls, scans, strict=True)]
    print(
        f"ratio full list/scan: median {med(ratios):.2f}x "
        f"(per-round: {', '.join(f'{r:.2f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
