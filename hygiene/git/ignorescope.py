"""Which paths a work tree's ignore rules could match at all, so that git is asked only those.

`git check-ignore --no-index` stats every path it is given, to learn whether it is a folder.
For the tracked-junk question that is every tracked file of every repository: most of a scan's
git time. Yet a path git ignores is matched, itself or through a folder above it, by a pattern
that is not a negation (`!` only ever takes paths back), and whatever a pattern matches holds
the pattern's literal text: `node_modules/` matches nothing without "node_modules" in its path,
`*.py[co]` nothing without ".py". So this module reads every ignore file git would read for the
paths in question (the `.gitignore` of each folder above them, `info/exclude`, the
`core.excludesFile` or git's default for it) and takes from each pattern its longest run of
literal text. A path holding none of them, compared without case (`core.ignorecase`), cannot be
ignored, and git is not asked about it.

One case is settled the other way without git: where no ignore file read has a negation, a path
is ignored as soon as one pattern matches it or a folder above it, and a pattern that is a bare
name (`node_modules/`, `/dist`, `.env`) matches exactly the paths with that name below its
file's folder (only folders for `name/`, only right below the folder for `/name`). Such a path
is ignored whatever else the files say, so git is not asked about it either. Every other path
is asked of git, as before.

Where anything is unsure, `ignore_scope` returns None and git is asked about every path: a
pattern without literal text (`*`), an ignore file that cannot be read or is not a regular file
(git does not follow a symlinked `.gitignore`) or that git 2.46 skips for its size (100 MiB),
a repository `gitindex` would not read itself, or a `core.excludesFile` that could not be
learned (an `includeIf` in the user's configuration may set it per repository; `%(prefix)/` is
below git's install prefix; `:(optional)` is read as git's version reads it).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hygiene.git.index import git_dirs
from hygiene.scan.speed.native import compiled

# `core.excludesFile` outside any one repository: asked once per scan, in any work tree, with
# the scope of each value so that the repository's own ("local", "worktree") can be set aside.
# An `includeIf` there may set it per repository: asked with it, to be unsure then.
OUTSIDE_EXCLUDES = (
    "config",
    "-z",
    "--show-scope",
    "--get-regexp",
    r"^(core\.excludesfile$|includeif\.)",
)

_BOM = b"\xef\xbb\xbf"
# Bytes that end a run of literal text: wildcards, the escape (what it escapes is dropped:
# shorter runs only ever rule out less), the separator and blanks.
_BREAKS = frozenset(b"*?\\/ \t\r")
# Beyond this many bytes searched (literals times listing), git is asked about everything:
# for a huge listing and a long template `.gitignore`, searching costs more than git's stats.
_SEARCH_BUDGET = 64 << 20
# git from 2.46 skips a pattern file this big (with the newline it adds, over 100 MiB) and
# dies on such an excludes file; earlier ones read it.
_GIT_SKIPS_FROM = 100 << 20
# A pattern that is a bare name: no wildcard, escape, blank or inner "/"; the class is narrower
# than git's names on purpose (all it costs is asking git).
_BARE_NAME = re.compile(rb"(/?)([A-Za-z0-9._-]+)(/?)")


@dataclass(frozen=True)
class OutsideExcludes:
    """`core.excludesFile` as set outside the repositories: by the system and user
    configuration (`value`), and on git's command line or environment (`command`, which wins
    over a repository's own). None: not set there."""

    value: bytes | None = None
    command: bytes | None = None


def outside_excludes(output: bytes) -> OutsideExcludes | None:
    """Read what `git config` printed for OUTSIDE_EXCLUDES: scope, then key and value, each
    NUL-terminated. None if a conditional include outside the repositories makes the value
    depend on the repository (the question was asked in one work tree only)."""
    fields = output.split(b"\0")
    value = command = None
    for scope, entry in zip(fields[0::2], fields[1::2], strict=False):
        key, _, setting = entry.partition(b"\n")
        if scope in (b"local", b"worktree"):
            continue  # the repository's own: `git_dirs` reads it (and is unsure of includes)
        if key.startswith(b"includeif."):
            return None
        if scope == b"command":
            command = setting
        else:
            value = setting
    return OutsideExcludes(value, command)


def _pattern(line: bytes) -> bytes:
    """The pattern on one line of an ignore file, as git reads it: without the line's CR and
    its trailing spaces (an escaped one ends with a backslash, which `pattern_literal` treats
    as a break anyway)."""
    line = line.split(b"\0", 1)[0]  # git reads each pattern as a C string: it ends at a NUL
    body = line[:-1] if line.endswith(b"\r") else line
    return body.rstrip(b" ")


