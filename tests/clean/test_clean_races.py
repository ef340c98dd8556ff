"""Races a reviewer reproduced in `clean` and `restore`, replayed with real symlink swaps.

Each attack runs at a checkpoint of the real code path (hygiene/clean/crashpoint.py), between the
re-check and the move, where another process could strike. Patching the checkpoint is the only
stand-in: the swaps, the writes, the folders and the quarantine are all real.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cleanhelp import build_project, snapshot

SHM = "/dev/shm"


class Crash(Exception):
    """Stands in for SIGKILL (no cleanup runs) when a test must act before recovery runs."""


@pytest.fixture
def at_step(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[[], None]], None]:
    """Run `action` once, the first time the engine reaches checkpoint `step`."""

    def install(step: str, action: Callable[[], None]) -> None:
        fired: list[bool] = []

        def hook(name: str) -> None:
            if name == step and not fired:
                fired.append(True)
                action()

        monkeypatch.setattr("hygiene.clean.quarantine.checkpoint", hook)

    return install


@pytest.fixture
def other_fs_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HYGIENE_HOME on a tmpfs, so quarantine must copy, verify and delete."""
    if not os.path.isdir(SHM) or os.stat(SHM).st_dev == os.stat(tempfile.gettempdir()).st_dev:
        pytest.skip("no second filesystem at /dev/shm")
    home = Path(tempfile.mkdtemp(dir=SHM, prefix="hygiene-test-"))
    monkeypatch.setenv("HYGIENE_HOME", str(home))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _swap_for_link(folder: Path, target: Path) -> Path:
    """Move `folder` away and put a symlink to `target` in its place; return where it went."""
    moved = folder.with_name(folder.name + ".old")
    os.rename(folder, moved)
    os.symlink(target, folder)
    return moved


def _outside_twin(tmp_path: Path) -> Path:
    """A folder outside the roots shaped like the repo: what a swapped link would lead to."""
    twin = tmp_path / "outside" / "repo"
    (twin / "node_modules" / "left-pad").mkdir(parents=True)
    (twin / "node_modules" / "left-pad" / "index.js").write_text("someone else's data\n")
    (twin / "src" / "__pycache__").mkdir(parents=True)
    (twin / "src" / "__pycache__" / "x.pyc").write_bytes(b"someone else's cache")
    return twin


# --- 1. a folder swapped for a symlink after the re-check ----------------------------------


