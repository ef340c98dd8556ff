"""Which path is which (issue 18, item 5): the text shows a path relative to the current folder
when it is below it, absolute otherwise, so each path says its root and works from where the
user is; JSON keeps absolute paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scan.helpers import make_tree

TREE = {"pyvenv.cfg": "home = /usr/bin\n", "lib/python3.11/site.py": "x = 1\n"}


@pytest.fixture
def two_roots(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "work" / "a"
    b = tmp_path / "work" / "b"
    make_tree(a / ".venv", TREE)
    make_tree(b, {"lib/__pycache__/m.cpython-311.pyc": "x" * 99, "lib/m.py": "x = 1\n"})
    return a, b


def _paths(out: str) -> list[str]:
    return [line.split("│")[-1].strip() for line in out.splitlines() if "│" in line]


def test_two_roots_below_the_current_folder(cli, two_roots, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    monkeypatch.chdir(a.parent)
    result = cli("scan", "--kind", "artifact", "a", "b")
    assert result.code == 0, result.err
    assert sorted(_paths(result.out)) == ["a/.venv/", "b/lib/__pycache__/"], result.out
    doc = json.loads(cli("scan", "--json", "--kind", "artifact", "a", "b").out)
    assert sorted(f["path"] for f in doc["findings"]) == sorted(
        [str(a / ".venv"), str(b / "lib" / "__pycache__")]
    )


def test_a_root_given_as_dot_dot_is_shown_from_the_current_folder(
    cli, two_roots, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    monkeypatch.chdir(a)
    result = cli("scan", "--kind", "artifact", ".", "../b")
    assert result.code == 0, result.err
    # `.venv/` is below the current folder; b is not, so it is absolute.
    assert sorted(_paths(result.out)) == sorted([".venv/", f"{b}/lib/__pycache__/"]), result.out


def test_a_root_outside_the_current_folder_is_absolute(
    cli, two_roots, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_roots
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli("scan", "--kind", "artifact", a)
    assert result.code == 0, result.err
    assert _paths(result.out) == [f"{a}/.venv/"], result.out
    assert Path(_paths(result.out)[0]).is_dir()  # it works from here
