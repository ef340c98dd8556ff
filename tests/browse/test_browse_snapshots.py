"""browse's screens as SVG, compared with the committed snapshots (pytest-textual-snapshot) at
80x24, the smallest terminal it promises, and 120x40.

Update after a deliberate change with `pytest tests/browse/test_browse_snapshots.py
--snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browse.browsehelp import make_app, scanned, until
from tests.clean.cleanhelp import age, build_project
from tests.conftest import Repo, git

# A fixed place, so the paths on screen are the same on every run and machine.
TREE = Path("/tmp/hygiene-browse-snapshots")


@pytest.fixture
def workspace() -> Any:
    shutil.rmtree(TREE, ignore_errors=True)
    code = TREE / "code"
    for name in ("shop", "api"):
        (code / name).mkdir(parents=True)
        git(code / name, "init", "-q")
        repo = Repo(code / name)
        build_project(repo)
    repo = Repo(code / "api")
    repo.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
    repo.write(".venv/lib/python3.11/site-packages/six.py", "x = 1\n" * 400)
    repo.write("dist/app-1.0.tar.gz", b"\x1f\x8b" + b"\x00" * 3000)
    repo.write("setup.py", "from setuptools import setup\n")
    age(code)
    # age() changed the mtimes git's index recorded, so the first `git status` (the scan's)
    # would rewrite the index while the walk counts it; settled here, every run sees one tree.
    for name in ("shop", "api"):
        git(code / name, "status", "--porcelain")
    yield code
    shutil.rmtree(TREE, ignore_errors=True)


async def _settle(pilot: Any) -> None:
    await scanned(pilot)
    app = pilot.app
    await until(pilot, lambda: not [w for w in app.workers if not w.is_finished])
    # Drawn once more from settled state: the details pane otherwise keeps how it was split
    # before the worker's figures came (the same pixels, but a different SVG).
    app.rebuild()
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_list(snap_compare, workspace, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(workspace), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_grouped_by_repository_with_marks(snap_compare, workspace, size) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Any) -> None:
        await _settle(pilot)
        await pilot.press("g", "space", "down", "space")
        await _settle(pilot)

    assert snap_compare(make_app(workspace), terminal_size=size, run_before=before)


def test_help_80x24(snap_compare, workspace) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Any) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(make_app(workspace), terminal_size=(80, 24), run_before=before)
