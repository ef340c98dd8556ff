"""Large files: working-tree files at or above `--large`, tracked or not.

The walker already reports every regular file at or above the threshold; this adds, per
repository and in two git processes whatever the number of files, whether git tracks it and
whether Git LFS carries it (`filter=lfs` in the attributes, as `git lfs track` writes it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import ClassVar

from hygiene.detectors import DetectContext, Detected, rel_below, tracked_among
from hygiene.git.prefetch import Prefetch
from hygiene.git.repo import GitError
from hygiene.git.staged import attributes
from hygiene.model import ScanIssue
from hygiene.rules import products


@dataclass(frozen=True)
class LargeFile:
    kind: ClassVar[str] = "large-file"
    path: str
    bytes: int
    disk_bytes: int
    repo: str | None
    tracked: bool
    lfs: bool
    # "Python wheel", "model weights", ... or None when the suffix says nothing.
    product: str | None


def product_of(name: str) -> str | None:
    """What the name says the file is (`hygiene.rules.products`), or None."""
    product = products.product_of(name)
    return None if product is None else product.kind


def lfs_paths(repo: str, rels: list[str]) -> set[str]:
    """Those of `rels` whose `filter` attribute is `lfs`, in one `git check-attr` process."""
    found = attributes(repo, ("filter",), rels)
    return {path for path, values in found.items() if values.get("filter") == "lfs"}


def _repo_facts(
    repo: str, rels: list[str], prefetched: Prefetch | None
) -> tuple[set[str], set[str]] | ScanIssue:
    try:
        return tracked_among(repo, rels, prefetched), lfs_paths(repo, rels)
    except GitError as exc:
        return ScanIssue(repo, f"{exc}; tracked and lfs are unknown for its large files")


def detect(ctx: DetectContext) -> Detected:
    big = [s for s in ctx.seen if s.st.st_size >= ctx.large]
    by_repo: dict[str, list[str]] = {}
    for seen in big:
        if seen.repo is not None:
            by_repo.setdefault(seen.repo, []).append(rel_below(seen.repo, seen.path))
    tracked: set[str] = set()
    lfs: set[str] = set()
    errors: list[ScanIssue] = []
    for repo, rels in by_repo.items():
        facts = _repo_facts(repo, rels, ctx.git)
        if isinstance(facts, ScanIssue):
            errors.append(facts)
            continue
        tracked.update(os.path.join(repo, r) for r in facts[0])
        lfs.update(os.path.join(repo, r) for r in facts[1])
    findings = [
        LargeFile(
            path=s.path,
            bytes=s.st.st_size,
            disk_bytes=s.st.st_blocks * 512,
            repo=s.repo,
            tracked=s.path in tracked,
            lfs=s.path in lfs,
            product=product_of(os.path.basename(s.path)),
        )
        for s in big
    ]
    findings.sort(key=lambda f: (-f.bytes, f.path))
    return Detected(findings=tuple(findings), errors=tuple(errors))
