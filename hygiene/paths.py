"""Where hygiene keeps its own state and looks for the user's config."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "hygiene"
# A quarantine store on another filesystem, made by the user (`hygiene/clean/quarantine.py`); the
# walker never enters one.
QUARANTINE_PREFIX = ".hygiene-quarantine-"
# Every quarantine folder (a home's `quarantine/`, each run folder) holds this file, so any
# hygiene, whatever its home, skips it in scan and clean. Modelled on
# CACHEDIR.TAG (https://bford.info/cachedir/): a fixed name, and a first line no user writes by
# chance. Not CACHEDIR.TAG itself, which marks a folder as a disposable cache.
QUARANTINE_TAG = "HYGIENE-QUARANTINE.TAG"
QUARANTINE_SIGNATURE = "Signature: hygiene-quarantine-v1"
_TAG_TEXT = (
    f"{QUARANTINE_SIGNATURE}\n"
    "# This folder holds files a hygiene run set aside; they can be restored.\n"
    "# Any hygiene skips it when scanning and cleaning. See docs/clean.md.\n"
)


def is_quarantine(folder: str) -> bool:
    """Whether `folder` holds a quarantine tag: a regular file (not a link) of that name whose
    first line is the signature."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | os.O_NONBLOCK
    want = QUARANTINE_SIGNATURE.encode()
    try:
        fd = os.open(os.path.join(folder, QUARANTINE_TAG), flags)
    except OSError:
        return False
    try:
        head = os.read(fd, len(want) + 2)
    except OSError:
        return False
    finally:
        os.close(fd)
    return head.startswith(want) and head[len(want) : len(want) + 1] in (b"\n", b"\r", b"")


def mark_quarantine(folder: str | os.PathLike[str]) -> None:
    """Put the tag into `folder` unless it is there (created exclusively, never through a link)."""
    path = os.path.join(os.fspath(folder), QUARANTINE_TAG)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        return
    try:
        os.write(fd, _TAG_TEXT.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def hygiene_home() -> Path:
    """State (quarantine, audit log, run history): `$HYGIENE_HOME`, else the platform data dir."""
    override = os.environ.get("HYGIENE_HOME")
    if override:
        return Path(override).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_file() -> Path:
    """`$HYGIENE_CONFIG_HOME/hygiene.toml` (for tests), else the platform config dir."""
    override = os.environ.get("HYGIENE_CONFIG_HOME")
    if override:
        return Path(override).expanduser() / "hygiene.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "hygiene.toml"


def display(path: str | os.PathLike[str]) -> str:
    """A path safe to print: undecodable bytes (kept as surrogates by os) shown as U+FFFD."""
    return os.fspath(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# The largest control file hygiene reads from a tree it is given (`.hygieneignore`,
# `.gitignore`, `.vscode/settings.json`); real ones are a few kilobytes.
CONTROL_FILE_LIMIT = 4 << 20


def read_control_file(path: str | os.PathLike[str], *, limit: int = CONTROL_FILE_LIMIT) -> bytes:
    """The bytes of a small regular file in a tree hygiene was given. A link is followed, but
    what it leads to must be a regular file of at most `limit` bytes: a fifo, a device
    (`-> /dev/zero` committed in a cloned repository) or a huge file raises OSError rather
    than hang or exhaust memory. FileNotFoundError when there is none."""
    import errno
    import stat

    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file; not read", os.fspath(path))
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 16):
            size += len(chunk)
            if size > limit:
                raise OSError(errno.EFBIG, f"larger than {limit} bytes; not read", os.fspath(path))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
