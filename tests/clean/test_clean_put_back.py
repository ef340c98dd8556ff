"""An item set aside (renamed to `.hygiene-<run>-<n>.deleting` beside its place) that cannot be
put back because a build tool made a new folder at its name meanwhile is the user's data under
a name that says "deleting": it must stay listed by `quarantine list`, and a later run must
put it back once its place is free, never leave it hidden.

The copy across filesystems is made to fail (a fifo appears in a folder it has not reached
yet) from the walk's own hook, deterministically; everything else is real.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cleanhelp import age, manifest

from hygiene.clean import crashpoint


def test_an_original_that_cannot_be_put_back_stays_listed_and_comes_back(  # type: ignore[no-untyped-def]
    cli, tmp_path, other_fs_home, monkeypatch
) -> None:
    project = tmp_path / "shop"
    nm = project / "node_modules"
    for pkg in ("a", "b"):
        (nm / pkg).mkdir(parents=True)
        (nm / pkg / "index.js").write_text(f"module.exports = '{pkg}'\n")
    (project / "package.json").write_text("{}\n")
    age(project)
    before = manifest(nm)
    done: list[str] = []

    def build_tool_meanwhile(top: str, where: str) -> None:
        if done:
            return
        done.append(where)
        os.mkfifo(Path(top) / "a" / "pipe")  # the copy fails when it reaches a/
        os.mkfifo(Path(top) / "b" / "pipe")
        (nm / ".cache").mkdir(parents=True)  # npm writes a new node_modules at its name

    monkeypatch.setitem(crashpoint.hooks, "copy-level", build_tool_meanwhile)
    res = cli("clean", project, "--yes")
    monkeypatch.delitem(crashpoint.hooks, "copy-level")
    assert done
    assert res.code == 1  # failed, left in place: but the place was taken
    (aside,) = project.glob(".hygiene-*")
    os.unlink(aside / "a" / "pipe")
    os.unlink(aside / "b" / "pipe")
    age(aside)  # the fifos were the test's doing, not the user's: their folders' times back

    listed = json.loads(cli("quarantine", "list", "--json").out)
    assert any(r["unfinished"] or r["set_aside"] for r in listed["runs"]), listed  # not hidden
    assert "could not be put back" in cli("quarantine", "list").out

    (nm / ".cache").rmdir()
    nm.rmdir()  # the place is free again
    cli("quarantine", "list")  # any later run settles it
    assert manifest(nm) == before
    assert not list(project.glob(".hygiene-*"))
