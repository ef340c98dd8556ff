"""`clean --incinerate` walks a folder once before deleting it: set aside under its aside name,
then read whole, and every check of the re-check judged on that one walk (newer files, entries
moved or linked in, a repository inside) together with the plan's count of files and bytes.

Each change below is real and made after the plan; what is kept is checked against a manifest
of the tree (every entry's type, mode, owner, mtime and content hash) taken after the change and
before hygiene acts, never by hygiene's messages alone. The one seam wrapped is
`treeops.folders`, the walk every re-check goes through, to count the walks.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cleanhelp import OLD, age, manifest

from hygiene.clean.act import CleanReport
from hygiene.clean.audit import AuditLog
from hygiene.clean.collect import CleanRequest, Survey, collect, survey
from hygiene.clean.quarantine import all_runs, exclusive, recover
from hygiene.config.layers import Config

CHANGED = "changed since the scan (an entry was added, moved in or out, or altered)"


def _project(tmp_path: Path) -> Path:
    """A project with a small node_modules (no repository: nothing for git to veto)."""
    project = tmp_path / "shop"
    nm = project / "node_modules"
    (nm / "a" / "lib").mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    (nm / "a" / "index.js").write_text("module.exports = 1\n")
    (nm / "a" / "lib" / "util.js").write_text("module.exports = 2\n")
    (nm / "top.js").write_text("module.exports = 3\n")
    age(project)
    return nm


def _outside(tmp_path: Path) -> Path:
    """The user's file beside the project, old, as `mv` or `ln` would bring it in."""
    thesis = tmp_path / "home" / "thesis.txt"
    thesis.parent.mkdir()
    thesis.write_text("three years of work\n")
    os.utime(thesis, (OLD, OLD))
    return thesis


def _survey(nm: Path) -> Survey:
    found = survey(CleanRequest(roots=(str(nm.parent),), config=Config(), incinerate=True))
    assert [i.artifact.path for i in found.plan.going] == [str(nm)]
    return found


def _collect(found: Survey) -> dict[str, tuple[str, str]]:
    with exclusive():
        report: CleanReport = collect(found, found.plan, audit=AuditLog())
    return {o.item.artifact.path: (o.outcome, o.reason) for o in report.outcomes}


def _modify(nm: Path, tmp_path: Path) -> None:
    (nm / "a" / "lib" / "util.js").write_text("module.exports = 9\n")  # same size, newer


def _git_inside(nm: Path, tmp_path: Path) -> None:
    (nm / "a" / "lib" / ".git").mkdir()


def _bare_inside(nm: Path, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(nm / "a" / "mirror.git")], check=True)


def _move_in(nm: Path, tmp_path: Path) -> None:
    os.rename(_outside(tmp_path), nm / "thesis.txt")  # keeps its old mtime


def _link_in(nm: Path, tmp_path: Path) -> None:
    os.link(_outside(tmp_path), nm / "thesis.txt")


def _chmod_inside(nm: Path, tmp_path: Path) -> None:
    os.chmod(nm / "a" / "index.js", 0o600)  # its ctime alone says so: no count, no mtime


def _chmod_top(nm: Path, tmp_path: Path) -> None:
    os.chmod(nm, 0o700)  # the top's own ctime, which the rename aside would bump


