"""Moving, copying, comparing and removing one item (a folder, a file or a symlink) safely.

Never follows a symlink: a link is copied, compared and removed as a link (BleachBit #1889).
Copies keep content, modes, mtimes and symlinks, and are fsynced so that a verified copy
survives a power cut before its original is removed.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterator

from hygiene.crashpoint import checkpoint, hooks, reached


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def _copy_file(src: str, dst: str) -> None:
    checkpoint("copy-file")
    shutil.copy2(src, dst, follow_symlinks=False)
    _fsync_file(dst)


def _copy_link(src: str, dst: str, st: os.stat_result) -> None:
    os.symlink(os.readlink(src), dst)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


def copy_item(src: str, dst: str) -> None:
    """Copy a folder, file or symlink to `dst` (which must not exist), keeping metadata.

    Iterative, so a tree thousands of levels deep cannot exhaust Python's recursion limit.
    """
    st = os.lstat(src)
    if stat.S_ISLNK(st.st_mode):
        _copy_link(src, dst, st)
        return
    if stat.S_ISREG(st.st_mode):
        _copy_file(src, dst)
        return
    if not stat.S_ISDIR(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file, folder or symlink; not copied", src)
    folders: list[tuple[str, str, os.stat_result]] = []
    pending = [(src, dst, st)]
    while pending:
        source, target, dst_st = pending.pop()
        os.mkdir(target, 0o700)
        folders.append((source, target, dst_st))
        with os.scandir(source) as entries:
            for entry in entries:
                est = entry.stat(follow_symlinks=False)
                into = os.path.join(target, entry.name)
                if stat.S_ISDIR(est.st_mode):
                    pending.append((entry.path, into, est))
                elif stat.S_ISLNK(est.st_mode):
                    _copy_link(entry.path, into, est)
                elif stat.S_ISREG(est.st_mode):
                    _copy_file(entry.path, into)
                else:
                    raise OSError(errno.EINVAL, "a special file (fifo, socket, device)", entry.path)
        if hooks:
            reached("copy-level", src, os.path.relpath(source, src))
    # Modes and mtimes of folders last, deepest first: adding entries would bump the mtimes.
    for _source, target, dst_st in reversed(folders):
        os.chmod(target, stat.S_IMODE(dst_st.st_mode))
        os.utime(target, ns=(dst_st.st_atime_ns, dst_st.st_mtime_ns))


def _entries(root: str) -> Iterator[tuple[str, os.stat_result]]:
    """(relative path, lstat) of `root` and everything below it, without following links."""
    yield "", os.lstat(root)
    pending = [root]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as it:
            for entry in it:
                st = entry.stat(follow_symlinks=False)
                yield os.path.relpath(entry.path, root), st
                if stat.S_ISDIR(st.st_mode):
                    pending.append(entry.path)


def _same_content(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            ca = fa.read(1 << 20)
            if ca != fb.read(1 << 20):
                return False
            if not ca:
                return True


def difference(a: str, b: str) -> str | None:
    """Why the trees at `a` and `b` differ (type, mode, mtime, link target, bytes), or None."""
    left = dict(_entries(a))
    right = dict(_entries(b))
    if left.keys() != right.keys():
        extra = sorted(left.keys() ^ right.keys())
        return f"{extra[0] or '.'}: present on one side only"
    for rel, sa in sorted(left.items()):
        sb = right[rel]
        where = rel or "."
        if stat.S_IFMT(sa.st_mode) != stat.S_IFMT(sb.st_mode):
            return f"{where}: type differs"
        if stat.S_ISLNK(sa.st_mode):
            if os.readlink(os.path.join(a, rel)) != os.readlink(os.path.join(b, rel)):
                return f"{where}: link target differs"
            continue
        if stat.S_IMODE(sa.st_mode) != stat.S_IMODE(sb.st_mode):
            return f"{where}: mode differs"
        if stat.S_ISREG(sa.st_mode):
            if sa.st_mtime_ns != sb.st_mtime_ns or sa.st_size != sb.st_size:
                return f"{where}: size or mtime differs"
            if not _same_content(os.path.join(a, rel), os.path.join(b, rel)):
                return f"{where}: content differs"
    return None


def _open_dir(path: str) -> int:
    """An fd for the folder at `path`; never through a symlink. Entries are then stat'ed and
    unlinked relative to it, sparing the kernel a full path walk per file."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        return os.open(path, flags)
    except PermissionError:
        os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | stat.S_IRWXU)
        return os.open(path, flags)


def _listing(fd: int) -> list[os.DirEntry[str]]:
    with os.scandir(fd) as it:
        return list(it)


def _unlink_in(fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=fd)
    except PermissionError:
        # Read-only folders (Go's module cache, some npm packages) refuse unlinking their
        # entries: make the folder writable and try once more.
        os.chmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) | stat.S_IRWXU)
        os.unlink(name, dir_fd=fd)


def remove_item(path: str) -> None:
    """Delete a folder tree, a file or a symlink (the link only). Missing is fine.

    Iterative (no recursion limit), never follows a link, never crosses into a mounted
    filesystem: a folder on another device inside stops the removal with an error.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return
    checkpoint("remove-tree")
    device = st.st_dev
    stack: list[tuple[str, bool]] = [(path, False)]
    while stack:
        folder, emptied = stack.pop()
        if emptied:
            try:
                os.rmdir(folder)
            except PermissionError:
                parent = os.path.dirname(folder)
                os.chmod(parent, stat.S_IMODE(os.lstat(parent).st_mode) | stat.S_IRWXU)
                os.rmdir(folder)
            continue
        stack.append((folder, True))
        fd = _open_dir(folder)
        try:
            for entry in _listing(fd):
                if entry.is_dir(follow_symlinks=False):
                    if entry.stat(follow_symlinks=False).st_dev != device:
                        where = os.path.join(folder, entry.name)
                        raise OSError(
                            errno.EXDEV, "a mounted filesystem inside; not removed", where
                        )
                    stack.append((os.path.join(folder, entry.name), False))
                else:
                    _unlink_in(fd, entry.name)
        finally:
            os.close(fd)
        if hooks:
            reached("remove-level", path, os.path.relpath(folder, path))
