"""The paths `IgnoreScope` settles without git: every one must be a path git ignores.

Random ignore files (top, nested, `info/exclude`, the global excludes file) of bare names and a
few other patterns, over a fixed tree of folders and files; git itself judges each path.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.git.ignorescope import (
    OUTSIDE_EXCLUDES,
    BareName,
    IgnoreScope,
    ignore_scope,
    outside_excludes,
)
from hygiene.git.repo import git_env

# The tree: folders end in "/" here (not on disk).
TREE = (
    "x",
    "Node/",
    "a/",
    "a/x",
    "a/b/",
    "a/b/x/",
    "a/b/c.txt",
    "a/node_modules/",
    "node_modules/",
    "b/c.txt",
    "c.txt",
    "d/a/",
    "d/a/x",
)
PATHS = [p.rstrip("/") for p in TREE]
FOLDERS = {p.rstrip("/") for p in TREE if p.endswith("/")}

_NAMES = st.sampled_from(["x", "a", "b", "node_modules", "c.txt", "Node", "node", "X", "d"])
_BARE = st.builds(
    lambda lead, name, trail, tail: lead + name + trail + tail,
    st.sampled_from(["", "/"]),
    _NAMES,
    st.sampled_from(["", "/"]),
    st.sampled_from(["", "  ", "\r"]),
)
_OTHER = st.sampled_from(
    ["*.txt", "a/x", "b/", "!x", "!a/", "# x", "", "[ab]/", "\\!x", "x ", "/a/b", "**/x", "a/**"]
)
_FILE = st.lists(st.one_of(_BARE, _BARE, _OTHER), max_size=4).map("\n".join)


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        check=False,
        env=git_env(),
    ).stdout


@pytest.fixture
def tree(make_repo, isolated: Path):  # type: ignore[no-untyped-def]
    repo = make_repo("settled")
    for rel in TREE:
        target = repo.path / rel.rstrip("/")
        if rel.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x\n", encoding="utf-8")
    excludes = isolated / "global-ignore"
    with open(os.environ["GIT_CONFIG_GLOBAL"], "a", encoding="utf-8") as config:
        config.write(f"[core]\n\texcludesFile = {excludes}\n")
    return repo.path, excludes


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    top=_FILE,
    nested=_FILE,
    deeper=_FILE,
    info=_FILE,
    outside=_FILE,
    ignorecase=st.booleans(),
)
def test_what_is_settled_git_ignores(
    tree: tuple[Path, Path],
    top: str,
    nested: str,
    deeper: str,
    info: str,
    outside: str,
    ignorecase: bool,
) -> None:
    repo, excludes = tree
    (repo / ".gitignore").write_text(top, encoding="utf-8")
    (repo / "a" / ".gitignore").write_text(nested, encoding="utf-8")
    (repo / "a" / "b" / ".gitignore").write_text(deeper, encoding="utf-8")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text(info, encoding="utf-8")
    excludes.write_text(outside, encoding="utf-8")
    _git(repo, "config", "core.ignorecase", str(ignorecase).lower())

    found = outside_excludes(_git(repo, *OUTSIDE_EXCLUDES))
    assert found.value == os.fsencode(excludes)
    paths = b"".join(os.fsencode(p) + b"\0" for p in PATHS)
    scope = ignore_scope(str(repo), paths, found)
    answer = _git(repo, "check-ignore", "--no-index", "--stdin", "-z", stdin=paths)
    ignored = {os.fsdecode(p) for p in answer.split(b"\0") if p}
    if scope is None:
        return
    for rel in PATHS:
        raw = os.fsencode(rel)
        if scope.surely_ignored(raw, folder=rel in FOLDERS):
            assert rel in ignored, (rel, scope)
        if rel in ignored:
            assert scope.may_ignore(raw), (rel, scope)
    negations = any(
        line.startswith("!")
        for text in (top, nested, deeper, info, outside)
        for line in text.split("\n")
    )
    if negations:
        assert not scope.names  # one negation anywhere: nothing is settled without git


def test_bare_names_as_git_places_them() -> None:
    """Each condition of a bare name on its own: below its file's folder, anchored right
    below it, `name/` only for folders (a folder above the path always is one)."""
    scope = IgnoreScope(
        (b"x",),
        {
            b"x": (BareName(b"a", anchored=False, folders_only=False),),
            b"y": (BareName(b"", anchored=True, folders_only=False),),
            b"z": (BareName(b"", anchored=False, folders_only=True),),
        },
    )
    assert scope.surely_ignored(b"a/x", folder=False)
    assert scope.surely_ignored(b"a/b/x/c", folder=False)  # a folder above the path
    assert not scope.surely_ignored(b"x", folder=False)  # not below `a`
    assert not scope.surely_ignored(b"ab/x", folder=False)  # "ab" is not "a"
    assert not scope.surely_ignored(b"b/a/x", folder=False)
    assert scope.surely_ignored(b"y/q", folder=False)
    assert not scope.surely_ignored(b"q/y", folder=False)  # anchored: right below the top
    assert scope.surely_ignored(b"z", folder=True)
    assert not scope.surely_ignored(b"z", folder=False)
    assert scope.surely_ignored(b"z/q", folder=False)
    assert not scope.surely_ignored(b"Z", folder=True)  # exactly the name, whatever the case
