"""The tree operations under the quarantine: no overwrite, no recursion limit, no mount crossing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hygiene.clean.quarantine import rename_noreplace
from hygiene.clean.treeops import copy_item, difference, remove_item


def test_rename_never_replaces(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a").write_text("quarantined\n")
    for existing in ("file", "empty-dir"):
        dst = tmp_path / existing
        if existing == "file":
            dst.write_text("the user's new work\n")
        else:
            dst.mkdir()  # plain rename(2) would silently replace an empty folder
        with pytest.raises(FileExistsError):
            rename_noreplace(str(src), str(dst))
        assert src.exists()
    assert (tmp_path / "file").read_text() == "the user's new work\n"
    rename_noreplace(str(src), str(tmp_path / "free"))
    assert (tmp_path / "free/a").read_text() == "quarantined\n"


def test_deep_trees_copy_compare_and_remove(tmp_path: Path) -> None:
    top = tmp_path / "deep"
    top.mkdir()
    here = str(top)
    for _ in range(1200):  # deeper than Python's recursion limit, within PATH_MAX
        here = os.path.join(here, "d")
        os.mkdir(here)
    leaf = Path(here) / "leaf.txt"
    leaf.write_text("bottom\n")
    os.symlink("leaf.txt", Path(here) / "link")
    copy = tmp_path / "copy"
    try:
        copy_item(str(top), str(copy))
        assert difference(str(top), str(copy)) is None
        leaf.write_text("bottom, changed\n")
        assert difference(str(top), str(copy)) is not None
    finally:
        # pytest's own clean-up of tmp_path recurses; leave nothing that deep behind.
        remove_item(str(top))
        remove_item(str(copy))
    assert not top.exists()
    assert not copy.exists()


def test_removing_a_link_leaves_its_target(tmp_path: Path) -> None:
    target = tmp_path / "target"
    (target / "inner").mkdir(parents=True)
    (target / "inner/keep.txt").write_text("keep\n")
    link = tmp_path / "link"
    os.symlink(target, link)
    remove_item(str(link))
    assert not os.path.lexists(link)
    assert (target / "inner/keep.txt").read_text() == "keep\n"


def test_removal_never_descends_into_a_mount(tmp_path: Path) -> None:
    import subprocess

    inner = tmp_path / "doomed/sub/mounted"
    inner.mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "none", str(inner)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (inner / "other-disk.txt").write_text("not ours\n")
        with pytest.raises(OSError, match="mounted filesystem"):
            remove_item(str(tmp_path / "doomed"))
        assert (inner / "other-disk.txt").read_text() == "not ours\n"
    finally:
        subprocess.run(["umount", str(inner)], check=True)
