"""`hygiene-no-artifacts`: caches, build outputs, dependency folders, virtualenvs and junk must not
be committed.

Judged by the scan rule table (`hooks/judge.py`), so the hook and `hygiene scan` never disagree
about what an artifact is. As in scan, a folder that already holds committed files was committed
on purpose and is refused as an artifact: a refused build, cache or junk folder is judged again
inside (an untracked `__pycache__` in a tracked `build/` is still caught), a refused dependency
folder or virtualenv is left alone. `--enforce-all` drops that refusal, for CI runs over every
tracked file (`pre-commit run --all-files`).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from hygiene.git.staged import held_in_head
from hygiene.hooks.judge import StagedTree, Verdict
from hygiene.rules import Rule

# Scan walks these again when they hold tracked files; the insides of dependency folders and
# virtualenvs are never judged on their own.
SEE_THROUGH = ("build", "cache", "junk")


@dataclass(frozen=True)
class StagedArtifact:
    path: str  # root-relative: the artifact folder, or the file itself
    folder: bool
    rule: Rule
    reason: str
    files: tuple[str, ...]  # the staged paths it holds
    ignore_line: str


def find_staged_artifacts(
    *, root: str, paths: Sequence[str], enforce_all: bool = False
) -> list[StagedArtifact]:
    """The artifacts among `paths` (root-relative), one per artifact folder or file."""
    tree = StagedTree(root, paths)
    see_through: frozenset[str] = frozenset()
    refused: set[str] = set()
    asked: set[str] = set()
    while True:
        found: dict[str, tuple[Verdict, list[str]]] = {}
        for path in paths:
            verdict = tree.verdict(path, see_through=see_through)
            if verdict is not None and verdict.path not in refused:
                found.setdefault(verdict.path, (verdict, []))[1].append(path)
        fresh = sorted(set(found) - asked)
        if enforce_all or not fresh:
            break
        asked.update(fresh)
        held = held_in_head(root, fresh)
        if not held:
            break
        for path in held:
            verdict = found[path][0]
            if verdict.folder and verdict.match.rule.category in SEE_THROUGH:
                see_through |= {path}
            else:
                refused.add(path)
    if not found:
        return []
    # The same line `hygiene fix` and the ignore-gaps hook suggest (anchored where a marker was
    # needed: `/build`, not every `build/` in the repository). Imported only when needed.
    from hygiene.detectors.ignore_gaps import suggestion_for

    return [
        StagedArtifact(
            path=verdict.path,
            folder=verdict.folder,
            rule=verdict.match.rule,
            reason=verdict.match.reason,
            files=tuple(sorted(files)),
            ignore_line=suggestion_for(verdict.path, verdict.match, folder=verdict.folder),
        )
        for verdict, files in (found[key] for key in sorted(found))
    ]


def drop_protected(
    found: Sequence[StagedArtifact], *, root: str, protect: Sequence[str]
) -> list[StagedArtifact]:
    """Leave out what `.hygieneignore` or the config's `protect` list keeps, as scan does."""
    from hygiene.scan.protect import ProtectSet

    guard = ProtectSet.build([root], {root: False}, protect)
    return [
        item
        for item in found
        if not guard.covers(os.path.join(root, *item.path.split("/")), folder=item.folder)
    ]


def describe(
    found: Sequence[StagedArtifact], *, ignored: set[str], state: str = "staged"
) -> list[str]:
    """One block per artifact: what it is, how to unstage it, the line that keeps it out.

    `state` says where the files are: "staged", or "tracked" under `--enforce-all`.
    """
    lines: list[str] = []
    for item in found:
        shown = item.path + ("/" if item.folder else "")
        count = len(item.files)
        held = f" ({count} {state} file{'s' if count != 1 else ''})" if item.folder else ""
        lines.append(f"{shown}{held}: {item.rule.category}, {item.rule.id} ({item.reason})")
        recursive = "-r " if item.folder else ""
        lines.append(f"  unstage: git rm {recursive}--cached -- {shlex.quote(item.path)}")
        if item.ignore_line in ignored:
            lines.append(f"  ignore:  {item.ignore_line!r} is in .gitignore already")
        else:
            lines.append(f"  ignore:  add {item.ignore_line!r} to .gitignore")
    return lines
