"""Restore into a folder that is gone makes it again; run as root (`sudo hygiene restore` of a
user's item), the folders it makes must be the user's, as the folder above them is, not
root's: a root-owned folder in a user's project is one they can no longer write to or clean."""

from __future__ import annotations

import os
import shutil

import pytest
from cleanhelp import age

USER, GROUP = 1001, 1002


def test_folders_restore_makes_are_owned_like_the_folder_above(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if os.geteuid() != 0:
        pytest.skip("giving files to another user needs root (CI runs as root)")
    project = tmp_path / "home" / "ann" / "shop"
    nm = project / "web" / "node_modules"
    (nm / "left-pad").mkdir(parents=True)
    (project / "web" / "package.json").write_text("{}\n")
    (nm / "left-pad" / "index.js").write_text("module.exports = 1\n")
    for _top, dirs, files, fd in os.fwalk(tmp_path / "home" / "ann"):
        for name in [*dirs, *files]:
            os.chown(name, USER, GROUP, dir_fd=fd, follow_symlinks=False)
    os.chown(tmp_path / "home" / "ann", USER, GROUP)
    age(project)

    assert cli("clean", project, "--yes").code == 0
    shutil.rmtree(project / "web")  # the user removed the folder meanwhile

    res = cli("restore", "--last", "--yes")

    assert res.code == 0, res.out + res.err
    st = os.lstat(project / "web")
    assert (st.st_uid, st.st_gid) == (USER, GROUP)
    assert os.lstat(nm).st_uid == USER
