"""One streaming pass over a tree: sizes, ages and the folders and files worth a rule's look.

Never follows symlinks, stays on one filesystem unless asked, never enters `.git` internals,
counts a hard-linked file once, and keeps no list of the paths it saw: memory grows with the
depth of the tree and the number of findings, not the number of files. Problems (unreadable
folders, files that vanish mid-walk) are recorded and the walk goes on.
"""

from __future__ import annotations

import os
import stat as statmod
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from hygiene.detect import Classifier
from hygiene.measure import (
    Listing,
    Partial,
    WorkerPool,
    combine,
    measure_listings,
    measure_paths,
    open_listing,
)
from hygiene.model import ScanIssue
from hygiene.paths import QUARANTINE_PREFIX
from hygiene.rules import Match

if TYPE_CHECKING:
    # concurrent.futures pulls in logging; a scan without workers never needs it.
    from concurrent.futures import Future

S_ISDIR = statmod.S_ISDIR
S_ISREG = statmod.S_ISREG


@dataclass
class Measure:
    """Sizes of a subtree. `reclaimable` counts a multi-link inode only if all links are inside."""

    bytes: int = 0
    disk_bytes: int = 0
    files: int = 0
    dirs: int = 0
    newest_mtime: float = 0.0
    reclaimable: int = 0
    contains_repo: bool = False


@dataclass(frozen=True)
class FolderHit:
    path: str
    match: Match
    repo: str | None
    measure: Measure
    device: int
    inode: int


@dataclass(frozen=True)
class FileHit:
    path: str
    match: Match
    repo: str | None
    st: os.stat_result


@dataclass(frozen=True)
class FileSeen:
    """A regular file another detector asked about (large, or shaped like a SQLite file)."""

    path: str
    repo: str | None
    st: os.stat_result


@dataclass(frozen=True)
class RepoSeen:
    path: str
    bare: bool


Event = FolderHit | FileHit | FileSeen | RepoSeen


@dataclass
class WalkOptions:
    cross_mounts: bool = False
    # Report regular files at or above this size as `FileSeen` (None: never).
    large: int | None = None
    # Report files whose size is a whole number of 512-byte units (SQLite candidates).
    sqlite_shaped: bool = False
    progress: Callable[[int, int, str], None] | None = None
    # Called now and then while this process waits for its workers, so that other work goes on
    # meanwhile (the git questions started as repositories are found: hygiene.detectors).
    idle: Callable[[], None] | None = None


def _is_bare_repo(names: frozenset[str]) -> bool:
    return "HEAD" in names and "objects" in names and "refs" in names and ".git" not in names


@dataclass
class _Deferred:
    """An artifact whose subfolders are being sized by worker processes."""

    path: str
    match: Match
    repo: str | None
    device: int
    inode: int
    parts: list[Partial]
    chunks: list[list[str]]
    futures: list[Future[Partial] | None]
    cross: bool


@dataclass(frozen=True)
class _RawHit:
    """An artifact found by a worker, its sum not yet a Measure: the main process makes it one,
    so that a hard-linked file counts once across every process."""

    path: str
    match: Match
    repo: str | None
    part: Partial
    device: int
    inode: int


# A folder handed to a worker: its path, its name, its parent's names, the repository it is in.
Subtree = tuple[str, str, frozenset[str], str | None]


@dataclass
class SubtreeResult:
    """What a worker found below the folders it was given."""

    events: list[Event | _RawHit]
    totals: Measure
    errors: list[ScanIssue]
    # Multi-link files the worker counted in `totals`: (dev, ino) -> (size, allocated bytes).
    links: dict[tuple[int, int], tuple[int, int]]
    dirs_seen: int


def walk_subtrees(
    subtrees: list[Subtree], options: WalkOptions, skip: frozenset[str]
) -> SubtreeResult:
    """Worker entry point: walk and judge each folder given, as the main process would."""
    from hygiene.rules import default_index

    walker = Walker(Classifier(default_index()), options, skip=skip, links={})
    events: list[Event | _RawHit] = []
    for path, name, siblings, repo in subtrees:
        events.extend(walker._walk((path, name, siblings, repo), True, [], None))
    assert walker.links is not None
    return SubtreeResult(events, walker.totals, walker.errors, walker.links, walker._dirs_seen)


