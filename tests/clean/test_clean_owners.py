"""Quarantine across filesystems keeps owner and group, and restore compares them (issue 14,
item 7): root cleaning a user's tree must hand every entry back to that user, not to root."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from cleanhelp import age, manifest

from hygiene.clean.treeops import copy_item, difference

USER, GROUP = 1001, 1002  # neither root's nor the test runner's


def _needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("giving files to another user needs root (CI runs as root)")


def _users_project(repo: Any) -> Path:
    repo.write("package.json", "{}\n")
    repo.write(".gitignore", "node_modules/\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "init")
    repo.write("node_modules/left-pad/index.js", "module.exports = 1\n")
    repo.write("node_modules/left-pad/bin/run", "#!/bin/sh\n")
    os.chmod(repo.path / "node_modules/left-pad/bin/run", 0o2755)  # set-gid survives the chown
    os.symlink("../index.js", repo.path / "node_modules/left-pad/bin/alias.js")
    nm = repo.path / "node_modules"
    for _top, dirs, files, fd in os.fwalk(nm):
        for name in [*dirs, *files]:
            os.chown(name, USER, GROUP, dir_fd=fd, follow_symlinks=False)
    os.chown(nm, USER, GROUP)
    age(repo.path)
    return nm


def test_quarantine_and_restore_across_filesystems_keep_owner_and_group(  # type: ignore[no-untyped-def]
    cli, make_repo, other_fs_home
) -> None:
    _needs_root()
    nm = _users_project(make_repo())
    before = manifest(nm.parent)

    res = cli("clean", nm.parent, "--yes")
    assert res.code == 0, res.err
    (payload,) = other_fs_home.glob("quarantine/*/items/*")
    owners = {(st.st_uid, st.st_gid) for st in map(os.lstat, [payload, *payload.rglob("*")])}
    assert owners == {(USER, GROUP)}

    res = cli("restore", "--last", "--yes")
    assert res.code == 0, res.err
    assert manifest(nm.parent) == before


def test_difference_sees_owner_and_group(tmp_path: Path) -> None:
    _needs_root()
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub/file").write_text("x\n")
    os.symlink("file", tree / "sub/link")
    copy = tmp_path / "copy"
    copy_item(str(tree), str(copy))
    assert difference(str(tree), str(copy)) is None
    for rel in ("sub/file", "sub/link", "sub"):
        os.chown(copy / rel, USER, os.lstat(copy / rel).st_gid, follow_symlinks=False)
        assert difference(str(tree), str(copy)) == f"{rel}: owner or group differs"
        os.chown(copy / rel, 0, os.lstat(copy / rel).st_gid, follow_symlinks=False)
    os.chown(copy / "sub/file", 0, GROUP)
    assert difference(str(tree), str(copy)) == "sub/file: owner or group differs"
