"""The detectors beyond the artifact table: one module per finding kind, listed below.

Each detector is a plain function taking one `DetectContext` (what the walk and the artifact
pass already found) and returning `Detected`. The scan engine runs the ones the request asks for,
in table order, after the walk; none of them walks the roots again.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hygiene.config.layers import Config
from hygiene.git.index import read_tracked
from hygiene.git.prefetch import Prefetch
from hygiene.git.repo import TrackedIndex, holding_tracked
from hygiene.model import Artifact, Finding, Precious, ScanIssue
from hygiene.rules import Rule, default_index
from hygiene.scan.walk import FileSeen


def rel_below(repo: str, path: str) -> str:
    """`path`, which lies below `repo` (both as the walk built them), relative to it with "/"
    separators: a slice, where `os.path.relpath` would normalise both paths each time."""
    rel = path[len(repo.rstrip(os.sep)) + 1 :]
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def tracked_among(repo: str, relpaths: list[str], prefetched: Prefetch | None) -> set[str]:
    """Those of `relpaths` that are or hold tracked files: from the listing the walk prefetched
    when there is one, else from the index file, else one git process. GitError if git cannot
    say."""
    if not relpaths:
        return set()
    if prefetched is not None:
        return prefetched.tracked(repo).holding(relpaths)
    listing = read_tracked(repo)
    if listing is not None:
        return TrackedIndex(listing).holding(relpaths)
    return holding_tracked(repo, relpaths)


@dataclass(frozen=True)
class DetectContext:
    roots: tuple[str, ...]
    config: Config
    # Every repository found, work trees and bare ones (path -> bare), plus the ones around roots.
    repos: Mapping[str, bool]
    # Files the walker reported as large or SQLite-shaped.
    seen: tuple[FileSeen, ...]
    # Every artifact and precious item the rule table found (before `--older-than` and friends).
    artifacts: tuple[Artifact, ...]
    precious: tuple[Precious, ...]
    large: int
    git_stats: bool = False
    now: float = 0.0
    # The git answers started during the walk; None: each detector asks git itself.
    git: Prefetch | None = None


@dataclass(frozen=True)
class Detected:
    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanIssue, ...] = ()
    # Reports that are not findings (git-stats summaries, filesystem usage), by JSON key.
    extra: Mapping[str, object] = field(default_factory=dict)


Detector = Callable[[DetectContext], Detected]


@functools.cache
def _rules() -> dict[str, Rule]:
    return {rule.id: rule for rule in default_index().rules}


def rule_by_id(rule_id: str) -> Rule:
    return _rules()[rule_id]


def all_detectors() -> tuple[tuple[str, Detector], ...]:
    """(kind, detector) in report order. Imported here so `hygiene` itself stays cheap."""
    from hygiene.detectors import (
        databases,
        editor,
        history,
        ignore_gaps,
        large_files,
        secrets,
        system,
        tracked,
    )

    return (
        (ignore_gaps.IgnoreGap.kind, ignore_gaps.detect),
        (tracked.TrackedArtifact.kind, tracked.detect),
        (secrets.TrackedSecret.kind, secrets.detect),
        (large_files.LargeFile.kind, large_files.detect),
        (history.HistoryBlob.kind, history.detect),
        (editor.EditorExclude.kind, editor.detect),
        (databases.Database.kind, databases.detect),
        (system.SystemCache.kind, system.detect),
    )


# Kinds `hygiene scan` runs unless told otherwise; machine-wide caches need `--system`.
DEFAULT_KINDS = frozenset(
    {
        "ignore-gap",
        "tracked-artifact",
        "tracked-secret",
        "large-file",
        "history-blob",
        "editor-exclude",
        "database",
    }
)
ALL_KINDS = frozenset({*DEFAULT_KINDS, "system-cache"})
