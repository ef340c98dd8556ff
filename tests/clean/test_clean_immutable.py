"""An immutable file stops `--incinerate` half way (issue 14, item 10): what is left stays
listed by `quarantine list`, and a later run removes it once the file may go."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cleanhelp import age


def _chattr(flag: str, path: Path) -> bool:
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def locked(make_repo: Any) -> Iterator[tuple[Path, Path]]:
    """(project, its node_modules) with one immutable file inside; unlocked at teardown."""
    repo = make_repo()
    repo.write("package.json", "{}\n")
    repo.write(".gitignore", "node_modules/\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "init")
    repo.write("node_modules/a/index.js", "a\n")
    frozen = repo.write("node_modules/b/locked.js", "b\n")
    repo.write("node_modules/c/index.js", "c\n")
    age(repo.path)
    if not _chattr("+i", frozen):
        pytest.skip("chattr +i does not work here (needs root and ext4, xfs or btrfs)")
    try:
        yield repo.path, repo.path / "node_modules"
    finally:
        _chattr("-i", frozen)


def _runs(cli: Any) -> list[dict[str, Any]]:
    res = cli("quarantine", "list", "--json")
    assert res.code == 0, res.err
    runs: list[dict[str, Any]] = json.loads(res.out)["runs"]
    return runs


def test_a_half_incinerated_item_stays_listed_and_is_finished_later(cli, locked) -> None:  # type: ignore[no-untyped-def]
    project, nm = locked
    res = cli("clean", project, "--yes", "--incinerate", "--json")
    (item,) = json.loads(res.out)["items"]
    assert item["outcome"] == "failed"
    (left,) = project.glob(".hygiene-*.deleting")
    assert (left / "b" / "locked.js").read_text() == "b\n"
    assert "kept at" in item["reason"]

    for _ in range(2):  # every later run still shows it, and still cannot finish it
        (run,) = _runs(cli)
        assert run["unfinished"] == [{"path": str(nm), "left_at": str(left)}]
    assert "partly removed" in cli("quarantine", "list").out

    _chattr("-i", left / "b" / "locked.js")
    assert _runs(cli) == []  # the next run finished the removal and the list is empty
    assert not list(project.glob(".hygiene-*"))
    assert not nm.exists()
