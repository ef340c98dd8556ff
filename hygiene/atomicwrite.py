"""Replace a text file's content so that a crash leaves either the old or the new file."""

from __future__ import annotations

import os


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write beside, keep the mode, rename over. Through a symlink (dotfile managers link
    `.gitignore` and editor settings), the file it points to is replaced, never the link."""
    target = os.path.realpath(path)
    tmp = f"{target}.hygiene-tmp"
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, target)
