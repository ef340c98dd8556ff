"""The scan engine: walk -> detect -> findings. Returns a `ScanResult`; never prints.

The walk proposes candidates by the rule table; then each candidate must survive the checks that
need more than names: git (a folder holding tracked files is never an artifact), `.hygieneignore`
and `protect`, and nested repositories. A candidate refused for holding tracked files is walked
again, so the artifacts inside it (an untracked `__pycache__` in a tracked `build/`) are found.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hygiene.config.layers import Config
from hygiene.detectors import DetectContext, all_detectors
from hygiene.git.prefetch import Prefetch
from hygiene.git.repo import GitError, work_tree_of
from hygiene.model import Artifact, Finding, Precious, ScanIssue, ScanResult, Totals
from hygiene.paths import hygiene_home
from hygiene.rules import Match, Rule, default_index
from hygiene.scan.detect import Classifier
from hygiene.scan.inside import installed
from hygiene.scan.measure import WorkerPool, default_workers
from hygiene.scan.mounts import mount_inside, mount_points, mounts_below
from hygiene.scan.protect import ProtectSet
from hygiene.scan.walk import (
    FileHit,
    FileSeen,
    FolderHit,
    Measure,
    RepoSeen,
    Walker,
    WalkOptions,
)

Progress = Callable[[int, int, str], None]
# Called with each artifact the walk proposes, as it proposes it (`browse` shows rows
# before the scan ends). A candidate is not yet judged: git, `.hygieneignore`, `protect` and
# the filters may still drop it, and the `ScanResult` is the only verdict. Called on the
# scanning thread; it must be cheap and must not raise.
Candidate = Callable[[Artifact], None]


@dataclass(frozen=True)
class Filters:
    older_than: float | None = None  # seconds: keep findings whose newest file is older
    min_size: int | None = None
    ecosystems: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def keep(self, finding: Artifact, now: float) -> bool:
        if self.older_than is not None and finding.newest_mtime > now - self.older_than:
            return False
        if self.min_size is not None and finding.bytes < self.min_size:
            return False
        if self.ecosystems and finding.ecosystem not in self.ecosystems:
            return False
        return not self.categories or finding.category in self.categories


@dataclass(frozen=True)
class ScanRequest:
    roots: tuple[Path, ...]
    config: Config = field(default_factory=Config)
    filters: Filters = field(default_factory=Filters)
    now: float = field(default_factory=time.time)
    # Finding kinds wanted: "artifact" and the detectors' kinds (`hygiene.detectors`).
    kinds: frozenset[str] = frozenset({"artifact"})
    # Threshold for large files and history blobs; None: the config's `large`.
    large: int | None = None
    git_stats: bool = False
    # Worker processes for sizing big artifacts; None: one per CPU (at most 4), 0: none.
    workers: int | None = None
    # `--exclude`: gitignore patterns anchored at each root; a finding at or below a match is
    # left out, whatever its kind.
    exclude: tuple[str, ...] = ()


@dataclass
class WalkHarvest:
    """Everything the walk proposed, before the git and protection checks."""

    folders: list[FolderHit] = field(default_factory=list)
    files: list[FileHit] = field(default_factory=list)
    seen: list[FileSeen] = field(default_factory=list)
    repos: dict[str, bool] = field(default_factory=dict)  # path -> bare
    # Git questions start as repositories are found and make progress between events.
    prefetch: Prefetch | None = None
    candidate: Candidate | None = None
    # Paths already proposed to `candidate` early (`Walker.early`): each is proposed once.
    proposed: set[str] = field(default_factory=set)

    def early(self, hit: FolderHit | FileHit) -> None:
        """A hit in a worker's answer, proposed as it comes back rather than when the walk
        yields it; the walk's own order still makes the result."""
        if self.candidate is None or hit.match.rule.precious or hit.path in self.proposed:
            return
        self.proposed.add(hit.path)
        self.candidate(_folder_artifact(hit) if isinstance(hit, FolderHit) else _file_artifact(hit))

    def take(self, events: Iterable[object]) -> None:
        prefetch = self.prefetch
        candidate = self.candidate
        proposed = self.proposed
        for event in events:
            if prefetch is not None:
                prefetch.pump()
            if isinstance(event, FolderHit):
                self.folders.append(event)
                if (
                    candidate is not None
                    and not event.match.rule.precious
                    and event.path not in proposed
                ):
                    candidate(_folder_artifact(event))
            elif isinstance(event, FileHit):
                self.files.append(event)
                if (
                    candidate is not None
                    and not event.match.rule.precious
                    and event.path not in proposed
                ):
                    candidate(_file_artifact(event))
            elif isinstance(event, FileSeen):
                self.seen.append(event)
            elif isinstance(event, RepoSeen):
                self.repos[event.path] = event.bare
                if prefetch is not None:
                    prefetch.saw(event.path, event.bare)


