"""The small files hygiene reads from the trees it is given (`.hygieneignore`, `.gitignore`,
`.vscode/settings.json`) may be links to a device or fifos in a cloned or hostile tree: read
as regular files of a sane size or not at all, and a `.hygieneignore` that cannot be read
protects everything below it rather than nothing.

Each run is a real subprocess, limited in memory and time, so an endless read fails the test
rather than the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from cleanhelp import age, manifest

LIMIT = 1 << 30  # address space per run: hygiene needs a few hundred MB at most


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _hygiene(*args: object, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hygiene", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=_limit,
    )


def _project(make_repo) -> Path:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("package.json", "{}\n")
    repo.write("src/app.py", "print(1)\n")
    repo.commit()
    repo.write("node_modules/left-pad/index.js", "module.exports = 1\n")
    repo.write("src/__pycache__/app.cpython-311.pyc", b"\x00compiled")
    age(repo.path)
    return repo.path


def test_a_hygieneignore_linked_to_a_device_is_not_read_forever(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _project(make_repo)
    os.symlink("/dev/zero", root / ".hygieneignore")
    before = manifest(root / "node_modules")

    done = _hygiene("clean", root, "--yes", "--incinerate")

    assert done.returncode in (0, 1), done.stderr
    assert manifest(root / "node_modules") == before  # what it protects cannot be known


def test_a_hygieneignore_fifo_neither_hangs_nor_protects_nothing(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _project(make_repo)
    os.mkfifo(root / ".hygieneignore")
    before = manifest(root / "node_modules")

    try:
        done = _hygiene("clean", root, "--yes", "--incinerate", timeout=20)
    except subprocess.TimeoutExpired:
        raise AssertionError("hygiene clean hung opening a fifo .hygieneignore") from None

    assert done.returncode in (0, 1), done.stderr
    assert manifest(root / "node_modules") == before


def test_a_gitignore_and_settings_linked_to_a_device_do_not_exhaust_memory(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _project(make_repo)
    os.symlink("/dev/zero", root / ".gitignore")
    (root / ".vscode").mkdir()
    os.symlink("/dev/zero", root / ".vscode" / "settings.json")
    subprocess.run(["git", "-C", str(root), "add", "-A", "--", ".gitignore", ".vscode"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "links"], check=True)

    for args in (("scan", root), ("fix", root), ("fix", "--apply", root)):
        done = _hygiene(*args)
        assert done.returncode != 3, f"{args}: {done.stderr}"
    assert os.readlink(root / ".gitignore") == "/dev/zero"
