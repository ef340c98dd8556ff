"""`clean --incinerate` keeps a folder that changed after the plan: a newer file, an entry
moved or hard-linked in, a repository inside, a changed mode inside or on the folder itself.

Each change below is real and made after the plan; what is kept is checked against a manifest
of the tree (every entry's type, mode, owner, mtime and content hash) taken after the change and
before hygiene acts, never by hygiene's messages alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cleanhelp import OLD, age, manifest

from hygiene.clean.act import CleanReport
from hygiene.clean.audit import AuditLog
from hygiene.clean.collect import CleanRequest, Survey, collect, survey
from hygiene.clean.quarantine import exclusive
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
