"""The scan browse shows runs in a child process (`hygiene.browse.feed`): what it streams and
returns is the scan's own result, forked or started as `python -m hygiene.browse.feed`."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from hygiene.browse.feed import ScanFailed, ScanFeed
from hygiene.clean.collect import Survey, judge
from hygiene.errors import UsageError
from hygiene.model import Artifact, ScanResult
from hygiene.scan.engine import ScanRequest, scan
from tests.browse.browsehelp import make_app


def _tree(root: Path) -> None:
    for project in ("a", "b", "c"):
        (root / project).mkdir(parents=True)
        (root / project / "package.json").write_text("{}\n")
        for i in range(30):
            folder = root / project / "node_modules" / f"p{i}"
            folder.mkdir(parents=True)
            (folder / "index.js").write_text("x" * i)
        (root / project / "src" / "__pycache__").mkdir(parents=True)
        (root / project / "src" / "m.py").write_text("x = 1\n")
        (root / project / "src" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"p" * 50)


def _request(root: Path) -> ScanRequest:
    return dataclasses.replace(make_app(root).request.scan, workers=2)


def _stream(feed: ScanFeed) -> tuple[list[Artifact], object]:
    seen: list[Artifact] = []
    result = feed.read(seen.extend, lambda _files, _bytes: None).result
    return seen, result


def _aged(root: Path) -> None:
    old = time.time() - 40 * 86400
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(folder, name), (old, old), follow_symlinks=False)


def _skips(survey: Survey | None) -> dict[str, str | None]:
    assert survey is not None
    return {i.artifact.path: i.skip for i in survey.plan.items}


@pytest.mark.parametrize("forked", [True, False])
def test_the_child_streams_each_candidate_once_then_the_scans_result(
    tmp_path: Path, forked: bool
) -> None:
    _tree(tmp_path)
    request = _request(tmp_path)
    if forked:
        feed = ScanFeed.start(request)
    else:
        # Started from a second thread, as a rescan from the app: spawned, not forked.
        box: list[ScanFeed] = []
        thread = threading.Thread(target=lambda: box.append(ScanFeed.start(request)))
        thread.start()
        thread.join()
        feed = box[0]
    seen, result = _stream(feed)
    direct = scan(request)
    paths = [a.path for a in seen]
    assert len(paths) == len(set(paths))  # proposed early or in order, never both
    assert result == dataclasses.replace(direct, totals=result.totals)  # type: ignore[call-overload]
    assert result.totals.scanned_files == direct.totals.scanned_files  # type: ignore[attr-defined]
    found = {f.path: f for f in result.findings}  # type: ignore[attr-defined]
    assert set(found) == set(paths)
    for artifact in seen:  # a candidate's figures are those of the finding it becomes
        assert artifact.bytes == found[artifact.path].bytes


def test_an_error_in_the_child_is_a_scan_failure_with_its_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hygiene.scan.engine

    def failing(*_args: object, **_kwargs: object) -> None:
        raise UsageError("no such folder: gone")

    monkeypatch.setattr(hygiene.scan.engine, "scan", failing)  # the forked child has it too
    with pytest.raises(ScanFailed, match="no such folder: gone"):
        _stream(ScanFeed.start(_request(tmp_path)))


def test_stop_ends_the_child_and_it_is_reaped(tmp_path: Path) -> None:
    _tree(tmp_path)
    feed = ScanFeed.start(_request(tmp_path))
    pid = feed._pid
    assert pid is not None  # forked: this test runs on one thread
    feed.stop()
    with contextlib.suppress(ScanFailed):  # stopped before it finished, else it was done
        _stream(feed)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize("forked", [True, False])
def test_the_child_plans_as_clean_would(tmp_path: Path, forked: bool) -> None:
    """The plan made in the scan's process is `clean`'s: same items, same reasons to keep."""
    _tree(tmp_path)
    _aged(tmp_path)
    app = make_app(tmp_path)
    request = dataclasses.replace(app.request.scan, workers=2)
    held = tmp_path / "b" / "node_modules" / "p3"
    sleeper = subprocess.Popen(["sleep", "60"], cwd=held)  # another process uses one item
    try:
        if forked:
            feed = ScanFeed.start(request, app.request.clean)
        else:
            box: list[ScanFeed] = []
            thread = threading.Thread(
                target=lambda: box.append(ScanFeed.start(request, app.request.clean))
            )
            thread.start()
            thread.join()
            feed = box[0]
        walked: list[ScanResult] = []
        scanned = feed.read(lambda _a: None, lambda _f, _b: None, walked.append)
        here = judge(
            app.request.clean,
            scanned.result.findings,
            refused=scanned.result.refused,
            started=feed.started,
        )
    finally:
        sleeper.kill()
        sleeper.wait()
    # The walk's result went on before the plan was made: the same result.
    assert len(walked) == 1 and walked[0] is scanned.result
    skips = _skips(scanned.survey)
    assert skips == _skips(here)
    assert skips[str(tmp_path / "b" / "node_modules")] == f"in use by sleep (pid {sleeper.pid})"
    assert skips[str(tmp_path / "a" / "node_modules")] is None


def test_the_browse_process_is_not_taken_for_a_user_of_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """browse, started from inside an item, plans as `clean` started there does (clean leaves
    itself out of the in-use check; the scan's process leaves browse's out too)."""
    _tree(tmp_path)
    _aged(tmp_path)
    app = make_app(tmp_path)
    monkeypatch.chdir(tmp_path / "a" / "node_modules" / "p1")
    scanned = ScanFeed.start(app.request.scan, app.request.clean).read(
        lambda _a: None, lambda _f, _b: None
    )
    skips = _skips(scanned.survey)
    assert skips[str(tmp_path / "a" / "node_modules")] is None
    assert skips == _skips(
        judge(
            app.request.clean,
            scanned.result.findings,
            refused=scanned.result.refused,
            started=time.time(),
        )
    )


def test_the_scan_begins_a_clock_margin_after_its_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `scan_clock` does for clean: a file time can lag the clock by a tick, so the walk
    begins only once the margin after the recorded moment has passed (in the child, so the
    app goes on loading meanwhile)."""
    import hygiene.scan.engine
    from hygiene.units import SCAN_CLOCK_MARGIN

    def began(*_args: object, **_kwargs: object) -> None:
        raise UsageError(f"began at {time.time()!r}")

    monkeypatch.setattr(hygiene.scan.engine, "scan", began)  # the forked child has it too
    feed = ScanFeed.start(_request(tmp_path))
    with pytest.raises(ScanFailed) as failed:
        _stream(feed)
    moment = float(str(failed.value).removeprefix("began at "))
    assert moment >= feed.started + SCAN_CLOCK_MARGIN
