"""`hygiene scan --json` (every kind, and artifacts only) against `du -sb`, alternating.

    python benchmarks/bench_scan.py [--root /tmp/hygiene-bench/workspace] [--files 200000]

Target (issue 2): median ratio <= 1.5x on a warm cache, peak memory < 150 MB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from timing import alternate, peak_rss_mb, report
from workspace import prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("/tmp/hygiene-bench/workspace"))
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="regenerate the workspace")
    args = parser.parse_args()
    prepare(args.root, args.files, fresh=args.fresh)
    from hygiene.relaunch import program

    hygiene_cmd = [*program(), "scan", str(args.root), "--json", "--quiet"]
    hygiene_artifacts = [*hygiene_cmd, "--kind", "artifact"]
    bare = [sys.executable, str(Path(__file__).parent / "bare_walk.py"), str(args.root)]
    commands = {
        "du -sb": ["du", "-sb", str(args.root)],
        "bare scandir": bare,
        "hygiene": hygiene_cmd,
        "artifacts": hygiene_artifacts,
    }
    times = alternate(commands, args.runs)
    report({k: times[k] for k in ("hygiene", "du -sb")}, "hygiene", "du -sb")
    report({k: times[k] for k in ("artifacts", "du -sb")}, "artifacts", "du -sb")
    report({k: times[k] for k in ("bare scandir", "du -sb")}, "bare scandir", "du -sb")
    print(f"peak memory of hygiene scan: {peak_rss_mb(hygiene_cmd):.0f} MB")


if __name__ == "__main__":
    main()