@pytest.mark.parametrize("how", [["--incinerate"], []], ids=["incinerate", "quarantine"])
def test_parent_swapped_for_a_link_after_the_recheck_touches_nothing_outside(
    cli, make_repo, tmp_path, at_step, how
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    items = {name: snapshot(p) for name, p in paths.items()}
    twin = _outside_twin(tmp_path)
    outside = snapshot(twin.parent)
    moved: list[Path] = []
    at_step("intent", lambda: moved.append(_swap_for_link(repo.path, twin)))

    res = cli("clean", repo.path, "--yes", "--json", *how)

    assert res.code == 0, res.err
    assert snapshot(twin.parent) == outside  # nothing outside the roots moved or deleted
    real = moved[0]
    for name, p in paths.items():  # the scanned items stay whole where they really are
        assert snapshot(real / p.relative_to(repo.path)) == items[name]
    outcomes = {i["outcome"] for i in json.loads(res.out)["items"]}
    assert outcomes == {"skipped"}
    reasons = " ".join(i["reason"] for i in json.loads(res.out)["items"])
    assert "symlink" in reasons


def test_item_replaced_after_the_recheck_is_left_alone(cli, make_repo, at_step) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    nm = paths["node_modules"]

    def replace() -> None:
        os.rename(nm, nm.with_name("node_modules.real"))
        (nm / "new").mkdir(parents=True)  # same name, another folder: not what the scan saw

    at_step("intent", replace)
    res = cli("clean", repo.path, "--yes", "--incinerate", "--json")

    assert res.code == 0, res.err
    assert (nm / "new").is_dir()
    assert (nm.with_name("node_modules.real") / "left-pad" / "index.js").is_file()
    (item,) = [i for i in json.loads(res.out)["items"] if i["path"] == str(nm)]
    assert item["outcome"] == "skipped"
    assert "replaced since the scan" in item["reason"]


# --- 2. copy across filesystems and a late write -------------------------------------------


def test_write_to_the_path_after_verification_survives(
    cli, make_repo, other_fs_home, at_step
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    nm = paths["node_modules"]
    late = nm / "left-pad" / "new-written-by-build.js"

    def build_tool_writes() -> None:  # a concurrent `npm install`, by path
        late.parent.mkdir(parents=True, exist_ok=True)
        late.write_text("fresh\n")

    at_step("verified", build_tool_writes)
    res = cli("clean", repo.path, "--yes", "--json")

    assert res.code == 0, res.err
    assert late.read_text() == "fresh\n"


def test_write_into_the_original_during_removal_is_rolled_back_not_deleted(
    cli, make_repo, other_fs_home, at_step
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    nm = paths["node_modules"]
    # A process working inside the folder (its cwd, an open dir fd) follows it when renamed.
    fd = os.open(nm / "left-pad", os.O_RDONLY | os.O_DIRECTORY)

    def write_through_fd() -> None:
        out = os.open("late.js", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"late\n")
        os.close(out)

    at_step("verified", write_through_fd)
    try:
        res = cli("clean", repo.path, "--yes", "--json")
    finally:
        os.close(fd)

    assert res.code == 1, res.err
    assert (nm / "left-pad" / "late.js").read_bytes() == b"late\n"
    assert (nm / "left-pad" / "index.js").read_text() == "module.exports = 1\n"
    failed = [i for i in json.loads(res.out)["items"] if i["outcome"] == "failed"]
    assert [i["path"] for i in failed] == [str(nm)]
    assert "changed while being copied" in failed[0]["reason"]
    assert not list(repo.path.rglob(".hygiene-*"))
    held = list((other_fs_home / "quarantine").rglob("items/*"))
    assert [p.name for p in held] == ["1"]  # __pycache__ went; node_modules' copy was dropped


def test_recovery_after_a_crash_keeps_a_late_write(cli, make_repo, other_fs_home, at_step) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    nm = paths["node_modules"]
    before = snapshot(nm)

    def crash() -> None:
        raise Crash

    at_step("verified", crash)
    assert cli("clean", repo.path, "--yes", "--json").code == 3  # the boundary's internal error
    # Killed with the copy verified and the original aside; then something writes into it.
    (aside,) = repo.path.glob(".hygiene-*.deleting")
    (aside / "left-pad" / "late.js").write_text("late\n")

    res = cli("restore", "--last", "--yes")  # recovery runs first, then finds nothing held
    assert res.code == 2, res.err
    after = snapshot(nm)
    assert after.pop("left-pad/late.js")[3] == b"late\n"
    assert {k: v for k, v in after.items() if k != "left-pad"} == {
        k: v for k, v in before.items() if k != "left-pad"
    }
    assert not list(repo.path.glob(".hygiene-*"))


# --- 3. restore through a swapped parent ---------------------------------------------------


def test_restore_refuses_a_parent_swapped_for_a_link(cli, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    assert cli("clean", repo.path, "--yes").code == 0
    twin = tmp_path / "outside" / "repo"
    twin.mkdir(parents=True)
    moved = _swap_for_link(repo.path, twin)

    res = cli("restore", "--last", "--yes")

    assert res.code == 1
    assert list(twin.iterdir()) == []  # nothing written outside the roots
    assert not (moved / "node_modules").exists()
    lines = [line for line in res.out.splitlines() if line.startswith("failed:")]
    assert len(lines) == 2
    assert all("symlink" in line for line in lines)
    held = json.loads(cli("quarantine", "list", "--json").out)["runs"]
    assert held[0]["items"] == 2  # still whole in quarantine


def test_restore_refuses_a_parent_that_is_another_folder_now(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    assert cli("clean", repo.path, "--yes").code == 0
    os.rename(repo.path, repo.path.with_name("repo.old"))
    repo.path.mkdir()  # same path, a different folder

    res = cli("restore", "--last", "--yes")

    assert res.code == 1
    assert not paths["node_modules"].exists()
    assert f"failed: {paths['node_modules']}: its folder was replaced" in res.out
    assert not (repo.path.with_name("repo.old") / "node_modules").exists()


def test_restore_recreates_a_parent_that_was_removed(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    pyc = snapshot(paths["pycache"])
    assert cli("clean", repo.path, "--yes").code == 0
    shutil.rmtree(repo.path / "src")

    res = cli("restore", "--last", "--yes")

    assert res.code == 0, res.out
    assert snapshot(paths["pycache"]) == pyc


def test_a_root_given_through_a_symlink_is_still_collected(cli, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Items are reached without following links, so the root the user names is resolved first.
    repo = make_repo("real/repo")
    paths = build_project(repo)
    os.symlink(tmp_path / "real", tmp_path / "link")

    res = cli("clean", tmp_path / "link", "--yes", "--json")

    assert res.code == 0, res.err
    assert {i["outcome"] for i in json.loads(res.out)["items"]} == {"done"}
    assert not paths["node_modules"].exists()
