"""The recycling centre: quarantine runs, their manifests, restore, purge and crash recovery.

Layout under `HYGIENE_HOME/quarantine/`:

    <run_id>/manifest.jsonl   the run's journal: one fsynced JSON line per step of each item
    <run_id>/items/<n>        item n, moved here by rename when on this filesystem

An item on another filesystem goes by rename to that filesystem's own store,
`<mount point>/.hygiene-quarantine-<uid>/<run_id>/items/<n>`, when the user has created it
(hygiene never creates folders on other disks: a USB stick could leave with the quarantine);
otherwise it is renamed aside beside its place, copied here from there, verified byte for
byte, compared once more, and only then removed; anything that changed is put back instead.

Every move reaches the item through its folder opened one component at a time without
following symlinks, and checks the entry is the inode the scan saw, so a folder swapped for a
link after the re-check cannot redirect a move, a delete or a restore outside the roots.

Every step is written to the manifest before it is taken, so a `kill -9` at any moment leaves
each item either in place or whole in quarantine, and `recover()` can tell which and finish or
roll back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import re
import secrets
import shutil
import time
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hygiene.clean.audit import AuditLog, append_durably, entry, read_lines
from hygiene.clean.crashpoint import checkpoint
from hygiene.clean.treeops import copy_item, difference, fsync_dir, open_down, remove_item, tally
from hygiene.errors import UsageError
from hygiene.model import Artifact
from hygiene.paths import QUARANTINE_PREFIX, hygiene_home, mark_quarantine

MANIFEST = "manifest.jsonl"
RUN_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
STORE_PREFIX = QUARANTINE_PREFIX
# Item states that still hold data in quarantine.
HELD = frozenset({"quarantined", "restoring", "purging"})
# States a crash can leave behind; `recover()` settles each of them.
UNSETTLED = frozenset(
    {"pending", "copied", "removing", "restoring", "placed", "purging", "incinerating", "aside"}
)
# "aside": a rollback found the item's name taken (a build tool made a new folder there), so the
# whole original is kept under its aside name; listed, and put back by a later run once free.


def quarantine_root() -> Path:
    return hygiene_home() / "quarantine"


def new_run_id(now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    return f"{stamp}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class ItemRecord:
    """One item of a run, folded from its manifest lines."""

    n: int
    path: str
    method: str  # "rename" | "copy" | "incinerate"
    payload: str  # where it lives in quarantine ("" when incinerated)
    doomed: str  # temporary name beside the original while it is being deleted
    bytes: int
    files: int
    folder: bool
    ecosystem: str
    category: str
    rule: str
    parent_mtime_ns: int | None
    parent_after_ns: int | None = None  # the parent's mtime right after the item left
    parent_seen_ns: int | None = None  # the parent's mtime when a restore began
    # The parent folder's identity at collection, so restore never follows a swapped parent.
    parent_device: int | None = None
    parent_inode: int | None = None
    state: str = "pending"


# Fields a later manifest line may update.
_FOLDED = frozenset({"parent_after_ns", "parent_seen_ns"})


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started: float
    action: str
    items: int
    bytes: int
    files: int
    stores: tuple[str, ...]
    # (item, where what is left of it lies) for items a step stopped half way, an immutable
    # file say: listed until a later run's recovery can finish them.
    unfinished: tuple[tuple[str, str], ...] = ()
    # (item, where its whole original is kept) for items whose place was taken when they were
    # to be put back: the user's data under an aside name, never hidden.
    set_aside: tuple[tuple[str, str], ...] = ()

    @property
    def listed(self) -> bool:
        """Whether `quarantine list` shows the run: it holds items or has something to say."""
        return bool(self.items or self.unfinished or self.set_aside)


class Run:
    """One `clean` run's journal. Lines are appended and fsynced; nothing is ever rewritten."""

    def __init__(self, run_id: str, folder: Path) -> None:
        self.run_id = run_id
        self.folder = folder
        self.manifest = folder / MANIFEST

    @classmethod
    def create(cls, *, action: str, roots: tuple[str, ...], now: float | None = None) -> Run:
        run_id = new_run_id(now)
        folder = quarantine_root() / run_id
        folder.mkdir(parents=True)
        mark_quarantine(folder.parent)
        mark_quarantine(folder)
        run = cls(run_id, folder)
        started = time.time() if now is None else now
        run.log({"event": "run", "action": action, "started": started, "roots": list(roots)})
        fsync_dir(str(folder))
        fsync_dir(str(folder.parent))
        return run

    @classmethod
    def open(cls, run_id: str) -> Run:
        folder = quarantine_root() / run_id
        if not RUN_ID_RE.match(run_id) or not (folder / MANIFEST).is_file():
            raise UsageError(
                f"no quarantine run {run_id!r} (see 'hygiene quarantine list' for the runs kept)"
            )
        return cls(run_id, folder)

    def log(self, event: dict[str, Any]) -> None:
        append_durably(self.manifest, event)

    def header(self) -> dict[str, Any]:
        for line in read_lines(self.manifest):
            if line.get("event") == "run":
                return line
        return {}

    def items(self) -> dict[int, ItemRecord]:
        records: dict[int, ItemRecord] = {}
        for line in read_lines(self.manifest):
            event = line.get("event")
            n = line.get("n")
            if event == "intent" and isinstance(n, int):
                fields = {f.name for f in dataclasses.fields(ItemRecord)}
                records[n] = ItemRecord(**{k: v for k, v in line.items() if k in fields})
            elif isinstance(n, int) and n in records and isinstance(event, str):
                changes = {k: v for k, v in line.items() if k in _FOLDED}
                records[n] = dataclasses.replace(records[n], state=event, **changes)
        return records

    def step(self, record: ItemRecord, state: str, **extra: Any) -> ItemRecord:
        self.log({"event": state, "n": record.n, **extra})
        return dataclasses.replace(record, state=state, **extra)

    def summary(self) -> RunSummary:
        header = self.header()
        records = self.items().values()
        held = [r for r in records if r.state in HELD]
        stores = sorted({str(Path(r.payload).parents[2]) for r in held if r.payload})
        unfinished = tuple(
            (r.path, r.doomed if os.path.lexists(r.doomed) else r.payload)
            for r in records
            if r.state in UNSETTLED and r.state != "aside"
        )
        set_aside = tuple((r.path, r.doomed) for r in records if r.state == "aside")
        return RunSummary(
            run_id=self.run_id,
            started=float(header.get("started", 0.0)),
            action=str(header.get("action", "quarantine")),
            items=len(held),
            bytes=sum(r.bytes for r in held),
            files=sum(r.files for r in held),
            stores=tuple(stores),
            unfinished=unfinished,
            set_aside=set_aside,
        )


