"""Hard links inside an item survive quarantine and restore across filesystems: the item comes
back exactly (the same names sharing the same inodes), and restore does not report a quarantine
"changed meanwhile" because two names of one file came back as two files.

The manifest (content hash, mode, mtime, owner, link target) is taken before; the link
structure is checked by inode, never by hygiene's own output.
"""

from __future__ import annotations

import os
from pathlib import Path

from cleanhelp import age, manifest


def _links(root: Path) -> list[list[str]]:
    """The groups of names under `root` that are one file, as sorted relative paths."""
    groups: dict[int, list[str]] = {}
    for top, _dirs, files, fd in os.fwalk(root):
        for name in files:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            rel = os.path.relpath(os.path.join(top, name), root)
            groups.setdefault(st.st_ino, []).append(rel)
    return sorted(sorted(g) for g in groups.values())


def test_hard_links_inside_an_item_come_back_linked(cli, tmp_path, other_fs_home) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "shop"
    nm = project / "node_modules"
    (nm / "a" / "lib").mkdir(parents=True)
    (nm / "b").mkdir()
    (project / "package.json").write_text("{}\n")
    (nm / "a" / "lib" / "index.js").write_text("module.exports = 1\n")
    os.link(nm / "a" / "lib" / "index.js", nm / "b" / "index.js")  # pnpm, npm dedupe, cp -al
    os.link(nm / "a" / "lib" / "index.js", nm / "a" / "same.js")
    (nm / "b" / "own.js").write_text("module.exports = 2\n")
    age(project)
    before, links = manifest(project), _links(nm)

    res = cli("clean", project, "--yes")
    assert res.code == 0, res.err
    assert not nm.exists()

    res = cli("restore", "--last", "--yes")

    assert res.code == 0, res.out + res.err
    assert "differs" not in res.out + res.err
    assert manifest(project) == before
    assert _links(nm) == links
