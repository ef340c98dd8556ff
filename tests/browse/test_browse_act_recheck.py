"""browse plans in its scan's process and acts in the app's, through clean's collect: the
re-check right before each item moves must see a process that began using the item after the
plan, however soon after the plan the person acts (a process snapshot taken for the plan shows
nothing started since). Checked by a manifest of the tree, not by hygiene's messages."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from hygiene.browse.session import Inbox, act_on, run_scan
from tests.browse.browsehelp import make_app
from tests.clean.cleanhelp import age, manifest


def _tree(root: Path) -> Path:
    nm = root / "shop" / "node_modules"
    (nm / "left-pad").mkdir(parents=True)
    (root / "shop" / "package.json").write_text("{}\n")
    (nm / "left-pad" / "index.js").write_text("module.exports = 1\n")
    age(root)
    return nm


def _working_in(folder: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["sleep", "60"], cwd=folder)
    deadline = time.monotonic() + 10
    while os.path.realpath(f"/proc/{proc.pid}/cwd") != str(folder):
        assert time.monotonic() < deadline, "the process never started"
        time.sleep(0.005)
    return proc


@pytest.mark.parametrize("action", ["quarantine", "incinerate"])
def test_a_process_that_began_using_an_item_after_the_plan_keeps_it(
    tmp_path: Path, action: str
) -> None:
    nm = _tree(tmp_path)
    app = make_app(tmp_path)
    verdict = run_scan(app.request, Inbox())
    assert [i.artifact.path for i in verdict.survey.plan.going] == [str(nm)]
    proc = _working_in(nm / "left-pad")  # a shell, a build, after the plan was made
    try:
        before = manifest(tmp_path)
        report = act_on(verdict.survey, [str(nm)], action)  # type: ignore[arg-type]
        after = manifest(tmp_path)
    finally:
        proc.kill()
        proc.wait()
    assert after == before
    (outcome,) = report.outcomes
    assert outcome.outcome == "skipped"
    assert outcome.reason == f"in use by sleep (pid {proc.pid})"
