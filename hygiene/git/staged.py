"""What a commit brings in, read from git's index with a fixed, small number of git processes.

Hooks run on every commit, so this module imports only the standard library and
`hygiene.git.repo`. Paths are root-relative, `/`-separated `str` (bytes that are not UTF-8 kept
as surrogates, as `os` does). Sizes are those of the staged blobs, not of the working-tree
files: the blob is what the commit stores, whatever the editor has written since `git add`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence

from hygiene.errors import UsageError
from hygiene.git.repo import work_tree_of
from hygiene.git.run import GitError, chunks
from hygiene.git.run import git as _git_any_repo


def git(root: str, *args: str, input: bytes | None = None) -> bytes:
    # In a hook, git's own variables describe this commit (GIT_INDEX_FILE for `git commit
    # FILE`, GIT_WORK_TREE): keep them, unlike the scan and clean, which drop them.
    return _git_any_repo(root, *args, input=input, keep_repo_env=True)


GITLINK = "160000"  # a submodule: the entry names a commit, not a blob
# A name with a `.` or `..` component, or a trailing slash, needs normalising.
_DOTTED = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|/$")
LITERAL = ("--literal-pathspecs",)  # file names are names, never globs
_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
MAX_PATHSPECS = 64
# `git ls-files -s --debug -z`: an entry, then its cached stat data (newline-separated).
_DEBUG_ENTRY = re.compile(
    rb"(\d{6}) ([0-9a-f]{40,64}) (\d)\t([^\0]*)\0"
    rb"  ctime: \d+:\d+\n  mtime: (\d+):\d+\n  dev: \d+\tino: \d+\n  uid: \d+\tgid: \d+\n"
    rb"  size: (\d+)\tflags: [0-9a-f]+\n"
)


def repo_root(start: str) -> str:
    """The work tree holding `start`: `$GIT_WORK_TREE`, else the nearest folder with `.git`."""
    override = os.environ.get("GIT_WORK_TREE")
    if override:
        return os.path.abspath(override)
    found = work_tree_of(os.path.abspath(start))
    if found is None:
        raise UsageError(f"{start}: not inside a git work tree")
    return found


def root_relative(root: str, cwd: str, filenames: Iterable[str]) -> list[str]:
    """File names as given (relative to `cwd`, as pre-commit passes them), relative to `root`."""
    out: list[str] = []
    here = cwd == root and os.sep == "/"
    for name in filenames:
        # pre-commit runs at the root with clean relative names: take those as they are (2,000
        # `relpath` calls cost more than the git processes).
        if here and name and name[0] != "/" and "//" not in name and not _DOTTED.search(name):
            out.append(name)
            continue
        full = os.path.normpath(os.path.join(cwd, name))
        rel = os.path.relpath(full, root)
        if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
            raise UsageError(f"{name}: not inside the work tree {root}")
        out.append(rel.replace(os.sep, "/"))
    return out


def _records(raw: bytes) -> list[str]:
    """NUL-separated git output as `str`, decoded once as `os.fsdecode` decodes a name."""
    return raw.decode(_FS_ENCODING, _FS_ERRORS).split("\0")


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

    One `git diff-index --cached` against HEAD, over the whole index: a pure move (the same blob
    deleted at one path and added at another) and a mode change bring no new blob, so they are
    left out, and seeing the deleted side takes seeing everything. Before the first commit
    every index entry is new.
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


def recorded_sizes(root: str, paths: Sequence[str]) -> dict[str, tuple[str, int | None]] | None:
    """Path -> (staged blob id, size the index recorded for it, None when it recorded none).

    The index keeps, with each entry, the stat data of the work-tree file it was last matched
    with: a file whose content, once cleaned, is the staged blob. Reading those sizes takes one
    process and opens no object, where asking for 2,000 blob sizes opens 2,000 loose objects.
    `--debug` output is for humans and "may change at any time", so when it does not parse
    entry for entry, None is returned and the caller measures every blob instead.
    """
    found: dict[str, tuple[str, int | None]] = {}
    # git matches every entry against every pathspec: past a few dozen names, listing the whole
    # index and picking in Python is faster (2,000 names: ~0.1 s against ~5 ms).
    wanted = set(paths)
    # One empty run: the whole index, no pathspec.
    runs: list[list[str]] = list(chunks(paths)) if len(paths) <= MAX_PATHSPECS else [[]]
    for chunk in runs:
        specs = ["--", *chunk] if chunk else []
        out = git(root, *LITERAL, "ls-files", "-s", "--debug", "-z", *specs)
        matches = list(_DEBUG_ENTRY.finditer(out))
        if len(matches) != out.count(b"\0"):
            return None
        for m in matches:
            mode, blob, stage, raw_path, mtime, size = m.groups()
            if stage != b"0" or mode == GITLINK.encode():
                continue
            path = os.fsdecode(raw_path)
            if path in wanted:
                # All-zero stat data: an entry git wrote without a file (read-tree, apply --cached).
                recorded = int(size) if int(mtime) else None
                found[path] = (blob.decode("ascii"), recorded)
    return found


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


def attributes(root: str, names: Sequence[str], paths: Sequence[str]) -> dict[str, dict[str, str]]:
    """Path -> {attribute: value (`unspecified`, `set`, `lfs`...)}, in one process."""
    if not paths:
        return {}
    out = git(
        root,
        "check-attr",
        *names,
        "-z",
        "--stdin",
        input=b"".join(os.fsencode(p) + b"\0" for p in paths),
    )
    parts = _records(out)
    found: dict[str, dict[str, str]] = {}
    for path, name, value in zip(parts[0::3], parts[1::3], parts[2::3], strict=False):
        found.setdefault(path, {})[name] = value
    return found


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