def all_runs() -> list[Run]:
    root = quarantine_root()
    try:
        names = sorted(os.listdir(root))
    except FileNotFoundError:
        return []
    return [
        Run(n, root / n) for n in names if RUN_ID_RE.match(n) and (root / n / MANIFEST).exists()
    ]


@contextlib.contextmanager
def exclusive() -> Iterator[None]:
    """One destructive hygiene run at a time: recovery must never judge a run still in flight."""
    import fcntl

    root = quarantine_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        mark_quarantine(root)
        handle = open(root / ".lock", "a+")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        # A home on a read-only or full disk, or one we may not write: nothing was changed.
        raise UsageError(
            f"cannot use the quarantine at {root}: {exc.strerror or exc}; nothing changed "
            "(set HYGIENE_HOME to a folder you can write)"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                "another hygiene clean, restore or purge is running; try again when it ends"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- where an item goes -------------------------------------------------------------------


def _mount_point(path: str) -> str:
    path = os.path.realpath(path)
    while not os.path.ismount(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def _user_store(folder: str, device: int) -> str | None:
    """`<mount>/.hygiene-quarantine-<uid>` on `folder`'s filesystem if the user created it."""
    candidate = os.path.join(_mount_point(folder), f"{STORE_PREFIX}{os.geteuid()}")
    try:
        st = os.lstat(candidate)
    except OSError:
        return None
    # Only a real folder, ours, that nobody else can write into, on that very filesystem.
    if (
        not os.path.isdir(candidate)
        or os.path.islink(candidate)
        or st.st_uid != os.geteuid()
        or st.st_mode & 0o022
        or st.st_dev != device
    ):
        return None
    return candidate


def destination(run: Run, n: int, path: str) -> tuple[str, str]:
    """(payload path, method) for item `n` whose current place is `path`."""
    parent = os.path.dirname(path)
    device = os.lstat(parent).st_dev
    home = quarantine_root()
    if os.lstat(home).st_dev == device:
        return str(run.folder / "items" / str(n)), "rename"
    store = _user_store(parent, device)
    if store is not None:
        return os.path.join(store, run.run_id, "items", str(n)), "rename"
    return str(run.folder / "items" / str(n)), "copy"


def _doomed(path: str, run: Run, n: int, what: str) -> str:
    return os.path.join(os.path.dirname(path), f".hygiene-{run.run_id}-{n}.{what}")


def _mtime_ns(path: str) -> int | None:
    try:
        return os.lstat(path).st_mtime_ns
    except OSError:
        return None


def rename_noreplace(
    src: str, dst: str, *, src_dir_fd: int | None = None, dst_dir_fd: int | None = None
) -> None:
    """rename(2) that refuses to replace `dst` (renameat2 RENAME_NOREPLACE where available).

    With a `*_dir_fd`, that name is relative to the folder open there (see `SafeParent`)."""
    import ctypes
    import sys

    at_fdcwd = -100
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        func = getattr(libc, "renameat2", None)
        if func is not None:
            noreplace = 1
            src_fd = at_fdcwd if src_dir_fd is None else src_dir_fd
            dst_fd = at_fdcwd if dst_dir_fd is None else dst_dir_fd
            if func(src_fd, os.fsencode(src), dst_fd, os.fsencode(dst), noreplace) == 0:
                return
            err = ctypes.get_errno()
            if err not in (errno.EINVAL, errno.ENOSYS):
                raise OSError(err, os.strerror(err), dst)
    try:
        os.stat(dst, dir_fd=dst_dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        os.rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)
        return
    raise FileExistsError(errno.EEXIST, "exists", dst)


# --- reaching an item without following a swapped folder -------------------------------------


class Refused(OSError):
    """The item or its folder is no longer what the scan saw; nothing was moved."""


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def open_parent(path: str, *, create: bool = False) -> tuple[int, bool]:
    """(fd of `path`'s parent folder, whether any of it was created), opened one component at
    a time from `/` with O_NOFOLLOW, so no component can be a symlink (reviewer race 1 and 3:
    a folder swapped for a link after the re-check must not redirect a rename). Raises `Refused`
    naming the component that is a link or not a folder."""
    parent = os.path.dirname(os.path.abspath(path))
    created = False

    def make(fd: int, part: str) -> None:
        nonlocal created
        try:
            os.mkdir(part, 0o777, dir_fd=fd)
        except FileExistsError:
            return
        created = True
        if os.geteuid() == 0:
            # Root restoring a user's item: the folder is theirs, as the one above.
            above = os.fstat(fd)
            os.chown(part, above.st_uid, above.st_gid, dir_fd=fd, follow_symlinks=False)

    def refuse(walked: str) -> OSError:
        return Refused(
            errno.ELOOP, f"{walked} on its path is a symlink or not a folder; nothing moved"
        )

    fd = open_down(
        os.open("/", _DIR_FLAGS),
        [p for p in parent.split(os.sep) if p],
        "/",
        refuse,
        make if create else None,
    )
    return fd, created


def _identity(fd: int, name: str) -> tuple[int, int] | None:
    try:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


@contextlib.contextmanager
def scanned_parent(artifact: Artifact) -> Iterator[int]:
    """The fd of the folder holding `artifact`, once its entry is the very inode the scan saw.

    Renames then go through this fd, so a folder swapped for a link after `Guard.recheck`
    cannot send them (or a delete) outside the roots."""
    fd, _ = open_parent(artifact.path)
    try:
        if _identity(fd, os.path.basename(artifact.path)) != (artifact.device, artifact.inode):
            raise Refused(errno.ESTALE, "replaced since the scan; left in place", artifact.path)
        yield fd
    finally:
        os.close(fd)


# --- collecting -----------------------------------------------------------------------------


def _intent(run: Run, n: int, artifact: Artifact, method: str, payload: str) -> ItemRecord:
    path = artifact.path
    try:
        parent_st: os.stat_result | None = os.lstat(os.path.dirname(path))
    except OSError:
        parent_st = None
    record = ItemRecord(
        n=n,
        path=path,
        method=method,
        payload=payload,
        doomed=_doomed(path, run, n, "deleting"),
        bytes=artifact.bytes,
        files=artifact.files,
        folder=artifact.folder,
        ecosystem=artifact.ecosystem,
        category=artifact.category,
        rule=artifact.rule,
        parent_mtime_ns=None if parent_st is None else parent_st.st_mtime_ns,
        parent_device=None if parent_st is None else parent_st.st_dev,
        parent_inode=None if parent_st is None else parent_st.st_ino,
    )
    fields = dataclasses.asdict(record)
    for later in ("state", *_FOLDED):
        fields.pop(later)
    run.log({"event": "intent", **fields})
    return record


def quarantine_item(run: Run, n: int, artifact: Artifact) -> ItemRecord:
    """Move one item into quarantine. Raises OSError with the item still in place (`Refused`
    when it or its folder is no longer what the scan saw)."""
    payload, method = destination(run, n, artifact.path)
    os.makedirs(os.path.dirname(payload), exist_ok=True)
    mark_quarantine(os.path.dirname(os.path.dirname(payload)))  # a user store's run folder
    record = _intent(run, n, artifact, method, payload)
    checkpoint("intent")
    path = artifact.path
    name = os.path.basename(path)
    if method == "rename":
        try:
            with scanned_parent(artifact) as fd:
                os.rename(name, payload, src_dir_fd=fd)
        except OSError:
            run.step(record, "abandoned")
            raise
        checkpoint("renamed")
        return run.step(record, "quarantined", parent_after_ns=_mtime_ns(os.path.dirname(path)))
    return _copy_away(run, record, artifact)


def _copy_away(run: Run, record: ItemRecord, artifact: Artifact) -> ItemRecord:
    """Quarantine by copy to another filesystem without losing a late write (reviewer race 2).

    The original is first renamed aside (same folder, through the scanned parent's fd), so
    whatever a build tool writes to the item's path from then on lands in a new folder that
    stays; the copy is taken from the aside name, verified, and compared once more right before
    the aside original is removed. Anything that differs is put back, never deleted."""
    partial = record.payload + ".partial"
    aside = os.path.basename(record.doomed)
    try:
        with scanned_parent(artifact) as fd:
            rename_noreplace(os.path.basename(artifact.path), aside, src_dir_fd=fd, dst_dir_fd=fd)
            parent = os.dup(fd)
    except OSError:
        run.step(record, "abandoned")
        raise
    try:
        copy_item(record.doomed, partial, src_parent_fd=parent)
        checkpoint("copied")
        why = difference(record.doomed, partial, a_parent_fd=parent)
        if why is not None:
            raise OSError(errno.EIO, f"copy does not match the original ({why})", record.path)
        os.rename(partial, record.payload)
    except OSError as exc:
        remove_item(partial)
        _roll_back(run, record, exc.errno or errno.EIO, f"{exc.strerror or exc}")
    finally:
        os.close(parent)
    record = run.step(record, "copied")
    checkpoint("verified")
    return _finish_copy(run, record)


def _finish_copy(run: Run, record: ItemRecord) -> ItemRecord:
    """Remove the aside original only if it still matches the verified copy, else roll back."""
    why = difference(record.doomed, record.payload)
    if why is not None:
        _roll_back(run, record, errno.EAGAIN, f"changed while being copied ({why}); left in place")
    record = run.step(record, "removing")
    checkpoint("doomed")
    _remove_beside(record.doomed)
    return run.step(record, "quarantined", **_parent_after(record))


def _remove_beside(path: str) -> None:
    """Remove an entry hygiene made beside an item (its aside original, a restore's temporary
    copy): its folder reached without following a link, everything below by descriptors."""
    try:
        fd, _ = open_parent(path)
    except FileNotFoundError:
        return
    try:
        remove_item(path, parent_fd=fd)
    finally:
        os.close(fd)


def _roll_back(
    run: Run,
    record: ItemRecord,
    err: int,
    reason: str,
    *,
    refuse: bool = False,
    named: bool = True,
) -> typing.NoReturn:
    """Put the aside original back, drop the copy, journal it, and raise with `reason` (or
    where the original was kept, if its place was taken meanwhile); `Refused` if `refuse`.
    Unless `named`, the error names no path, so the reason reads as the re-check's own."""
    state = "abandoned"
    try:
        _put_back(record)
    except OSError as exc:
        reason = f"{reason}; {exc.strerror or exc}"
        refuse = False
        if os.path.lexists(record.doomed):
            state = "aside"  # listed, and put back by a later run once its place is free
    if record.payload:
        remove_item(record.payload)
    run.step(record, state)
    if refuse and not named:
        raise Refused(err, reason)
    raise (Refused if refuse else OSError)(err, reason, record.path)


def _put_back(record: ItemRecord) -> None:
    """Rename an item set aside back to its name, and its folder's mtime back as it was.

    Raises (leaving the item whole at its aside name) if something new now holds its name."""
    if not os.path.lexists(record.doomed):
        return
    fd, _ = open_parent(record.path)
    try:
        aside, name = os.path.basename(record.doomed), os.path.basename(record.path)
        try:
            rename_noreplace(aside, name, src_dir_fd=fd, dst_dir_fd=fd)
        except FileExistsError:
            raise OSError(
                errno.EEXIST,
                f"its place was taken meanwhile; the original is kept as {record.doomed}",
                record.path,
            ) from None
        if record.parent_mtime_ns is not None:
            os.utime(fd, ns=(os.fstat(fd).st_atime_ns, record.parent_mtime_ns))
    finally:
        os.close(fd)


# Why an item set aside must go back: given its aside path and its own lstat from before the
# rename (`safety.changed_aside`, which this module cannot import: safety imports it).
Judge = Callable[[str, os.stat_result], str | None]


def incinerate_item(run: Run, n: int, artifact: Artifact, judge: Judge) -> ItemRecord:
    """Delete one item for good: rename it aside, judge it there, then remove it. Raises
    OSError if in place (`Refused`, with `judge`'s reason, when it was put back)."""
    record = _intent(run, n, artifact, "incinerate", "")
    checkpoint("intent")
    try:
        with scanned_parent(artifact) as fd:
            name, aside = os.path.basename(artifact.path), os.path.basename(record.doomed)
            # Its ctime before the rename, which sets it; as late as can be, so any change
            # the re-check before it did not see still shows.
            top = os.stat(name, dir_fd=fd, follow_symlinks=False)
            rename_noreplace(name, aside, src_dir_fd=fd, dst_dir_fd=fd)
            parent = os.dup(fd)
    except OSError:
        run.step(record, "abandoned")
        raise
    checkpoint("set-aside")
    # The one walk before the deletion, from the aside name, which nothing else writes to:
    # whatever changed since the scan, up to now, shows here. Nothing is deleted before it.
    try:
        why = judge(record.doomed, top)
    except BaseException:
        os.close(parent)
        raise
    if why is not None:
        os.close(parent)
        _roll_back(run, record, errno.ESTALE, why, refuse=True, named=False)
    try:
        record = run.step(record, "incinerating")
        checkpoint("doomed")
        remove_item(record.doomed, parent_fd=parent)
    except OSError as exc:
        # Left "incinerating" in the journal: listed, and finished by a later run's recovery.
        raise OSError(
            exc.errno,
            f"{exc.strerror or exc}; partly removed, the rest is kept at {record.doomed} "
            "and removed by a later run once it can be",
            exc.filename,
        ) from exc
    finally:
        os.close(parent)
    return run.step(record, "incinerated")


# --- restoring and purging ------------------------------------------------------------------


def held_items(run: Run) -> list[ItemRecord]:
    """Items still in quarantine, in reverse order of collection (so parent mtimes unwind)."""
    return sorted((r for r in run.items().values() if r.state == "quarantined"), key=lambda r: -r.n)


def conflicts(records: list[ItemRecord]) -> list[str]:
    return [r.path for r in records if os.path.lexists(r.path)]


def restore_item(run: Run, record: ItemRecord) -> ItemRecord:
    """Put one item back where it was. Raises FileExistsError rather than overwrite, and
    `Refused` (nothing moved) when its folder is now reached through a symlink or is no longer
    the folder it was taken from (reviewer race 3)."""
    path = record.path
    name = os.path.basename(path)
    fd, created = open_parent(path, create=True)
    try:
        here = os.fstat(fd)
        if (
            not created
            and record.parent_inode is not None
            and (here.st_dev, here.st_ino) != (record.parent_device, record.parent_inode)
        ):
            raise Refused(
                errno.ESTALE,
                "its folder was replaced since it was collected; not restored",
                os.path.dirname(path),
            )
        record = run.step(record, "restoring", parent_seen_ns=here.st_mtime_ns)
        checkpoint("restoring")
        try:
            rename_noreplace(record.payload, name, dst_dir_fd=fd)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                run.step(record, "quarantined")
                raise
            record = _restore_by_copy(run, record, fd)
        _reset_parent(record, fd)
    finally:
        os.close(fd)
    return run.step(record, "restored")


def _restore_by_copy(run: Run, record: ItemRecord, fd: int) -> ItemRecord:
    temp = _doomed(record.path, run, record.n, "restoring")
    try:
        copy_item(record.payload, temp, dst_parent_fd=fd)
        checkpoint("restore-copied")
        if _identity(fd, os.path.basename(temp)) is None:  # the folder moved under the copy
            raise Refused(errno.ESTALE, "its folder moved during the restore", record.path)
        why = difference(record.payload, temp, b_parent_fd=fd)
        if why is not None:
            raise OSError(errno.EIO, f"copy does not match quarantine ({why})", record.path)
        rename_noreplace(
            os.path.basename(temp), os.path.basename(record.path), src_dir_fd=fd, dst_dir_fd=fd
        )
    except OSError:
        remove_item(temp, parent_fd=fd)
        run.step(record, "quarantined")
        raise
    record = run.step(record, "placed")
    checkpoint("restore-placed")
    remove_item(record.payload)
    return record


def _reset_parent(r: ItemRecord, fd: int | None = None) -> None:
    """Put the parent's mtime back as it was before collection, unless someone else touched
    the folder while the item was away."""
    if r.parent_mtime_ns is not None and r.parent_seen_ns == r.parent_after_ns:
        if fd is not None:
            os.utime(fd, ns=(os.fstat(fd).st_atime_ns, r.parent_mtime_ns))
            return
        parent = os.path.dirname(r.path)
        os.utime(parent, ns=(os.lstat(parent).st_atime_ns, r.parent_mtime_ns))


def restored_differs(record: ItemRecord) -> str | None:
    """How the item put back at its place differs from what the manifest recorded when it was
    collected, or None (a quarantine raided meanwhile comes back short).

    Files are counted as the scan counted them. Bytes are compared too for an item that went
    and came back by rename; a copy across filesystems makes new folders, whose own sizes the
    other filesystem decides, so there the count of files is what is compared."""
    try:
        files, size = tally(record.path)
    except OSError as exc:
        return f"cannot be counted after restoring ({exc.strerror or exc})"
    if files == record.files and (record.method != "rename" or size == record.bytes):
        return None
    return (
        f"put back {files} files, {size} bytes; {record.files} files, {record.bytes} bytes "
        "were collected (the quarantine was changed meanwhile)"
    )


def purge_item(run: Run, record: ItemRecord) -> ItemRecord:
    record = run.step(record, "purging")
    checkpoint("purging")
    remove_item(record.payload)
    return run.step(record, "purged")


@dataclass(frozen=True)
class StepOutcome:
    run_id: str
    path: str
    bytes: int
    outcome: str  # "done" or "failed"
    reason: str


def audited_step(
    audit: AuditLog,
    run: Run,
    record: ItemRecord,
    *,
    action: str,
    step: Callable[[Run, ItemRecord], object],
) -> StepOutcome:
    """Do one restore or purge step and record it before the next one starts."""
    outcome, reason = "done", ""
    try:
        step(run, record)
    except OSError as exc:
        outcome, reason = "failed", f"{exc.strerror or exc}"
    audit.append(
        entry(run_id=run.run_id, action=action, item=record, outcome=outcome, reason=reason)
    )
    return StepOutcome(run.run_id, record.path, record.bytes, outcome, reason)


def tidy(run: Run) -> bool:
    """Remove a run's folders once it holds nothing and nothing is unsettled. True if removed."""
    records = run.items().values()
    if any(r.state in HELD | UNSETTLED for r in records):
        return False
    for store in {str(Path(r.payload).parents[1]) for r in records if r.payload}:
        if Path(store).name == run.run_id and store != str(run.folder):
            shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(run.folder, ignore_errors=True)
    return True


# --- crash recovery -------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovered:
    run_id: str
    record: ItemRecord
    action: str  # what recovery did: "rolled back", "finished"


def _parent_after(r: ItemRecord) -> dict[str, Any]:
    return {"parent_after_ns": _mtime_ns(os.path.dirname(r.path))}


def _unbump_parent(r: ItemRecord) -> None:
    """Undo the parent mtime change our own temporary entry caused, if the parent was ours."""
    if r.parent_seen_ns is not None and r.parent_seen_ns == r.parent_after_ns:
        parent = os.path.dirname(r.path)
        os.utime(parent, ns=(os.lstat(parent).st_atime_ns, r.parent_seen_ns))


def _settle(run: Run, r: ItemRecord) -> tuple[ItemRecord, str] | None:
    """Finish or roll back one item a killed run left unsettled, judged from the disk."""
    if r.state == "aside":
        return _settle_aside(run, r)
    if r.method == "incinerate" and r.state in ("pending", "incinerating"):
        return _settle_incinerate(run, r)
    if r.state in ("pending", "copied", "removing"):
        return _settle_collect(run, r)
    if r.state in ("restoring", "placed"):
        return _settle_restore(run, r)
    if r.state == "purging":
        remove_item(r.payload)
        return run.step(r, "purged"), "finished"
    return None


def _settle_aside(run: Run, r: ItemRecord) -> tuple[ItemRecord, str] | None:
    """An item a rollback kept whole under its aside name because its place was taken."""
    if not os.path.lexists(r.doomed):  # the user moved it themselves
        return run.step(r, "abandoned"), "rolled back"
    if os.path.lexists(r.path):
        return None  # its place is still taken: it stays listed where it is
    _put_back(r)
    return run.step(r, "abandoned"), "rolled back"


def _put_back_or_keep(run: Run, r: ItemRecord) -> tuple[ItemRecord, str]:
    """Put an original set aside (never judged, or not yet copied) back; when something new
    took its name meanwhile, keep it whole under its aside name as "aside", as a rollback does:
    listed as kept whole, and put back by a later run once its place is free."""
    try:
        _put_back(r)
    except OSError as exc:
        if exc.errno != errno.EEXIST or not os.path.lexists(r.doomed):
            raise
        return run.step(r, "aside"), f"kept aside ({exc.strerror})"
    return run.step(r, "abandoned"), "rolled back"


def _settle_collect(run: Run, r: ItemRecord) -> tuple[ItemRecord, str] | None:
    """An item stopped on its way into quarantine (renamed, or copied then removed)."""
    if r.state == "pending" and r.method == "rename":
        if os.path.lexists(r.payload):  # the rename happened; the journal missed it
            return run.step(r, "quarantined", **_parent_after(r)), "finished"
        return run.step(r, "abandoned"), "rolled back"
    if r.state == "pending" and r.method == "copy":
        # Never verified: the original is in place or whole at its aside name; put it back.
        remove_item(r.payload + ".partial")
        remove_item(r.payload)
        return _put_back_or_keep(run, r)
    if r.state == "copied":
        if not os.path.lexists(r.doomed):
            if os.path.lexists(r.path):  # a run from before the aside rename: never touched
                remove_item(r.payload)
                return run.step(r, "abandoned"), "rolled back"
            return run.step(r, "quarantined", **_parent_after(r)), "finished"
        try:  # the verified copy is whole: remove the aside original if it still matches
            return _finish_copy(run, r), "finished"
        except OSError:
            if run.items()[r.n].state != "abandoned":
                raise
            return run.items()[r.n], "rolled back"
    if r.state == "removing":
        _remove_beside(r.doomed)  # checked equal to the verified copy just before
        return run.step(r, "quarantined", **_parent_after(r)), "finished"
    return None


def _settle_incinerate(run: Run, r: ItemRecord) -> tuple[ItemRecord, str]:
    """An item stopped while being deleted for good: set aside first, then removed."""
    if r.state == "pending":
        # Set aside at most, never judged (the walk that decides comes after the rename, and
        # the plan it judges by is gone): put back whole, for a later run to judge afresh.
        return _put_back_or_keep(run, r)
    _remove_beside(r.doomed)
    return run.step(r, "incinerated"), "finished"


def _settle_restore(run: Run, r: ItemRecord) -> tuple[ItemRecord, str]:
    """An item stopped on its way back to its place."""
    if r.state == "placed":
        remove_item(r.payload)
        _reset_parent(r)
        return run.step(r, "restored"), "finished"
    here = os.path.lexists(r.path)
    temp = _doomed(r.path, run, r.n, "restoring")
    if os.path.lexists(temp):
        _remove_beside(temp)
        _unbump_parent(r)
    if not os.path.lexists(r.payload):
        _reset_parent(r)
        return run.step(r, "restored"), "finished"
    if r.method == "copy" and here and difference(r.payload, r.path) is None:
        remove_item(r.payload)  # placed by copy; the payload was not yet removed
        _reset_parent(r)
        return run.step(r, "restored"), "finished"
    return run.step(r, "quarantined"), "rolled back"


def recover() -> list[Recovered]:
    """Finish or roll back whatever a killed run left. Call under `exclusive()`."""
    done: list[Recovered] = []
    for run in all_runs():
        for record in run.items().values():
            if record.state not in UNSETTLED:
                continue
            try:
                settled = _settle(run, record)
            except OSError as exc:
                done.append(Recovered(run.run_id, record, f"failed: {exc}"))
                continue
            if settled is not None:
                done.append(Recovered(run.run_id, settled[0], settled[1]))
        tidy(run)
    return done
