"""What inside an artifact keeps it: secrets, keys, certificates, local
databases and editors' unsaved work, at any depth.

The sizing loop (`hygiene.scan.measure`, and its compiled twin) already lists every entry of an
artifact, so it is also where they are looked for: a cheap test on each name (`PREFILTER`, the
literal heads, tails and pieces of the precious file rules) and on each regular file's size (a
SQLite database is a whole number of pages of 512 bytes or more), then, for the few entries that
pass, the rule table and a read of the first bytes (`judge`). No second walk.

A package manager's own files are not the user's: a certificate below `node_modules/<package>/`
or `site-packages/` came with the package (certifi's `cacert.pem` is in every virtualenv) and
does not keep the artifact (`installed`).
"""

from __future__ import annotations

import os
import stat

from hygiene.rules import default_index, judge, name_prefilter

SQLITE_HEADER = b"SQLite format 3\0"  # https://www.sqlite.org/fileformat.html#the_database_header
# DuckDB's magic, at offset 8 of its first block (duckdb src/storage/storage_info.cpp).
DUCKDB_MAGIC = (8, b"DUCK")
VIM_SWAP_HEADER = b"b0VIM "  # vim's swap file block 0 (vim src/memline.c, BLOCK0_ID)
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


# A superset of the names a precious file rule can match; `judge` decides.
PREFILTER = name_prefilter(r for r in default_index().rules if r.precious and not r.folder)


def may_be_precious(name: str) -> bool:
    exact, heads, tails, pieces = PREFILTER
    return (
        name in exact
        or name.startswith(heads)
        or name.endswith(tails)
        or any(p in name for p in pieces)
    )


def shaped(st: os.stat_result) -> bool:
    """A regular file the size of a SQLite database: worth reading its first bytes."""
    return stat.S_ISREG(st.st_mode) and st.st_size >= 512 and st.st_size % 512 == 0


def _head(path: str) -> bytes:
    try:
        fd = os.open(path, _READ)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, 16)
    except OSError:
        return b""
    finally:
        os.close(fd)


def judge_path(path: str) -> str | None:
    """What makes the file at `path` precious ("secret", "state", "recovery", "database"), or
    None. Asked only of entries that passed the cheap tests."""
    name = os.path.basename(path)
    match = None
    if may_be_precious(name):
        named = [r for r in default_index().candidates(name, folder=False) if r.precious]
        match = judge(named, name, frozenset(), None)
    if match is not None:
        return match.rule.category
    head = _head(path)
    if head.startswith(SQLITE_HEADER):
        return "database"
    at, magic = DUCKDB_MAGIC
    if head[at : at + len(magic)] == magic:
        return "database"
    if head.startswith(VIM_SWAP_HEADER):
        return "recovery"
    return None


def judge_paths(paths: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        what = judge_path(path)
        if what is not None:
            found.append((path, what))
    return found


def installed(artifact: str, path: str) -> bool:
    """True when `path`, inside `artifact`, lies inside a package a package manager installed:
    below `node_modules/<package>/` (package names never start with a dot: `.cache` and `.bin`
    are not packages) or below `site-packages/` or `dist-packages/`."""
    parts = [os.path.basename(artifact), *os.path.relpath(path, artifact).split(os.sep)[:-1]]
    for i, part in enumerate(parts):
        if part in ("site-packages", "dist-packages"):
            return True
        if part == "node_modules" and i + 1 < len(parts) and not parts[i + 1].startswith("."):
            return True
    return False
