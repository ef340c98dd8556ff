"""Findings and results: plain frozen dataclasses shared by every detector and renderer.

Each finding class has a `kind` (its JSON tag) and at least `path`, `bytes` and `disk_bytes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol


class Finding(Protocol):
    kind: ClassVar[str]

    @property
    def path(self) -> str: ...

    @property
    def bytes(self) -> int: ...

    @property
    def disk_bytes(self) -> int: ...


@dataclass(frozen=True)
class Artifact:
    """A cache, build output, dependency folder, virtualenv or junk file that can be made again."""

    kind: ClassVar[str] = "artifact"
    path: str
    bytes: int
    disk_bytes: int
    # What removing it would really free: hard-linked files count only when every link is
    # inside (pnpm's node_modules are links into a store, so they free little).
    reclaimable_bytes: int
    files: int
    newest_mtime: float
    ecosystem: str
    category: str
    rule: str
    reason: str
    recreate: str
    repo: str | None
    folder: bool
    # Identity at scan time, so `clean` can refuse an item that changed since.
    device: int = field(default=0, repr=False)
    inode: int = field(default=0, repr=False)
    # Precious files inside: (path, "secret" | "state" | "recovery" |
    # "database"). Any one keeps the artifact (plan.py).
    holds: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Precious:
    """A secret or piece of local state: never an artifact. The ignore-gap detector reports the
    unignored ones."""

    path: str
    category: str
    rule: str
    repo: str | None
    folder: bool


@dataclass(frozen=True)
class ScanIssue:
    """Something the scan could not read; it went on."""

    path: str
    message: str


@dataclass(frozen=True)
class Totals:
    scanned_files: int
    scanned_dirs: int
    scanned_bytes: int
    scanned_disk_bytes: int
    findings: int
    artifact_bytes: int
    artifact_disk_bytes: int
    reclaimable_bytes: int


@dataclass(frozen=True)
class ScanResult:
    roots: tuple[str, ...]
    findings: tuple[Finding, ...]
    totals: Totals
    errors: tuple[ScanIssue, ...]
    repos: tuple[str, ...] = ()
    precious: tuple[Precious, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
    # Work trees git refused to answer for (dubious ownership, a broken repository), with
    # what git said: nothing in them could be judged, so nothing in them is reported.
    refused: tuple[tuple[str, str], ...] = ()
