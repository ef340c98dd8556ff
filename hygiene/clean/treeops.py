"""Moving, copying, comparing and removing one item (a folder, a file or a symlink) safely.

Never follows a symlink: a link is copied, compared and removed as a link (BleachBit #1889).
Copies keep content, owner and group (when allowed: always as root), modes, mtimes, extended
attributes and symlinks, and are fsynced so that a verified copy survives a power cut before
its original is removed.

Below the item everything is reached through folder descriptors: each level is opened from the
one above with O_NOFOLLOW and its entries are stat'ed, opened, unlinked and created relative to
it, never by a path built from names. A folder swapped for a symlink while a walk is under way
therefore cannot lead it outside the item (CVE-2022-21658,
https://blog.rust-lang.org/2022/01/20/cve-2022-21658.html), and no path grows with the depth,
so trees deeper than PATH_MAX work. The item itself is named by its folder's descriptor when the
caller has one (`*_parent_fd`), else by its path, whose folders are the caller's to trust.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from hygiene.clean.crashpoint import checkpoint, hooks, reached
from hygiene.git.bare import PARTS, holds_objects

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a fifo swapped in for a file must fail the type check, not hang the open.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
# Folders held open at once per walk; deeper levels are reopened through "..", checked.
_OPEN_LEVELS = 64
_CHUNK = 1 << 20


def open_down(
    fd: int,
    parts: Iterable[str],
    walked: str,
    refuse: Callable[[str], OSError],
    before: Callable[[int, str], None] | None = None,
) -> int:
    """The fd of the folder `parts` below the folder open at `fd` (`walked`), each component
    opened without following a link, so a folder swapped for a link cannot lead elsewhere.
    Takes `fd` over: closed on the way down, or on error. Raises `refuse(path)` where a
    component is a link or not a folder; `before(fd, part)` runs before each is opened."""
    try:
        for part in parts:
            walked = os.path.join(walked, part)
            if before is not None:
                before(fd, part)
            try:
                nxt = os.open(part, _DIR, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise refuse(walked) from None
                raise
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def fsync_dir(path: str) -> None:
    """Make a rename or a new entry in `path` durable (POSIX: the folder must be fsynced)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- a walk held by descriptors ---------------------------------------------------------------


@dataclass
class _Level:
    fd: int  # -1 while closed to spare descriptors
    ident: tuple[int, int]
    name: str
    todo: list[str] | None = None  # sub-folders still to enter; None until listed
    owned: bool = True


@dataclass
class _Tree:
    """The folders from an item's parent down to where a walk is, each held by a descriptor.

    Only the deepest `_OPEN_LEVELS` stay open (a tree thousands of levels deep would exhaust
    the process's descriptors). A closed level is reopened as ".." of the level below it and
    must be the very folder it was, else the walk stops: it was moved meanwhile."""

    label: str  # the item's path, for messages
    levels: list[_Level] = field(default_factory=list)

    @classmethod
    def at(cls, parent_fd: int, label: str) -> _Tree:
        st = os.fstat(parent_fd)
        return cls(label, [_Level(parent_fd, (st.st_dev, st.st_ino), "", owned=False)])

    @property
    def top(self) -> _Level:
        return self.levels[-1]

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    def rel(self, name: str = "") -> str:
        """The path of `name` in the current folder, relative to the item ("" for the item)."""
        parts = [lv.name for lv in self.levels[2:]]
        return "/".join([*parts, name] if name else parts)

    def where(self, name: str = "") -> str:
        """`name`'s full path, for messages only: it may be too long to open."""
        rel = self.rel(name)
        return os.path.join(self.label, rel) if rel else self.label

    def enter(self, name: str, *, device: int | None, force: bool = False) -> int:
        """Open folder `name` of the current level (never a link) and make it current."""
        try:
            fd = os.open(name, _DIR, dir_fd=self.top.fd)
        except PermissionError:
            if not force:
                raise
            _grant_owner(self.top.fd, name)
            fd = os.open(name, _DIR, dir_fd=self.top.fd)
        st = os.fstat(fd)
        if device is not None and st.st_dev != device:
            os.close(fd)
            raise OSError(errno.EXDEV, "a mounted filesystem inside; left alone", self.where(name))
        self.levels.append(_Level(fd, (st.st_dev, st.st_ino), name))
        if len(self.levels) > _OPEN_LEVELS + 1:
            far = self.levels[-_OPEN_LEVELS - 1]
            if far.owned and far.fd >= 0:
                os.close(far.fd)
                far.fd = -1
        return fd

    def leave(self) -> str:
        """Close the current folder, make its parent current again; return the name left."""
        done = self.levels.pop()
        try:
            up = self.top
            if up.fd < 0:
                fd = os.open("..", _DIR, dir_fd=done.fd)
                st = os.fstat(fd)
                if (st.st_dev, st.st_ino) != up.ident:
                    os.close(fd)
                    raise OSError(errno.ESTALE, "moved during the walk; stopped", self.where())
                up.fd = fd
        finally:
            os.close(done.fd)
        return done.name

    def close(self) -> None:
        for level in self.levels:
            if level.owned and level.fd >= 0:
                os.close(level.fd)
                level.fd = -1


