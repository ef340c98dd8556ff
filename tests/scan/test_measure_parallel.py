"""Sizing big artifacts in worker processes gives exactly the single-process answer."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from hygiene.rules import default_index
from hygiene.scan.detect import Classifier
from hygiene.scan.engine import ScanRequest, scan
from hygiene.scan.measure import WorkerPool
from hygiene.scan.walk import FileHit, FolderHit, Walker
from tests.scan.helpers import make_tree


def build(root: Path) -> None:
    spec: dict[str, str | bytes | None] = {"p/package.json": "{}", "v/pyvenv.cfg": ""}
    for i in range(30):
        spec[f"p/node_modules/pkg{i}/index.js"] = "x" * (100 * i)
        spec[f"p/node_modules/pkg{i}/lib/deep/mod.js"] = "y" * i
        spec[f"v/lib/python3.11/site-packages/dist{i}/__init__.py"] = "z" * i
    make_tree(root, spec)
    # Hard links that cross the pieces the workers get, and one that leaves the artifact.
    os.link(root / "p/node_modules/pkg1/index.js", root / "p/node_modules/pkg29/copy.js")
    store = root.parent / f"{root.name}-store"
    store.mkdir()
    os.link(root / "p/node_modules/pkg2/index.js", store / "outside-link.js")


def hits(root: Path, *, pool: WorkerPool | None) -> tuple[dict[str, object], object]:
    walker = Walker(Classifier(default_index()), pool=pool, split_min_dirs=3)
    found = {}
    for event in walker.walk(str(root), repo=None):
        if isinstance(event, FolderHit):
            found[Path(event.path).name] = event.measure
    return found, walker.totals


def test_worker_processes_give_the_same_measures(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    build(root)
    serial = hits(root, pool=None)
    pool = WorkerPool(2)
    try:
        parallel = hits(root, pool=pool)
        assert pool.started, "the split path must really have used workers"
    finally:
        pool.close()
    assert parallel == serial
    node_modules = serial[0]["node_modules"]
    # 30 index.js + 30 mod.js; pkg29/copy.js is a second link to pkg1/index.js: once.
    assert node_modules.files == 60  # type: ignore[attr-defined]
    # pkg2/index.js has a link outside the scan: counted in size, not in what removal frees.
    outside = (root / "p/node_modules/pkg2/index.js").stat().st_blocks * 512
    assert node_modules.reclaimable == node_modules.disk_bytes - outside  # type: ignore[attr-defined]


def test_scan_with_and_without_workers_agree(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    build(root)
    one = scan(ScanRequest(roots=(root,), workers=0))
    two = scan(ScanRequest(roots=(root,), workers=2))
    assert one.findings == two.findings
    assert one.totals == two.totals


def test_a_broken_pool_falls_back_to_sizing_here(tmp_path: Path) -> None:
    """A worker that cannot start (a parent with no importable __main__, say) costs speed only."""
    root = tmp_path / "ws"
    build(root)
    serial = hits(root, pool=None)
    pool = WorkerPool(2)
    pool.broken = True
    try:
        assert hits(root, pool=pool) == serial
    finally:
        pool.close()


def test_scan_from_a_stdin_script(tmp_path: Path) -> None:
    """forkserver re-imports the parent's __main__; a script read from stdin has none."""
    import subprocess
    import sys

    root = tmp_path / "ws"
    build(root)
    script = (
        "from pathlib import Path\nfrom hygiene.scan.engine import ScanRequest, scan\n"
        f"r = scan(ScanRequest(roots=(Path({str(root)!r}),), workers=2))\n"
        "print(len(r.findings), r.totals.scanned_files)\n"
    )
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    here = scan(ScanRequest(roots=(root,), workers=0))
    assert done.stdout.split() == [str(len(here.findings)), str(here.totals.scanned_files)]


def deep_tree(root: Path) -> None:
    """Folders below the top levels (walked by workers), with hard links between them."""
    spec: dict[str, str | bytes | None] = {}
    for i in range(12):
        spec[f"a/b/c/d{i}/e/notes.txt"] = "n" * (10 * i + 1)
        spec[f"a/b/c/d{i}/e/src/__pycache__/m.pyc"] = "p" * i
        spec[f"a/b/c/d{i}/e/.DS_Store"] = "junk"
        spec[f"a/b/c/d{i}/e/db.sqlite"] = b"\0" * 1024
    make_tree(root, spec)
    # A loose file and a junk file, each linked into another worker's folders; a file linked
    # both outside and inside an artifact.
    os.link(root / "a/b/c/d0/e/notes.txt", root / "a/b/c/d7/e/notes-link.txt")
    os.unlink(root / "a/b/c/d5/e/.DS_Store")
    os.link(root / "a/b/c/d1/e/.DS_Store", root / "a/b/c/d5/e/.DS_Store")
    os.link(root / "a/b/c/d2/e/notes.txt", root / "a/b/c/d9/e/src/__pycache__/n.pyc")


