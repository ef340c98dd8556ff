"""Issue 14, the refusals: a full quarantine filesystem refuses per item; a repository git
refuses (dubious ownership) is said, not "Nothing to collect"; no terminal and no --yes is exit 2.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cleanhelp import age, build_project, snapshot


@pytest.fixture
def small_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HYGIENE_HOME on a 1 MiB tmpfs mounted for this test (root only)."""
    home = tmp_path / "tiny-fs"
    home.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(home)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {done.stderr.strip() or done.returncode}")
    monkeypatch.setenv("HYGIENE_HOME", str(home / "state"))
    try:
        yield home
    finally:
        subprocess.run(["umount", "-l", str(home)], check=False)


def test_a_full_quarantine_refuses_per_item(cli, make_repo, small_home) -> None:  # type: ignore[no-untyped-def]
    big = make_repo("big")
    big.write("package.json", "{}\n")
    big.write("node_modules/huge/blob.bin", os.urandom(3 * 1024 * 1024))
    big.commit("package.json")
    age(big.path)
    small = make_repo("small")
    small.write("m.py", "x = 1\n")
    small.commit()
    pyc = small.write("__pycache__/m.cpython-311.pyc", b"pyc!!\n").parent
    age(small.path)

    res = cli("clean", big.path, small.path, "--yes", "--json")

    assert res.code == 1, res.err
    items = {i["path"]: i for i in json.loads(res.out)["items"]}
    assert items[str(big.path / "node_modules")]["outcome"] == "failed"
    assert "quarantine disk is full" in items[str(big.path / "node_modules")]["reason"]
    assert items[str(pyc)]["outcome"] == "done", items[str(pyc)]["reason"]
    assert (big.path / "node_modules" / "huge" / "blob.bin").stat().st_size == 3 * 1024 * 1024


@pytest.fixture
def foreign_repo(make_repo):  # type: ignore[no-untyped-def]
    """A repository owned by uid 1001, which git refuses to root (no safe.directory: the
    tests' own GIT_CONFIG_GLOBAL has none and GIT_CONFIG_NOSYSTEM skips /etc/gitconfig)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to give the repository to another user")
    repo = make_repo()
    build_project(repo)
    subprocess.run(["chown", "-R", "1001:1001", str(repo.path)], check=True)
    done = subprocess.run(
        ["git", "-C", str(repo.path), "status"], capture_output=True, text=True, check=False
    )
    assert "dubious ownership" in done.stderr
    return repo


def test_clean_says_git_refused_the_repository(cli, foreign_repo) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(foreign_repo.path)
    res = cli("clean", foreign_repo.path, "--yes")
    assert res.code == 1, res.out + res.err
    assert "dubious ownership" in res.err
    assert f"{foreign_repo.path}: skipped" in res.err
    assert "Nothing to collect" not in res.out
    assert snapshot(foreign_repo.path) == before


def test_fix_says_git_refused_the_repository(cli, foreign_repo) -> None:  # type: ignore[no-untyped-def]
    foreign_repo.write("dist/app.js", "x\n")  # an ignore gap to fix, were git to answer
    before = snapshot(foreign_repo.path)
    res = cli("fix", foreign_repo.path, "--apply")
    assert res.code == 1, res.out + res.err
    assert "dubious ownership" in res.err
    assert f"{foreign_repo.path}: skipped" in res.err
    assert "Nothing to fix" not in res.out
    assert snapshot(foreign_repo.path) == before


def test_clean_without_a_terminal_or_yes_is_refused(cli, make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    before = snapshot(repo.path)
    with open(os.devnull) as nothing:  # `hygiene clean < /dev/null`, as under cron
        monkeypatch.setattr("sys.stdin", nothing)
        res = cli("clean", repo.path)
    assert res.code == 2
    assert "pass --yes" in res.err
    assert snapshot(repo.path) == before
