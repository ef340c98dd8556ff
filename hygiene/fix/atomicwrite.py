"""Replace a text file's content so that a crash leaves either the old or the new file."""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write beside, keep the mode, rename over. Through a symlink (dotfile managers link
    `.gitignore` and editor settings), the file it points to is replaced, never the link.

    The temporary file is created exclusively under a fresh random name: a fixed name could be
    a symlink planted in the repository, and opening it would write through it.
    """
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".hygiene-tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
