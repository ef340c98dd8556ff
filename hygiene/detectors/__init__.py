"""Part 2 detectors (issue 3): one module per finding kind, listed explicitly below.

Each detector is a plain function taking one `DetectContext` (what the walk and the artifact
pass already found) and returning `Detected`. The scan engine runs the ones the request asks for,
in table order, after the walk; none of them walks the roots again.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from hygiene.config import Config
from hygiene.model import Artifact, Finding, Precious, ScanIssue
from hygiene.rules import Rule, default_index
from hygiene.walk import FileSeen


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


@dataclass(frozen=True)
class Detected:
    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanIssue, ...] = ()
    # Reports that are not findings (git-stats summaries, filesystem usage), by JSON key.
    extra: Mapping[str, object] = field(default_factory=dict)


Detector = Callable[[DetectContext], Detected]


# As in hygiene.gitrepo: read-only questions never take index.lock; messages stay parseable.

T = TypeVar("T")
R = TypeVar("R")
# Git processes wait on I/O and run outside the GIL: a few repositories at once hide latency.
_WORKERS = min(8, (os.cpu_count() or 2) * 2)


def per_repo(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`work` applied to each item, a few at a time, results in the items' order."""
    todo = list(items)
    if len(todo) < 2:
        return [work(item) for item in todo]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(_WORKERS, len(todo))) as pool:
        return list(pool.map(work, todo))


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
        system,
        tracked,
    )

    return (
        (ignore_gaps.IgnoreGap.kind, ignore_gaps.detect),
        (tracked.TrackedArtifact.kind, tracked.detect),
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
        "large-file",
        "history-blob",
        "editor-exclude",
        "database",
    }
)
ALL_KINDS = frozenset({*DEFAULT_KINDS, "system-cache"})
