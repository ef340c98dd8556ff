"""Benchmark (issue 5): `hygiene hook hygiene-large-files` against pre-commit-hooks'
`check-added-large-files` on the same 2,000 staged files.

One repository with a first commit, then 2,000 new files (a few bytes to 40 KB, in 100 folders)
staged, as a large commit would stage them. Both hooks run as pre-commit runs them: their
console scripts from this environment, every file name on the command line, start-up included.
They alternate, warm cache; each pair gives a ratio and the median ratio is reported (target:
at most 1.2). hygiene's bytecode is compiled first, as pip compiles an installed package's.
Then `python -X importtime` for each: the sum of the modules' import times (the "self" column,
each the median of 9 runs) and the number of modules.

    python benchmarks/bench_hook.py [--files 2000] [--runs 21] [--large 0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import GIT_ENV

BIN = Path(sys.executable).parent


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "init.defaultBranch=main", *args],
        check=True,
        capture_output=True,
        env=GIT_ENV,
    )


def make_repo(repo: Path, files: int, large: int, rng: random.Random) -> list[str]:
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "README.md").write_text("bench\n")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-q", "-m", "first")
    names: list[str] = []
    for i in range(files):
        rel = f"src/pkg{i % 100}/mod{i}.py"
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 600_000 if i < large else rng.randint(10, 40_000)
        target.write_bytes(rng.randbytes(size))
        names.append(rel)
    _git(repo, "add", "-A")
    return names


def timed(cmd: list[str], cwd: Path, expect: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{cmd[0]} exited {done.returncode}: {done.stdout[:300]!r}")
    return elapsed


def import_totals(cmd: list[str], cwd: Path, runs: int = 9) -> tuple[float, int]:
    """(milliseconds of imports, number of modules) from `python -X importtime`.

    Each module's "self" time is the median over `runs` runs, then summed: one slow run on a
    shared machine then moves the total by a module's worth, not by a whole run's.
    """
    times: dict[str, list[int]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *cmd], cwd=cwd, capture_output=True, text=True
        )
        for line in done.stderr.splitlines():
            if line.startswith("import time:") and "self [us]" not in line:
                self_us, _, name = line[len("import time:") :].split("|")
                times.setdefault(name.strip(), []).append(int(self_us))
    total = sum(statistics.median(values) for values in times.values())
    return total / 1000, len(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--large", type=int, default=0, help="Files over 500 KB among them.")
    parser.add_argument("--keep", type=Path, help="Build the repository here and keep it.")
    args = parser.parse_args()

    ours_script = BIN / "hygiene"
    ref_script = BIN / "check-added-large-files"
    for script in (ours_script, ref_script):
        if not script.exists():
            raise SystemExit(f"{script} not found: pip install -e '.[test]' first")

    # pip compiles an installed package's bytecode, as it did pre-commit-hooks' here; an editable
    # install under PYTHONDONTWRITEBYTECODE would otherwise recompile hygiene on every run.
    import compileall

    import hygiene

    compileall.compile_dir(str(Path(hygiene.__file__).parent), quiet=1)

    base = args.keep or Path(tempfile.mkdtemp(prefix="hygiene-bench-hook-"))
    repo = base / "repo"
    try:
        names = make_repo(repo, args.files, args.large, random.Random(5))
        ours = [str(ours_script), "hook", "hygiene-large-files", *names]
        ref = [str(ref_script), *names]
        expect = 1 if args.large else 0
        for _ in range(2):  # warm the page cache and git's index
            timed(ours, repo, expect)
            timed(ref, repo, expect)
        pairs: list[tuple[float, float]] = []
        for i in range(args.runs):
            if i % 2:
                r = timed(ref, repo, expect)
                o = timed(ours, repo, expect)
            else:
                o = timed(ours, repo, expect)
                r = timed(ref, repo, expect)
            pairs.append((o, r))
        ratio = statistics.median(o / r for o, r in pairs)
        o_med = statistics.median(o for o, _ in pairs)
        r_med = statistics.median(r for _, r in pairs)
        imports = {
            name: import_totals(cmd, repo) for name, cmd in (("hygiene", ours), ("reference", ref))
        }
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)

    print(f"{args.files} staged files ({args.large} over 500 KB), {args.runs} alternating runs")
    print(f"hygiene hook hygiene-large-files  median {o_med * 1000:7.1f} ms")
    print(f"check-added-large-files           median {r_med * 1000:7.1f} ms")
    print(f"median ratio (per pair)           {ratio:.2f}x   (target <= 1.2x)")
    for name, (total, modules) in imports.items():
        print(f"-X importtime {name:10}  {total:6.1f} ms total, {modules} modules")
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
