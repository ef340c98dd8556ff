"""Crash safety: `kill -9` a real `hygiene` process at every step and lose nothing (issue 4.6).

`HYGIENE_CRASH_AFTER=N` makes the real code path SIGKILL itself at its Nth checkpoint (see
hygiene/clean/crashpoint.py). After each kill, every item must be either whole in its place or whole
in quarantine with a manifest entry; then `restore` (and a later `clean`) must settle the run
and put the tree back exactly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cleanhelp import build_project, snapshot

MAX_STEPS = 40


def _hygiene(*args: object, crash_after: int = 0) -> int:
    env = {**os.environ, "HYGIENE_CRASH_AFTER": str(crash_after)}
    done = subprocess.run(
        [sys.executable, "-m", "hygiene", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, -9), done.stderr
    return done.returncode


def _intents() -> list[dict[str, Any]]:
    root = Path(os.environ["HYGIENE_HOME"]) / "quarantine"
    found = []
    for manifest in root.glob("*/manifest.jsonl"):
        for line in manifest.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line: the kill hit mid-write
            if record.get("event") == "intent":
                found.append(record)
    return found


def _assert_nothing_lost(items: dict[str, dict[str, Any]], step: int) -> None:
    intents = _intents()
    for path, expected in items.items():
        if os.path.lexists(path) and snapshot(Path(path)) == expected:
            continue
        payloads = [i["payload"] for i in intents if i["path"] == path and i["payload"]]
        # A copy to another filesystem first renames the original aside, beside it, under the
        # name its intent records; recovery puts it back (checked by the caller's snapshots).
        asides = [i["doomed"] for i in intents if i["path"] == path and i["method"] == "copy"]
        whole = [
            p for p in [*payloads, *asides] if os.path.lexists(p) and snapshot(Path(p)) == expected
        ]
        assert whole, f"step {step}: {path} is neither in place, aside, nor whole in quarantine"


def _restore_everything(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("quarantine", "list", "--json")
    for run in json.loads(res.out)["runs"]:
        res = cli("restore", run["run_id"], "--yes")
        assert res.code == 0, res.err
    res = cli("restore", "--last", "--yes")  # settles a killed run, then finds nothing left
    assert res.code == 2
    assert "holds no run" in res.err


@pytest.fixture(params=["same-filesystem", "cross-filesystem"])
def layout(request, monkeypatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Quarantine beside the items (rename) or on /dev/shm, a tmpfs (copy, verify, delete)."""
    if request.param == "same-filesystem":
        yield request.param
        return
    if (
        not os.path.isdir("/dev/shm")
        or os.stat("/dev/shm").st_dev == os.stat(tempfile.gettempdir()).st_dev
    ):
        pytest.skip("no second filesystem at /dev/shm")
    home = tempfile.mkdtemp(dir="/dev/shm", prefix="hygiene-test-")
    monkeypatch.setenv("HYGIENE_HOME", home)
    try:
        yield request.param
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_kill_during_clean_loses_nothing(cli, make_repo, layout) -> None:  # type: ignore[no-untyped-def]
    finished = False
    for step in range(1, MAX_STEPS):
        repo = make_repo(f"repo{step}")
        paths = build_project(repo)
        before = snapshot(repo.path)
        items = {str(p): snapshot(p) for p in paths.values()}
        code = _hygiene("clean", repo.path, "--yes", "--json", crash_after=step)
        _assert_nothing_lost(items, step)
        if step % 2:
            # The next clean settles the killed run first, then collects what is left.
            res = cli("clean", repo.path, "--yes", "--json")
            assert res.code == 0, res.err
            assert all(not os.path.lexists(p) for p in items)
        _restore_everything(cli)
        assert snapshot(repo.path) == before, f"step {step}"
        assert not list(repo.path.rglob(".hygiene-*"))
        if code == 0:
            finished = True
            break
    assert finished, "the run never got to the end"
    assert step > 4  # it really was killed at several points


@pytest.mark.slow
def test_kill_during_restore_loses_nothing(cli, make_repo, layout) -> None:  # type: ignore[no-untyped-def]
    finished = False
    for step in range(1, MAX_STEPS):
        repo = make_repo(f"repo{step}")
        paths = build_project(repo)
        before = snapshot(repo.path)
        items = {str(p): snapshot(p) for p in paths.values()}
        assert cli("clean", repo.path, "--yes").code == 0
        code = _hygiene("restore", "--last", "--yes", crash_after=step)
        _assert_nothing_lost(items, step)
        if code != 0:
            _restore_everything(cli)
        assert snapshot(repo.path) == before, f"step {step}"
        if code == 0:
            finished = True
            break
    assert finished
    assert step > 2


@pytest.mark.slow
def test_kill_during_incineration_finishes_the_job(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    for step in range(1, MAX_STEPS):
        repo = make_repo(f"repo{step}")
        paths = build_project(repo)
        keep = snapshot(repo.path / "src", dir_mtimes=False)
        code = _hygiene("clean", repo.path, "--yes", "--incinerate", crash_after=step)
        assert cli("clean", repo.path, "--yes", "--incinerate").code == 0
        assert all(not os.path.lexists(p) for p in paths.values())
        assert not list(repo.path.rglob(".hygiene-*"))
        kept = snapshot(repo.path / "src", dir_mtimes=False)
        assert {k: v for k, v in kept.items() if "__pycache__" not in k} == {
            k: v for k, v in keep.items() if "__pycache__" not in k
        }
        if code == 0:
            break
    else:
        pytest.fail("the run never got to the end")
    log = [json.loads(x) for x in (Path(os.environ["HYGIENE_HOME"]) / "audit.jsonl").open()]
    assert any(r["action"] == "recover" for r in log)


def test_killed_set_aside_with_its_place_taken_is_listed_kept_whole(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`kill -9` at `set-aside` (an incinerated item renamed aside, not yet judged), then a build
    makes a new folder at its name before the next run: recovery cannot put it back, so the
    whole original is listed as kept aside (put back once its place is free), as a rollback that
    finds its place taken lists it; never as "partly removed ... hygiene finishes it", which
    tells the user the untouched original is a half-deleted leftover."""
    from cleanhelp import age, manifest

    project = tmp_path / "shop"
    nm = project / "node_modules"
    (nm / "left-pad").mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    (nm / "left-pad" / "index.js").write_text("module.exports = 1\n")
    age(project)
    before = manifest(nm)

    # intent, then set-aside: the second checkpoint of the first item.
    assert _hygiene("clean", project, "--yes", "--incinerate", crash_after=2) == -9
    (aside,) = project.glob(".hygiene-*")
    assert manifest(aside) == before
    (nm / "fresh").mkdir(parents=True)  # `npm install` ran meanwhile

    res = cli("quarantine", "list", "--json")
    assert res.code == 0, res.err
    (run,) = json.loads(res.out)["runs"]
    assert run["unfinished"] == []
    assert run["set_aside"] == [{"path": str(nm), "kept_at": str(aside)}]
    assert manifest(aside) == before

    (nm / "fresh").rmdir()
    nm.rmdir()  # the new one moved away: the next run puts the original back
    res = cli("quarantine", "list", "--json")
    assert res.code == 0, res.err
    assert manifest(nm) == before
    assert not list(project.glob(".hygiene-*"))
