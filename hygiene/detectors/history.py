"""History blobs: big blobs reachable from any ref, and a git-sizer summary.

Never a process per object (a `cat-file -s` per object is what made the pre-commit large-file
hook "extremely slow", pre-commit-hooks #560). One `git cat-file --batch-all-objects
--batch-check` reads every object's size from the pack indexes; only when a big blob turns up
do three more run: `rev-list --objects --all` (is it reachable from a ref, and by which path),
`ls-tree -r HEAD` (is it still checked out?) and one `log --all --diff-filter=A` (which commit
added it, under which path). `--git-stats` counts reachable objects the git-sizer way instead:
one `rev-list --objects --all` piped into one `cat-file --batch-check`. Work trees that share one
object store (`git worktree`) are read once.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import ClassVar

from hygiene.detectors import DetectContext, Detected
from hygiene.git.prefetch import Prefetch
from hygiene.git.repo import LIST_OBJECT_SIZES, GitError, additions, git, object_store
from hygiene.git.run import git_pipe, per_repo
from hygiene.model import ScanIssue

_FORMAT = "%(objectname) %(objecttype) %(objectsize) %(objectsize:disk) %(rest)"


@dataclass(frozen=True)
class HistoryBlob:
    kind: ClassVar[str] = "history-blob"
    path: str  # the path in the commit that added it ("/"-separated, repository-relative)
    bytes: int
    disk_bytes: int  # what it costs in the object store (compressed, maybe deltified)
    repo: str
    object: str
    commit: str | None
    in_head: bool
    remedy: str


@dataclass(frozen=True)
class GitStats:
    """A repository's size in the spirit of git-sizer, for `hygiene scan --git-stats`."""

    repo: str
    commits: int
    trees: int
    blobs: int
    tags: int
    blob_bytes: int
    biggest_blob_bytes: int
    biggest_blob_path: str | None
    loose_objects: int
    loose_bytes: int
    packs: int
    pack_bytes: int


@dataclass
class _Inventory:
    counts: dict[str, int] = field(default_factory=dict)
    blob_bytes: int = 0
    biggest: tuple[int, str | None] = (0, None)
    # oid -> (size, disk size, a path it had)
    big: dict[str, tuple[int, int, str]] = field(default_factory=dict)


def _inventory(repo: str, threshold: int) -> _Inventory:
    listing = ("rev-list", "--objects", "--all")
    out = git_pipe(repo, listing, ("cat-file", f"--batch-check={_FORMAT}", "--buffer"))
    inv = _Inventory()
    counts = inv.counts
    for line in out.split(b"\n"):
        if not line:
            continue
        oid, kind, size, disk, *rest = line.split(b" ", 4)
        name = kind.decode()
        counts[name] = counts.get(name, 0) + 1
        if name != "blob":
            continue
        n = int(size)
        inv.blob_bytes += n
        path = os.fsdecode(rest[0]) if rest else ""
        if n > inv.biggest[0]:
            inv.biggest = (n, path)
        if n >= threshold:
            inv.big[oid.decode()] = (n, int(disk), path)
    return inv


@functools.cache
def _could_be_big(threshold: int) -> re.Pattern[bytes]:
    """A blob's line in LIST_OBJECT_SIZES' output whose size has as many digits as
    `threshold` or more: a blob at or above it has such a line."""
    return re.compile(rb" blob [0-9]{%d,} " % len(str(max(threshold, 0))))


def _big_objects(repo: str, threshold: int, out: bytes | None) -> dict[str, tuple[int, int]]:
    """Blobs at or above `threshold` in the object store, reachable or not: oid -> sizes.

    One process that reads the pack indexes, no history walk: in the common case (no big blob)
    this is all the history check costs. `out`: that process's output, when prefetched.
    """
    if out is None:
        out = git(repo, *LIST_OBJECT_SIZES)
    if _could_be_big(threshold).search(out) is None:
        return {}  # most stores: said by one search, not by splitting every line
    big: dict[str, tuple[int, int]] = {}
    for line in out.split(b"\n"):
        parts = line.split(b" ")
        if len(parts) == 4 and parts[1] == b"blob" and int(parts[2]) >= threshold:
            big[parts[0].decode()] = (int(parts[2]), int(parts[3]))
    return big


def _reachable(repo: str, big: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int, str]]:
    """Those of `big` reachable from a ref, with a path they had (unreachable ones are dropped)."""
    if not big:
        return {}
    out = git(repo, "rev-list", "--objects", "--all")
    found: dict[str, tuple[int, int, str]] = {}
    for line in out.split(b"\n"):
        oid, _, path = line.partition(b" ")
        key = oid.decode()
        if key in big and key not in found:
            found[key] = (*big[key], os.fsdecode(path))
    return found


