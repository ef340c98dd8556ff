"""Helpers for the clean tests: real trees in real git repos, aged, and exact snapshots."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import time
from pathlib import Path
from typing import Any

OLD = time.time() - 30 * 86400


def age(root: Path, when: float = OLD) -> None:
    """Make everything under `root` (and `root`) look untouched for a month."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        if ".git" in Path(dirpath).parts:
            continue
        for name in [*filenames, *dirnames]:
            os.utime(os.path.join(dirpath, name), (when, when), follow_symlinks=False)
    os.utime(root, (when, when))


def snapshot(root: Path, *, dir_mtimes: bool = True) -> dict[str, Any]:
    """Every entry under `root` but `.git`: type, mode, mtime and content or link target."""
    seen: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not (dirpath == str(root) and d == ".git")]
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                seen[rel] = ("link", os.readlink(path), st.st_mtime_ns)
            elif stat.S_ISDIR(st.st_mode):
                seen[rel] = ("dir", stat.S_IMODE(st.st_mode), st.st_mtime_ns if dir_mtimes else 0)
            else:
                seen[rel] = (
                    "file",
                    stat.S_IMODE(st.st_mode),
                    st.st_mtime_ns,
                    Path(path).read_bytes(),
                )
    return seen


def build_project(repo: Any) -> dict[str, Path]:
    """A small Node + Python project: tracked sources, a modified file, artifacts, junk."""
    repo.write("package.json", "{}\n")
    repo.write("src/app.py", "print('hi')\n")
    repo.write("README.md", "readme\n")
    repo.write(".gitignore", "node_modules/\n__pycache__/\n.env\n")
    repo.commit()
    repo.write("README.md", "readme, edited\n")  # modified, not committed
    repo.write("notes.txt", "untracked notes\n")
    repo.write(".env", "SECRET=1\n")  # ignored, precious
    nm = repo.write("node_modules/left-pad/index.js", "module.exports = 1\n").parent.parent
    repo.write("node_modules/left-pad/package.json", "{}\n")
    os.chmod(repo.path / "node_modules/left-pad/index.js", 0o600)
    os.symlink("../left-pad/index.js", repo.path / "node_modules/left-pad/alias.js")
    pyc = repo.write("src/__pycache__/app.cpython-311.pyc", b"\x00\x01compiled").parent
    age(repo.path)
    return {"node_modules": nm, "pycache": pyc}


class Typed(io.StringIO):
    """A terminal the user types `text` into: the one stand-in for a person at the prompt."""

    def isatty(self) -> bool:
        return True


def manifest(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry under `root` and `root` itself: type, mode, mtime, owner, group, and the
    content's hash or the link's target. Walked through descriptors, so any depth works."""
    seen: dict[str, tuple[Any, ...]] = {}
    for top, dirs, files, fd in os.fwalk(root):
        for name in [".", *dirs, *files]:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            rel = os.path.normpath(os.path.join(os.path.relpath(top, root), name))
            meta = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
            if stat.S_ISLNK(st.st_mode):
                seen[rel] = (*meta, st.st_mtime_ns, os.readlink(name, dir_fd=fd))
            elif stat.S_ISREG(st.st_mode):
                handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
                with open(handle, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                seen[rel] = (*meta, st.st_mtime_ns, digest)
            elif name != ".":
                seen[rel] = (*meta, st.st_mtime_ns)
    return seen
