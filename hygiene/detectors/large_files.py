"""Large files (issue 3, item 1): working-tree files at or above `--large`, tracked or not.

The walker already reports every regular file at or above the threshold; this adds, per
repository and in two git processes whatever the number of files, whether git tracks it and
whether Git LFS carries it (`filter=lfs` in the attributes, as `git lfs track` writes it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import ClassVar

from hygiene.detectors import DetectContext, Detected, Prefetch, rel_below, tracked_among
from hygiene.git.repo import GitError, git
from hygiene.model import ScanIssue

# What a big binary is, by its suffix: build products and data nobody should commit by hand.
PRODUCTS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((".whl", ".egg"), "Python wheel"),
    ((".jar", ".war", ".ear", ".aar"), "Java archive"),
    ((".so", ".dylib", ".dll"), "shared library"),
    ((".o", ".obj", ".a", ".lib", ".rlib"), "object file"),
    # Before "archive": a compressed dump is a dump first.
    ((".dump", ".sql", ".bak", ".sql.gz", ".pgdump"), "database dump"),
    ((".exe", ".msi", ".apk", ".ipa", ".dmg", ".deb", ".rpm", ".appimage"), "installer"),
    ((".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar"), "archive"),
    ((".iso", ".img", ".qcow2", ".vmdk", ".vdi"), "disk image"),
    (
        (".pt", ".pth", ".ckpt", ".safetensors", ".onnx", ".h5", ".pb", ".gguf", ".bin", ".pkl"),
        "model weights",
    ),
    ((".sqlite", ".sqlite3", ".db"), "database"),
    ((".parquet", ".npy", ".npz", ".feather", ".arrow", ".csv", ".jsonl"), "data file"),
    ((".mp4", ".mov", ".mkv", ".wav", ".flac"), "media"),
)


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
    lower = name.lower()
    for suffixes, product in PRODUCTS:
        if lower.endswith(suffixes):
            return product
    return None


def lfs_paths(repo: str, rels: list[str]) -> set[str]:
    """Those of `rels` whose `filter` attribute is `lfs`, in one `git check-attr` process."""
    if not rels:
        return set()
    payload = b"".join(os.fsencode(r) + b"\0" for r in rels)
    out = git(repo, "check-attr", "-z", "--stdin", "filter", input=payload)
    parts = out.split(b"\0")
    # -z output is path NUL attribute NUL value NUL, repeated.
    return {
        os.fsdecode(parts[i])
        for i in range(0, len(parts) - 2, 3)
        if parts[i + 1] == b"filter" and parts[i + 2] == b"lfs"
    }


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