def test_folders_walked_by_workers_give_the_single_process_answer(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    deep_tree(root)
    kinds = frozenset({"artifact", "database"})
    one = scan(ScanRequest(roots=(root,), workers=0, kinds=kinds))
    walker = Walker(Classifier(default_index()), pool=WorkerPool(2))
    try:
        events = list(walker.walk(str(root), repo=None))
        assert walker.pool is not None and walker.pool.started
    finally:
        walker.pool.close()  # type: ignore[union-attr]
    two = scan(ScanRequest(roots=(root,), workers=2, kinds=kinds))

    # A file with two names is reported under the name seen first, which differs with the
    # order of the walk; everything else is the same finding for finding.
    def by_inode(result: object) -> dict[tuple[int, int], object]:
        return {
            (f.device, f.inode): replace(f, path="") if os.lstat(f.path).st_nlink > 1 else f
            for f in result.findings  # type: ignore[attr-defined]
            if hasattr(f, "inode")
        }

    assert by_inode(one) == by_inode(two)
    assert len(one.findings) == len(two.findings)
    assert one.totals == two.totals
    # Each inode once: 12 notes, 12 pyc, 11 .DS_Store inodes, 12 databases, the links free.
    assert one.totals.scanned_files == 12 + 12 + 11 + 12
    assert walker.totals.files == one.totals.scanned_files
    junk = [e for e in events if getattr(e, "path", "").endswith(".DS_Store")]
    assert len(junk) == 11  # the hard-linked one is reported once, by whichever worker saw it


def test_a_broken_pool_walks_the_deep_folders_here(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    deep_tree(root)
    one = scan(ScanRequest(roots=(root,), workers=0))
    pool = WorkerPool(2)
    pool.broken = True
    walker = Walker(Classifier(default_index()), pool=pool)
    found = {e.path for e in walker.walk(str(root), repo=None) if isinstance(e, FolderHit)}
    assert found == {a.path for a in one.findings if getattr(a, "folder", False)}
    assert walker.totals.files == one.totals.scanned_files


def test_beside_a_thread_the_workers_start_by_forkserver_and_agree(tmp_path: Path) -> None:
    """A progress thread makes fork unsafe: the workers then come from a fresh interpreter
    (forkserver), and everything they are sent must survive pickling into it."""
    import subprocess
    import sys

    root = tmp_path / "ws"
    deep_tree(root)
    build(root / "more")
    script = (
        "import threading, multiprocessing\n"
        "from pathlib import Path\nfrom hygiene.scan.engine import ScanRequest, scan\n"
        "from hygiene.scan import measure\n"
        "stop = threading.Event()\n"
        "threading.Thread(target=stop.wait, daemon=True).start()\n"
        "seen = []\n"
        "real = measure.WorkerPool._start\n"
        "def start(self):\n"
        "    executor = real(self)\n"
        "    seen.append(executor._mp_context.get_start_method())\n"
        "    return executor\n"
        "measure.WorkerPool._start = start\n"
        f"r = scan(ScanRequest(roots=(Path({str(root)!r}),), workers=2))\n"
        "stop.set()\n"
        "print(seen[0], len(r.findings), r.totals.scanned_files, r.totals.scanned_bytes)\n"
    )
    # A file, not -c: forkserver workers import the parent's __main__ again.
    program = tmp_path / "run.py"
    program.write_text(
        "if __name__ == '__main__':\n" + "".join(f"    {line}\n" for line in script.splitlines())
    )
    done = subprocess.run(
        [sys.executable, str(program)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    here = scan(ScanRequest(roots=(root,), workers=0))
    method, *figures = done.stdout.split()
    assert method == "forkserver"
    assert figures == [
        str(len(here.findings)),
        str(here.totals.scanned_files),
        str(here.totals.scanned_bytes),
    ]


class CountingPool(WorkerPool):
    """A real pool that counts the tasks it is given, by function."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.tasks: dict[str, int] = {}

    def submit(self, fn, *args):  # type: ignore[no-untyped-def]
        self.tasks[fn.__name__] = self.tasks.get(fn.__name__, 0) + 1
        return super().submit(fn, *args)


def wide_tree(root: Path) -> None:
    """Many folders below the top level, an artifact deep down that a worker finds, and hard
    links between folders that different tasks walk."""
    spec: dict[str, str | bytes | None] = {"proj/web/package.json": "{}"}
    for i in range(40):
        spec[f"proj/src/pkg{i}/mod/a.py"] = "a" * i
        spec[f"proj/src/pkg{i}/mod/__pycache__/a.pyc"] = "p" * i
        spec[f"proj/web/node_modules/dep{i}/index.js"] = "j" * (i + 1)
    make_tree(root, spec)
    os.link(root / "proj/src/pkg0/mod/a.py", root / "proj/src/pkg39/mod/b.py")
    os.link(root / "proj/src/pkg3/mod/a.py", root / "proj/web/node_modules/dep7/a.py")


def walk_all(root: Path, pool: WorkerPool | None, **knobs: int) -> tuple[list[object], object]:
    walker = Walker(Classifier(default_index()), pool=pool, **knobs)  # type: ignore[arg-type]
    events = [
        (type(e).__name__, e.path, getattr(e, "measure", None))  # type: ignore[attr-defined]
        for e in walker.walk(str(root), repo=None)
    ]
    return sorted(events, key=repr), walker.totals


def test_workers_give_back_what_their_budget_did_not_cover(tmp_path: Path) -> None:
    """Tasks stop after a few folders and the rest is shared out again: the same answer as one
    process, in the same order on every run, and the give-back really happened."""
    root = tmp_path / "ws"
    wide_tree(root)
    serial = walk_all(root, None)
    pool = CountingPool(2)
    try:
        knobs = {"worker_budget": 3, "breadth_levels": 0, "split_min_dirs": 5, "split_entries": 9}
        first = walk_all(root, pool, **knobs)
        again = walk_all(root, pool, **knobs)
    finally:
        pool.close()
    assert first == serial
    assert again == first
    # One task for the single folder below the root, then many for what was given back.
    assert pool.tasks["walk_subtrees"] > 2 * 20
    # node_modules is found by a worker, more than 9 entries: the rest of it is shared out.
    assert pool.tasks["measure_paths"] >= 2


def test_a_worker_sizes_a_small_artifact_itself(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    wide_tree(root)
    pool = CountingPool(2)
    try:
        got = walk_all(root, pool, breadth_levels=0, split_min_dirs=5)  # 20,000 entries
    finally:
        pool.close()
    assert got == walk_all(root, None)
    assert "measure_paths" not in pool.tasks


def test_events_come_in_the_same_order_on_every_run(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    deep_tree(root)
    runs = []
    pool = WorkerPool(2)
    try:
        for _ in range(3):
            walker = Walker(Classifier(default_index()), pool=pool, worker_budget=2)
            runs.append([getattr(e, "path", None) for e in walker.walk(str(root), repo=None)])
    finally:
        pool.close()
    assert runs[0] == runs[1] == runs[2]


def test_a_worker_budget_below_one_folder_still_walks_everything(tmp_path: Path) -> None:
    """Each task walks at least one folder: a budget of 0 must not give every task's work back
    untouched, round after round, for ever. Run apart, so that a loop fails on the timeout."""
    import json
    import signal
    import subprocess
    import sys

    root = tmp_path / "ws"
    wide_tree(root)
    serial = walk_all(root, None)
    code = (
        "import json, sys; from tests.scan.test_measure_parallel import walk_all; "
        "from hygiene.scan.measure import WorkerPool; from pathlib import Path; "
        "pool = WorkerPool(2); "
        f"events, totals = walk_all(Path({str(root)!r}), pool, worker_budget=0, breadth_levels=0); "
        "pool.close(); print(json.dumps([repr(events), repr(totals)]))"
    )
    # In a session of its own: on the timeout, its workers go with it.
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    assert proc.returncode == 0, err
    assert json.loads(out) == [repr(serial[0]), repr(serial[1])]


def test_a_junk_name_is_found_whatever_name_of_its_file_comes_first(tmp_path: Path) -> None:
    """A file with two names, one junk (`Thumbs.db`) and one not: the junk name is reported,
    whichever name the walk meets first, in one process or shared out in small tasks."""
    root = tmp_path / "ws"
    spec: dict[str, str | bytes | None] = {}
    for i in range(12):
        spec[f"p{i:02d}/a/Thumbs.db"] = "t" * (i + 1)
        spec[f"p{i:02d}/z/keep.txt"] = "k"
    make_tree(root, spec)
    for i in range(12):
        # Another name, in a folder met before or after the junk one.
        other = root / f"p{i:02d}" / ("0" if i % 2 else "zz")
        other.mkdir()
        os.link(root / f"p{i:02d}/a/Thumbs.db", other / "picture-index.bin")
    want = {str(root / f"p{i:02d}/a/Thumbs.db") for i in range(12)}

    def junk(pool: WorkerPool | None, **knobs: int) -> set[str]:
        walker = Walker(Classifier(default_index()), pool=pool, **knobs)  # type: ignore[arg-type]
        return {e.path for e in walker.walk(str(root), repo=None) if isinstance(e, FileHit)}

    assert junk(None) == want
    pool = WorkerPool(2)
    try:
        assert junk(pool) == want
        assert junk(pool, worker_budget=1, breadth_levels=0) == want
    finally:
        pool.close()
    assert len(scan(ScanRequest(roots=(root,), workers=0)).findings) == 12
