"""Sizing subtrees: the hot loop of every scan, and the worker processes that share it.

Most files of a workspace live inside artifacts (node_modules, virtualenvs, target/), and a
walk is bound by one `lstat` per entry. Python adds its own cost per entry on top of the system
call, so a single process stays well behind `du`; big artifacts are therefore split by
subfolder and sized in worker processes while the main process walks on (the reference's
"parallelise across directories with bounded fan-out").

A `Partial` is what one piece of a subtree adds up to. Files with several hard links are kept
apart (`links`) so the caller can count each inode once across pieces and processes, and tell
whether all of an inode's links are inside what would be removed.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from hygiene.git.bare import PARTS, holds_objects, parts_of
from hygiene.scan.inside import PREFILTER, judge_paths, may_be_precious, shaped

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from hygiene.scan.speed.forkpool import ForkPool

_S_IFMT = 0o170000
_S_IFDIR = 0o040000
_S_IFREG = 0o100000

T = TypeVar("T")

# (dev, ino) -> [nlink, links seen here, apparent size, allocated bytes, mtime]
Links = dict[tuple[int, int], list[float]]


@dataclass
class Partial:
    bytes: int = 0
    disk_bytes: int = 0
    files: int = 0
    dirs: int = 0
    newest_mtime: float = 0.0
    # Allocated bytes of single-link files and of folders: always freed by removal.
    freed: int = 0
    links: Links = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    contains_repo: bool = False
    # Folders found but not entered (when asked not to descend): the split points.
    subdirs: list[str] = field(default_factory=list)
    # Files inside that keep the artifact (hygiene.scan.inside): (path, what makes it precious).
    precious: list[tuple[str, str]] = field(default_factory=list)


def _reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "vanished during the scan"
    return exc.strerror or type(exc).__name__


_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Listing through an open folder lets each entry be stat'ed relative to it (fstatat): the
# kernel resolves one name instead of the whole path, about a sixth of a walk's time.
_BY_FD = os.scandir in os.supports_fd


class Listing(NamedTuple):
    """A folder's entries, with the folder held open (`fd`) until the caller closes it."""

    path: str
    fd: int
    entries: list[os.DirEntry[str]]

    def child(self, name: str) -> str:
        return f"{self.path}/{name}" if self.path != "/" else f"/{name}"

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)


