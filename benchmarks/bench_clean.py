"""Benchmark `clean`: quarantine by rename, and incinerate against `rm -rf` (issue 4, Speed).

Builds a node_modules of N files (default 100k) in a throwaway project, then in each round:
- times `clean` quarantining it (the engine's collect step: re-check + one rename) against one
  bare `rename` of an identical copy, and reports the median ratio;
- times `clean --incinerate` on one copy and `rm -rf` on an identical copy, alternating which
  goes first, and reports the median ratio (target: at most 1.3x).
The scan that precedes each clean is not timed: it is the same scan `hygiene scan` runs.

    BENCH_DIR=/dev/shm .venv/bin/python benchmarks/bench_clean.py [--files 100000] [--rounds 5]

BENCH_DIR picks the filesystem (default: the system temp folder).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_node_modules(project: Path, files: int) -> None:
    """`files` small files in packages of 10 folders x 10 files, like an npm install."""
    project.mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    nm = project / "node_modules"
    old = time.time() - 30 * 86400
    made = 0
    pkg = 0
    while made < files:
        for sub in range(10):
            folder = nm / f"pkg{pkg}" / f"lib{sub}"
            folder.mkdir(parents=True)
            for i in range(10):
                if made == files:
                    break
                path = folder / f"f{i}.js"
                path.write_bytes(b"module.exports = %d;\n" % made)
                os.utime(path, (old, old))
                made += 1
        pkg += 1
    for dirpath, _dirs, _files in os.walk(nm):
        os.utime(dirpath, (old, old))


def clone(src: Path, dst: Path) -> None:
    subprocess.run(["cp", "-a", str(src), str(dst)], check=True)


RENAMES: list[float] = []


def _timing_rename() -> None:
    """Record how long each rename takes, apart from the re-checks around it (this process only)."""
    real = os.rename

    def rename(src: str, dst: str, **fds: int | None) -> None:
        start = time.perf_counter()
        real(src, dst, **fds)  # type: ignore[arg-type]
        RENAMES.append(time.perf_counter() - start)

    os.rename = rename  # type: ignore[assignment]


def timed_clean(project: Path, *, incinerate: bool) -> float:
    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import CleanRequest, collect, survey
    from hygiene.clean.quarantine import exclusive
    from hygiene.config.layers import Config

    found = survey(CleanRequest(roots=(str(project),), config=Config(), incinerate=incinerate))
    assert len(found.plan.going) == 1, found.plan.items
    with exclusive():
        start = time.perf_counter()
        report = collect(found, found.plan, audit=AuditLog())
        elapsed = time.perf_counter() - start
    assert [o.outcome for o in report.outcomes] == ["done"], report.outcomes
    return elapsed


def timed_rename(project: Path) -> float:
    start = time.perf_counter()
    os.rename(project / "node_modules", project / "node_modules.moved")
    return time.perf_counter() - start


def timed_rm(project: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["rm", "-rf", str(project / "node_modules")], check=True)
    return time.perf_counter() - start


def timed_remove(project: Path) -> float:
    """The incinerator's deletion step alone, without the re-check that precedes it."""
    from hygiene.clean.treeops import remove_item

    start = time.perf_counter()
    remove_item(str(project / "node_modules"))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-clean-", dir=os.environ.get("BENCH_DIR")) as tmp:
        base = Path(tmp)
        os.environ["HYGIENE_HOME"] = str(base / "home")
        template = base / "template"
        t0 = time.perf_counter()
        make_node_modules(template, args.files)
        print(f"built {args.files:,} files in {time.perf_counter() - t0:.1f}s", file=sys.stderr)

        _timing_rename()
        quarantine: list[float] = []
        ratios: list[float] = []
        renames: list[float] = []
        versus_rename: list[float] = []
        removal: list[float] = []
        for round_no in range(args.rounds):
            q = base / f"q{round_no}"
            clone(template, q)
            RENAMES.clear()
            quarantine.append(timed_clean(q, incinerate=False))
            renames.append(RENAMES[0])
            shutil.rmtree(base / "home" / "quarantine", ignore_errors=True)
            plain = base / f"p{round_no}"
            clone(template, plain)
            versus_rename.append(quarantine[-1] / timed_rename(plain))
            shutil.rmtree(plain, ignore_errors=True)

            ours, theirs, bare = (base / f"{k}{round_no}" for k in ("i", "r", "b"))
            for copy in (ours, theirs, bare):
                clone(template, copy)
            subprocess.run(["sync"], check=True)
            order = ["incinerate", "rm", "remove"]
            if round_no % 2:
                order.reverse()
            took: dict[str, float] = {}
            for name in order:
                if name == "incinerate":
                    took[name] = timed_clean(ours, incinerate=True)
                elif name == "rm":
                    took[name] = timed_rm(theirs)
                else:
                    took[name] = timed_remove(bare)
            ratios.append(took["incinerate"] / took["rm"])
            removal.append(took["remove"] / took["rm"])
            print(
                f"round {round_no + 1}: quarantine {quarantine[-1] * 1000:.1f} ms "
                f"(rename {renames[-1] * 1e6:.0f} us; {versus_rename[-1]:.0f}x a bare rename); "
                f"incinerate {took['incinerate']:.3f}s, "
                f"rm -rf {took['rm']:.3f}s, ratio {ratios[-1]:.2f}; "
                f"deletion step alone {took['remove']:.3f}s, ratio {removal[-1]:.2f}",
                file=sys.stderr,
            )
            for leftover in (q, ours, theirs, bare):
                shutil.rmtree(leftover, ignore_errors=True)

        print(
            f"{args.files:,} files, {args.rounds} rounds: quarantine median "
            f"{statistics.median(quarantine) * 1000:.1f} ms, of which the rename "
            f"{statistics.median(renames) * 1e6:.0f} us; quarantine / bare rename median ratio "
            f"{statistics.median(versus_rename):.0f}; incinerate / rm -rf median ratio "
            f"{statistics.median(ratios):.2f} (target <= 1.3); the deletion step alone "
            f"{statistics.median(removal):.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
