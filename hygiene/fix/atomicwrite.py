"""Edit a text file inside a repository: never through a link, never outside it, and in place.

Used by `hygiene fix` for `.gitignore` and `.vscode/settings.json`:

- Every folder from the repository down, and the file itself, is opened with `O_NOFOLLOW`
  relative to the one above, so a committed `.gitignore -> ../../outside/authorized_keys` (or a
  symlinked `.vscode/`) is refused, never written through. git itself will not read a
  `.gitignore` that is a symlink (https://git-scm.com/docs/gitignore#_notes).
- The file is rewritten in place, through the descriptor it was read from, so its inode, owner,
  group, mode and hard links are kept, as they must be when root edits a user's file. A
  replace-by-rename would make a new inode owned by root and split a hard link.
- In place is made crash-safe by a journal: the old bytes and the new ones are first written,
  fsynced, and linked to `.<name>.hygiene-backup` beside the file, under a signature line;
  then the file is overwritten and fsynced; then the backup is removed. A backup found on the
  next edit means the last one was interrupted. The file is put back from it only when it is
  hygiene's torn write (every byte the old one's, the new one's, or a hole); when it is whole
  (old or new) the backup is dropped; when it is anything else, someone edited it since, and
  both are left alone with the edit refused. A file of that name without the signature is not
  hygiene's: never read as a journal, never replaced, never removed.
- The text's byte order mark is kept, and the change is handed the text without it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable

from hygiene.clean.crashpoint import checkpoint
from hygiene.clean.treeops import open_down

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
BOM = b"\xef\xbb\xbf"


class WriteRefused(OSError):
    """The file, or a folder on its way, is a symlink or not what it should be: nothing written."""


def _open_dirs(root: str, parts: list[str], expect: tuple[int, int] | None = None) -> int:
    """The fd of `root/parts...`, each component below `root` opened without following links;
    `root` itself must be the folder `expect` names (device, inode) when given: a folder on its
    path swapped for a link since the plan leads elsewhere."""
    fd = os.open(root, _DIR)
    if expect is not None:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != expect:
            os.close(fd)
            raise WriteRefused(
                errno.ESTALE, "is another folder than the one planned; not written", root
            )
    return open_down(
        fd,
        parts,
        root,
        lambda walked: WriteRefused(
            errno.ELOOP, "is a symlink or not a folder; not written through", walked
        ),
    )


def _read_all(fd: int) -> bytes:
    chunks = []
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _overwrite(fd: int, data: bytes) -> None:
    view = memoryview(data)
    offset = 0
    while offset < len(data):
        offset += os.pwrite(fd, view[offset:], offset)
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def _backup_name(name: str) -> str:
    return f".{name}.hygiene-backup"


# The journal's first line; what follows is "<old length> <new length>\n", the old bytes, the new.
SIGNATURE = b"hygiene-backup-v1\n"


def _journal(dir_fd: int, name: str, old: bytes, new: bytes) -> None:
    """Write the edit's old and new bytes durably to the backup name: created under a fresh
    random name first (a fixed name could be a planted link) and linked into place, which
    fails rather than replace anything that took the name."""
    tmp = f".{name}.{secrets.token_hex(6)}.hygiene-tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
    try:
        try:
            _overwrite(fd, SIGNATURE + f"{len(old)} {len(new)}\n".encode() + old + new)
        finally:
            os.close(fd)
        os.link(
            tmp, _backup_name(name), src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False
        )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
    os.fsync(dir_fd)


def _parse(data: bytes) -> tuple[bytes, bytes] | None:
    """(old, new) from a backup hygiene wrote, or None for anything else."""
    if not data.startswith(SIGNATURE):
        return None
    head, sep, rest = data[len(SIGNATURE) :].partition(b"\n")
    sizes = head.split(b" ")
    if not sep or len(sizes) != 2 or not all(x.isdigit() for x in sizes):
        return None
    n_old, n_new = int(sizes[0]), int(sizes[1])
    if len(rest) != n_old + n_new:
        return None
    return rest[:n_old], rest[n_old:]


def _torn(now: bytes, old: bytes, new: bytes) -> bool:
    """`now` is what an overwrite of `old` by `new` can leave when cut short: at every offset
    the old byte, the new byte, or a hole (zeros a crash can leave in a grown file)."""
    if len(now) > max(len(old), len(new)):
        return False
    for i, byte in enumerate(now):
        if not (
            (i < len(old) and byte == old[i]) or (i < len(new) and byte == new[i]) or byte == 0
        ):
            return False
    return True


def _recover(dir_fd: int, name: str, fd: int, where: str) -> None:
    """Settle what an interrupted edit left: put hygiene's torn write back to the old bytes,
    drop the backup of a file that is whole. Raises `WriteRefused`, touching nothing, for a
    backup hygiene did not write or a file someone changed since the interrupted edit."""
    backup = _backup_name(name)
    try:
        bfd = os.open(
            backup, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd
        )
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WriteRefused(
                errno.EEXIST, f"{backup} beside it is a symlink, not hygiene's; left alone", where
            ) from None
        raise
    try:
        journal = _parse(_read_all(bfd)) if stat.S_ISREG(os.fstat(bfd).st_mode) else None
    finally:
        os.close(bfd)
    if journal is None:
        raise WriteRefused(
            errno.EEXIST, f"{backup} beside it is not a backup hygiene wrote; left alone", where
        )
    old, new = journal
    now = _read_all(fd)
    if now not in (old, new):
        if not _torn(now, old, new):
            raise WriteRefused(
                errno.EEXIST,
                f"changed since an interrupted hygiene edit, whose earlier text is kept in "
                f"{backup}; compare, then remove it; left alone",
                where,
            )
        _overwrite(fd, old)
    os.unlink(backup, dir_fd=dir_fd)
    os.fsync(dir_fd)


def _create(dir_fd: int, name: str, data: bytes) -> None:
    """A new file: written whole under a random name, then linked to `name` (which fails if
    anything took the name meanwhile), owned like its folder when root makes it."""
    tmp = f".{name}.{secrets.token_hex(6)}.hygiene-tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, 0o644, dir_fd=dir_fd)
    try:
        try:
            if os.geteuid() == 0:
                here = os.fstat(dir_fd)
                os.fchown(fd, here.st_uid, here.st_gid)
            _overwrite(fd, data)
        finally:
            os.close(fd)
        os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
    os.fsync(dir_fd)


def edit_in_repo(
    repo: str | os.PathLike[str],
    rel: str,
    change: Callable[[str], str | None],
    *,
    create: bool = False,
    expect: tuple[int, int] | None = None,
) -> bool:
    """Apply `change` to the text of `repo/rel` (UTF-8; a BOM kept aside) and write the result
    in place; True if the file changed. `change` returns None to leave the file as it is.

    `create`: a missing file is made (its folders must exist). `expect`: the (device, inode)
    `repo` had when the edit was planned; another folder there is refused. Raises
    `WriteRefused` for that, or for a symlink or a non-regular file anywhere from `repo` down,
    `UnicodeDecodeError` for a file that is not UTF-8, OSError for the rest; nothing is written
    then."""
    parts = [p for p in rel.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise WriteRefused(errno.EINVAL, "not a path inside the repository", rel)
    *folders, name = parts
    dir_fd = _open_dirs(os.fspath(repo), folders, expect)
    where = os.path.join(os.fspath(repo), rel)
    try:
        try:
            fd = os.open(name, _FILE, dir_fd=dir_fd)
        except FileNotFoundError:
            if not create:
                raise
            text = change("")
            if text is not None and text != "":
                _create(dir_fd, name, text.encode("utf-8"))
                return True
            return False
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise WriteRefused(exc.errno, "is a symlink; not written through", where) from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise WriteRefused(errno.EINVAL, "is not a regular file; left alone", where)
            _recover(dir_fd, name, fd, where)
            old = _read_all(fd)
            bom = BOM if old.startswith(BOM) else b""
            text = change(old[len(bom) :].decode("utf-8"))
            if text is None:
                return False
            new = bom + text.encode("utf-8")
            if new == old:
                return False
            _journal(dir_fd, name, old, new)
            checkpoint("fix-journaled")
            _overwrite(fd, new)
            checkpoint("fix-written")
            os.unlink(_backup_name(name), dir_fd=dir_fd)
            os.fsync(dir_fd)
            return True
        finally:
            os.close(fd)
    finally:
        os.close(dir_fd)