CHANGES: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "modified": (_modify, "modified since the scan"),
    "git-inside": (_git_inside, "holds a git repository"),
    "bare-repository-inside": (_bare_inside, "holds a git repository"),
    "moved-in": (_move_in, CHANGED),
    "hard-linked-in": (_link_in, CHANGED),
    "chmod-inside": (_chmod_inside, CHANGED),
    "chmod-top": (_chmod_top, CHANGED),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_after_the_plan_keeps_the_item_whole(tmp_path: Path, change: str) -> None:
    nm = _project(tmp_path)
    make, reason = CHANGES[change]
    found = _survey(nm)
    make(nm, tmp_path)
    before = manifest(tmp_path)

    result = _collect(found)

    assert manifest(tmp_path) == before  # every entry, the user's file outside included
    outcome, why = result[str(nm)]
    assert outcome == "skipped"
    # Entries added show in the count too, which the reason then gives after the re-check's.
    assert why == reason or why.startswith(f"{reason}; does not match the plan: ")
    assert not list(nm.parent.glob(".hygiene-*"))


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(event, path) for every walk through `treeops.folders` and every `remove_item`."""
    from hygiene.clean import quarantine, treeops

    events: list[tuple[str, str]] = []
    real_folders, real_remove = treeops.folders, quarantine.remove_item

    def folders(path: str) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
        events.append(("walk", path))
        yield from real_folders(path)

    def remove_item(path: str, *, parent_fd: int | None = None) -> None:
        events.append(("remove", path))
        real_remove(path, parent_fd=parent_fd)

    monkeypatch.setattr(treeops, "folders", folders)
    monkeypatch.setattr("hygiene.clean.safety.folders", folders, raising=False)
    monkeypatch.setattr(quarantine, "remove_item", remove_item)
    return events


def test_the_folder_is_walked_once_set_aside_then_deleted(
    tmp_path: Path, walks: list[tuple[str, str]]
) -> None:
    nm = _project(tmp_path)
    found = _survey(nm)
    walks.clear()

    result = _collect(found)

    assert result[str(nm)] == ("done", found.plan.going[0].artifact.reason)
    assert not nm.exists()
    ours = [(event, path) for event, path in walks if path.startswith(str(nm.parent) + os.sep)]
    assert [event for event, _ in ours] == ["walk", "remove"]  # judged before anything goes
    (walked, removed) = (path for _, path in ours)
    assert walked == removed  # the aside name, which nothing else writes to
    assert os.path.basename(walked).startswith(".hygiene-")


def test_a_change_set_aside_after_the_rename_is_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walked after the rename, the check sees what changed up to the moment it decides: a
    file rewritten at the same size in the aside tree (a process with its folder open)."""
    nm = _project(tmp_path)
    found = _survey(nm)
    fired: list[str] = []

    def hook(name: str) -> None:
        if name == "set-aside" and not fired:
            (aside,) = nm.parent.glob(".hygiene-*")
            (aside / "a" / "index.js").write_text("module.exports = 7\n")
            fired.append(name)

    monkeypatch.setattr("hygiene.clean.quarantine.checkpoint", hook)
    result = _collect(found)

    assert fired
    assert result[str(nm)] == ("skipped", "modified since the scan")
    assert (nm / "a" / "index.js").read_text() == "module.exports = 7\n"
    assert (nm / "a" / "lib" / "util.js").read_text() == "module.exports = 2\n"
    assert not list(nm.parent.glob(".hygiene-*"))


class Crash(Exception):
    """Stands in for SIGKILL: nothing after it runs before recovery."""


def test_killed_once_set_aside_recovery_puts_it_back_unjudged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set aside but not yet judged: recovery cannot know what the walk would have found, so
    it puts the item back, whole, for a later run to judge."""
    nm = _project(tmp_path)
    found = _survey(nm)
    before = manifest(nm)

    def hook(name: str) -> None:
        if name == "set-aside":
            raise Crash

    monkeypatch.setattr("hygiene.clean.quarantine.checkpoint", hook)
    with pytest.raises(Crash):
        _collect(found)
    assert not nm.exists()
    (aside,) = nm.parent.glob(".hygiene-*")
    (aside / "a" / "index.js").write_text("module.exports = 7\n")  # changed while it lay aside

    with exclusive():
        settled = recover()

    assert [s.action for s in settled] == ["rolled back"]
    after = manifest(nm)
    changed = after.pop("a/index.js")
    assert after == {k: v for k, v in before.items() if k != "a/index.js"}
    assert changed[:4] == before["a/index.js"][:4]
    assert (nm / "a" / "index.js").read_text() == "module.exports = 7\n"
    assert not list(nm.parent.glob(".hygiene-*"))
    assert all(r.state == "abandoned" for run in all_runs() for r in run.items().values())
