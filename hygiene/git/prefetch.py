"""The git questions a scan starts while it walks, so their answers are ready when the
detectors ask: per repository, the tracked listing, the ignored tracked files, the object sizes,
and check-ignore for what the walk found, each one background process (`GitJobs`)."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from hygiene.git.ignorescope import (
    OUTSIDE_EXCLUDES,
    OutsideExcludes,
    ignore_scope,
    outside_excludes,
)
from hygiene.git.index import read_tracked
from hygiene.git.repo import (
    CHECK_IGNORE,
    LIST_OBJECT_SIZES,
    LIST_TRACKED,
    LIST_TRACKED_IGNORED,
    TrackedIndex,
    as_pathspecs,
    check_ignore,
    from_pathspecs,
    git,
    object_store,
)
from hygiene.git.run import GitError, GitJob, GitJobs


class _Question(NamedTuple):
    """One work tree's check-ignore question, started."""

    job: GitJob | None  # None: nothing left to ask git
    tracked: bytes  # the tracked paths as fed, each behind "./"
    asked: list[bytes]  # the other paths asked, unprefixed
    settled: set[str]  # paths known ignored without git (`IgnoreScope.surely_ignored`)


@dataclass
class RepoPrefetch:
    """The git questions about one repository that need nothing from the walk.

    Started the moment the walk finds the repository, so git answers on the second core while
    Python walks; read after the walk. None: not asked (a bare repository has no index; a kind
    not wanted).
    """

    path: str
    bare: bool
    # What `ls-files -z` prints, read from the index file when that is sure (no process)...
    listing: bytes | None = None
    # ...else the ls-files -z job: the tracked veto, tracked junk, large files.
    index: GitJob | None = None
    ignored: GitJob | None = None  # ls-files -z -ci --exclude-standard: tracked junk
    # cat-file --batch-all-objects: history blobs; one job for the work trees of one store.
    objects: GitJob | None = None


# git processes at once while the walk runs, at a lower priority: the walk's workers keep the
# cores busy and git takes what they leave idle. The main process only waits for its workers
# then, and starts and reads git meanwhile (`WalkOptions.idle`); with one git at a time, two
# thirds of the questions were still queued when the walk ended. After the walk, as many as
# there are cores, at the scan's own priority.
WALK_LIMIT = max(2, os.cpu_count() or 2)
WALK_NICE = 10
AFTER_LIMIT = max(2, os.cpu_count() or 2)
_PUMP_EVERY = 0.001  # seconds between two looks at the git processes during the walk


