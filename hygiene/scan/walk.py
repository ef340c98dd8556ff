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

from hygiene.git.bare import is_bare_repo
from hygiene.model import ScanIssue
from hygiene.paths import QUARANTINE_PREFIX, QUARANTINE_TAG, is_quarantine
from hygiene.rules import Match
from hygiene.scan.detect import Classifier
from hygiene.scan.measure import (
    FolderList,
    Job,
    Partial,
    WorkerPool,
    combine,
    list_folder,
    listed_partial,
    measure_listings,
    measure_paths,
)

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
    # Files inside that keep it (hygiene.scan.inside): (path, what makes it precious).
    precious: tuple[tuple[str, str], ...] = ()


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
    return is_bare_repo(names) and ".git" not in names


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
    futures: list[Job | None]
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


@dataclass(frozen=True)
class _SplitHit:
    """An artifact a worker found too big to size alone: what it listed at the top (`parts`,
    not yet counted anywhere) and the folders below, for the main process to share out."""

    path: str
    match: Match
    repo: str | None
    parts: list[Partial]
    frontier: list[str]
    device: int
    inode: int


# A folder handed to a worker: its path, its name, its parent's names, the repository it is in.
Subtree = tuple[str, str, frozenset[str], str | None]
# A folder still to walk: path, name, its parent's names (None for a root), repo, depth.
_Todo = tuple[str, str, frozenset[str] | None, str | None, int]


@dataclass
class SubtreeResult:
    """What a worker found below the folders it was given."""

    events: list[Event | _RawHit | _SplitHit | _Deferred]
    totals: Measure
    errors: list[ScanIssue]
    # Multi-link files the worker counted in `totals`: (dev, ino) -> (size, allocated bytes).
    links: dict[tuple[int, int], tuple[int, int]]
    dirs_seen: int
    # Folders not walked because the worker's budget ran out: the main process shares them out
    # again, so one big subtree never keeps one worker busy while the others idle.
    leftover: list[Subtree] = field(default_factory=list)


def _measure_of(part: Partial) -> Measure:
    """A subtree's Measure from its sum; each inode under it counted once."""
    m = Measure(
        part.bytes,
        part.disk_bytes,
        part.files,
        part.dirs,
        part.newest_mtime,
        part.freed,
        part.contains_repo,
        tuple(part.precious),
    )
    for nlink, seen, size, blocks, mtime in part.links.values():
        if seen >= nlink:
            m.reclaimable += int(blocks)
        m.files += 1
        m.bytes += int(size)
        m.disk_bytes += int(blocks)
        m.newest_mtime = max(m.newest_mtime, mtime)
    return m


