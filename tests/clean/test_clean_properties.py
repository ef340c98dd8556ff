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


# --- issue 14: `clean --all --incinerate` removes exactly the planned bytes, nothing else ------

PROP_FOLDERS = ("src", "node_modules", "dist", "__pycache__", "datasets", "tagged", "cachey")
PROP_NAMES = {
    "plain": ("a.py", "c.txt"),
    "precious": (".env", "key.pem", "db.sqlite3", "#notes#", ".n.swp", "orphan.pyc"),
}
PROP_KINDS = ("tracked", "untracked", "precious", "db-by-header", "link-in", "link-out")
SQLITE_PAGE = b"SQLite format 3\0" + b"\0" * 496


def _manifest(root: Path) -> dict[str, tuple[object, ...]]:
    """path -> (type, content hash or link target, mode, mtime, owner, group, size)."""
    import hashlib
    import stat as st_mod

    seen: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            mode = st_mod.S_IMODE(st.st_mode)
            own = (st.st_uid, st.st_gid)
            if st_mod.S_ISLNK(st.st_mode):
                body: object = ("link", os.readlink(path))
            elif st_mod.S_ISDIR(st.st_mode):
                body = ("dir", None)
            else:
                body = ("file", hashlib.sha256(Path(path).read_bytes()).hexdigest())
            mtime = None if body[0] == "dir" else st.st_mtime_ns  # (a removal bumps folders)
            seen[path] = (*body, mode, mtime, *own, st.st_size)
    return seen


def _prop_tree(
    root: Path, project: Path, outside: Path, entries: list[tuple[str, int, str]]
) -> tuple[set[str], list[str]]:
    """Build one generated tree in `project` (inside the repository at `root`); return the
    paths that must survive and the files to commit."""
    project.mkdir()
    (project / "package.json").write_text("{}\n")
    (project / "pyproject.toml").write_text("[project]\n")
    (project / "datasets").mkdir()
    (project / "datasets/.gitignore").write_text("*\n")  # a user's, not a tool's
    (project / "tagged").mkdir()
    (project / "tagged/CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    (project / "cachey").mkdir()
    (project / "cachey/.gitignore").write_text("# Created by pytest automatically.\n*\n")
    keep: set[str] = {str(project / "datasets/.gitignore")}
    tracked = [str((project / "package.json").relative_to(root))]
    for n, (folder, pick, kind) in enumerate(entries):
        # Below node_modules, `.cache`: a package's own files (node_modules/<package>/) may
        # hold keys and databases of their own and do not keep it (hygiene.scan.inside.installed).
        where = project / folder / (".cache" if folder == "node_modules" else "") / f"d{n % 3}"
        where.mkdir(parents=True, exist_ok=True)
        if kind == "precious":
            names = PROP_NAMES["precious"]
            path = where / names[pick % len(names)]
        else:
            path = where / f"{kind}{n}-{PROP_NAMES['plain'][pick % 2]}"
        if path.exists() or path.is_symlink():
            continue
        if kind == "link-in":
            os.symlink(project / "package.json", path)
        elif kind == "link-out":
            os.symlink(outside / "target.txt", path)
        elif kind == "db-by-header":
            path = path.with_suffix(".bin")
            path.write_bytes(SQLITE_PAGE)
        else:
            path.write_bytes(f"{kind} {n}\n".encode())
        if kind == "tracked":
            tracked.append(str(path.relative_to(root)))
        # A sourceless .pyc is kept as a file of its own (item 9), not inside an artifact: a
        # build folder's compiled modules are sourceless by design.
        in_artifact = folder not in ("src", "datasets")
        if kind in ("tracked", "precious", "db-by-header") and not (
            path.name == "orphan.pyc" and in_artifact
        ):
            keep.add(str(path))
    return keep, tracked


PROP_TREE = st.lists(
    st.tuples(st.sampled_from(PROP_FOLDERS), st.integers(0, 5), st.sampled_from(PROP_KINDS)),
    min_size=1,
    max_size=8,
)
# Trees per example: each is its own project in the same repository, judged on its own, so one
# run of the CLI checks five trees and 100 examples check 500.
TREES_PER_EXAMPLE = 5


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trees=st.lists(PROP_TREE, min_size=TREES_PER_EXAMPLE, max_size=TREES_PER_EXAMPLE))
def test_incinerate_removes_exactly_the_planned_bytes(cli, trees) -> None:  # type: ignore[no-untyped-def]
    """Over generated trees mixing artifacts, precious files, links in and out of the root and
    tracked files: what `clean --all --incinerate` removes is exactly what it planned and said
    it did, byte for byte, and nothing precious, tracked or outside the root changes."""
    base = Path(tempfile.mkdtemp(prefix="hygiene-inc-"))
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "target.txt").write_text("outside the root\n")
    try:
        _git(root, "init", "-q")
        keep: set[str] = set()
        tracked: list[str] = []
        for n, entries in enumerate(trees):
            kept, committed = _prop_tree(root, root / f"p{n}", outside, entries)
            keep |= kept
            tracked += committed
        _git(root, "add", "-f", "--", *tracked)
        _git(root, "commit", "-q", "-m", "trees")
        age(root)
        before, before_out = _manifest(root), _manifest(outside)
        res = cli("clean", root, "--all", "--incinerate", "--yes", "--json")
        assert res.code == 0, res.err
        items = json.loads(res.out)["items"]
        assert not [i for i in items if i["outcome"] == "failed"], items
        done = {i["path"]: i for i in items if i["outcome"] == "done"}
        after = _manifest(root)

        def under(path: str, item: str) -> bool:
            return path == item or path.startswith(item + os.sep)

        for path, was in before.items():
            gone = [d for d in done if under(path, d)]
            if gone:
                assert path not in after, f"{path} was planned to go and stayed"
                assert path not in keep, f"{path} is precious or tracked and went"
            else:
                assert after.get(path) == was, f"{path} changed or went: {was} -> {after.get(path)}"
        assert set(after) <= set(before), set(after) - set(before)
        assert _manifest(outside) == before_out
        for item, info in done.items():
            inside = [v for p, v in before.items() if p.startswith(item + os.sep)]
            own = before[item]
            planned = sum(int(v[-1]) for v in inside) + int(own[-1])  # type: ignore[call-overload]
            assert info["bytes"] == planned, (item, info["bytes"], planned)
            assert Path(item).relative_to(root).parts[1] not in ("datasets", "src"), item
    finally:
        shutil.rmtree(base, ignore_errors=True)