def _artifact(
    match: Match,
    path: str,
    repo: str | None,
    *,
    folder: bool,
    bytes: int,
    disk: int,
    reclaimable: int,
    files: int,
    newest: float,
    device: int,
    inode: int,
    holds: tuple[tuple[str, str], ...] = (),
) -> Artifact:
    rule = match.rule
    return Artifact(
        path=path,
        bytes=bytes,
        disk_bytes=disk,
        reclaimable_bytes=reclaimable,
        files=files,
        newest_mtime=newest,
        ecosystem=rule.ecosystem,
        category=rule.category,
        rule=rule.id,
        reason=match.reason,
        recreate=rule.recreate,
        repo=repo,
        folder=folder,
        device=device,
        inode=inode,
        holds=holds,
    )


def _folder_artifact(hit: FolderHit) -> Artifact:
    m = hit.measure
    return _artifact(
        hit.match,
        hit.path,
        hit.repo,
        folder=True,
        bytes=m.bytes,
        disk=m.disk_bytes,
        reclaimable=m.reclaimable,
        files=m.files,
        newest=m.newest_mtime,
        device=hit.device,
        inode=hit.inode,
        # A package's own files do not keep it, but nobody ships unsaved work: a swap file
        # below node_modules/<package>/ is an edit in place an editor left (patch-package).
        holds=tuple(p for p in m.precious if p[1] == "recovery" or not installed(hit.path, p[0]))
        + _foreign(hit.path, hit.match.rule),
    )


@functools.cache
def _own_names(only: str) -> Callable[[str], re.Match[str] | None]:
    return re.compile(only).fullmatch


def _foreign(folder: str, rule: Rule) -> tuple[tuple[str, str], ...]:
    """What lies directly in `folder` that its tool does not write there (`Rule.only`), or
    what it wrote from a source that is gone (`Rule.only_from`): one listing of a small folder
    and a look for each source, for the few rules whose only evidence is the folder's name."""
    if not rule.only:
        return ()
    own = _own_names(rule.only)
    above = os.path.dirname(folder)
    sources: dict[str, bool] = {}

    def why_not(entry: os.DirEntry[str]) -> str | None:
        named = own(entry.name)
        if named is None or entry.is_dir(follow_symlinks=False):
            return f"not {rule.ecosystem}'s own"
        if not rule.only_from:
            return None
        stem = named["module"] + (named.groupdict().get("ext") or "")
        if stem not in sources:
            sources[stem] = any(
                os.path.lexists(os.path.join(above, stem + suffix)) for suffix in rule.only_from
            )
        return None if sources[stem] else f"its source {stem}{rule.only_from[0]} is gone"

    try:
        with os.scandir(folder) as entries:
            found = [(entry.path, why) for entry in entries if (why := why_not(entry))]
    except OSError as exc:
        found = [(folder, f"cannot be read: {exc.strerror or exc}")]
    return tuple(found)


def _file_artifact(hit: FileHit) -> Artifact:
    st = hit.st
    disk = st.st_blocks * 512
    return _artifact(
        hit.match,
        hit.path,
        hit.repo,
        folder=False,
        bytes=st.st_size,
        disk=disk,
        reclaimable=disk if st.st_nlink == 1 else 0,
        files=1,
        newest=st.st_mtime,
        device=st.st_dev,
        inode=st.st_ino,
    )


def _tracked(
    hits: Sequence[FolderHit | FileHit], errors: list[ScanIssue], prefetch: Prefetch
) -> set[str]:
    """Paths among `hits` that git tracks or that hold tracked files. Unknown counts as tracked.

    Answered from each repository's whole `ls-files`, started during the walk and shared with
    the detectors: no git process per pass of the veto loop.
    """
    by_repo: dict[str, list[str]] = {}
    for hit in hits:
        if hit.repo is not None:
            by_repo.setdefault(hit.repo, []).append(hit.path)
    held: set[str] = set()
    for repo, paths in by_repo.items():
        try:
            index = prefetch.tracked(repo)
        except GitError as exc:
            held.update(paths)
            errors.append(ScanIssue(repo, f"{exc}; its findings are left out"))
            continue
        # Every hit lies below its repository: a slice, not relpath's normalising per path.
        cut = len(repo.rstrip(os.sep)) + 1
        held.update(p for p in paths if index.holds(p[cut:]))
    return held


def _detecting(request: ScanRequest) -> bool:
    return request.git_stats or bool(request.kinds - {"artifact"})


