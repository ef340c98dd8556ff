"""Issue 18, items 1 and 2: a src-layout project's egg-info is found, and every size the scan
reports agrees with `du` on the same real tree (an artifact's own folder entry included, hard
links once, the totals too)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hygiene.clean.treeops import tally
from tests.conftest import git
from tests.scan.helpers import make_tree, scan_json


def du(flag: str, *paths: str | Path) -> int:
    done = subprocess.run(
        ["du", "-s", flag, "-c", *map(str, paths)], capture_output=True, text=True, check=True
    )
    return int(done.stdout.splitlines()[-1].split()[0])


def artifacts_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["kind"] == "artifact"]


def assert_agrees_with_du(doc: dict[str, Any], root: Path) -> None:
    found = artifacts_of(doc)
    assert found
    for item in found:
        assert (item["path"], item["bytes"]) == (item["path"], du("-b", item["path"]))
        assert (item["path"], item["disk_bytes"]) == (item["path"], du("-B1", item["path"]))
    paths = [f["path"] for f in found]
    totals = doc["totals"]
    assert totals["artifact_bytes"] == du("-b", *paths)
    assert totals["artifact_disk_bytes"] == du("-B1", *paths)
    assert totals["scanned_bytes"] == du("-b", root)
    assert totals["scanned_disk_bytes"] == du("-B1", root)


@pytest.fixture
def src_layout(tmp_path: Path) -> Path:
    """A src-layout project installed by a real `pip install -e .` (setuptools)."""
    project = tmp_path / "srcproj"
    make_tree(
        project,
        {
            "pyproject.toml": (
                '[build-system]\nrequires = ["setuptools"]\n'
                'build-backend = "setuptools.build_meta"\n'
                '[project]\nname = "srcpkg"\nversion = "0.1"\n'
            ),
            "src/srcpkg/__init__.py": "VALUE = 1\n",
            "README.md": "a project\n",
        },
    )
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "init")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--prefix",
            str(tmp_path / "prefix"),
            "-e",
            ".",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.skip(f"pip install -e . failed here: {done.stderr[-400:]}")
    assert (project / "src" / "srcpkg.egg-info" / "PKG-INFO").is_file()
    return project


def test_src_layout_egg_info_is_an_artifact_and_an_ignore_gap(src_layout: Path, cli) -> None:  # type: ignore[no-untyped-def]
    doc = scan_json(cli, src_layout, "--kind", "artifact", "--kind", "ignore-gap")
    egg = str(src_layout / "src" / "srcpkg.egg-info")
    found = {f["path"]: f for f in artifacts_of(doc)}
    assert egg in found, sorted(found)
    assert found[egg]["rule"] == "python.egg-info"
    assert "PKG-INFO" in found[egg]["reason"]
    gaps = {f["rel"] for f in doc["findings"] if f["kind"] == "ignore-gap"}
    assert "src/srcpkg.egg-info" in gaps
    assert_agrees_with_du(doc, src_layout)


def test_an_egg_info_by_hand_without_metadata_is_not_an_artifact(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    make_tree(
        tmp_path,
        {
            "notes/ideas.egg-info/todo.txt": "my notes\n",
            "notes/more.egg-info/PKG-INFO": "not metadata, my notes\n",
        },
    )
    doc = scan_json(cli, tmp_path, "--kind", "artifact")
    assert artifacts_of(doc) == []


def test_sizes_agree_with_du(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = make_tree(
        tmp_path / "ws",
        {
            "proj/pyproject.toml": "",
            "proj/.pytest_cache/README.md": "pytest cache\n",
            "proj/.pytest_cache/v/cache/nodeids": "[]\n" * 300,
            "proj/.pytest_cache/v/cache/lastfailed": "{}\n",
            "proj/pkg/__pycache__/a.cpython-311.pyc": b"\0" * 5000,
            "proj/pkg/a.py": "x = 1\n",
            "proj/node_modules/.package-lock.json": "{}",
            "proj/package.json": "{}",
            "proj/node_modules/left/index.js": "y" * 70_000,
            "proj/node_modules/left/lib/deep/deeper/x.js": "z" * 10,
            "proj/node_modules/right/empty/": None,
            "proj/src/main.py": "print(1)\n" * 100,
            "other/Cargo.toml": "",
            "other/target/debug/app": b"\1" * 123_457,
        },
    )
    # A hard link inside one artifact counts once, as du counts it.
    os.link(
        root / "proj/pkg/__pycache__/a.cpython-311.pyc",
        root / "proj/pkg/__pycache__/b.cpython-311.pyc",
    )
    os.link(root / "proj/node_modules/left/index.js", root / "proj/node_modules/right/index.js")
    git(root / "proj", "init", "-q")
    doc = scan_json(cli, root, "--kind", "artifact")
    assert {Path(f["path"]).name for f in artifacts_of(doc)} == {
        ".pytest_cache",
        "__pycache__",
        "node_modules",
        "target",
    }
    assert_agrees_with_du(doc, root)


def test_sizes_agree_with_du_in_one_process(tmp_path: Path) -> None:
    """The same through the engine without workers (the Python and C loops alike)."""
    from hygiene.scan.engine import ScanRequest, scan

    root = make_tree(
        tmp_path / "ws",
        {
            "p/pyproject.toml": "",
            "p/.mypy_cache/3.11/a.json": "{}" * 900,
            "p/.mypy_cache/3.11/b.json": "{}" * 10,
            "p/build/lib/p.py": "x" * 4097,
        },
    )
    result = scan(ScanRequest(roots=(root,), workers=0))
    assert result.findings
    for finding in result.findings:
        assert finding.bytes == du("-b", finding.path)
        assert finding.disk_bytes == du("-B1", finding.path)
    assert result.totals.scanned_bytes == du("-b", root)


def test_tally_counts_what_the_scan_counts(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Incinerate's re-check compares the plan's bytes with `tally`: both count the folder."""
    root = make_tree(tmp_path / "ws", {"p/pyproject.toml": "", "p/.ruff_cache/0.1/x": "r" * 77})
    doc = scan_json(cli, root, "--kind", "artifact")
    (item,) = artifacts_of(doc)
    assert tally(item["path"]) == (item["files"], item["bytes"])
