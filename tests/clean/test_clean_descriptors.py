"""Removal, copy and comparison below an item go through folder descriptors (issue 14, item 1).

A folder swapped for a symlink between two levels of a walk (CVE-2022-21658, Rust's
`remove_dir_all`) must never lead the walk outside the item. The swap is made by the test at
the walk's own hook between two levels (hygiene/clean/crashpoint.py `hooks`), so it is deterministic;
everything else is real. What lies outside is checked by a manifest taken before.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cleanhelp import OLD, age, manifest

from hygiene.clean import crashpoint

WIDE = 20  # folders under the swapped level, each holding a file


def _project(repo: Any) -> Path:
    """A Node project whose node_modules/x1 holds WIDE package folders."""
    repo.write("package.json", "{}\n")
    repo.write(".gitignore", "node_modules/\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "init")
    for i in range(WIDE):
        repo.write(f"node_modules/x1/y{i}/index.js", f"module.exports = {i}\n")
    age(repo.path)
    return repo.path / "node_modules"


def _precious(tmp_path: Path) -> Path:
    """A folder outside the roots shaped like x1: what a swapped-in link would lead to."""
    outside = tmp_path / "precious"
    for i in range(WIDE):
        (outside / f"y{i}").mkdir(parents=True)
        (outside / f"y{i}" / "thesis.txt").write_text(f"chapter {i}\n")
    os.chmod(outside / "y3", 0o750)
    os.symlink("y1/thesis.txt", outside / "latest")
    age(outside)
    return outside


@pytest.fixture
def swap_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Path], list[Path]]:
    """At walk step `step`, once the walk has listed `x1` and before it enters any folder
    below: move that `x1` aside and put a symlink to `target` in its place."""

    def install(step: str, target: Path) -> list[Path]:
        moved: list[Path] = []

        def swap(top: str, where: str) -> None:
            if where != "x1" or moved:
                return
            level = Path(top) / where
            aside = level.with_name("x1.moved-by-attacker")
            os.rename(level, aside)
            os.symlink(target, level)
            moved.append(aside)

        monkeypatch.setitem(crashpoint.hooks, step, swap)
        return moved

    return install


def test_incinerate_never_follows_a_folder_swapped_mid_removal(  # type: ignore[no-untyped-def]
    cli, make_repo, tmp_path, swap_at
) -> None:
    nm = _project(make_repo())
    outside = _precious(tmp_path)
    before = manifest(outside)
    moved = swap_at("remove-level", outside)

    cli("clean", nm.parent, "--yes", "--incinerate", "--json")

    assert moved, "the removal never reached the level below x1"
    assert manifest(outside) == before


def test_purge_never_follows_a_folder_swapped_mid_removal(  # type: ignore[no-untyped-def]
    cli, make_repo, tmp_path, swap_at
) -> None:
    nm = _project(make_repo())
    outside = _precious(tmp_path)
    before = manifest(outside)
    assert cli("clean", nm.parent, "--yes").code == 0
    moved = swap_at("remove-level", outside)

    cli("quarantine", "purge", "--older-than", "0s")

    assert moved, "the purge never reached the level below x1"
    assert manifest(outside) == before


def test_copy_across_filesystems_never_reads_through_a_swapped_folder(  # type: ignore[no-untyped-def]
    cli, make_repo, tmp_path, swap_at, other_fs_home, monkeypatch
) -> None:
    nm = _project(make_repo())
    outside = _precious(tmp_path)
    before = manifest(outside)
    moved = swap_at("copy-level", outside)
    copied: list[set[str]] = []

    def look_at_the_copy(step: str) -> None:
        if step == "copied":  # the copy is whole and about to be compared
            (partial,) = other_fs_home.glob("quarantine/*/items/*.partial")
            copied.append({p.name for p in partial.rglob("*") if p.is_file()})

    monkeypatch.setattr("hygiene.clean.quarantine.checkpoint", look_at_the_copy)

    cli("clean", nm.parent, "--yes", "--json")

    assert moved, "the copy never reached the level below x1"
    assert copied == [{"index.js"}]  # the item's own files, none of the precious ones
    assert manifest(outside) == before


# --- paths longer than PATH_MAX below an item -----------------------------------------------

LEVELS = 24  # 24 names of 200 bytes: about 4,800 bytes below node_modules


def _deep_project(repo: Any) -> Path:
    """A node_modules whose innermost file lies deeper than PATH_MAX (4,096 bytes)."""
    repo.write("package.json", "{}\n")
    repo.write(".gitignore", "node_modules/\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "init")
    nm = repo.path / "node_modules"
    nm.mkdir()
    fd = os.open(nm, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for level in range(LEVELS):
            name = f"pkg{level:02d}-" + "x" * 194
            os.mkdir(name, dir_fd=fd)
            os.symlink("../index.js", f"link{level}", dir_fd=fd)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("index.js", os.O_WRONLY | os.O_CREAT, 0o640, dir_fd=fd)
        os.write(out, b"module.exports = 'deep';\n")
        os.close(out)
    finally:
        os.close(fd)
    _age_through_fds(repo.path)
    return nm


def _age_through_fds(root: Path) -> None:
    """`cleanhelp.age` for trees too deep to name by path."""
    when = (OLD, OLD)
    for _top, dirs, files, fd in os.fwalk(root, topdown=False):
        for name in [*dirs, *files]:
            if name != ".git":
                os.utime(name, when, dir_fd=fd, follow_symlinks=False)
    os.utime(root, when)


def _outcomes(res: Any) -> list[tuple[str, str]]:
    return [(i["outcome"], i["reason"]) for i in json.loads(res.out)["items"]]


def test_incinerate_a_tree_deeper_than_path_max(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    nm = _deep_project(make_repo())
    res = cli("clean", nm.parent, "--yes", "--incinerate", "--json")
    assert [o for o, _ in _outcomes(res)] == ["done"], _outcomes(res)
    assert not os.path.lexists(nm)
    assert not list(nm.parent.glob(".hygiene-*"))


@pytest.mark.parametrize("where", ["same filesystem", "another filesystem"])
def test_quarantine_restore_and_purge_a_tree_deeper_than_path_max(  # type: ignore[no-untyped-def]
    cli, make_repo, request, where
) -> None:
    if where == "another filesystem":
        request.getfixturevalue("other_fs_home")
    nm = _deep_project(make_repo())
    before = manifest(nm.parent)
    res = cli("clean", nm.parent, "--yes", "--json")
    assert [o for o, _ in _outcomes(res)] == ["done"], _outcomes(res)
    assert not os.path.lexists(nm)
    res = cli("restore", "--last", "--yes")
    assert res.code == 0, res.err
    assert manifest(nm.parent) == before

    res = cli("clean", nm.parent, "--yes", "--json")
    assert [o for o, _ in _outcomes(res)] == ["done"], _outcomes(res)
    res = cli("quarantine", "purge", "--older-than", "0s", "--json")
    assert res.code == 0, res.err
    assert json.loads(res.out)["items"][0]["outcome"] == "done"
    home = Path(os.environ["HYGIENE_HOME"]) / "quarantine"
    assert not list(home.glob("*/items/*"))