def _grant_owner(dir_fd: int, name: str) -> None:
    """Give the owner rwx on folder `name` so it can be listed and emptied (a read-only folder
    from Go's module cache or npm), on the very inode: O_PATH opens it without reading it,
    and /proc/self/fd names that inode, never a link put in its place."""
    pfd = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        os.chmod(f"/proc/self/fd/{pfd}", stat.S_IMODE(os.fstat(pfd).st_mode) | stat.S_IRWXU)
    finally:
        os.close(pfd)


def _listing(fd: int) -> list[os.DirEntry[str]]:
    with os.scandir(fd) as it:
        return list(it)


@contextlib.contextmanager
def _folder_of(path: str, parent_fd: int | None) -> Iterator[tuple[int, str]]:
    """(descriptor of `path`'s folder, `path`'s last name): `parent_fd` when given, else its
    folder opened by path (the caller's own trusted place: a quarantine, a resolved root)."""
    name = os.path.basename(path.rstrip(os.sep)) or path
    if parent_fd is not None:
        yield parent_fd, name
        return
    fd = os.open(os.path.dirname(path.rstrip(os.sep)) or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield fd, name
    finally:
        os.close(fd)


def _message(exc: OSError, tree: _Tree) -> OSError:
    """`exc` naming the full path of the entry it failed on, not its bare name."""
    if isinstance(exc.filename, str) and os.sep not in exc.filename:
        exc.filename = tree.where(exc.filename)
    return exc


def folders(path: str) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """(relative path, entries) for the folder at `path` and every folder below, not following
    links and never by a path: an entry's `stat()` is fstatat on its open folder."""
    with _folder_of(path, None) as (parent, name):
        tree = _Tree.at(parent, path)
        try:
            tree.enter(name, device=None)
            while tree.depth:
                level = tree.top
                if level.todo is None:
                    entries = _listing(level.fd)
                    yield tree.rel(), entries
                    level.todo = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
                if level.todo:
                    tree.enter(level.todo.pop(), device=None)
                else:
                    tree.leave()
        finally:
            tree.close()


@dataclass(frozen=True)
class Inspection:
    """What one walk of an item found: its count as the scan counts it, the newest mtime and
    ctime of anything below its top, and what stopped the walk, if anything did."""

    files: int
    bytes: int
    newest_mtime: float = 0.0
    newest_ctime: float = 0.0
    stop: Literal["git", "mount"] | None = None  # counts and times then cover only the part read


_S_IFMT = 0o170000
_S_IFDIR = 0o040000


def inspect(path: str, *, device: int | None = None) -> Inspection:
    """Walk the item at `path` once: (files, bytes) counted as the scan counts an artifact
    (`scan.measure`): a file is one; a folder is its own entry and what lies below it, folders'
    own sizes included, a hard-linked file once (what `du -sb` says, issue 18); and the newest
    mtime and ctime below its top, for the re-check.

    With `device` (the item's), the walk stops where a deletion must never go: at a `.git`
    entry (a folder, or a worktree's or submodule's file) or a folder on another device before
    reading it, at a bare repository (`hygiene.git.bare`) once its own entries are listed.
    Read through folder descriptors like the removal it guards, so a tree deeper than PATH_MAX
    is read too; raises OSError when it cannot be."""
    top = os.lstat(path)
    if not stat.S_ISDIR(top.st_mode):
        return Inspection(1, top.st_size)
    guard = device is not None
    files, size = 0, top.st_size
    newest = changed = 0.0
    linked: set[tuple[int, int]] = set()
    # One loop for the re-check and the count, kept tight (the folder test inline, the mount
    # test only for folders): it runs once per entry of a tree of maybe a million entries,
    # right before a deletion that costs about as much.
    for _where, entries in folders(path):
        git_parts = 0  # of a bare repository's entries, in this folder (hygiene.git.bare)
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            if guard and entry.name == ".git":
                return Inspection(files, size, newest, changed, "git")
            if entry.name in PARTS:
                git_parts |= PARTS[entry.name]
            # Folders count too, as in the scan's measure: a new entry bumps its folder.
            if st.st_mtime > newest:
                newest = st.st_mtime
            if st.st_ctime > changed:
                changed = st.st_ctime
            if st.st_mode & _S_IFMT == _S_IFDIR:
                if guard and st.st_dev != device:
                    return Inspection(files, size, newest, changed, "mount")
                size += st.st_size
                continue
            if st.st_nlink > 1:
                key = (st.st_dev, st.st_ino)
                if key in linked:
                    continue
                linked.add(key)
            files += 1
            size += st.st_size
        if guard and holds_objects(git_parts):
            return Inspection(files, size, newest, changed, "git")
    return Inspection(files, size, newest, changed)


def tally(path: str) -> tuple[int, int]:
    """(files, bytes) of the item at `path` as the scan counts it (see `inspect`), all of it.
    The scan leaves another filesystem out; its folder is never collected whole (the re-check
    refuses a mount inside), so a count that includes it only ever refuses."""
    seen = inspect(path)
    return seen.files, seen.bytes


# --- removing ---------------------------------------------------------------------------------


def _unlink_in(fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=fd)
    except PermissionError:
        # Read-only folders (Go's module cache, some npm packages) refuse unlinking their
        # entries: make the folder writable and try once more.
        os.chmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) | stat.S_IRWXU)
        os.unlink(name, dir_fd=fd)


