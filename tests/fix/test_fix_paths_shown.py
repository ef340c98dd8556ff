"""Which path is which in `fix` (issue 18, item 5): the text names each repository and file
relative to the current folder when below it, absolute otherwise, as scan does; JSON keeps
absolute paths. Two roots used to print `.:` twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Repo


@pytest.fixture
def two_roots(make_repo) -> tuple[Repo, Repo]:  # type: ignore[no-untyped-def]
    a = make_repo("work/a")
    a.write("package.json", "{}\n")
    a.write("node_modules/left-pad/index.js", "module.exports = 1\n")
    b = make_repo("work/b")
    b.write("lib/m.py", "x = 1\n")
    b.write("lib/__pycache__/m.cpython-311.pyc", b"\x00compiled")
    return a, b


def _named(out: str) -> list[str]:
    """The repositories and files the text names: `REPO:` heads and `add to FILE:` lines."""
    names = []
    for line in out.splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            names.append(line[:-1])
        elif line.startswith("  add to "):
            names.append(line[len("  add to ") : -1])
    return names


def _done(out: str) -> list[str]:
    return [line.split()[2].rstrip(":") for line in out.splitlines() if line.startswith("done ")]


def test_two_roots_below_the_current_folder(cli, two_roots, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    monkeypatch.chdir(a.path.parent)
    result = cli("fix", "a", "b")
    assert result.code == 0, result.err
    assert _named(result.out) == ["a", "a/.gitignore", "b", "b/.gitignore"], result.out
    doc = json.loads(cli("fix", "--json", "a", "b").out)
    assert sorted(fix["repo"] for fix in doc["plan"]) == [str(a.path), str(b.path)]
    applied = cli("fix", "--apply", "a", "b")
    assert applied.code == 0, applied.err
    assert sorted(_done(applied.out)) == ["a/.gitignore", "b/.gitignore"], applied.out


def test_a_root_outside_the_current_folder_is_absolute(
    cli, two_roots, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    a, b = two_roots
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli("fix", a.path, b.path)
    assert result.code == 0, result.err
    named = _named(result.out)
    assert named == [
        str(a.path), f"{a.path}/.gitignore", str(b.path), f"{b.path}/.gitignore"
    ], result.out  # fmt: skip
    assert all(Path(p).exists() for p in named[::2])  # they work from here
    applied = cli("fix", "--apply", a.path, b.path)
    assert applied.code == 0, applied.err
    assert sorted(_done(applied.out)) == [f"{a.path}/.gitignore", f"{b.path}/.gitignore"]