def _open_folder(path: str) -> int:
    """A folder's descriptor; one whose path is longer than PATH_MAX (a deep node_modules),
    which the kernel refuses whole, one name at a time, each relative to the last and never
    through a symlink."""
    try:
        return os.open(path, _OPEN_DIR)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    at = os.open(os.sep if os.path.isabs(path) else os.curdir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in path.split(os.sep):
            if name:
                next_fd = os.open(name, _OPEN_DIR, dir_fd=at)
                os.close(at)
                at = next_fd
    except BaseException:
        os.close(at)
        raise
    return at


def open_listing(path: str) -> Listing:
    """List `path`, which must be a folder and not a symlink to one (OSError otherwise)."""
    if not _BY_FD:  # pragma: no cover - platforms without fd-relative scandir
        if os.path.islink(path):
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
        with os.scandir(path) as it:
            return Listing(path, -1, list(it))
    fd = _open_folder(path)
    try:
        with os.scandir(fd) as it:
            return Listing(path, fd, list(it))
    except BaseException:
        os.close(fd)
        raise


_native: Callable[..., tuple[Any, ...]] | None
try:
    # The same loop in C (hygiene/scan/speed/_measure.c), built where a compiler was at hand.
    from hygiene.scan.speed._measure import measure_tree as _native
except ImportError:  # pragma: no cover - an install without the compiled loop
    _native = None


# The precious names' cheap test, as bytes for the compiled loop.
_PREFILTER_BYTES = tuple(tuple(os.fsencode(s) for s in group) for group in PREFILTER)


def _native_partial(paths: Sequence[str], dev: int, cross: bool) -> Partial:
    assert _native is not None
    total, disk, files, dirs, newest, repo, links, errors, candidates = _native(
        paths, dev, cross, *_PREFILTER_BYTES
    )
    part = Partial(total, disk, files, dirs, newest, disk, links, errors, repo)
    part.precious = judge_paths(candidates)
    return part


class FolderList(NamedTuple):
    """One folder of the walk, listed and added up (`list_folder`)."""

    names: list[str]  # every entry
    dirs: int  # subfolders on the walk's filesystem (or any, when crossing mounts)
    files: int  # entries with one link that are not folders
    bytes: int  # apparent size of those folders and files
    disk_bytes: int
    subdirs: list[str]  # the subfolders counted in `dirs`, to enter
    # Entries with several links: (name, dev, ino, size, disk, mode, nlink, mtime).
    links: list[tuple[str, int, int, int, int, int, int, float]]
    wanted: list[str]  # single-link files whose names pass the rule table's cheap test
    seen: list[str]  # single-link regular files at or above `large`, or SQLite-shaped
    errors: list[tuple[str, int]]  # (name, errno) of entries that could not be stat'ed
    dev: int  # the folder's own device and inode, as opened
    ino: int
    newest: float  # the newest mtime of the entries stat'ed (0.0: none)


# The rule table's cheap test for file names: (exact names, heads, tails, pieces).
Prefilter = tuple[frozenset[str], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def list_folder_python(
    path: str, dev: int, cross: bool, large: int, sqlite: bool, *prefilter: Any
) -> FolderList:
    """`list_folder` in Python: the reference, and the fallback where no compiled loop is.
    `large` < 0: none is large. Raises OSError when the folder cannot be listed."""
    exact, heads, tails, pieces = prefilter
    fd = os.open(path, _OPEN_DIR)
    try:
        here = os.fstat(fd)
        # The whole listing first: a folder that fails half way is one error, no entries.
        with os.scandir(fd) as it:
            entries = list(it)
        out = FolderList([], 0, 0, 0, 0, [], [], [], [], [], here.st_dev, here.st_ino, 0.0)
        names = out.names
        dirs = files = total = disk = 0
        newest = 0.0
        for entry in entries:
            name = entry.name
            names.append(name)
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                out.errors.append((name, exc.errno or 0))
                continue
            newest = max(newest, st.st_mtime)
            mode = st.st_mode
            if mode & _S_IFMT == _S_IFDIR:
                if st.st_dev == dev or cross:
                    dirs += 1
                    total += st.st_size
                    disk += st.st_blocks * 512
                    out.subdirs.append(name)
            elif st.st_nlink > 1:
                out.links.append(
                    (
                        name,
                        st.st_dev,
                        st.st_ino,
                        st.st_size,
                        st.st_blocks * 512,
                        mode,
                        st.st_nlink,
                        st.st_mtime,
                    )
                )
            else:
                files += 1
                total += st.st_size
                disk += st.st_blocks * 512
                if (
                    name in exact
                    or name.startswith(heads)
                    or name.endswith(tails)
                    or any(piece in name for piece in pieces)
                ):
                    out.wanted.append(name)
                if mode & _S_IFMT == _S_IFREG and (
                    (large >= 0 and st.st_size >= large)
                    or (sqlite and st.st_size >= 512 and st.st_size % 512 == 0)
                ):
                    out.seen.append(name)
    finally:
        os.close(fd)
    return out._replace(dirs=dirs, files=files, bytes=total, disk_bytes=disk, newest=newest)


# The largest size a file can have (off_t); a threshold beyond it is one no file meets.
_SIZE_MAX = 2**63 - 1

_native_list: Callable[..., tuple[Any, ...]] | None
try:
    from hygiene.scan.speed._measure import list_folder as _native_list
except ImportError:  # pragma: no cover - an install without the compiled loop
    _native_list = None


def list_folder(
    path: str, dev: int, cross: bool, large: int, sqlite: bool, prefilter: Prefilter
) -> FolderList:
    """One folder of the walk: its entries stat'ed (never following links) and added up."""
    if large > _SIZE_MAX:
        large = -1  # no file is that large; the compiled loop's sizes are 64-bit
    if _native_list is not None:
        return FolderList(*_native_list(path, dev, cross, large, sqlite, *prefilter))
    return list_folder_python(path, dev, cross, large, sqlite, *prefilter)


def listed_partial(folder: FolderList, path: str) -> Partial:
    """What `measure_listings([path], ...)` gives for the folder at `path` that `folder` lists,
    when it has no subfolder to enter (a `__pycache__`): from the listing, without a second."""
    links: Links = {}
    for _, dev, ino, size, disk, _, nlink, mtime in folder.links:
        seen = links.get((dev, ino))
        if seen is None:
            links[dev, ino] = [nlink, 1, size, disk, mtime]
        else:
            seen[1] += 1
    prefix = f"{path}/" if path != "/" else "/"
    errors = [
        (prefix + name, _reason(OSError(err, os.strerror(err)))) for name, err in folder.errors
    ]
    unstated = {name for name, _ in folder.errors}
    # `seen` holds the files of a SQLite database's size (the walk always asks for them).
    candidates = {prefix + n for n in folder.names if may_be_precious(n)}
    candidates.update(prefix + n for n in folder.seen)
    candidates.update(
        prefix + name
        for name, _, _, size, _, mode, _, _ in folder.links
        if stat.S_ISREG(mode) and size >= 512 and size % 512 == 0
    )
    part = Partial(
        folder.bytes,
        folder.disk_bytes,
        folder.files,
        folder.dirs,
        folder.newest,
        folder.disk_bytes,
        links,
        errors,
        (".git" in folder.names and ".git" not in unstated)
        or holds_objects(parts_of(n for n in folder.names if n not in unstated)),
    )
    part.precious = judge_paths(sorted(candidates))
    return part


def measure_listings(
    listings: Sequence[Listing | str], dev: int, *, cross: bool, descend: bool = True
) -> Partial:
    """Add up the given folders (listed already, or by path) and, when `descend`, all below.

    Listings given stay open (their owner closes them); folders given by path or found below
    are opened, added up and closed one at a time, so a wide tree never holds many descriptors.
    """
    if descend and _native is not None:
        # Listings at hand are added up here; everything below them, and folders given by
        # path, in the compiled loop.
        opened = [item for item in listings if not isinstance(item, str)]
        top = measure_python(opened, dev, cross=cross, descend=False)
        paths = [item for item in listings if isinstance(item, str)] + top.subdirs
        top.subdirs = []
        return combine([top, _native_partial(paths, dev, cross)]) if paths else top
    return measure_python(listings, dev, cross=cross, descend=descend)


def measure_python(
    listings: Sequence[Listing | str], dev: int, *, cross: bool, descend: bool = True
) -> Partial:
    """`measure_listings` in Python: the reference, and the fallback where no compiled loop is."""
    part = Partial()
    candidates: list[str] = []
    sums = [0, 0, 0, 0, 0]  # bytes, disk bytes, files, dirs, freed
    newest = 0.0
    pending: list[Listing | str] = list(listings)
    below = pending if descend else part.subdirs
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                listing = open_listing(item)
            except OSError as exc:
                part.errors.append((item, _reason(exc)))
                continue
        else:
            listing = item
        try:
            newest = max(newest, _add_listing(listing, part, sums, below, candidates, dev, cross))
        finally:
            if listing is not item:
                listing.close()
    part.bytes, part.disk_bytes, part.files, part.dirs, part.freed = sums
    part.newest_mtime = newest
    part.precious = judge_paths(candidates)
    return part


def _add_listing(
    listing: Listing,
    part: Partial,
    sums: list[int],
    below: list[Listing | str] | list[str],
    candidates: list[str],
    dev: int,
    cross: bool,
) -> float:
    """Add one folder's entries to `sums` (bytes, disk, files, dirs, freed) and `part`'s hard
    links; its subfolders go onto `below`. Returns the newest mtime met."""
    total, disk, files, dirs, freed = sums
    newest = 0.0
    links = part.links
    git_parts = 0  # which of a bare repository's entries this folder holds (hygiene.git.bare)
    for entry in listing.entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            part.errors.append((listing.child(entry.name), _reason(exc)))
            continue
        blocks = st.st_blocks * 512
        if st.st_mtime > newest:
            newest = st.st_mtime
        if entry.name == ".git":
            # A folder, or a file for worktrees and submodules: someone's repository, with
            # work git may not have anywhere else.
            part.contains_repo = True
        elif entry.name in PARTS:
            git_parts |= PARTS[entry.name]
        is_dir = st.st_mode & _S_IFMT == _S_IFDIR
        if not is_dir and (may_be_precious(entry.name) or shaped(st)):
            candidates.append(listing.child(entry.name))
        if is_dir:
            if st.st_dev != dev and not cross:
                continue
            dirs += 1
            total += st.st_size
            disk += blocks
            freed += blocks
            below.append(listing.child(entry.name))
        elif st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            seen = links.get(key)
            if seen is None:
                links[key] = [st.st_nlink, 1, st.st_size, blocks, st.st_mtime]
            else:
                seen[1] += 1
        else:
            files += 1
            total += st.st_size
            disk += blocks
            freed += blocks
    if holds_objects(git_parts):
        part.contains_repo = True  # a bare repository: commits maybe nowhere else
    sums[:] = total, disk, files, dirs, freed
    return newest


def measure_paths(paths: Sequence[str], dev: int, cross: bool) -> Partial:
    """Worker entry point: size whole folders given by path (their own entry is not counted)."""
    return measure_listings(paths, dev, cross=cross)


def combine(parts: Sequence[Partial]) -> Partial:
    """Sum pieces of one subtree; hard-link sightings add up per inode."""
    out = Partial()
    for part in parts:
        out.bytes += part.bytes
        out.disk_bytes += part.disk_bytes
        out.files += part.files
        out.dirs += part.dirs
        out.freed += part.freed
        out.newest_mtime = max(out.newest_mtime, part.newest_mtime)
        out.contains_repo = out.contains_repo or part.contains_repo
        out.errors.extend(part.errors)
        out.precious.extend(part.precious)
        for key, value in part.links.items():
            seen = out.links.get(key)
            if seen is None:
                out.links[key] = list(value)
            else:
                seen[1] += value[1]
    return out


def _ignore_interrupts() -> None:
    # Ctrl-C goes to the whole process group; only the main process should answer it.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _main_is_importable() -> bool:
    # forkserver and spawn workers import the parent's __main__ again; a script read from
    # stdin or `-c` has none to import, so no pool (sizing stays in this process).
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    return spec is not None or (path is not None and os.path.exists(path))


# What `WorkerPool.submit` hands back: a forked worker's task, or a forkserver pool's future.
Job = Any


class WorkerPool:
    """Worker processes, started on first use.

    Forked (`scan.speed.forkpool`) when this process has one thread: cheap, nothing re-imported.
    Beside a progress thread, where fork is unsafe, concurrent.futures with a forkserver. A
    pool that breaks (a worker that could not start, or died) costs speed only: its pieces are
    sized in this process instead.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._forked: ForkPool | None = None
        self._executor: ProcessPoolExecutor | None = None
        self.broken = False

    @property
    def started(self) -> bool:
        """True once worker processes exist (forked, or by forkserver)."""
        return self._forked is not None or self._executor is not None

    def _start(self) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if "forkserver" not in multiprocessing.get_all_start_methods() or not _main_is_importable():
            raise OSError("no safe way to start worker processes here")
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["hygiene.scan.measure", "hygiene.scan.walk"])
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=_ignore_interrupts)

    def submit(self, fn: Callable[..., T], *args: Any) -> Job | None:
        """A handle on `fn(*args)` running in a worker, or None when the pool cannot take work."""
        if self.broken:
            return None
        try:
            if self._forked is None and self._executor is None:
                import threading

                if hasattr(os, "fork") and threading.active_count() == 1:
                    from hygiene.scan.speed.forkpool import ForkPool

                    self._forked = ForkPool(self.workers)
                else:
                    self._executor = self._start()
            if self._forked is not None:
                return self._forked.submit(fn, *args)
            assert self._executor is not None
            return self._executor.submit(fn, *args)
        except Exception as exc:
            if not _lost(exc):
                raise
            self.broken = True
            return None

    def wait(self, jobs: Sequence[Job], timeout: float | None) -> set[Job]:
        """Those of `jobs` that are done, waiting until one is or `timeout` seconds pass."""
        if self._forked is not None:
            return self._forked.wait(jobs, timeout)
        from concurrent.futures import FIRST_COMPLETED
        from concurrent.futures import wait as wait_futures

        return wait_futures(jobs, timeout=timeout, return_when=FIRST_COMPLETED).done

    def result(self, job: Job | None, fn: Callable[..., T], *args: Any) -> T:
        """The worker's answer, or `fn(*args)` computed here if the worker is gone."""
        if job is not None:
            try:
                if self._forked is not None:
                    return self._forked.result(job)  # type: ignore[no-any-return]
                return job.result()  # type: ignore[no-any-return]
            except Exception as exc:
                if not _lost(exc):
                    raise
                if self._forked is None or not self._forked.alive:
                    self.broken = True
        return fn(*args)

    def close(self) -> None:
        if self._forked is not None:
            self._forked.close()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        self._forked = self._executor = None


def _lost(exc: BaseException) -> bool:
    """True for a pool's failure to run work at all (as opposed to the work's own error)."""
    from hygiene.scan.speed.forkpool import WorkerLost

    if isinstance(exc, (WorkerLost, OSError)):
        return True
    import sys

    process = sys.modules.get("concurrent.futures.process")
    return process is not None and isinstance(exc, process.BrokenProcessPool)


def default_workers() -> int:
    """Worker processes for big subtrees: one per CPU this process may use, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(0, min(cpus, 4)) if cpus > 1 else 0


def tally(path: str) -> tuple[int, int]:
    """(files, bytes) of the item at `path` counted as the scan counts an artifact: a file is
    one; a folder is its own entry and what lies below it, folders' own sizes included, each
    inode once (what `du -sb` says, issue 18). Never
    follows a link; raises OSError when the item cannot be read."""
    st = os.lstat(path)
    if st.st_mode & _S_IFMT != _S_IFDIR:
        return 1, st.st_size
    listing = open_listing(path)
    try:
        part = measure_listings([listing], st.st_dev, cross=False)
    finally:
        listing.close()
    if part.errors:
        where, why = part.errors[0]
        raise OSError(errno.EIO, f"{why} ({where})", path)
    return (
        part.files + len(part.links),
        st.st_size + part.bytes + sum(int(v[2]) for v in part.links.values()),
    )