def _rmdir_in(fd: int, name: str) -> None:
    try:
        os.rmdir(name, dir_fd=fd)
    except PermissionError:
        os.chmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) | stat.S_IRWXU)
        os.rmdir(name, dir_fd=fd)
    except NotADirectoryError:
        # Emptied through its descriptor, then replaced by a link or a file: that entry goes
        # as itself; a link is removed, never followed.
        _unlink_in(fd, name)
    except FileNotFoundError:
        pass  # moved away once emptied


def remove_item(path: str, *, parent_fd: int | None = None) -> None:
    """Delete a folder tree, a file or a symlink (the link only). Missing is fine.

    With `parent_fd`, the item is `path`'s last name in that open folder. Iterative (no
    recursion limit), never follows a link, never crosses into a mounted filesystem: a folder on
    another device inside stops the removal with an error.
    """
    with _folder_of(path, parent_fd) as (parent, name):
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return
        if not stat.S_ISDIR(st.st_mode):
            _unlink_in(parent, name)
            return
        checkpoint("remove-tree")
        _remove_tree(_Tree.at(parent, path), name, st.st_dev)


def _remove_tree(tree: _Tree, name: str, device: int) -> None:
    try:
        tree.enter(name, device=device, force=True)
        while tree.depth:
            level = tree.top
            if level.todo is None:
                level.todo = []
                for entry in _listing(level.fd):
                    if entry.is_dir(follow_symlinks=False):
                        level.todo.append(entry.name)
                        continue
                    try:
                        _unlink_in(level.fd, entry.name)
                    except IsADirectoryError:  # became a folder since the listing
                        level.todo.append(entry.name)
                if hooks:
                    reached("remove-level", tree.label, tree.rel())
            if level.todo:
                tree.enter(level.todo.pop(), device=device, force=True)
            else:
                left = tree.leave()
                _rmdir_in(tree.top.fd, left)
    except OSError as exc:
        raise _message(exc, tree) from None
    finally:
        tree.close()