def _while_walking(prefetch: Prefetch, request: ScanRequest) -> Callable[[], None]:
    """What this process does while its workers walk: git's questions make progress, and the
    detectors are imported, off the path after the walk (docs/architecture.md)."""
    importing = _detecting(request)

    def idle() -> None:
        nonlocal importing
        prefetch.pump()
        if importing:
            importing = False
            all_detectors()

    return idle


def scan(
    request: ScanRequest, *, progress: Progress | None = None, candidate: Candidate | None = None
) -> ScanResult:
    config = request.config
    large = request.large if request.large is not None else config.large
    workers = default_workers() if request.workers is None else request.workers
    pool = WorkerPool(workers) if workers > 0 else None
    prefetch = Prefetch(request.kinds, git_stats=request.git_stats)
    walker = Walker(
        Classifier(default_index()),
        WalkOptions(
            cross_mounts=config.cross_mounts,
            large=large if "large-file" in request.kinds else None,
            sqlite_shaped="database" in request.kinds,
            progress=progress,
            idle=_while_walking(prefetch, request),
        ),
        pool=pool,
        skip=frozenset({os.path.realpath(hygiene_home())}),
    )
    try:
        return _scan(request, walker, prefetch, candidate)
    finally:
        prefetch.close()  # kills and reaps any git still running (an error, Ctrl-C)
        if pool is not None:
            pool.close()


def _scan(
    request: ScanRequest, walker: Walker, prefetch: Prefetch, candidate: Candidate | None
) -> ScanResult:
    config = request.config
    harvest = WalkHarvest(prefetch=prefetch, candidate=candidate)
    if candidate is not None:
        walker.early = harvest.early
    # Resolved first: through a symlinked root, the repository above the real folder would go
    # unseen, and with it the check that nothing git tracks is ever reported.
    roots = tuple(dict.fromkeys(os.path.realpath(r) for r in request.roots))
    for root in roots:
        around = work_tree_of(os.path.realpath(root))
        if around is not None:
            prefetch.saw(around, False)
        _count_root(walker, root)
        harvest.take(walker.walk(root, repo=around))
    prefetch.walked()

    errors = walker.errors
    artifacts, precious = _veto(request, roots, walker, prefetch, harvest, candidate)
    excluded = _excluder(roots, request.exclude)
    kept = [
        a for a in artifacts if request.filters.keep(a, request.now) and not excluded(a.path, True)
    ]
    kept.sort(key=lambda a: (-a.bytes, a.path))
    if "artifact" not in request.kinds:
        kept = []
    findings: list[Finding] = list(kept)
    repos = dict(harvest.repos)
    for root in roots:
        around = work_tree_of(os.path.realpath(root))
        if around is not None:
            repos.setdefault(around, False)
    context = DetectContext(
        roots=roots,
        config=config,
        repos=repos,
        seen=tuple(harvest.seen),
        artifacts=tuple(artifacts),
        precious=tuple(precious),
        large=request.large if request.large is not None else config.large,
        git_stats=request.git_stats,
        now=request.now,
        git=prefetch,
    )
    extra = _detect(request, context, findings, errors, excluded)
    # A repository refused on every pass of the veto loop is reported once.
    errors[:] = sorted(set(errors), key=lambda issue: (issue.path, issue.message))
    return ScanResult(
        roots=roots,
        findings=tuple(findings),
        totals=_totals(walker.totals, findings, kept),
        errors=tuple(errors),
        repos=tuple(sorted(repos)),
        precious=tuple(precious),
        extra=extra,
        refused=_refused(repos, prefetch, [*artifacts, *precious]),
    )


def _veto(
    request: ScanRequest,
    roots: tuple[str, ...],
    walker: Walker,
    prefetch: Prefetch,
    harvest: WalkHarvest,
    candidate: Candidate | None,
) -> tuple[list[Artifact], list[Precious]]:
    """The walk's hits judged by git, mounts and `protect`: the artifacts that stand, and the
    precious hits. A refused build or cache folder is walked again to find what is inside."""
    mounts = mounts_below(roots, mount_points())  # every hit lies below a root
    protect = ProtectSet.build(roots, harvest.repos, request.config.protect)
    artifacts: list[Artifact] = []
    precious: list[Precious] = []
    pending_folders, pending_files = harvest.folders, harvest.files
    while pending_folders or pending_files:
        tracked = _tracked([*pending_folders, *pending_files], walker.errors, prefetch)
        rewalk: list[FolderHit] = []
        for hit in pending_folders:
            rule = hit.match.rule
            if rule.precious:
                precious.append(Precious(hit.path, rule.category, rule.id, hit.repo, True))
                continue
            refused = (
                hit.path in tracked
                or hit.measure.contains_repo
                or mount_inside(hit.path, mounts) is not None
            )
            if refused or protect.covers(hit.path, folder=True):
                # Walk a refused build or cache folder again to find what is inside it; the
                # insides of dependency folders and virtualenvs are never judged on their own.
                if refused and rule.category in ("build", "cache", "junk"):
                    rewalk.append(hit)
                continue
            artifacts.append(_folder_artifact(hit))
        for fhit in pending_files:
            rule = fhit.match.rule
            if rule.precious:
                precious.append(Precious(fhit.path, rule.category, rule.id, fhit.repo, False))
                continue
            if fhit.path in tracked or protect.covers(fhit.path, folder=False):
                continue
            artifacts.append(_file_artifact(fhit))
        again = WalkHarvest(prefetch=prefetch, candidate=candidate, proposed=harvest.proposed)
        if candidate is not None:
            walker.early = again.early
        for hit in rewalk:
            again.take(walker.walk(hit.path, repo=hit.repo))
        harvest.seen.extend(again.seen)
        harvest.repos.update(again.repos)
        pending_folders, pending_files = again.folders, again.files
    return artifacts, precious


