"""Which path is which in `clean` (issue 18, item 5): the text shows a path relative to the
current folder when it is below it, absolute otherwise, as scan does; JSON keeps absolute paths.
Two roots each used to print their paths below their own root, with no sign of which is which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cleanhelp import age

from tests.conftest import Repo


@pytest.fixture
def two_roots(make_repo) -> tuple[Repo, Repo]:  # type: ignore[no-untyped-def]
    a = make_repo("work/a")
    a.write("package.json", "{}\n")
    a.write("node_modules/left-pad/index.js", "module.exports = 1\n")
    b = make_repo("work/b")
    b.write("lib/m.py", "x = 1\n")
    b.write("lib/__pycache__/m.cpython-311.pyc", b"\x00compiled")
    age(a.path)
    age(b.path)
    # Young, so kept: the "kept" lines name their paths the same way.
    b.write("pkg/m.py", "x = 1\n")
    b.write("pkg/__pycache__/m.cpython-311.pyc", b"\x00compiled")
    return a, b


def _table_paths(out: str) -> list[str]:
    return [line.split("│")[-1].strip() for line in out.splitlines() if "│" in line]


def _kept(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("kept ("))
    return [line.strip().split(":")[0] for line in lines[start + 1 :] if line.startswith("  ")]


def test_two_roots_below_the_current_folder(cli, two_roots, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    monkeypatch.chdir(a.path.parent)
    result = cli("clean", "--dry-run", "a", "b")
    assert result.code == 0, result.err
    assert sorted(_table_paths(result.out)) == ["a/node_modules/", "b/lib/__pycache__/"]
    assert _kept(result.out) == ["b/pkg/__pycache__"], result.out
    doc = json.loads(cli("clean", "--dry-run", "--json", "a", "b").out)
    assert sorted(i["path"] for i in doc["items"]) == sorted(
        [
            str(a.path / "node_modules"),
            str(b.path / "lib" / "__pycache__"),
            str(b.path / "pkg" / "__pycache__"),
        ]
    )


def test_a_root_outside_the_current_folder_is_absolute(
    cli, two_roots, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli("clean", "--dry-run", a.path, b.path)
    assert result.code == 0, result.err
    shown = _table_paths(result.out)
    assert sorted(shown) == sorted([f"{a.path}/node_modules/", f"{b.path}/lib/__pycache__/"]), (
        result.out
    )
    assert all(Path(p).is_dir() for p in shown)  # they work from here
    assert _kept(result.out) == [f"{b.path}/pkg/__pycache__"], result.out


def test_one_root_below_and_one_outside(cli, two_roots, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    monkeypatch.chdir(a.path)
    result = cli("clean", "--dry-run", ".", "../b")
    assert result.code == 0, result.err
    assert sorted(_table_paths(result.out)) == sorted(
        ["node_modules/", f"{b.path}/lib/__pycache__/"]
    ), result.out


def test_the_report_names_a_kept_item_from_the_current_folder(
    cli, two_roots, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    monkeypatch.chdir(tmp_path / "work")
    result = cli("clean", "--yes", "a", "b")
    assert result.code == 0, result.err
    skipped = [line for line in result.out.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 1, result.out
    assert skipped[0].startswith("skipped: b/pkg/__pycache__: within --min-age") or skipped[
        0
    ].startswith("skipped: b/pkg/__pycache__: modified"), result.out
    assert not (a.path / "node_modules").exists()
    assert not (b.path / "lib" / "__pycache__").exists()
