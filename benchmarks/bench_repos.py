"""Benchmark (issue 3): `hygiene scan` over 20 git repositories, 100k files, against `du -sb`.

The tree is generated once per run: 20 repositories, each with committed sources, a history of a
few commits (one adding and deleting a big blob), ignored dependency and build folders, and
caches no `.gitignore` covers. Then `du -sb ROOT` and `hygiene scan --json --quiet ROOT` (a real
subprocess, start-up included) run alternately, warm cache, and the median ratio is reported.
The issue's target: the scan stays within 1.5x `du -sb`.

    python benchmarks/bench_repos.py [--files 100000] [--repos 20] [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from timing import GIT_ENV


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "init.defaultBranch=main", *args],
        check=True,
        capture_output=True,
        env=GIT_ENV,
    )


def _fill(folder: Path, count: int, rng: random.Random, *, fanout: int, suffix: str) -> None:
    made = 0
    index = 0
    while made < count:
        sub = folder / f"pkg{index // 10}" / f"mod{index % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        for j in range(min(fanout, count - made)):
            (sub / f"f{j}{suffix}").write_bytes(b"x" * int(rng.expovariate(1 / 2000)))
        made += fanout
        index += 1


def make_repo(repo: Path, files: int, rng: random.Random, kind: int) -> None:
    """One repository of about `files` files: 40% tracked sources, the rest artifacts."""
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    sources = int(files * 0.4)
    _fill(repo / "src", sources, rng, fanout=10, suffix=".py")
    (repo / "pyproject.toml").write_text("[project]\nname = 'r'\n")
    (repo / "package.json").write_text('{"name": "r"}\n')
    (repo / ".gitignore").write_text("node_modules/\n.venv/\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "sources")
    # A big blob committed once and deleted: history keeps it.
    (repo / "model.bin").write_bytes(rng.randbytes(200_000))
    _git(repo, "add", "model.bin")
    _git(repo, "commit", "-q", "-m", "add model")
    _git(repo, "rm", "-q", "model.bin")
    _git(repo, "commit", "-q", "-m", "drop model")
    # Real repositories keep their objects packed; 40k loose objects would only measure git.
    _git(repo, "gc", "-q")
    rest = files - sources - 3
    pycache = rest // 10
    if kind % 2:
        _fill(repo / "node_modules", rest - pycache, rng, fanout=12, suffix=".js")
    else:
        (repo / ".venv").mkdir()
        (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
        _fill(repo / ".venv" / "lib", rest - pycache - 1, rng, fanout=15, suffix=".py")
    for i in range(max(1, pycache // 5)):
        cache = repo / "src" / f"pkg{i}" / "__pycache__"
        cache.mkdir(parents=True, exist_ok=True)
        for j in range(5):
            (cache / f"m{j}.cpython-311.pyc").write_bytes(b"p" * 300)
            (cache.parent / f"m{j}.py").write_text("")  # its source: bytecode without one stays


def generate(root: Path, *, files: int, repos: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    for i in range(repos):
        make_repo(root / f"repo{i:02d}", files // repos, rng, i)


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="generate here (reused if it exists)")
    parser.add_argument("--scan-args", default="", help="extra arguments for hygiene scan")
    args = parser.parse_args()

    tmp = None
    if args.keep is not None:
        root = args.keep
        if not root.exists():
            generate(root, files=args.files, repos=args.repos)
    else:
        tmp = tempfile.mkdtemp(prefix="hygiene-bench-")
        root = Path(tmp) / "tree"
        generate(root, files=args.files, repos=args.repos)
    count = sum(len(f) for _, _, f in os.walk(root))
    # As `pip install` does: without bytecode (PYTHONDONTWRITEBYTECODE is set on some
    # machines) every run would compile hygiene's modules again and time that too.
    import compileall

    import hygiene

    compileall.compile_dir(Path(hygiene.__file__).parent, quiet=1)
    du = ["du", "-sb", str(root)]
    from hygiene.relaunch import program

    hyg = [*program(), "scan", "--json", "--quiet", *args.scan_args.split()]
    hyg.append(str(root))
    try:
        _time(du)
        _time(hyg)  # warm the page cache and the bytecode cache
        ratios = []
        du_times, hyg_times = [], []
        for _ in range(args.runs):
            d = _time(du)
            h = _time(hyg)
            du_times.append(d)
            hyg_times.append(h)
            ratios.append(h / d)
        print(f"tree: {args.repos} repositories, {count:,} files (with .git internals)")
        print(f"du -sb        median {statistics.median(du_times):.3f} s")
        print(f"hygiene scan  median {statistics.median(hyg_times):.3f} s")
        print(f"ratio (scan / du, per run, median of {args.runs}): {statistics.median(ratios):.2f}")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