# --- copying ----------------------------------------------------------------------------------

# What `shutil` also shrugs off when copying extended attributes: none there, or not allowed.
_NO_XATTR = frozenset({errno.ENOTSUP, errno.ENODATA, errno.EINVAL, errno.EPERM})


def _chown(st: os.stat_result, fd: int, name: str | None = None) -> None:
    """Give the copy (open at `fd`, or entry `name` in folder `fd`) the original's owner and
    group (root quarantining a user's tree must not hand it to root). Others
    may only keep their own groups; `difference` then says what could not be kept."""
    try:
        if name is None:
            os.fchown(fd, st.st_uid, st.st_gid)
        else:
            os.chown(name, st.st_uid, st.st_gid, dir_fd=fd, follow_symlinks=False)
    except PermissionError:
        if os.geteuid() == 0:
            raise


def _copy_xattrs(src: int, dst: int) -> None:
    try:
        names = os.listxattr(src)
    except OSError as exc:
        if exc.errno in _NO_XATTR:
            return
        raise
    for key in names:
        try:
            os.setxattr(dst, key, os.getxattr(src, key))
        except OSError as exc:
            if exc.errno not in _NO_XATTR:
                raise


def _copy_meta(src: int, dst: int, st: os.stat_result) -> None:
    _chown(st, dst)
    os.chmod(dst, stat.S_IMODE(st.st_mode))  # after the chown, which clears set-id bits
    _copy_xattrs(src, dst)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))


def _copy_bytes(src: int, dst: int) -> None:
    try:
        while os.sendfile(dst, src, None, 8 * _CHUNK):
            pass
        return
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS):
            raise
    os.lseek(src, 0, os.SEEK_SET)
    os.lseek(dst, 0, os.SEEK_SET)
    os.ftruncate(dst, 0)
    while chunk := os.read(src, _CHUNK):
        view = memoryview(chunk)
        while view:
            view = view[os.write(dst, view) :]


def _copy_file(src_dir: int, name: str, dst_dir: int, dst_name: str) -> None:
    checkpoint("copy-file")
    src = os.open(name, _FILE, dir_fd=src_dir)
    try:
        st = os.fstat(src)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "no longer a regular file; not copied", name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        dst = os.open(dst_name, flags, 0o600, dir_fd=dst_dir)
        try:
            _copy_bytes(src, dst)
            _copy_meta(src, dst, st)
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _copy_link(src_dir: int, name: str, dst_dir: int, dst_name: str, st: os.stat_result) -> None:
    os.symlink(os.readlink(name, dir_fd=src_dir), dst_name, dir_fd=dst_dir)
    _chown(st, dst_dir, dst_name)
    times = (st.st_atime_ns, st.st_mtime_ns)
    os.utime(dst_name, ns=times, dir_fd=dst_dir, follow_symlinks=False)


def _copy_entry(src_dir: int, name: str, dst_dir: int, dst_name: str, st: os.stat_result) -> None:
    """Copy a file or a symlink; refuse anything else but folders (which the caller walks)."""
    if stat.S_ISLNK(st.st_mode):
        _copy_link(src_dir, name, dst_dir, dst_name, st)
    elif stat.S_ISREG(st.st_mode):
        _copy_file(src_dir, name, dst_dir, dst_name)
    else:
        raise OSError(errno.EINVAL, "a special file (fifo, socket, device); not copied", name)


