"""Moving, copying, comparing and removing one item (a folder, a file or a symlink) safely.

Never follows a symlink: a link is copied, compared and removed as a link (BleachBit #1889).
Copies keep content, modes, mtimes and symlinks, and are fsynced so that a verified copy
survives a power cut before its original is removed.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterator
from typing import Any

from hygiene.crashpoint import checkpoint


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


def _copy_file(src: str, dst: str) -> str:
    checkpoint("copy-file")
    shutil.copy2(src, dst, follow_symlinks=False)
    if not os.path.islink(dst):
        _fsync_file(dst)
    return dst


def copy_item(src: str, dst: str) -> None:
    """Copy a folder, file or symlink to `dst` (which must not exist), keeping metadata."""
    st = os.lstat(src)
    if stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(src), dst)
        os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
    elif stat.S_ISDIR(st.st_mode):
        shutil.copytree(src, dst, symlinks=True, copy_function=_copy_file)
    elif stat.S_ISREG(st.st_mode):
        _copy_file(src, dst)
    else:
        raise OSError(f"{src}: not a regular file, folder or symlink; not copied")


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


def _make_writable(func: Callable[..., object], path: str, exc_info: tuple[Any, ...]) -> None:
    # Read-only folders (Go's module cache, some npm packages) refuse unlinking their entries;
    # make the parent writable and try once more.
    if func not in (os.rmdir, os.unlink, os.remove) or not isinstance(exc_info[1], PermissionError):
        raise exc_info[1]
    parent = os.path.dirname(path)
    os.chmod(parent, stat.S_IMODE(os.lstat(parent).st_mode) | stat.S_IWUSR | stat.S_IXUSR)
    func(path)


def remove_item(path: str) -> None:
    """Delete a folder tree, a file or a symlink (the link only). Missing is fine."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        checkpoint("remove-tree")
        shutil.rmtree(path, onerror=_make_writable)
    else:
        os.unlink(path)
