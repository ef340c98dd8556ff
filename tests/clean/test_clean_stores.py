"""Quarantine across filesystems: copy-verify-delete to HYGIENE_HOME, or rename into a store
the user made on the other filesystem; and a full quarantine disk (simulated)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cleanhelp import age, build_project, snapshot

SHM = "/dev/shm"


def _other_filesystem() -> None:
    if not os.path.isdir(SHM) or os.stat(SHM).st_dev == os.stat(tempfile.gettempdir()).st_dev:
        pytest.skip("no second filesystem at /dev/shm")


@pytest.fixture
def shm_dir() -> Iterator[Path]:
    _other_filesystem()
    path = Path(tempfile.mkdtemp(dir=SHM, prefix="hygiene-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _manifest(run_id: str) -> list[dict]:  # type: ignore[type-arg]
    path = Path(os.environ["HYGIENE_HOME"]) / "quarantine" / run_id / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_copy_verify_delete_when_home_is_elsewhere(cli, make_repo, shm_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HYGIENE_HOME", str(shm_dir / "state"))
    repo = make_repo()
    paths = build_project(repo)
    os.chmod(paths["pycache"], 0o555)  # a read-only folder must still come back read-only
    before = snapshot(repo.path)
    res = cli("clean", repo.path, "--yes", "--json")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["totals"]["done"] == 2
    intents = [r for r in _manifest(doc["run_id"]) if r["event"] == "intent"]
    assert {r["method"] for r in intents} == {"copy"}
    for record in intents:
        assert Path(record["payload"]).is_relative_to(shm_dir)
    assert not paths["node_modules"].exists()
    assert not list(repo.path.rglob(".hygiene-*"))
    res = cli("restore", "--last", "--yes")
    assert res.code == 0, res.err
    assert snapshot(repo.path) == before


def test_rename_into_a_user_store_on_another_filesystem(cli, shm_dir) -> None:  # type: ignore[no-untyped-def]
    store = Path(SHM) / f".hygiene-quarantine-{os.geteuid()}"
    if store.exists():
        pytest.skip(f"{store} exists already; not touching it")
    project = shm_dir / "proj"
    (project / "node_modules/pkg").mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    (project / "node_modules/pkg/index.js").write_text("x\n")
    age(project)
    before = snapshot(project)
    store.mkdir(mode=0o700)
    try:
        doc = json.loads(cli("clean", project, "--yes", "--json").out)
        (intent,) = [r for r in _manifest(doc["run_id"]) if r["event"] == "intent"]
        assert intent["method"] == "rename"
        assert intent["payload"].startswith(str(store) + "/")
        listed = json.loads(cli("quarantine", "list", "--json").out)["runs"]
        assert listed[0]["stores"] == [str(store)]
        # With a run held in the store, the rest of that filesystem can still be cleaned.
        other = shm_dir / "other"
        (other / "node_modules/pkg").mkdir(parents=True)
        (other / "package.json").write_text("{}\n")
        age(other)
        second = json.loads(cli("clean", other, "--yes", "--json").out)
        assert [i["outcome"] for i in second["items"]] == ["done"]
        assert cli("restore", second["run_id"], "--yes").code == 0
        assert cli("restore", "--last", "--yes").code == 0
        assert snapshot(project) == before
        assert list(store.iterdir()) == []  # the emptied run left nothing behind
    finally:
        shutil.rmtree(store, ignore_errors=True)


def test_a_store_others_can_write_is_not_used(cli, shm_dir) -> None:  # type: ignore[no-untyped-def]
    store = Path(SHM) / f".hygiene-quarantine-{os.geteuid()}"
    if store.exists():
        pytest.skip(f"{store} exists already; not touching it")
    project = shm_dir / "proj"
    (project / "node_modules/pkg").mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    age(project)
    store.mkdir()
    os.chmod(store, 0o777)
    try:
        doc = json.loads(cli("clean", project, "--yes", "--json").out)
        (intent,) = [r for r in _manifest(doc["run_id"]) if r["event"] == "intent"]
        assert intent["method"] == "copy"
        assert list(store.iterdir()) == []
    finally:
        shutil.rmtree(store, ignore_errors=True)


def test_full_quarantine_disk_leaves_items_in_place(cli, make_repo, shm_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HYGIENE_HOME", str(shm_dir / "state"))
    repo = make_repo()
    paths = build_project(repo)
    before = snapshot(repo.path)

    def no_space(src: int, dst: int) -> None:
        # A full disk cannot be made real in a test: the copy fails as it would (ENOSPC).
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("hygiene.clean.treeops._copy_bytes", no_space)
    res = cli("clean", repo.path, "--yes", "--json")
    assert res.code == 1
    doc = json.loads(res.out)
    assert {i["outcome"] for i in doc["items"]} == {"failed"}
    reasons = [i["reason"] for i in doc["items"]]
    assert all(r.startswith("quarantine disk is full") for r in reasons), reasons
    assert snapshot(repo.path) == before
    assert paths["node_modules"].exists()
    assert not list(Path(shm_dir / "state").rglob("*.partial"))
    res = cli("clean", repo.path, "--yes")
    assert res.code == 1
    # Outside the current folder, a path is shown whole.
    assert f"failed: {paths['node_modules']}: quarantine disk is full" in res.out
