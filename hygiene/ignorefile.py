"""Append missing lines to a repository's top `.gitignore`, once, in one marked block.

Shared by `hygiene fix` and the `hygiene-ignore-gaps --fix` hook. Idempotent: a line already
present anywhere in the file (ignoring surrounding white space) is never added again, and a
second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hygiene.atomicwrite import write_text_atomically

BLOCK_HEADER = "# added by hygiene"


def existing_lines(gitignore: Path) -> set[str]:
    try:
        text = gitignore.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def missing_lines(gitignore: Path, wanted: Iterable[str]) -> list[str]:
    """Lines of `wanted` not yet in the file, in first-seen order, without repeats."""
    have = existing_lines(gitignore)
    out: list[str] = []
    for line in wanted:
        line = line.strip()
        if line and line not in have and line not in out:
            out.append(line)
    return out


def append_lines(gitignore: Path, wanted: Iterable[str]) -> list[str]:
    """Add what is missing under the hygiene block; return the lines added (maybe none)."""
    lines = missing_lines(gitignore, wanted)
    if not lines:
        return []
    try:
        current = gitignore.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    parts: list[str] = []
    if current and not current.endswith("\n"):
        parts.append("\n")
    if BLOCK_HEADER not in existing_lines(gitignore):
        parts.append(("\n" if current.strip() else "") + BLOCK_HEADER + "\n")
    parts.extend(f"{line}\n" for line in lines)
    write_text_atomically(gitignore, current + "".join(parts))
    return lines
