"""The git questions hygiene asks about a work tree, each a fixed number of git processes
(run through `hygiene.git.run`), and where a work tree begins."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from hygiene.git.run import GitError, chunks, git, git_env

__all__ = ["GitError", "git", "git_env"]

# The questions that need nothing from the walk, asked the same way whether prefetched or not.
LIST_TRACKED = ("ls-files", "-z")
LIST_TRACKED_IGNORED = ("ls-files", "-z", "-ci", "--exclude-standard")
# Paths on stdin judged by the ignore rules alone (tracked or not), answered as asked.
CHECK_IGNORE = ("check-ignore", "--no-index", "--stdin", "-z")
# Every object's size from the pack indexes, no history walk.
LIST_OBJECT_SIZES = (
    "cat-file",
    "--batch-all-objects",
    "--unordered",
    "--batch-check=%(objectname) %(objecttype) %(objectsize) %(objectsize:disk)",
)


def check_ignore(
    repo: str, payload: bytes, *, no_index: bool = False, git_args: tuple[str, ...] = ()
) -> list[bytes]:
    """Of the NUL-terminated paths in `payload`, those git ignores, in order, as they were asked.

    One `git check-ignore --stdin -z` whatever the number of paths. `no_index`: tracked paths
    are judged by the ignore rules alone (`ls-files -ci` does the same for tracked files).
    """
    asked = CHECK_IGNORE if no_index else tuple(a for a in CHECK_IGNORE if a != "--no-index")
    # Exit 1 means "none of them is ignored"; anything else is a failure, never "all are gaps".
    out = git(repo, *git_args, *asked, input=payload, ok=(0, 1))
    return [p for p in out.split(b"\0") if p]


def as_pathspecs(paths: Iterable[bytes]) -> bytes:
    """NUL-terminated, each behind "./": a name such as `:x` or `:(exclude)y` is then not read
    as pathspec magic (check-ignore refuses --literal-pathspecs), and git answers with the path
    as it was asked."""
    return b"".join(b"./" + p + b"\0" for p in paths)


def from_pathspecs(answer: Iterable[bytes]) -> set[str]:
    """The work-tree paths `as_pathspecs` asked about, as check-ignore answers them back."""
    return {os.fsdecode(p.removeprefix(b"./")) for p in answer}


def object_store(repo: str, *, bare: bool) -> str:
    """The common git directory, so work trees of one repository are read once."""
    gitdir = repo if bare else os.path.join(repo, ".git")
    if os.path.isfile(gitdir):
        with open(gitdir, encoding="utf-8", errors="replace") as handle:
            line = handle.readline().strip()
        if line.startswith("gitdir:"):
            gitdir = os.path.normpath(os.path.join(repo, line[len("gitdir:") :].strip()))
    try:
        with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as handle:
            gitdir = os.path.normpath(os.path.join(gitdir, handle.read().strip()))
    except OSError:
        pass
    return os.path.realpath(gitdir)


def holding_tracked(repo: str, relpaths: Sequence[str]) -> set[str]:
    """Those of `relpaths` (files or folders, relative to `repo`) that are or hold tracked files."""
    if not relpaths:
        return set()
    wanted = {os.fsencode(p): p for p in relpaths}
    held: set[str] = set()
    for chunk in chunks(sorted(wanted)):
        out = git(repo, "--literal-pathspecs", "ls-files", "-z", "--", *map(os.fsdecode, chunk))
        for tracked in out.split(b"\0"):
            if not tracked:
                continue
            # Climb from the tracked file to the candidate that holds it.
            probe = tracked
            while probe:
                if probe in wanted:
                    held.add(wanted[probe])
                    break
                cut = probe.rfind(b"/")
                probe = probe[:cut] if cut > 0 else b""
    return held


class TrackedIndex:
    """Every path git tracks in one work tree (`ls-files -z`), asked many times without git.

    One listing answers "is it or does it hold tracked files?" for any number of candidates: a
    folder holds tracked files iff some tracked path starts with it plus "/", found by bisection
    in the bytewise-sorted listing (the index's own order, sorted again to be sure).
    """

    def __init__(self, listing: bytes) -> None:
        self.paths: list[bytes] = sorted(p for p in listing.split(b"\0") if p)

    def holds(self, relpath: str) -> bool:
        """True if `relpath` (work-tree relative) is or holds a tracked file."""
        from bisect import bisect_left

        paths = self.paths
        key = os.fsencode(relpath.replace(os.sep, "/"))
        if key in (b"", b"."):
            return bool(paths)  # the work tree itself, as `ls-files -- .` would say
        i = bisect_left(paths, key)
        if i < len(paths) and paths[i] == key:
            return True
        inside = key + b"/"
        i = bisect_left(paths, inside, i)
        return i < len(paths) and paths[i].startswith(inside)

    def holding(self, relpaths: Iterable[str]) -> set[str]:
        """Those of `relpaths` that are or hold tracked files: `holding_tracked` without git."""
        return {rel for rel in relpaths if self.holds(rel)}


def work_tree_of(path: str) -> str | None:
    """The work tree that holds `path` (the nearest folder at or above it with `.git`), if any.

    `path` is taken as given: the scan passes a real path, the hooks the path pre-commit used.
    """
    current = path
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def additions(repo: str) -> Iterator[tuple[str, str, str]]:
    """(commit, blob id, path) for every file any commit of any ref added, newest commit first:
    one `git log --raw`, whatever the size of the history."""
    out = git(
        repo,
        "log",
        "--all",
        "--no-renames",
        "--diff-filter=A",
        "--raw",
        "--no-abbrev",
        "-z",
        "--format=%x01%H",
        check=False,
    )
    commit = ""
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token.startswith(b"\x01"):
            commit = token[1:].decode()
        elif token.startswith(b":") and i < len(tokens):
            yield commit, token.split(b" ")[3].decode(), os.fsdecode(tokens[i])
            i += 1
