"""The git questions hygiene asks, as a fixed small number of git processes per repository.

Plumbing through subprocess, not a library: these run on the pre-commit path and in the scan's
hot path, where start-up and per-call overhead matter. Paths cross as NUL-separated bytes so
that names that are not valid UTF-8 survive the round trip.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence

from hygiene.errors import HygieneError

# What `git rev-parse --local-env-vars` lists: variables that point git at another
# repository, index or object store. Inherited from a dotfiles setup (GIT_DIR=~/.dotfiles) or
# a git hook, they would make git answer "is this tracked?" about the wrong repository.
REPO_ENV = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
)


def git_env(*, keep_repo_env: bool = False) -> dict[str, str]:
    """git's environment, built per call (tests and the scheduler change os.environ).

    Read-only questions must never take index.lock or rewrite the index behind a user's back.
    Only the pre-commit hooks keep the repository variables: git sets GIT_INDEX_FILE for them
    when it commits from a temporary index.
    """
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    if not keep_repo_env:
        for name in REPO_ENV:
            env.pop(name, None)
    return env


_ARG_BUDGET = 100_000  # bytes of pathspecs per process, far below ARG_MAX


class GitError(HygieneError):
    pass


def git(
    repo: str,
    *args: str,
    input: bytes | None = None,
    check: bool = True,
    keep_repo_env: bool = False,
) -> bytes:
    """Run one git command in `repo` and return its stdout."""
    try:
        done = subprocess.run(
            ["git", "-C", repo, *args],
            input=input,
            capture_output=True,
            env=git_env(keep_repo_env=keep_repo_env),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {repo}: {message[-1] if message else 'no output'}")
    return done.stdout


def _chunks(paths: Sequence[bytes]) -> Iterable[list[bytes]]:
    chunk: list[bytes] = []
    size = 0
    for path in paths:
        if chunk and size + len(path) > _ARG_BUDGET:
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += len(path) + 1
    if chunk:
        yield chunk


def holding_tracked(repo: str, relpaths: Sequence[str]) -> set[str]:
    """Those of `relpaths` (files or folders, relative to `repo`) that are or hold tracked files."""
    if not relpaths:
        return set()
    wanted = {os.fsencode(p): p for p in relpaths}
    held: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
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