class Prefetch:
    """Per repository, the walk-independent git questions, for the detectors to consume.

    Answers are parsed once and kept. Every answer that failed raises `GitError` where it is
    read, as the direct call would. `close()` must run on every path out of the scan.
    """

    def __init__(self, kinds: frozenset[str], *, git_stats: bool = False) -> None:
        self.jobs = GitJobs(WALK_LIMIT, nice=WALK_NICE)
        self._tracked_junk = "tracked-artifact" in kinds
        # --git-stats reads every reachable object another way (`rev-list | cat-file`).
        self._history = "history-blob" in kinds and not git_stats
        self.repos: dict[str, RepoPrefetch] = {}
        self._stores: dict[str, GitJob] = {}
        self._indexes: dict[str, TrackedIndex] = {}
        # `ls-files -ci --exclude-standard` as check-ignore answered it, per work tree.
        self._ignored_tracked: dict[str, bytes] = {}
        # Started check-ignore questions, or the error that kept one from starting.
        self._asked: dict[str, _Question | GitError] = {}
        # Work trees whose questions are asked apart, as git answers them with the index.
        self._apart: set[str] = set()
        # `core.excludesFile` outside the repositories, asked in the first work tree found:
        # with it, git is asked only about paths an ignore rule could match (`ignorescope`).
        self._ignores = self._tracked_junk or "ignore-gap" in kinds
        self._outside_asked = False
        self._outside_job: GitJob | None = None
        self._outside: OutsideExcludes | None = None
        self._next_pump = 0.0

    def saw(self, path: str, bare: bool) -> RepoPrefetch:
        """Start what can start for the repository at `path` (once; later calls return it)."""
        known = self.repos.get(path)
        if known is not None:
            return known
        repo = self.repos[path] = RepoPrefetch(path, bare)
        if not bare and self._ignores and not self._outside_asked:
            self._outside_asked = True
            self._outside_job = self.jobs.start(path, *OUTSIDE_EXCLUDES)
        if not bare:
            # The index file read here costs less than starting git; None: git must answer
            # (and report what is wrong, for a repository that is not one).
            repo.listing = read_tracked(path)
            if repo.listing is None:
                repo.index = self.jobs.start(path, *LIST_TRACKED)
        if self._history:
            try:
                store = object_store(path, bare=bare)
            except OSError:
                store = None  # the history detector reports it when it asks again
            if store is not None:
                # Work trees of one object store (`git worktree`) share one reading.
                job = self._stores.get(store)
                if job is None:
                    job = self._stores[store] = self.jobs.start(path, *LIST_OBJECT_SIZES)
                repo.objects = job
        return repo

    def pump(self) -> None:
        """Between walk events: start and read git processes, at most every millisecond."""
        now = time.monotonic()
        if now >= self._next_pump:
            self._next_pump = now + _PUMP_EVERY
            self.jobs.pump()

    def walked(self) -> None:
        """The walk is over: git may have the machine."""
        self.jobs.set_pace(AFTER_LIMIT, nice=0)

    def listing(self, path: str) -> bytes:
        """`ls-files -z` of the work tree at `path`. GitError if git could not say."""
        repo = self.saw(path, False)
        if repo.listing is not None:
            return repo.listing
        if repo.index is None:  # found as a bare repository: ask anyway, git says what is wrong
            repo.index = self.jobs.start(path, *LIST_TRACKED)
        return self.jobs.output(repo.index)

    def listing_refused(self, path: str, *, wait: bool) -> str | None:
        """What git said when it would not list the work tree at `path`, or None. Without
        `wait`, only an answer already in is read: a git the scan never needed is not waited
        for (it is killed when the scan closes)."""
        repo = self.repos.get(path)
        if repo is None or repo.listing is not None or repo.index is None:
            return None
        if not wait:
            self.jobs.pump()
            if not repo.index.done:
                return None
        try:
            self.listing(path)
        except GitError as exc:
            return str(exc)
        return None

    def tracked(self, path: str) -> TrackedIndex:
        """What git tracks in the work tree at `path`, parsed once. GitError if git cannot say."""
        index = self._indexes.get(path)
        if index is None:
            index = self._indexes[path] = TrackedIndex(self.listing(path))
        return index

    def ask_ignored(self, path: str, rels: list[str], folders: Collection[str] = ()) -> None:
        """Start the `check-ignore` that `ignored(path)` reads: those of `rels` (untracked paths
        in the work tree at `path`; `folders` among them are folders) that git ignores. Asked
        for every repository first and read after, they run side by side, without threads.

        When tracked junk is wanted, the same process also judges the tracked files by the
        ignore rules alone (`--no-index`, as `ls-files -ci --exclude-standard` does), and
        `ignored_tracked` keeps that answer: one git process for both questions. Either way,
        only the paths an ignore rule could match are asked (`hygiene.git.ignorescope`).
        """
        if path in self._asked or (not rels and not self._wants_tracked(path)):
            return
        asked = [os.fsencode(rel) for rel in rels]
        wants_tracked = self._wants_tracked(path)
        try:
            listing = self.listing(path) if wants_tracked or asked else b""
        except GitError as exc:
            if wants_tracked:
                self._asked[path] = exc
                return
            listing = b""  # check-ignore alone may still answer for the candidates
        if _ignore_file_missing(path, listing):
            # git reads such a file from the index (a sparse checkout's), which --no-index
            # skips: both questions asked apart, with the index, when read.
            self._asked[path] = _Question(None, b"", asked, set())
            self._apart.add(path)
            return
        if not wants_tracked:
            listing = b""
        settled: set[str] = set()
        candidates = b"".join(rel + b"\0" for rel in asked)
        scope = ignore_scope(path, listing + candidates, self._outside_excludes())
        if scope is not None:
            listing = scope.among(listing)
            unsettled: list[bytes] = []
            for rel, raw in zip(rels, asked, strict=True):
                if scope.surely_ignored(raw, folder=rel in folders):
                    settled.add(rel)
                elif scope.may_ignore(raw):
                    unsettled.append(raw)
            asked = unsettled
        # Each tracked path behind "./", in one pass over the listing (NUL-terminated).
        tracked = b"./" + listing.replace(b"\0", b"\0./")[:-2] if listing else b""
        job = None
        if tracked or asked:
            job = self.jobs.start(path, *CHECK_IGNORE, input=tracked + as_pathspecs(asked))
        self._asked[path] = _Question(job, tracked, asked, settled)

    def ignored(self, path: str, rels: list[str], folders: Collection[str] = ()) -> set[str]:
        """The answer `ask_ignored(path, rels, folders)` started (started now if it was not).
        GitError if git cannot say."""
        if path not in self._asked:
            self.ask_ignored(path, rels, folders)
        started = self._asked.pop(path, None)
        if started is None:  # nothing to ask
            return set()
        if isinstance(started, GitError):
            raise started
        job, tracked, asked, settled = started
        if path in self._apart:
            self._apart.discard(path)
            if self._wants_tracked(path):
                self._ignored_tracked[path] = git(path, *LIST_TRACKED_IGNORED)
            return from_pathspecs(check_ignore(path, as_pathspecs(asked))) if asked else set()
        try:
            out = b"" if job is None else self.jobs.output(job, ok=(0, 1))
        except GitError:
            if not tracked:
                raise
            # A tracked path behind a symlink makes check-ignore refuse the whole input: ask
            # the two questions apart, as before.
            self._ignored_tracked[path] = git(path, *LIST_TRACKED_IGNORED)
            if not asked:
                return settled
            return settled | from_pathspecs(check_ignore(path, as_pathspecs(asked), no_index=True))
        answer = [p for p in out.split(b"\0") if p]
        if self._wants_tracked(path):
            tracked_set = set(tracked.split(b"\0"))
            # In the order asked: the tracked files' in index order, as ls-files prints them.
            self._ignored_tracked[path] = b"".join(
                p[2:] + b"\0" for p in answer if p in tracked_set
            )
        wanted = {b"./" + p for p in asked}
        return settled | from_pathspecs(p for p in answer if p in wanted)

    def _outside_excludes(self) -> OutsideExcludes | None:
        """`core.excludesFile` outside the repositories; None if git could not say."""
        if self._outside is None and self._outside_job is not None:
            job, self._outside_job = self._outside_job, None
            with contextlib.suppress(GitError):  # unknown: git is asked about every path
                self._outside = outside_excludes(self.jobs.output(job, ok=(0, 1)))
        return self._outside

    def _wants_tracked(self, path: str) -> bool:
        return self._tracked_junk and path not in self._ignored_tracked

    def ignored_tracked(self, path: str) -> bytes | None:
        """What `ls-files -z -ci --exclude-standard` prints for `path`, or None when tracked
        junk is not wanted (then the caller asks git itself). GitError if git cannot say."""
        if not self._tracked_junk:
            return None
        if path not in self._ignored_tracked:
            self.ignored(path, [])
        return self._ignored_tracked[path]

    def objects(self, path: str) -> bytes | None:
        """`cat-file --batch-all-objects` of `path`'s object store, or None if not prefetched."""
        job = self.repos[path].objects if path in self.repos else None
        return None if job is None else self.jobs.output(job)

    def close(self) -> None:
        self.jobs.close()


_IGNORE_FILE = b".gitignore\0"


def _ignore_file_missing(repo: str, listing: bytes) -> bool:
    """True if a tracked `.gitignore` is not a file in the work tree at `repo`: git then reads
    it from the index if its entry is marked skip-worktree (outside a sparse checkout)."""
    at = listing.find(_IGNORE_FILE)
    while at >= 0:
        if at == 0 or listing[at - 1] in b"\0/":
            start = listing.rfind(b"\0", 0, at) + 1
            rel = os.fsdecode(listing[start : at + len(_IGNORE_FILE) - 1])
            try:
                if not stat.S_ISREG(os.lstat(os.path.join(repo, rel)).st_mode):
                    return True
            except OSError:
                return True
        at = listing.find(_IGNORE_FILE, at + 1)
    return False