def _detect(
    request: ScanRequest,
    context: DetectContext,
    findings: list[Finding],
    errors: list[ScanIssue],
    excluded: Callable[[str, bool], bool],
) -> dict[str, object]:
    """Run the detectors of the kinds asked for; their findings and errors join the lists."""
    extra: dict[str, object] = {}
    # Importing the detectors costs start-up, for nothing when only artifacts are asked.
    for kind, detector in all_detectors() if _detecting(request) else ():
        if kind in request.kinds or (kind == "history-blob" and request.git_stats):
            detected = detector(context)
            if kind in request.kinds:
                findings.extend(
                    f for f in detected.findings if not excluded(_where(f), _is_folder(f))
                )
            errors.extend(detected.errors)
            extra.update(detected.extra)
    return extra


def _totals(t: Measure, findings: list[Finding], kept: list[Artifact]) -> Totals:
    return Totals(
        scanned_files=t.files,
        scanned_dirs=t.dirs,
        scanned_bytes=t.bytes,
        scanned_disk_bytes=t.disk_bytes,
        findings=len(findings),
        artifact_bytes=sum(a.bytes for a in kept),
        artifact_disk_bytes=sum(a.disk_bytes for a in kept),
        reclaimable_bytes=sum(a.reclaimable_bytes for a in kept),
    )


def _where(finding: Finding) -> str:
    """A finding's place in the work tree (a history blob's path is repository-relative)."""
    path = finding.path
    repo = getattr(finding, "repo", None)
    if not os.path.isabs(path) and isinstance(repo, str):
        return os.path.join(repo, path)
    return path


def _is_folder(finding: Finding) -> bool:
    return bool(getattr(finding, "folder", False))


def _excluder(roots: tuple[str, ...], patterns: tuple[str, ...]) -> Callable[[str, bool], bool]:
    """Whether a path, or a folder above it, matches a `--exclude` pattern (gitignore syntax,
    anchored at the root it lies under)."""
    if not patterns:
        return lambda path, folder: False
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(patterns)

    def excluded(path: str, folder: bool) -> bool:
        for root in roots:
            if not path.startswith(root.rstrip(os.sep) + os.sep):
                continue
            parts = os.path.relpath(path, root).replace(os.sep, "/").split("/")
            for i in range(1, len(parts) + 1):
                rel = "/".join(parts[:i])
                if spec.match_file(rel + "/" if i < len(parts) or folder else rel):
                    return True
        return False

    return excluded


def _count_root(walker: Walker, root: str) -> None:
    """A root's own folder entry, as `du -sb ROOT` counts it: the walk counts each folder's
    entries, so every other folder's entry comes from its parent."""
    try:
        st = os.lstat(root)
    except OSError:
        return  # the walk reports it
    t = walker.totals
    t.dirs += 1
    t.bytes += st.st_size
    t.disk_bytes += st.st_blocks * 512


def _refused(
    repos: dict[str, bool], prefetch: Prefetch, found: Sequence[Artifact | Precious]
) -> tuple[tuple[str, str], ...]:
    """The work trees whose tracked files git would not list, with git's own words (root
    scanning a user's repository meets "dubious ownership"). Asked of the answers started during
    the walk: waited for only where something was found to judge, so a git the scan did not
    need never holds it up."""
    holding = {work_tree_of(os.path.dirname(item.path)) for item in found}
    out: list[tuple[str, str]] = []
    for repo, bare in sorted(repos.items()):
        if bare:
            continue
        said = prefetch.listing_refused(repo, wait=repo in holding)
        if said is not None:
            out.append((repo, said))
    return tuple(out)