def pattern_literal(line: bytes) -> bytes | None:
    """The longest run of text that every path matched by the pattern on `line` (one line of an
    ignore file) holds, or its folders do; b"" when there is none. None for a line that matches
    nothing (blank, a comment) or only takes paths back (a negation)."""
    return _literal(_pattern(line))


def _literal(body: bytes) -> bytes | None:
    """`pattern_literal` of a pattern already read off its line (`_pattern`)."""
    if not body or body[0] in b"#!":
        return None
    runs: list[bytes] = []
    start = at = 0
    end = len(body)
    while at < end:
        c = body[at]
        if c == 0x5B:  # "[": a bracket expression; none of its bytes is required
            runs.append(body[start:at])
            at += 1
            if at < end and body[at] in b"!^":
                at += 1
            if at < end and body[at] == 0x5D:  # a leading "]" is a member
                at += 1
            while at < end and body[at] != 0x5D:
                if body[at] == 0x5B:  # "[:alpha:]" and the like: where it ends is git's call
                    at = end
                    break
                at += 2 if body[at] == 0x5C else 1
            if at >= end:
                start = at  # never closed: nothing after it counts
                break
            at += 1
            start = at
        elif c in _BREAKS:
            runs.append(body[start:at])
            at += 2 if c == 0x5C else 1
            start = at
        else:
            at += 1
    runs.append(body[start:end])
    return max(runs, key=len)


@dataclass(frozen=True)
class BareName:
    """A pattern that is a bare name, from the ignore file in `base` (b"": the top folder, and
    the files outside the work tree)."""

    base: bytes
    anchored: bool  # `/name`: right below `base` only
    folders_only: bool  # `name/`


@dataclass(frozen=True)
class IgnoreScope:
    """The literal texts of one work tree's ignore patterns, lowercased, none holding another;
    and, where no ignore file has a negation, its bare-name patterns, by name."""

    literals: tuple[bytes, ...]
    names: Mapping[bytes, tuple[BareName, ...]] = field(default_factory=dict)

    def surely_ignored(self, rel: bytes, *, folder: bool) -> bool:
        """True if a bare-name pattern matches `rel` (work-tree relative, "/"-separated; a
        folder if `folder`) or a folder above it: with no negation anywhere, git ignores it."""
        if not self.names:
            return False
        parts = rel.split(b"/")
        last = len(parts) - 1
        for at, part in enumerate(parts):
            for name in self.names.get(part, ()):
                depth = name.base.count(b"/") + 1 if name.base else 0
                if at < depth or (depth and not rel.startswith(name.base + b"/")):
                    continue  # not below the folder of its ignore file
                if name.anchored and at != depth:
                    continue
                if name.folders_only and at == last and not folder:
                    continue
                return True
        return False

    def may_ignore(self, rel: bytes) -> bool:
        """False if no ignore rule can match `rel` (work-tree relative, "/"-separated)."""
        low = rel.lower()
        return any(literal in low for literal in self.literals)

    def among(self, listing: bytes) -> bytes:
        """The NUL-terminated entries of `listing` that an ignore rule may match, in order."""
        if not listing or not self.literals:
            return b""
        if len(listing) * len(self.literals) > _SEARCH_BUDGET:
            return listing
        hay = listing.lower()
        starts: set[int] = set()
        for literal in self.literals:
            at = hay.find(literal)
            while at >= 0:
                start = hay.rfind(b"\0", 0, at) + 1
                starts.add(start)
                end = hay.find(b"\0", at)
                if end < 0:
                    break
                at = hay.find(literal, end)
        pieces = []
        for start in sorted(starts):
            end = listing.find(b"\0", start)
            pieces.append(listing[start : end + 1] if end >= 0 else listing[start:] + b"\0")
        return b"".join(pieces)


def _fewest(literals: Iterable[bytes]) -> tuple[bytes, ...]:
    """The literals without those that hold a shorter one: a path holding the longer holds the
    shorter, so the longer rules nothing more out."""
    kept: list[bytes] = []
    for literal in sorted(set(literals), key=lambda text: (len(text), text)):
        if not any(short in literal for short in kept):
            kept.append(literal)
    return tuple(kept)


class _Unsure(Exception):
    pass


