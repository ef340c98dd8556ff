"""What a commit brings in, read from git's index with a fixed, small number of git processes.

Hooks run on every commit, so this module imports only the standard library and
`hygiene.gitrepo`. Paths are root-relative, `/`-separated `str` (bytes that are not UTF-8 kept
as surrogates, as `os` does). Sizes are those of the staged blobs, not of the working-tree
files: the blob is what the commit stores, whatever the editor has written since `git add`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from hygiene.errors import UsageError
from hygiene.gitrepo import GitError, git

GITLINK = "160000"  # a submodule: the entry names a commit, not a blob


def repo_root(start: str) -> str:
    """The work tree holding `start`: `$GIT_WORK_TREE`, else the nearest folder with `.git`."""
    override = os.environ.get("GIT_WORK_TREE")
    if override:
        return os.path.abspath(override)
    current = os.path.abspath(start)
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            raise UsageError(f"{start}: not inside a git work tree")
        current = parent


def root_relative(root: str, cwd: str, filenames: Iterable[str]) -> list[str]:
    """File names as given (relative to `cwd`, as pre-commit passes them), relative to `root`."""
    out: list[str] = []
    for name in filenames:
        full = os.path.normpath(os.path.join(cwd, name))
        rel = os.path.relpath(full, root)
        if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
            raise UsageError(f"{name}: not inside the work tree {root}")
        out.append(rel.replace(os.sep, "/"))
    return out


def _records(raw: bytes) -> list[str]:
    return [os.fsdecode(part) for part in raw.split(b"\0")]


def _index(root: str) -> dict[str, str]:
    """Every stage-0 index entry -> its blob id (`git ls-files -s -z`)."""
    blobs: dict[str, str] = {}
    for record in _records(git(root, "ls-files", "-s", "-z")):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, blob, stage = meta.split(" ")
        if stage == "0" and mode != GITLINK:
            blobs[path] = blob
    return blobs


def staged_changes(root: str) -> dict[str, str]:
    """Paths this commit adds or changes -> their staged blob id.

    One `git diff-index --cached` against HEAD. A pure move (the same blob deleted at one path
    and added at another) and a mode change bring no new blob, so they are left out. Before
    the first commit every index entry is new.
    """
    try:
        raw = git(root, "diff-index", "--cached", "--no-renames", "-z", "HEAD")
    except GitError:
        # No HEAD yet (an unborn branch): everything in the index is being added.
        return _index(root)
    parts = _records(raw)
    added: dict[str, str] = {}
    deleted: set[str] = set()
    for meta, path in zip(parts[0::2], parts[1::2], strict=False):
        _, new_mode, old, new, status = meta[1:].split(" ")
        if status == "D":
            deleted.add(old)
        elif new_mode != GITLINK and new != old and new.strip("0"):
            added[path] = new
    return {path: blob for path, blob in added.items() if blob not in deleted}


def tracked_blobs(root: str) -> dict[str, str]:
    """Every tracked file -> its staged blob id, for `--enforce-all`."""
    return _index(root)


def blob_sizes(root: str, blobs: Iterable[str]) -> dict[str, int]:
    """Blob id -> size in bytes, from one `git cat-file --batch-check`."""
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    out = git(
        root,
        "cat-file",
        "--batch-check=%(objectname) %(objectsize)",
        input="".join(f"{blob}\n" for blob in wanted).encode("ascii"),
    )
    sizes: dict[str, int] = {}
    for line in out.decode("ascii", "replace").splitlines():
        blob, _, size = line.partition(" ")
        if size.isdigit():
            sizes[blob] = int(size)
    return sizes


def attribute(root: str, name: str, paths: Sequence[str]) -> dict[str, str]:
    """Path -> the value of one gitattribute (`unspecified`, `set`, `lfs`...), one process."""
    if not paths:
        return {}
    out = git(
        root,
        "check-attr",
        name,
        "-z",
        "--stdin",
        input=b"".join(os.fsencode(p) + b"\0" for p in paths),
    )
    parts = _records(out)
    return dict(zip(parts[0::3], parts[2::3], strict=False))


def held_in_head(root: str, paths: Sequence[str]) -> set[str]:
    """Those of `paths` (files or folders) that are, or hold, files committed in HEAD."""
    if not paths:
        return set()
    try:
        out = git(root, "ls-tree", "-r", "--name-only", "-z", "HEAD", "--", *paths)
    except GitError:
        return set()  # no commit yet: nothing is held
    wanted = set(paths)
    held: set[str] = set()
    for tracked in _records(out):
        probe = tracked
        while probe:
            if probe in wanted:
                held.add(probe)
                break
            probe = probe.rpartition("/")[0]
    return held
