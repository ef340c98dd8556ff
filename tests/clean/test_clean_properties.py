"""Property: over random trees in real git repositories, `clean` touches only artifacts and
`restore --last` puts the whole tree back (content, modes, mtimes, symlinks)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cleanhelp import age, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FOLDERS = ("src", "lib", "__pycache__", "node_modules", "build", ".pytest_cache", "docs")
KINDS = ("tracked", "modified", "untracked", "ignored", "link")
# Names the rule table may collect here (`build` beside setup.py, `*.pyc` files).
ARTIFACT_NAMES = {"__pycache__", "node_modules", ".pytest_cache", "build"}

entry = st.tuples(
    st.lists(st.sampled_from(FOLDERS), min_size=0, max_size=3),
    st.sampled_from(("a.py", "b.js", "c.txt", "d.log", "e.pyc")),
    st.sampled_from(KINDS),
    st.binary(max_size=40),
    st.sampled_from((0o644, 0o600, 0o755)),
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _make(repo: Path, entries: list[tuple[list[str], str, str, bytes, int]]) -> set[str]:
    """Build the tree; return the paths that must never change (tracked and modified files)."""
    _git(repo, "init", "-q")
    (repo / "package.json").write_text("{}\n")
    (repo / "setup.py").write_text("x\n")
    (repo / ".gitignore").write_text("*.log\nnode_modules/\n__pycache__/\n")
    tracked = {"package.json", "setup.py", ".gitignore"}
    later: list[tuple[Path, bytes]] = []
    for folders, name, kind, content, mode in entries:
        rel = Path(*folders, name)
        if kind == "ignored":
            rel = rel.with_suffix(".log")
        path = repo / rel
        if any(p.is_symlink() or (p.exists() and not p.is_dir()) for p in path.parents):
            continue
        if path.exists() or path.is_symlink():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "link":
            os.symlink("../" * len(folders) + "setup.py", path)
            continue
        path.write_bytes(content)
        os.chmod(path, mode)
        if kind in ("tracked", "modified"):
            tracked.add(str(rel))
            if kind == "modified":
                later.append((path, content + b" edited"))
    _git(repo, "add", "-f", "--", *sorted(tracked))
    _git(repo, "commit", "-q", "-m", "random tree")
    for path, content in later:
        path.write_bytes(content)
    age(repo)
    return tracked


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(entry, min_size=1, max_size=14))
def test_clean_touches_only_artifacts_and_restore_undoes_it(cli, entries) -> None:  # type: ignore[no-untyped-def]
    repo = Path(tempfile.mkdtemp(prefix="hygiene-prop-"))
    try:
        tracked = _make(repo, entries)
        before = snapshot(repo)
        res = cli("clean", repo, "--yes", "--json", "--all")
        assert res.code == 0, res.err
        done = [i["path"] for i in json.loads(res.out)["items"] if i["outcome"] == "done"]
        after = snapshot(repo, dir_mtimes=False)
        for path in done:
            assert not os.path.lexists(path)
            assert Path(path).name in ARTIFACT_NAMES or Path(path).suffix == ".pyc"
        gone = tuple(os.path.relpath(p, repo) for p in done)
        for rel, was in before.items():
            inside_done = any(rel == g or rel.startswith(g + os.sep) for g in gone)
            if rel in tracked or not inside_done:
                assert not inside_done, f"{rel} is tracked but was collected"
                assert rel in after, f"{rel} was removed"
                same = after[rel] == was if was[0] != "dir" else after[rel][:2] == was[:2]
                assert same, f"{rel} changed"
        if done:
            res = cli("restore", "--last", "--yes")
            assert res.code == 0, res.err
        assert snapshot(repo) == before
    finally:
        shutil.rmtree(repo, ignore_errors=True)