def _read(path: str) -> bytes:
    """An ignore file's text as git takes it; b"" if there is none. _Unsure if it could not
    be read, or git may skip it."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size >= _GIT_SKIPS_FROM:
                raise _Unsure(path)
            # git reads no further than the size it was told: nothing at all of `/dev/zero`.
            return handle.read(size) if size else b""
    except (FileNotFoundError, NotADirectoryError):
        return b""
    except OSError as exc:
        raise _Unsure from exc


def _excludes_path(value: bytes | None, worktree: str) -> str | None:
    """Where git reads `core.excludesFile` from, for work tree `worktree`: the value (`~`
    expanded; relative to the top of the work tree, where git runs) or git's default."""
    if value is None:
        # Spelled as git spells them (an empty HOME: "/.config/..."); relative ones are taken
        # from where git runs.
        config_home = os.environ.get("XDG_CONFIG_HOME")
        if config_home:
            return os.path.join(worktree, f"{config_home}/git/ignore")
        home = os.environ.get("HOME")
        return None if home is None else os.path.join(worktree, f"{home}/.config/git/ignore")
    path = os.fsdecode(value)
    if path.startswith("%(prefix)/"):
        raise _Unsure(path)  # below git's own install prefix, which only git knows
    if path.startswith(":(optional)"):
        # Newer git: the path after it, or no value at all (its default) if that is missing;
        # earlier versions: a relative path. Which one, only git knows.
        raise _Unsure(path)
    if path.startswith("~"):
        path = os.path.expanduser(path)
        if path.startswith("~"):
            raise _Unsure(path)
    return os.path.join(worktree, path)


def dirs_holding_python(root: str, paths: bytes, name: bytes) -> list[tuple[bytes, int]]:
    """The folders above the NUL-separated `paths` (relative to `root`; the root as b"") that
    hold an entry called `name`: (folder, its st_mode, or -errno if it could not be looked at).
    The reference for the compiled `dirs_holding`."""
    found: list[tuple[bytes, int]] = []
    seen: set[bytes] = set()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for entry in paths.split(b"\0"):
            if not entry:
                continue
            parts = entry.split(b"/")[:-1]
            for depth in range(len(parts) + 1):
                folder = b"/".join(parts[:depth])
                if folder in seen:
                    continue
                seen.add(folder)
                try:
                    st = os.stat(
                        folder + b"/" + name if folder else name, dir_fd=fd, follow_symlinks=False
                    )
                except (FileNotFoundError, NotADirectoryError):
                    continue
                except OSError as exc:
                    found.append((folder, -(exc.errno or 1)))
                    continue
                found.append((folder, st.st_mode))
    finally:
        os.close(fd)
    return found


dirs_holding = compiled("dirs_holding", dirs_holding_python)


def ignore_scope(
    worktree: str, paths: bytes, outside: OutsideExcludes | None
) -> IgnoreScope | None:
    """The literals of every ignore pattern git reads for `paths` (NUL-separated, relative to
    `worktree`), or None when unsure. `outside`: `core.excludesFile` as set outside the
    repository (None: unknown)."""
    if outside is None:
        return None
    try:
        dirs = git_dirs(worktree)
        if dirs is None:
            return None
        # Read last, so winning: the command line, the repository's own, the user's.
        value = outside.command
        if value is None:
            value = dirs.excludes_file if dirs.excludes_file is not None else outside.value
        # (the ignore file, the folder its patterns are relative to)
        sources = [
            (_excludes_path(value, worktree), b""),
            (os.path.join(dirs.common, "info", "exclude"), b""),
        ]
        for folder, mode in dirs_holding(worktree, paths, b".gitignore"):
            if mode < 0 or not stat.S_ISREG(mode):
                return None
            sources.append((os.path.join(worktree, os.fsdecode(folder), ".gitignore"), folder))
        literals: set[bytes] = set()
        names: dict[bytes, list[BareName]] = {}
        negated = False
        for source, base in sources:
            if source is None:
                continue
            for line in _read(source).removeprefix(_BOM).split(b"\n"):
                negated = negated or line.startswith(b"!")
                pattern = _pattern(line)
                literal = _literal(pattern)
                if literal is None:
                    continue
                if not literal:
                    return None
                literals.add(literal.lower())
                bare = _BARE_NAME.fullmatch(pattern)
                if bare is not None:
                    names.setdefault(bare[2], []).append(
                        BareName(base, anchored=bool(bare[1]), folders_only=bool(bare[3]))
                    )
    except (_Unsure, OSError):
        return None
    settled = {} if negated else {name: tuple(found) for name, found in names.items()}
    return IgnoreScope(_fewest(literals), settled)