def copy_item(
    src: str, dst: str, *, src_parent_fd: int | None = None, dst_parent_fd: int | None = None
) -> None:
    """Copy a folder, file or symlink to `dst` (which must not exist), keeping metadata.

    With a `*_parent_fd`, that side is its path's last name in that open folder. Iterative, so
    a tree thousands of levels deep cannot exhaust Python's recursion limit.
    """
    with (
        _folder_of(src, src_parent_fd) as (sdir, sname),
        _folder_of(dst, dst_parent_fd) as (ddir, dname),
    ):
        st = os.stat(sname, dir_fd=sdir, follow_symlinks=False)
        if not stat.S_ISDIR(st.st_mode):
            _copy_entry(sdir, sname, ddir, dname, st)
            return
        os.mkdir(dname, 0o700, dir_fd=ddir)
        _copy_tree(_Tree.at(sdir, src), sname, _Tree.at(ddir, dst), dname, st.st_dev)


@dataclass
class _Links:
    """Hard links inside a copied item, so they come back as links, not as separate files.

    The first name copied of a file with several names is kept, relative to the copy's top
    folder (held open here); each later name of that file inside the item is linked to it
    (linkat from that descriptor, no path from `/`). A name too long to link by, or a link the
    filesystem refuses, falls back to a separate copy, as before."""

    top: int
    # source file (device, inode) -> (its first copy's path below `top`, that copy's inode)
    first: dict[tuple[int, int], tuple[str, int]] = field(default_factory=dict)

    def link(self, st: os.stat_result, rel: str, into: int, name: str) -> bool:
        """Link `name` in folder `into` to an earlier copy of the same file; True if done."""
        if not stat.S_ISREG(st.st_mode) or st.st_nlink < 2:
            return False
        first = self.first.get((st.st_dev, st.st_ino))
        if first is None:
            return False
        path, copied = first
        try:
            os.link(path, name, src_dir_fd=self.top, dst_dir_fd=into, follow_symlinks=False)
        except OSError as exc:
            if exc.errno in (errno.ENAMETOOLONG, errno.EMLINK, errno.EPERM, errno.EACCES):
                return False
            raise
        # The path ran through folders of the copy; one swapped for a link since (a restore
        # writes into the user's tree) would have linked another file: never keep that.
        if os.stat(name, dir_fd=into, follow_symlinks=False).st_ino != copied:
            os.unlink(name, dir_fd=into)
            raise OSError(errno.ESTALE, "the copy changed while it was made; stopped", name)
        return True

    def note(self, st: os.stat_result, rel: str, into: int, name: str) -> None:
        """Remember `name`, just copied into folder `into`, as the copy later names of the same
        file are linked to."""
        key = (st.st_dev, st.st_ino)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink < 2 or key in self.first:
            return
        if len(os.fsencode(rel)) < _LINK_PATH_MAX:
            self.first[key] = (rel, os.stat(name, dir_fd=into, follow_symlinks=False).st_ino)


# Links are made by a path below the copy's top folder; deeper ones are copied instead.
_LINK_PATH_MAX = 3072


def _copy_tree(source: _Tree, name: str, target: _Tree, dst_name: str, device: int) -> None:
    links: _Links | None = None
    try:
        source.enter(name, device=device)
        target.enter(dst_name, device=None)
        links = _Links(os.dup(target.top.fd))
        while source.depth:
            level, into = source.top, target.top
            if level.todo is None:
                level.todo = []
                for entry in _listing(level.fd):
                    est = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(est.st_mode):
                        level.todo.append(entry.name)
                    elif not links.link(est, target.rel(entry.name), into.fd, entry.name):
                        _copy_entry(level.fd, entry.name, into.fd, entry.name, est)
                        links.note(est, target.rel(entry.name), into.fd, entry.name)
                if hooks:
                    reached("copy-level", source.label, source.rel())
            if level.todo:
                sub = level.todo.pop()
                os.mkdir(sub, 0o700, dir_fd=into.fd)
                source.enter(sub, device=device)
                target.enter(sub, device=None)
            else:
                # Owner, mode and times last: each entry added bumped the folder's mtime.
                _copy_meta(level.fd, into.fd, os.fstat(level.fd))
                source.leave()
                target.leave()
    except OSError as exc:
        raise _message(exc, source) from None
    finally:
        if links is not None:
            os.close(links.top)
        source.close()
        target.close()