@dataclass
class Walker:
    classifier: Classifier
    options: WalkOptions = field(default_factory=WalkOptions)
    totals: Measure = field(default_factory=Measure)
    errors: list[ScanIssue] = field(default_factory=list)
    # Worker processes for big artifacts and for the folders below the top levels (None: walk
    # everything in this process).
    pool: WorkerPool | None = None
    # Folders never entered (hygiene's own state under HYGIENE_HOME).
    skip: frozenset[str] = frozenset()
    # An artifact is split across workers once this many subfolders are found near its top.
    split_min_dirs: int = 24
    # Levels below a root walked breadth first here; with a pool, everything deeper goes to
    # the workers.
    breadth_levels: int = 3
    # A worker's walker: every multi-link file it counts, for the main process to count once
    # across processes (None in the main process).
    links: dict[tuple[int, int], tuple[int, int]] | None = None
    # (dev, ino) of every multi-link file already counted, so a hard link counts once.
    _linked: set[tuple[int, int]] = field(default_factory=set)
    _dirs_seen: int = 0

    def _error(self, path: str, exc: OSError) -> None:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileNotFoundError):
            reason = "vanished during the scan"
        self.errors.append(ScanIssue(path, reason))

    def _tick(self, path: str) -> None:
        self._dirs_seen += 1
        if self.options.progress is not None and self._dirs_seen % 512 == 0:
            self.options.progress(self.totals.files, self.totals.bytes, path)

    def _listdir(self, path: str) -> Listing | None:
        try:
            return open_listing(path)
        except OSError as exc:
            self._error(path, exc)
            return None

    def _finish(self, part: Partial, path: str) -> Measure:
        """Turn a subtree's sum into a Measure. The Measure holds each inode under the subtree
        once, whatever was seen elsewhere (so it does not depend on the order of the walk);
        the scan's totals hold each inode once overall."""
        self.errors.extend(ScanIssue(p, message) for p, message in part.errors)
        m = Measure(
            part.bytes,
            part.disk_bytes,
            part.files,
            part.dirs,
            part.newest_mtime,
            part.freed,
            part.contains_repo,
        )
        t = self.totals
        t.bytes += part.bytes
        t.disk_bytes += part.disk_bytes
        t.files += part.files
        t.dirs += part.dirs
        linked = self._linked
        for key, (nlink, seen, size, blocks, mtime) in part.links.items():
            if seen >= nlink:
                m.reclaimable += int(blocks)
            m.files += 1
            m.bytes += int(size)
            m.disk_bytes += int(blocks)
            m.newest_mtime = max(m.newest_mtime, mtime)
            if key in linked:
                continue
            linked.add(key)
            if self.links is not None:
                self.links[key] = (int(size), int(blocks))
            t.files += 1
            t.bytes += int(size)
            t.disk_bytes += int(blocks)
        self._dirs_seen += m.dirs
        if self.options.progress is not None:
            self.options.progress(t.files, t.bytes, path)
        return m

    def measure(self, listing: Listing | str, dev: int) -> Measure:
        """Size a whole subtree (listed already, or by path) without judging anything inside."""
        part = measure_listings([listing], dev, cross=self.options.cross_mounts)
        path = listing if isinstance(listing, str) else listing.path
        return self._finish(part, path)

    def _measure_hit(
        self, listing: Listing, match: Match, repo: str | None
    ) -> FolderHit | _Deferred | _RawHit:
        path = listing.path
        # The folder actually listed, not whatever the path names by now.
        st = os.fstat(listing.fd) if listing.fd >= 0 else os.lstat(path)
        cross = self.options.cross_mounts
        if self.links is not None:
            part = measure_listings([listing], st.st_dev, cross=cross)
            return _RawHit(path, match, repo, part, st.st_dev, st.st_ino)
        if self.pool is None:
            return FolderHit(
                path, match, repo, self.measure(listing, st.st_dev), st.st_dev, st.st_ino
            )
        # Open the top few levels here until there are enough subfolders to share out
        # (a virtualenv's files sit below lib/pythonX.Y/site-packages).
        parts = [measure_listings([listing], st.st_dev, cross=cross, descend=False)]
        frontier = parts[0].subdirs
        for _ in range(3):
            if not frontier or len(frontier) >= self.split_min_dirs:
                break
            parts.append(measure_listings(frontier, st.st_dev, cross=cross, descend=False))
            frontier = parts[-1].subdirs
        if len(frontier) < self.split_min_dirs:
            parts.append(measure_paths(frontier, st.st_dev, cross))
            m = self._finish(combine(parts), path)
            return FolderHit(path, match, repo, m, st.st_dev, st.st_ino)
        share = min(len(frontier), 4 * self.pool.workers)
        chunks = [frontier[i::share] for i in range(share)]
        futures = [self.pool.submit(measure_paths, chunk, st.st_dev, cross) for chunk in chunks]
        return _Deferred(path, match, repo, st.st_dev, st.st_ino, parts, chunks, futures, cross)

    def _wait(self, future: Future[Any] | None) -> None:
        idle = self.options.idle
        if idle is None or future is None:
            return
        from concurrent.futures import wait

        while not future.done():
            idle()
            wait([future], timeout=0.005)

    def _resolve(self, deferred: _Deferred) -> FolderHit:
        assert self.pool is not None
        for future in deferred.futures:
            self._wait(future)
        parts = deferred.parts + [
            self.pool.result(future, measure_paths, chunk, deferred.device, deferred.cross)
            for future, chunk in zip(deferred.futures, deferred.chunks, strict=True)
        ]
        m = self._finish(combine(parts), deferred.path)
        return FolderHit(
            deferred.path, deferred.match, deferred.repo, m, deferred.device, deferred.inode
        )

    def _settle(self, raw: _RawHit) -> FolderHit:
        m = self._finish(raw.part, raw.path)
        return FolderHit(raw.path, raw.match, raw.repo, m, raw.device, raw.inode)

    def _merge(self, result: SubtreeResult) -> Iterator[Event]:
        """Take in a worker's findings, counting a file it shares with others' once."""
        self.errors.extend(result.errors)
        t, r = self.totals, result.totals
        t.bytes += r.bytes
        t.disk_bytes += r.disk_bytes
        t.files += r.files
        t.dirs += r.dirs
        self._dirs_seen += result.dirs_seen
        fresh: set[tuple[int, int]] = set()
        for key, (size, blocks) in result.links.items():
            if key in self._linked:  # counted already, here or by another worker
                t.files -= 1
                t.bytes -= size
                t.disk_bytes -= blocks
            else:
                self._linked.add(key)
                fresh.add(key)
        if self.options.progress is not None:
            self.options.progress(t.files, t.bytes, "")
        for event in result.events:
            if isinstance(event, _RawHit):
                yield self._settle(event)
            elif isinstance(event, (FileHit, FileSeen)) and event.st.st_nlink > 1:
                if (event.st.st_dev, event.st.st_ino) in fresh:
                    yield event
            else:
                yield event

    def walk(self, root: str, *, repo: str | None, classify_root: bool = False) -> Iterator[Event]:
        """Walk `root`, judging every folder and file below it (never `root` itself)."""
        deferred: list[_Deferred] = []
        handoff: list[Subtree] | None = [] if self.pool is not None else None
        start = (root, os.path.basename(root), None, repo)
        for event in self._walk(start, classify_root, deferred, handoff):
            yield self._settle(event) if isinstance(event, _RawHit) else event
        walks: list[tuple[Future[SubtreeResult] | None, list[Subtree]]] = []
        # What a worker is sent: callbacks stay in this process.
        options = replace(self.options, progress=None, idle=None)
        if handoff and self.pool is not None:
            # Interleaved, so that neighbours (likely alike in size) go to different workers.
            share = min(len(handoff), 4 * self.pool.workers)
            for i in range(share):
                chunk = handoff[i::share]
                walks.append((self.pool.submit(walk_subtrees, chunk, options, self.skip), chunk))
        for item in deferred:
            yield self._resolve(item)
        for future, chunk in walks:
            assert self.pool is not None
            self._wait(future)
            result = self.pool.result(future, walk_subtrees, chunk, options, self.skip)
            yield from self._merge(result)

    def _walk(
        self,
        start: tuple[str, str, frozenset[str] | None, str | None],
        classify_root: bool,
        deferred: list[_Deferred],
        handoff: list[Subtree] | None,
    ) -> Iterator[Event | _RawHit]:
        root = start[0]
        try:
            root_st = os.lstat(root)
        except OSError as exc:
            self._error(root, exc)
            return
        dev = root_st.st_dev
        classifier = self.classifier
        large = self.options.large
        sqlite_shaped = self.options.sqlite_shaped
        cross = self.options.cross_mounts
        t = self.totals
        links = self.links
        linked = self._linked
        # (path, its name, its parent's names or None for the root, repo it belongs to, depth)
        # The top levels go breadth first, so that the big artifacts (a project's node_modules,
        # its virtualenv) reach the worker processes early and are sized while this process
        # walks on; below, depth first, so memory follows the depth of the tree, not its width.
        near: deque[tuple[str, str, frozenset[str] | None, str | None, int]] = deque([(*start, 0)])
        stack: list[tuple[str, str, frozenset[str] | None, str | None, int]] = []
        breadth = self.breadth_levels
        while near or stack:
            path, name, siblings, repo_here, depth = near.popleft() if near else stack.pop()
            listing = self._listdir(path)
            if listing is None:
                continue
            try:
                self._tick(path)
                entries = listing.entries
                names = frozenset(e.name for e in entries)
                if siblings is not None or classify_root:
                    match = classifier.folder(path, name, siblings or frozenset(), names)
                    if match is not None:
                        hit = self._measure_hit(listing, match, repo_here)
                        if isinstance(hit, _Deferred):
                            deferred.append(hit)
                        else:
                            yield hit
                        continue
                if ".git" in names:
                    repo_here = path
                    yield RepoSeen(path, bare=False)
                elif _is_bare_repo(names):
                    yield RepoSeen(path, bare=True)
                    self.measure(listing, dev)
                    continue
                below = near if depth < breadth else stack if handoff is None else None
                child_path = listing.child
                for entry in entries:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError as exc:
                        self._error(child_path(entry.name), exc)
                        continue
                    mode = st.st_mode
                    if S_ISDIR(mode):
                        if st.st_dev != dev and not cross:
                            continue
                        t.dirs += 1
                        t.bytes += st.st_size
                        t.disk_bytes += st.st_blocks * 512
                        if entry.name == ".git":
                            self.measure(child_path(entry.name), st.st_dev)
                            continue
                        entry_path = child_path(entry.name)
                        if entry.name.startswith(QUARANTINE_PREFIX) or entry_path in self.skip:
                            # hygiene's own quarantine: what it holds is not the workspace's.
                            continue
                        if below is not None:
                            below.append((entry_path, entry.name, names, repo_here, depth + 1))
                        elif handoff is not None:
                            handoff.append((entry_path, entry.name, names, repo_here))
                        continue
                    if st.st_nlink > 1:
                        key = (st.st_dev, st.st_ino)
                        if key in linked:
                            continue
                        linked.add(key)
                        if links is not None:
                            links[key] = (st.st_size, st.st_blocks * 512)
                    t.files += 1
                    t.bytes += st.st_size
                    t.disk_bytes += st.st_blocks * 512
                    fmatch = classifier.file(entry.name, names)
                    if fmatch is not None:
                        yield FileHit(child_path(entry.name), fmatch, repo_here, st)
                    if S_ISREG(mode) and (
                        (large is not None and st.st_size >= large)
                        or (sqlite_shaped and st.st_size >= 512 and st.st_size % 512 == 0)
                    ):
                        yield FileSeen(child_path(entry.name), repo_here, st)
            finally:
                listing.close()


def enclosing_repo(path: str) -> str | None:
    """The work tree that holds `path` (the nearest ancestor with `.git`), if any."""
    current = os.path.realpath(path)
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
