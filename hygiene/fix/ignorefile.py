"""Append missing lines to a repository's top `.gitignore`, once, in one marked block.

Shared by `hygiene fix` and the `hygiene-ignore-gaps --fix` hook. Idempotent: a line already
present anywhere in the file (ignoring surrounding white space) is never added again, and a
second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hygiene.errors import UsageError
from hygiene.fix.atomicwrite import edit_in_repo
from hygiene.paths import read_control_file

BLOCK_HEADER = "# added by hygiene"
# Lines that must follow another: `.env*` also matches the templates a project commits on
# purpose, so their negations go with it (issue 17; the rule's own `unless` list).
COMPANIONS: dict[str, tuple[str, ...]] = {
    ".env*": ("!.env.example", "!.env.sample", "!.env.template"),
}


def with_companions(wanted: Iterable[str]) -> list[str]:
    out: list[str] = []
    for line in wanted:
        out.append(line)
        out.extend(COMPANIONS.get(line.strip(), ()))
    return out


def _read(gitignore: Path) -> str:
    """The file as it is, line endings included ("" when it does not exist)."""
    try:
        return read_control_file(gitignore).decode("utf-8")
    except FileNotFoundError:
        return ""
    except OSError:
        # A link to a device or a fifo (committed in a cloned repository): not read; the edit,
        # which never writes through a link or into anything but a regular file, refuses it.
        return ""
    except UnicodeDecodeError:
        raise UsageError(f"{gitignore}: not UTF-8 text; hygiene leaves it alone") from None


def existing_lines(gitignore: Path) -> set[str]:
    # A byte order mark is not part of the first pattern.
    return {line.strip().lstrip("\ufeff") for line in _read(gitignore).splitlines() if line.strip()}


def missing_lines(gitignore: Path, wanted: Iterable[str]) -> list[str]:
    """Lines of `wanted` not yet in the file, in first-seen order, without repeats."""
    have = existing_lines(gitignore)
    out: list[str] = []
    for line in with_companions(wanted):
        line = line.strip()
        if line and line not in have and line not in out:
            out.append(line)
    return out


def _with_lines(current: str, lines: list[str]) -> str:
    # Keep the file's own line endings: a CRLF file must not become a whole-file diff.
    eol = "\r\n" if "\r\n" in current else "\n"
    parts: list[str] = []
    if current and not current.endswith("\n"):
        parts.append(eol)
    have = {line.strip() for line in current.splitlines() if line.strip()}
    if BLOCK_HEADER not in have:
        parts.append((eol if current.strip() else "") + BLOCK_HEADER + eol)
    parts.extend(f"{line}{eol}" for line in lines)
    return current + "".join(parts)


def append_lines(
    gitignore: Path, wanted: Iterable[str], *, expect: tuple[int, int] | None = None
) -> list[str]:
    """Add what is missing under the hygiene block; return the lines added (maybe none).

    Written in place inside the folder holding it, never through a symlink (a committed
    `.gitignore` link may lead anywhere; git does not read one either), keeping the file's
    inode, owner, mode, BOM and line endings (`hygiene.fix.atomicwrite.edit_in_repo`)."""
    wanted = with_companions(wanted)
    added: list[str] = []

    def change(current: str) -> str | None:
        have = {line.strip().lstrip("\ufeff") for line in current.splitlines() if line.strip()}
        lines: list[str] = []
        for line in wanted:
            line = line.strip()
            if line and line not in have and line not in lines:
                lines.append(line)
        added[:] = lines
        return _with_lines(current, lines) if lines else None

    try:
        edit_in_repo(gitignore.parent, gitignore.name, change, create=True, expect=expect)
    except UnicodeDecodeError:
        raise UsageError(f"{gitignore}: not UTF-8 text; hygiene leaves it alone") from None
    return added