def _head_blobs(repo: str) -> set[str]:
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", "HEAD", check=False)
    return {
        entry.split(b"\t", 1)[0].split(b" ")[2].decode()
        for entry in out.split(b"\0")
        if entry.count(b" ") >= 2 and b"\t" in entry
    }


def _added_by(repo: str, oids: set[str]) -> dict[str, tuple[str, str]]:
    """oid -> (commit, path) of the oldest commit that added it."""
    found: dict[str, tuple[str, str]] = {}
    for commit, oid, path in additions(repo):
        if oid in oids:
            found[oid] = (commit, path)  # log runs newest first: the last one is the oldest
    return found


def remedy_for(path: str, *, in_head: bool) -> str:
    quoted = shlex.quote(path)
    if in_head:
        return f"git lfs migrate import --everything --include={quoted}"
    return f"git filter-repo --path {quoted} --invert-paths"


def _count_objects(repo: str) -> dict[str, int]:
    out = git(repo, "count-objects", "-v").decode()
    values: dict[str, int] = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if value.strip().isdigit():
            values[key.strip()] = int(value)
    return values


def history_of(
    repo: str, *, threshold: int, stats: bool, objects: bytes | None = None
) -> tuple[list[HistoryBlob], GitStats | None]:
    # The git-sizer summary needs every reachable object; the blob check alone needs far less.
    inv = _inventory(repo, threshold) if stats else None
    big = inv.big if inv is not None else _reachable(repo, _big_objects(repo, threshold, objects))
    blobs: list[HistoryBlob] = []
    if big:
        head = _head_blobs(repo)
        added = _added_by(repo, set(big))
        for oid, (size, disk, seen_path) in big.items():
            commit, path = added.get(oid, (None, seen_path))
            in_head = oid in head
            blobs.append(
                HistoryBlob(
                    path=path,
                    bytes=size,
                    disk_bytes=disk,
                    repo=repo,
                    object=oid,
                    commit=commit,
                    in_head=in_head,
                    remedy=remedy_for(path, in_head=in_head),
                )
            )
    summary = None
    if inv is not None:
        counted = _count_objects(repo)
        summary = GitStats(
            repo=repo,
            commits=inv.counts.get("commit", 0),
            trees=inv.counts.get("tree", 0),
            blobs=inv.counts.get("blob", 0),
            tags=inv.counts.get("tag", 0),
            blob_bytes=inv.blob_bytes,
            biggest_blob_bytes=inv.biggest[0],
            biggest_blob_path=inv.biggest[1],
            loose_objects=counted.get("count", 0),
            loose_bytes=counted.get("size", 0) * 1024,
            packs=counted.get("packs", 0),
            pack_bytes=counted.get("size-pack", 0) * 1024,
        )
    return blobs, summary


def _one(
    repo: str, threshold: int, stats: bool, prefetched: Prefetch | None = None
) -> tuple[list[HistoryBlob], GitStats | None] | ScanIssue:
    try:
        objects = prefetched.objects(repo) if prefetched is not None else None
        return history_of(repo, threshold=threshold, stats=stats, objects=objects)
    except GitError as exc:
        return ScanIssue(repo, f"{exc}; its history is left out")


def detect(ctx: DetectContext) -> Detected:
    stores: dict[str, str] = {}
    for repo, bare in sorted(ctx.repos.items()):
        stores.setdefault(object_store(repo, bare=bare), repo)
    findings: list[HistoryBlob] = []
    summaries: list[GitStats] = []
    errors: list[ScanIssue] = []

    def one(repo: str) -> tuple[list[HistoryBlob], GitStats | None] | ScanIssue:
        return _one(repo, ctx.large, ctx.git_stats, ctx.git)

    repos = sorted(stores.values())
    # Prefetched, what is left is mostly Python work (git runs again only for a big blob):
    # threads would take turns holding the GIL, after costing 5 ms to import.
    for got in [one(repo) for repo in repos] if ctx.git is not None else per_repo(one, repos):
        if isinstance(got, ScanIssue):
            errors.append(got)
            continue
        findings.extend(got[0])
        if got[1] is not None:
            summaries.append(got[1])
    findings.sort(key=lambda b: (-b.bytes, b.repo, b.path))
    extra: dict[str, object] = {"git_stats": summaries} if ctx.git_stats else {}
    return Detected(findings=tuple(findings), errors=tuple(errors), extra=extra)