# --- comparing --------------------------------------------------------------------------------


def _same_content(a_dir: int, a: str, b_dir: int, b: str) -> bool:
    fa = os.open(a, _FILE, dir_fd=a_dir)
    try:
        fb = os.open(b, _FILE, dir_fd=b_dir)
        try:
            while True:
                ca = os.read(fa, _CHUNK)
                if ca != os.read(fb, _CHUNK):
                    return False
                if not ca:
                    return True
        finally:
            os.close(fb)
    finally:
        os.close(fa)


def _differs(
    where: str, sa: os.stat_result, sb: os.stat_result, at_a: tuple[int, str], at_b: tuple[int, str]
) -> str | None:
    if stat.S_IFMT(sa.st_mode) != stat.S_IFMT(sb.st_mode):
        return f"{where}: type differs"
    if (sa.st_uid, sa.st_gid) != (sb.st_uid, sb.st_gid):
        return f"{where}: owner or group differs"
    if stat.S_ISLNK(sa.st_mode):
        if os.readlink(at_a[1], dir_fd=at_a[0]) != os.readlink(at_b[1], dir_fd=at_b[0]):
            return f"{where}: link target differs"
        return None
    if stat.S_IMODE(sa.st_mode) != stat.S_IMODE(sb.st_mode):
        return f"{where}: mode differs"
    if stat.S_ISREG(sa.st_mode):
        if sa.st_mtime_ns != sb.st_mtime_ns or sa.st_size != sb.st_size:
            return f"{where}: size or mtime differs"
        if not _same_content(*at_a, *at_b):
            return f"{where}: content differs"
    return None


def difference(
    a: str, b: str, *, a_parent_fd: int | None = None, b_parent_fd: int | None = None
) -> str | None:
    """Why the trees at `a` and `b` differ (type, owner, group, mode, mtime, link target,
    bytes), or None. With a `*_parent_fd`, that side is its last name in that open folder."""
    with (
        _folder_of(a, a_parent_fd) as (adir, aname),
        _folder_of(b, b_parent_fd) as (bdir, bname),
    ):
        sa = os.stat(aname, dir_fd=adir, follow_symlinks=False)
        sb = os.stat(bname, dir_fd=bdir, follow_symlinks=False)
        why = _differs(".", sa, sb, (adir, aname), (bdir, bname))
        if why is not None or not stat.S_ISDIR(sa.st_mode):
            return why
        left, right = _Tree.at(adir, a), _Tree.at(bdir, b)
        try:
            left.enter(aname, device=None)
            right.enter(bname, device=None)
            return _tree_difference(left, right)
        except OSError as exc:
            raise _message(exc, left) from None
        finally:
            left.close()
            right.close()


def _tree_difference(left: _Tree, right: _Tree) -> str | None:
    while left.depth:
        level, other = left.top, right.top
        if level.todo is None:
            level.todo = []
            ours = {e.name: e.stat(follow_symlinks=False) for e in _listing(level.fd)}
            theirs = {e.name: e.stat(follow_symlinks=False) for e in _listing(other.fd)}
            if ours.keys() != theirs.keys():
                extra = sorted(ours.keys() ^ theirs.keys())
                return f"{left.rel(extra[0])}: present on one side only"
            for name, sa in sorted(ours.items()):
                why = _differs(left.rel(name), sa, theirs[name], (level.fd, name), (other.fd, name))
                if why is not None:
                    return why
                if stat.S_ISDIR(sa.st_mode):
                    level.todo.append(name)
        if level.todo:
            sub = level.todo.pop()
            left.enter(sub, device=None)
            right.enter(sub, device=None)
        else:
            left.leave()
            right.leave()
    return None
