"""Issue 14, item 5: another hygiene's quarantine is never raided, and restore checks what it
put back against the manifest.

Two real homes, as `sudo hygiene clean /home` meets a user's own quarantine: run A collects,
run B (another HYGIENE_HOME) cleans a folder holding A's home.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from cleanhelp import age, build_project, snapshot

# The documented tag (docs/clean.md): a file of this name whose first line is this signature.
QUARANTINE_TAG = "HYGIENE-QUARANTINE.TAG"
QUARANTINE_SIGNATURE = "Signature: hygiene-quarantine-v1"


def _collect_in_home_a(cli, make_repo, monkeypatch, home_a: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HYGIENE_HOME", str(home_a))
    repo = make_repo()
    paths = build_project(repo)
    # Inside node_modules, things B would take for artifacts of their own.
    repo.write("node_modules/left-pad/node_modules/dep/index.js", "module.exports = 2\n")
    repo.write("node_modules/left-pad/package.json", "{}\n")
    repo.write("node_modules/left-pad/lib/__pycache__/m.cpython-311.pyc", b"\x00pyc")
    repo.write("node_modules/left-pad/lib/m.py", "x = 1\n")
    age(repo.path)
    before = snapshot(repo.path)
    res = cli("clean", repo.path, "--yes", "--json")
    assert res.code == 0, res.err
    return repo, paths, before, json.loads(res.out)["run_id"]


def test_every_quarantine_folder_carries_the_tag(cli, make_repo, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home_a = tmp_path / "a-home"
    _, _, _, run_id = _collect_in_home_a(cli, make_repo, monkeypatch, home_a)
    for folder in (home_a / "quarantine", home_a / "quarantine" / run_id):
        first = (folder / QUARANTINE_TAG).read_text().splitlines()[0]
        assert first == QUARANTINE_SIGNATURE


def test_another_home_skips_a_tagged_quarantine(cli, make_repo, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home_a = tmp_path / "a-home"
    repo, _, before, _ = _collect_in_home_a(cli, make_repo, monkeypatch, home_a)
    quarantine_a = snapshot(home_a / "quarantine")

    monkeypatch.setenv("HYGIENE_HOME", str(tmp_path / "b-home"))
    res = cli("clean", home_a, "--yes", "--json", "--all")
    assert res.code == 0, res.err
    assert json.loads(res.out)["items"] == []
    scan = json.loads(cli("scan", home_a, "--json").out)
    assert scan["findings"] == []
    assert snapshot(home_a / "quarantine") == quarantine_a

    monkeypatch.setenv("HYGIENE_HOME", str(home_a))
    res = cli("restore", "--last", "--yes")
    assert res.code == 0, res.out + res.err
    assert snapshot(repo.path) == before


def test_restore_says_when_what_came_back_differs(cli, make_repo, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home_a = tmp_path / "a-home"
    _, paths, _, run_id = _collect_in_home_a(cli, make_repo, monkeypatch, home_a)
    items = home_a / "quarantine" / run_id / "items"
    manifest = (home_a / "quarantine" / run_id / "manifest.jsonl").read_text().splitlines()
    intents = {r["path"]: r["n"] for r in map(json.loads, manifest) if r["event"] == "intent"}
    raided = items / str(intents[str(paths["node_modules"])])
    shutil.rmtree(raided / "left-pad" / "node_modules")  # what another run took away

    res = cli("restore", "--last", "--yes")

    assert res.code == 1, res.out
    assert "Restored 2 of 2" not in res.out
    assert "Restored 1 of 2 item(s) whole" in res.out
    assert f"differs: {paths['node_modules']}" in res.out
    assert "collected" in res.out
    assert (paths["node_modules"] / "left-pad" / "index.js").is_file()  # the rest is back
    res = cli("restore", "--last", "--yes", "--json")  # the run is settled, nothing held
    assert res.code == 2
    assert os.listdir(home_a / "quarantine") != []
