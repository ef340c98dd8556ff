"""Generate a synthetic developer workspace for benchmarks: sources plus the usual garbage.

Deterministic for a given seed. The default (`--files 200000`) makes a tree like a busy
`~/code`: several projects, one big node_modules, a virtualenv, a Rust target/, caches.
"""

from __future__ import annotations

import argparse
import os
import random
from pathlib import Path

SHARES = {  # fraction of the files each part gets
    "node_modules": 0.55,
    "venv": 0.15,
    "target": 0.07,
    "pycache": 0.03,
    "sources": 0.20,
}


def _fill(folder: Path, count: int, rng: random.Random, *, fanout: int, suffix: str) -> None:
    """`count` small files spread over nested folders, `fanout` files per folder."""
    made = 0
    index = 0
    while made < count:
        sub = folder / f"pkg{index // 10}" / f"mod{index % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        for j in range(min(fanout, count - made)):
            size = int(rng.expovariate(1 / 2500))
            (sub / f"f{j}{suffix}").write_bytes(b"x" * size)
        made += fanout
        index += 1


def generate(root: Path, files: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    n = {k: int(files * v) for k, v in SHARES.items()}
    web = root / "web"
    web.mkdir(exist_ok=True)
    (web / "package.json").write_text('{"name": "web"}\n')
    _fill(web / "node_modules", n["node_modules"], rng, fanout=12, suffix=".js")
    api = root / "api"
    (api / ".venv").mkdir(parents=True, exist_ok=True)
    (api / "pyproject.toml").write_text("[project]\nname = 'api'\n")
    (api / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    _fill(api / ".venv" / "lib", n["venv"], rng, fanout=15, suffix=".py")
    engine = root / "engine"
    engine.mkdir(exist_ok=True)
    (engine / "Cargo.toml").write_text("[package]\nname = 'engine'\n")
    _fill(engine / "target", n["target"], rng, fanout=20, suffix=".rlib")
    src = api / "src"
    for i in range(max(1, n["pycache"] // 5)):
        pkg = src / f"pkg{i}"
        (pkg / "__pycache__").mkdir(parents=True, exist_ok=True)
        for j in range(5):
            (pkg / f"m{j}.py").write_text("x = 1\n")
            (pkg / "__pycache__" / f"m{j}.cpython-311.pyc").write_bytes(b"p" * 300)
    _fill(root / "docs-site" / "content", n["sources"] - n["pycache"], rng, fanout=8, suffix=".md")
    return root


def prepare(root: Path, files: int, *, fresh: bool) -> None:
    """The benchmark's tree, generated once (again with `fresh`), and hygiene's bytecode
    written, as `pip install` writes it: without it (PYTHONDONTWRITEBYTECODE is set on some
    machines) every run would compile hygiene's modules again and time that too."""
    import compileall
    import shutil

    import hygiene

    if fresh and root.exists():
        shutil.rmtree(root)
    if not root.exists():
        print(f"generating {files} files under {root} ...", flush=True)
        generate(root, files)
    compileall.compile_dir(Path(hygiene.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.root, args.files, args.seed)
    count = sum(len(f) for _, _, f in os.walk(args.root))
    print(f"{count} files under {args.root}")


if __name__ == "__main__":
    main()