def walk_subtrees(
    subtrees: list[Subtree],
    options: WalkOptions,
    skip: frozenset[str],
    budget: int | None = None,
    split_min_dirs: int = 24,
    split_entries: int = 20_000,
) -> SubtreeResult:
    """Worker entry point: walk and judge the folders given, as the main process would, until
    `budget` folders are walked (None: all of them)."""
    from hygiene.rules import default_index

    walker = Walker(
        Classifier(default_index()),
        options,
        skip=skip,
        links={},
        budget=budget,
        split_min_dirs=split_min_dirs,
        split_entries=split_entries,
    )
    events: list[Event | _RawHit | _SplitHit | _Deferred] = []
    for i, (path, name, siblings, repo) in enumerate(subtrees):
        if walker.leftover or (budget is not None and walker._dirs_seen >= budget):
            walker.leftover.extend(subtrees[i:])
            break
        events.extend(walker._walk((path, name, siblings, repo), True, [], None))
    assert walker.links is not None
    return SubtreeResult(
        events, walker.totals, walker.errors, walker.links, walker._dirs_seen, walker.leftover
    )


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
    # the workers. One: this process lists a root and its children (so the repositories of a
    # workspace are seen, and their git questions started, at once) and the workers do the rest.
    breadth_levels: int = 1
    # A worker's walker stops after this many folders and hands back what it has not walked
    # (`leftover`); None: walk everything given.
    budget: int | None = None
    leftover: list[Subtree] = field(default_factory=list)
    # Folders a worker walks per task before giving back the rest: big enough that a task
    # outweighs its round trip, small enough that the workers finish close together.
    worker_budget: int = 400
    # Entries a worker sizes of one artifact before sharing the rest out (the compiled loop
    # sizes about 20,000 in 20 to 30 ms).
    split_entries: int = 20_000
    # A worker's walker: every multi-link file it counts, for the main process to count once
    # across processes (None in the main process).
    links: dict[tuple[int, int], tuple[int, int]] | None = None
    # (dev, ino) of every multi-link file already counted, so a hard link counts once.
    _linked: set[tuple[int, int]] = field(default_factory=set)
    # (a hit?, dev, ino) of every multi-link file reported, so each is reported once.
    _reported: set[tuple[bool, int, int]] = field(default_factory=set)
    _dirs_seen: int = 0
    # Told of each hit in a worker's answer as soon as it comes back, before `walk` yields it
    # in the order the work was cut (usually at the end of the walk): `browse` shows it then.
    early: Callable[[FolderHit | FileHit], None] | None = None

    def _error(self, path: str, exc: OSError) -> None:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileNotFoundError):
            reason = "vanished during the scan"
        self.errors.append(ScanIssue(path, reason))

    def _tick(self, path: str) -> None:
        self._dirs_seen += 1
        if self.options.progress is not None and self._dirs_seen % 512 == 0:
            self.options.progress(self.totals.files, self.totals.bytes, path)

    def _finish(self, part: Partial, path: str) -> Measure:
        """Turn a subtree's sum into a Measure. The Measure holds each inode under the subtree
        once, whatever was seen elsewhere (so it does not depend on the order of the walk);
        the scan's totals hold each inode once overall."""
        self.errors.extend(ScanIssue(p, message) for p, message in part.errors)
        m = _measure_of(part)
        t = self.totals
        t.bytes += part.bytes
        t.disk_bytes += part.disk_bytes
        t.files += part.files
        t.dirs += part.dirs
        linked = self._linked
        for key, (_nlink, _seen, size, blocks, _mtime) in part.links.items():
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

    def _preview(self, raw: _RawHit) -> FolderHit:
        """What `_settle` will make of a worker's hit, taken now without counting anything (the
        totals and hard links are counted once, in the order the work was cut)."""
        return self._hit(
            raw.path, raw.match, raw.repo, _measure_of(raw.part), raw.device, raw.inode
        )

    def measure(self, path: str, dev: int) -> Measure:
        """Size a whole subtree without judging anything inside."""
        part = measure_listings([path], dev, cross=self.options.cross_mounts)
        return self._finish(part, path)

    @staticmethod
    def _hit(
        path: str, match: Match, repo: str | None, m: Measure, dev: int, ino: int
    ) -> FolderHit:
        """The artifact with its own folder entry counted, as `du -sb` and `du -sB1` count it
        (issue 18, item 2): removing it frees that block too. The walk's totals hold the entry
        already, from its parent's listing."""
        try:
            st = os.lstat(path)
        except OSError:
            st = None
        if st is not None and (st.st_dev, st.st_ino) == (dev, ino):
            m.bytes += st.st_size
            m.disk_bytes += st.st_blocks * 512
            m.reclaimable += st.st_blocks * 512
        return FolderHit(path, match, repo, m, dev, ino)

    def _top_parts(self, path: str, dev: int) -> tuple[list[Partial], list[str]]:
        """Open an artifact's top few levels until there are enough subfolders to share out (a
        virtualenv's files sit below lib/pythonX.Y/site-packages): (what they hold, the folders
        below them)."""
        cross = self.options.cross_mounts
        parts = [measure_listings([path], dev, cross=cross, descend=False)]
        frontier = parts[0].subdirs
        for _ in range(3):
            if not frontier or len(frontier) >= self.split_min_dirs:
                break
            parts.append(measure_listings(frontier, dev, cross=cross, descend=False))
            frontier = parts[-1].subdirs
        return parts, frontier

    def _measure_hit(
        self,
        path: str,
        match: Match,
        repo: str | None,
        dev: int,
        ino: int,
        *,
        listed: FolderList | None = None,
    ) -> FolderHit | _Deferred | _RawHit | _SplitHit:
        """Size an artifact; `dev` and `ino` are its folder's as the walk opened it. `listed`:
        its listing, when it holds no folder to enter (nothing to share out, nothing to list
        again)."""
        if listed is not None:
            part = listed_partial(listed, path)
            if self.links is not None:
                return _RawHit(path, match, repo, part, dev, ino)
            return self._hit(path, match, repo, self._finish(part, path), dev, ino)
        if self.pool is None and self.links is None:
            return self._hit(path, match, repo, self.measure(path, dev), dev, ino)
        parts, frontier = self._top_parts(path, dev)
        cross = self.options.cross_mounts
        if self.links is not None:
            # A worker sizes what it found a few folders at a time, and shares out only what is
            # left after `split_entries`: sending pieces of a small artifact to other processes
            # costs more than sizing it here.
            entries = 0
            while frontier and entries < self.split_entries:
                done = measure_paths(frontier[:8], dev, cross)
                parts.append(done)
                frontier = frontier[8:]
                entries += done.files + done.dirs + len(done.links)
        if len(frontier) >= self.split_min_dirs:
            if self.links is not None:  # a worker: the main process shares the rest out
                return _SplitHit(path, match, repo, parts, frontier, dev, ino)
            return self._defer(_SplitHit(path, match, repo, parts, frontier, dev, ino))
        parts.append(measure_paths(frontier, dev, cross))
        if self.links is not None:
            return _RawHit(path, match, repo, combine(parts), dev, ino)
        return self._hit(path, match, repo, self._finish(combine(parts), path), dev, ino)

    def _defer(self, split: _SplitHit) -> _Deferred:
        """Send the folders below a big artifact to the workers, in interleaved pieces."""
        assert self.pool is not None
        cross = self.options.cross_mounts
        frontier = split.frontier
        share = min(len(frontier), 4 * self.pool.workers)
        chunks = [frontier[i::share] for i in range(share)]
        futures = [self.pool.submit(measure_paths, chunk, split.device, cross) for chunk in chunks]
        return _Deferred(
            split.path,
            split.match,
            split.repo,
            split.device,
            split.inode,
            split.parts,
            chunks,
            futures,
            cross,
        )

    def _wait(self, future: Job | None) -> None:
        idle = self.options.idle
        if idle is None or future is None:
            return
        assert self.pool is not None
        while not self.pool.wait([future], timeout=0.005):
            idle()

    def _resolve(self, deferred: _Deferred) -> FolderHit:
        assert self.pool is not None
        for future in deferred.futures:
            self._wait(future)
        parts = deferred.parts + [
            self.pool.result(future, measure_paths, chunk, deferred.device, deferred.cross)
            for future, chunk in zip(deferred.futures, deferred.chunks, strict=True)
        ]
        m = self._finish(combine(parts), deferred.path)
        return self._hit(
            deferred.path, deferred.match, deferred.repo, m, deferred.device, deferred.inode
        )

    def _settle(self, raw: _RawHit) -> FolderHit:
        m = self._finish(raw.part, raw.path)
        return self._hit(raw.path, raw.match, raw.repo, m, raw.device, raw.inode)

    def _merge(self, result: SubtreeResult) -> Iterator[Event]:
        """Take in a worker's findings, counting a file it shares with others' once."""
        self.errors.extend(result.errors)
        t, r = self.totals, result.totals
        t.bytes += r.bytes
        t.disk_bytes += r.disk_bytes
        t.files += r.files
        t.dirs += r.dirs
        self._dirs_seen += result.dirs_seen
        for key, (size, blocks) in result.links.items():
            if key in self._linked:  # counted already, here or by another worker
                t.files -= 1
                t.bytes -= size
                t.disk_bytes -= blocks
            else:
                self._linked.add(key)
        for event in result.events:
            if isinstance(event, _RawHit):
                yield self._settle(event)
            elif isinstance(event, _Deferred):
                yield self._resolve(event)
            elif isinstance(event, RepoSeen):
                continue  # passed on as soon as the worker answered (`_share`)
            elif isinstance(event, _SplitHit):  # pragma: no cover - `_share` defers each one
                raise AssertionError(event.path)
            elif isinstance(event, (FileHit, FileSeen)):
                if self._once(event):
                    yield event
            else:
                yield event

    def walk(self, root: str, *, repo: str | None, classify_root: bool = False) -> Iterator[Event]:
        """Walk `root`, judging every folder and file below it (never `root` itself)."""
        deferred: list[_Deferred] = []
        handoff: list[Subtree] | None = [] if self.pool is not None else None
        start = (root, os.path.basename(root), None, repo)
        for event in self._walk(start, classify_root, deferred, handoff):
            if isinstance(event, _RawHit):
                yield self._settle(event)
            elif not isinstance(event, _SplitHit):
                yield event
        answers: list[tuple[tuple[int, ...], SubtreeResult]] = []
        if handoff:
            yield from self._share(handoff, answers)
        for item in deferred:
            yield self._resolve(item)
        # In the order the work was cut, not the order it came back: which of two hard links
        # to one file is reported must not depend on timing.
        answers.sort(key=lambda answer: answer[0])
        for _, result in answers:
            yield from self._merge(result)

    def _share(
        self, handoff: list[Subtree], answers: list[tuple[tuple[int, ...], SubtreeResult]]
    ) -> Iterator[Event]:
        """Walk the handed-off folders in the workers: a few tasks per worker in flight, each
        giving back what its budget did not cover, which is cut up and sent out again.

        Answers are kept, keyed by where their work came from, for `walk` to merge in a fixed
        order; repositories are passed on at once (their git questions start then), and big
        artifacts a worker found are shared out at once.
        """
        pool = self.pool
        assert pool is not None
        options = replace(self.options, progress=None, idle=None)  # callbacks stay here
        # At least one folder a task: a task that walks none gives its work back untouched.
        budget = max(1, self.worker_budget)
        knobs = (self.split_min_dirs, self.split_entries)
        share = min(len(handoff), 4 * pool.workers)
        # Interleaved, so that neighbours (likely alike in size) go to different workers.
        todo: deque[tuple[tuple[int, ...], list[Subtree]]] = deque(
            ((i,), handoff[i::share]) for i in range(share)
        )
        running: dict[Job, tuple[tuple[int, ...], list[Subtree]]] = {}
        files = size = 0
        while todo or running:
            while todo and len(running) < 2 * pool.workers:
                key, chunk = todo.popleft()
                future = pool.submit(walk_subtrees, chunk, options, self.skip, budget, *knobs)
                if future is None:  # no workers after all: walk it here, whole
                    result = walk_subtrees(chunk, options, self.skip, None, *knobs)
                    yield from self._take(key, result, answers)
                    continue
                running[future] = (key, chunk)
            if not running:
                continue
            for future in self._wait_any(list(running)):
                key, chunk = running.pop(future)
                result = pool.result(future, walk_subtrees, chunk, options, self.skip, None, *knobs)
                yield from self._take(key, result, answers)
                rest = result.leftover
                pieces = min(len(rest), 2 * pool.workers)
                todo.extend(((*key, i), rest[i::pieces]) for i in range(pieces))
                if self.options.progress is not None:
                    files += result.totals.files
                    size += result.totals.bytes
                    self.options.progress(self.totals.files + files, self.totals.bytes + size, "")

    def _take(
        self,
        key: tuple[int, ...],
        result: SubtreeResult,
        answers: list[tuple[tuple[int, ...], SubtreeResult]],
    ) -> Iterator[Event]:
        """Keep a worker's answer; pass its repositories on and share its big artifacts out."""
        events = result.events
        early = self.early
        for i, event in enumerate(events):
            if isinstance(event, RepoSeen):
                yield event
            elif isinstance(event, _SplitHit):
                events[i] = self._defer(event)
            elif early is not None:
                if isinstance(event, _RawHit):
                    early(self._preview(event))
                elif isinstance(event, FileHit):
                    early(event)
        answers.append((key, result))

    def _wait_any(self, futures: list[Job]) -> set[Job]:
        """The futures among `futures` that are done, waiting for at least one; while waiting,
        `idle` gets its turns."""
        assert self.pool is not None
        idle = self.options.idle
        while True:
            done = self.pool.wait(futures, None if idle is None else 0.005)
            if done:
                return done
            assert idle is not None
            idle()

    def _walk(
        self,
        start: tuple[str, str, frozenset[str] | None, str | None],
        classify_root: bool,
        deferred: list[_Deferred],
        handoff: list[Subtree] | None,
    ) -> Iterator[Event | _RawHit | _SplitHit]:
        root = start[0]
        try:
            root_st = os.lstat(root)
        except OSError as exc:
            self._error(root, exc)
            return
        dev = root_st.st_dev
        cross = self.options.cross_mounts
        large_min = -1 if self.options.large is None else self.options.large
        prefilter = self.classifier.index.file_prefilter
        # (path, its name, its parent's names or None for the root, repo it belongs to, depth)
        # The top levels go breadth first, so that the big artifacts (a project's node_modules,
        # its virtualenv) reach the worker processes early and are sized while this process
        # walks on; below, depth first, so memory follows the depth of the tree, not its width.
        near: deque[_Todo] = deque([(*start, 0)])
        stack: list[_Todo] = []
        breadth = self.breadth_levels
        budget = self.budget
        while near or stack:
            if budget is not None and self._dirs_seen >= budget:
                # Out of budget: the folders not yet walked go back to the main process.
                for path, name, siblings, repo_here, _ in (*near, *stack):
                    self.leftover.append((path, name, siblings or frozenset(), repo_here))
                return
            path, name, siblings, repo_here, depth = near.popleft() if near else stack.pop()
            try:
                # Files of a SQLite database's size are always listed: an artifact sized from
                # this listing reads their headers (hygiene.scan.inside); others only when asked.
                folder = list_folder(path, dev, cross, large_min, True, prefilter)
            except OSError as exc:
                self._error(path, exc)
                continue
            self._tick(path)
            names = frozenset(folder.names)
            if QUARANTINE_TAG in names and is_quarantine(path):
                # Some hygiene's quarantine, whatever its home: what it holds is not the
                # workspace's, and must stay restorable.
                continue
            if siblings is not None or classify_root:
                hit = self._folder_hit(path, name, siblings, names, repo_here, folder)
                if isinstance(hit, _Deferred):
                    deferred.append(hit)
                    continue
                if hit is not None:
                    yield hit
                    continue
            if ".git" in names:
                repo_here = path
                yield RepoSeen(path, bare=False)
            elif _is_bare_repo(names):
                yield RepoSeen(path, bare=True)
                self.measure(path, dev)
                continue
            prefix = f"{path}/" if path != "/" else "/"
            self._count(folder, prefix)
            below = near if depth < breadth else stack if handoff is None else None
            self._queue(folder, prefix, dev, (names, repo_here, depth + 1), below, handoff)
            yield from self._files(folder, prefix, names, repo_here)

    def _folder_hit(
        self,
        path: str,
        name: str,
        siblings: frozenset[str] | None,
        names: frozenset[str],
        repo: str | None,
        folder: FolderList,
    ) -> FolderHit | _Deferred | _RawHit | _SplitHit | None:
        """The artifact this folder is, sized, or None. A folder with nothing to enter (a
        `__pycache__`) is sized from its listing; any other from its path, its subfolders
        shared out if many."""
        match = self.classifier.folder(path, name, siblings or frozenset(), names)
        if match is None:
            return None
        listed = None if folder.subdirs else folder
        return self._measure_hit(path, match, repo, folder.dev, folder.ino, listed=listed)

    def _count(self, folder: FolderList, prefix: str) -> None:
        """Add a walked folder's entries (hard-linked files apart) and its unreadable ones."""
        for entry_name, err in folder.errors:
            self._error(prefix + entry_name, OSError(err, os.strerror(err)))
        t = self.totals
        t.dirs += folder.dirs
        t.files += folder.files
        t.bytes += folder.bytes
        t.disk_bytes += folder.disk_bytes

    def _queue(
        self,
        folder: FolderList,
        prefix: str,
        dev: int,
        below_here: tuple[frozenset[str], str | None, int],
        below: deque[_Todo] | list[_Todo] | None,
        handoff: list[Subtree] | None,
    ) -> None:
        """The subfolders to walk next: onto `below`, or handed off to the caller. `.git` is
        sized, never walked; hygiene's own quarantine and `skip` are left out."""
        names, repo_here, depth = below_here
        for sub in folder.subdirs:
            sub_path = prefix + sub
            if sub == ".git":
                self.measure(sub_path, dev)
            elif sub.startswith(QUARANTINE_PREFIX) or sub_path in self.skip:
                continue  # hygiene's own quarantine: what it holds is not the workspace's.
            elif below is not None:
                below.append((sub_path, sub, names, repo_here, depth))
            elif handoff is not None:
                handoff.append((sub_path, sub, names, repo_here))

    def _sized_for_detectors(self, size: int) -> bool:
        """A file the detectors want whatever its name: large, or of a SQLite database's size."""
        large = self.options.large
        return (large is not None and size >= large) or (
            self.options.sqlite_shaped and size >= 512 and size % 512 == 0
        )

    def _files(
        self, folder: FolderList, prefix: str, names: frozenset[str], repo_here: str | None
    ) -> Iterator[FileHit | FileSeen]:
        """The files of a walked folder worth an event: a name the rule table matches, or a
        size the detectors want. Hard-linked files are counted here, once across names."""
        looks: list[tuple[str, bool]] = [(n, False) for n in folder.wanted]
        looks.extend((n, True) for n in folder.seen)
        if folder.links:
            looks.extend(self._linked_looks(folder))
        # The few files worth a closer look, stat'ed again for the detectors' records.
        stats: dict[str, os.stat_result | None] = {}
        file_match = self.classifier.file
        for entry_name, by_size in looks:
            fmatch = None if by_size else file_match(entry_name, names)
            if fmatch is None and not by_size:
                continue
            if entry_name not in stats:
                stats[entry_name] = self._lstat(prefix + entry_name)
            st = stats[entry_name]
            if st is None:
                continue
            event: FileHit | FileSeen
            if fmatch is not None:
                event = FileHit(prefix + entry_name, fmatch, repo_here, st)
            elif self._sized_for_detectors(st.st_size):
                event = FileSeen(prefix + entry_name, repo_here, st)
            else:
                continue  # listed for hygiene.scan.inside only
            if self._once(event):
                yield event

    def _linked_looks(self, folder: FolderList) -> list[tuple[str, bool]]:
        """Count each multi-link file once across all its names; every name is still judged
        (a junk name must not hide behind another name of the same file seen first), and each
        file is reported once (`_once`)."""
        t, links, linked = self.totals, self.links, self._linked
        looks: list[tuple[str, bool]] = []
        for entry_name, ldev, lino, size, disk, mode, _, _ in folder.links:
            key = (ldev, lino)
            if key not in linked:  # else another name of a file counted already
                linked.add(key)
                if links is not None:
                    links[key] = (size, disk)
                t.files += 1
                t.bytes += size
                t.disk_bytes += disk
            looks.append((entry_name, False))
            if S_ISREG(mode) and self._sized_for_detectors(size):
                looks.append((entry_name, True))
        return looks

    def _once(self, event: FileHit | FileSeen) -> bool:
        """False for a file with several names already reported, as a hit or as seen, under
        another: the first name judged so wins, in walk order (or, across processes, in the
        order the work was cut)."""
        st = event.st
        if st.st_nlink < 2:
            return True
        key = (isinstance(event, FileHit), st.st_dev, st.st_ino)
        if key in self._reported:
            return False
        self._reported.add(key)
        return True

    def _lstat(self, path: str) -> os.stat_result | None:
        try:
            return os.lstat(path)
        except OSError as exc:
            self._error(path, exc)
            return None
