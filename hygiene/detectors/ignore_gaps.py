"""Ignore gaps: artifacts and precious files in a work tree that no ignore rule covers.

Git itself is asked (one `git check-ignore --stdin -z` for the whole repository), so nested
`.gitignore` files, negations, `.git/info/exclude` and the global excludes file all count exactly
as git counts them. Precious files (secrets, local state) that are neither
tracked nor ignored come first: they are one `git add .` from leaking.

This module is also the engine of the pre-commit hook, so it walks the work tree itself with the
rule table and prunes every candidate folder it finds: nothing is measured until git has said
which candidates are gaps (measuring an ignored `node_modules` on every commit would be waste).
"""

from __future__ import annotations

import fnmatch
import os
import stat as statmod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from hygiene.config.layers import Config
from hygiene.detectors import (
    DetectContext,
    Detected,
    rel_below,
    rule_by_id,
    tracked_among,
)
from hygiene.git.prefetch import Prefetch
from hygiene.git.repo import (
    GitError,
    as_pathspecs,
    check_ignore,
    from_pathspecs,
    holding_tracked,
)
from hygiene.git.run import per_repo
from hygiene.model import ScanIssue
from hygiene.rules import PRECIOUS_CATEGORIES, Match, default_index, is_glob
from hygiene.scan.detect import Classifier
from hygiene.scan.walk import Walker, WalkOptions

# Report order: secrets, then local state, then artifacts.
_RANK: dict[str, int] = {category: i for i, category in enumerate(PRECIOUS_CATEGORIES)}


@dataclass(frozen=True)
class IgnoreGap:
    kind: ClassVar[str] = "ignore-gap"
    path: str  # absolute
    bytes: int
    disk_bytes: int
    repo: str
    rel: str  # repo-relative, "/"-separated
    category: str
    rule: str
    # The exact line to add to the repository's top `.gitignore`.
    suggestion: str


@dataclass(frozen=True)
class _Candidate:
    rel: str
    match: Match
    folder: bool
    size: tuple[int, int] | None = None  # (bytes, disk_bytes) when the scan measured it


def suggestion_for(rel: str, match: Match, *, folder: bool) -> str:
    """The `.gitignore` line that covers `rel` and its kind, and as little else as is safe.

    A name that proves itself (`__pycache__`, `.DS_Store`) is ignored everywhere; a generic name
    that needed evidence beside it (`build` beside `pyproject.toml`, `target` beside
    `Cargo.toml`) is anchored to where it was found, the way `cargo new` writes `/target`.
    """
    rule = match.rule
    if rule.ignore_line:
        return rule.ignore_line
    name = rel.rsplit("/", 1)[-1]
    if rule.names and not rule.beside and not rule.inside:
        if folder:
            return f"{name}/"
        for pattern in rule.names:
            if is_glob(pattern) and fnmatch.fnmatchcase(name, pattern):
                return pattern
        return name
    return f"/{rel}"


def _candidates(repo: str, classifier: Classifier, *, cross_mounts: bool) -> list[_Candidate]:
    """Every folder and file the rule table names, below `repo`, not inside another candidate."""
    found: list[_Candidate] = []
    root_dev = os.lstat(repo).st_dev
    stack: list[tuple[str, str, frozenset[str] | None]] = [(repo, "", None)]
    while stack:
        path, rel, siblings = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError:
            continue  # unreadable: the scan reports it; a hook has nothing to say about it
        names = frozenset(e.name for e in entries)
        if siblings is not None:
            if ".git" in names:
                continue  # a nested repository or submodule answers for itself
            match = classifier.folder(path, rel.rsplit("/", 1)[-1], siblings, names)
            if match is not None:
                found.append(_Candidate(rel, match, True))
                continue
        for entry in entries:
            child = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name == ".git":
                        continue
                    if not cross_mounts and entry.stat(follow_symlinks=False).st_dev != root_dev:
                        continue
                    stack.append((entry.path, child, names))
                    continue
            except OSError:
                continue
            fmatch = classifier.file(entry.name, names)
            if fmatch is not None:
                found.append(_Candidate(child, fmatch, False))
    return found


def _untracked(
    repo: str, candidates: list[_Candidate], classifier: Classifier, *, cross_mounts: bool
) -> list[_Candidate]:
    """Drop tracked candidates; look inside a refused build or cache folder, as the scan does."""
    out: list[_Candidate] = []
    pending = candidates
    while pending:
        held = holding_tracked(repo, [c.rel for c in pending])
        again: list[_Candidate] = []
        for cand in pending:
            if cand.rel not in held:
                out.append(cand)
            elif cand.folder and cand.match.rule.category in ("build", "cache", "junk"):
                inside = os.path.join(repo, cand.rel)
                inner = _candidates(inside, classifier, cross_mounts=cross_mounts)
                again.extend(_Candidate(f"{cand.rel}/{c.rel}", c.match, c.folder) for c in inner)
        pending = again
    return out


def ignored_paths(repo: str, rels: list[str], *, git_args: tuple[str, ...] = ()) -> set[str]:
    """Those of `rels` that git ignores (a path inside an ignored folder counts), in one process."""
    if not rels:
        return set()
    return from_pathspecs(
        check_ignore(repo, as_pathspecs(map(os.fsencode, rels)), git_args=git_args)
    )


def _size(path: str, *, folder: bool, walker: Walker) -> tuple[int, int]:
    try:
        if not folder:
            st = os.lstat(path)
            return st.st_size, st.st_blocks * 512
        st = os.lstat(path)
        if not statmod.S_ISDIR(st.st_mode):
            return st.st_size, st.st_blocks * 512
        m = walker.measure(path, st.st_dev)
        return m.bytes, m.disk_bytes
    except OSError:
        return 0, 0


def _gaps(
    top: str, candidates: list[_Candidate], walker: Walker, prefetched: Prefetch | None = None
) -> list[IgnoreGap]:
    rels = [c.rel for c in candidates]
    if prefetched is None:
        ignored = ignored_paths(top, rels)
    else:
        ignored = prefetched.ignored(top, rels, {c.rel for c in candidates if c.folder})
    gaps: list[IgnoreGap] = []
    for cand in candidates:
        if cand.rel in ignored:
            continue
        path = os.path.join(top, cand.rel)  # POSIX: `rel`'s "/" is the separator
        size, disk = cand.size or _size(path, folder=cand.folder, walker=walker)
        gaps.append(
            IgnoreGap(
                path=path,
                bytes=size,
                disk_bytes=disk,
                repo=top,
                rel=cand.rel,
                category=cand.match.rule.category,
                rule=cand.match.rule.id,
                suggestion=suggestion_for(cand.rel, cand.match, folder=cand.folder),
            )
        )
    gaps.sort(key=lambda g: (_RANK.get(g.category, len(_RANK)), g.rel))
    return gaps


def ignore_gaps_for_repo(repo: Path, *, config: Config) -> list[IgnoreGap]:
    """The ignore gaps of one work tree: secrets, then state, then artifacts, each by path."""
    top = os.path.abspath(repo)
    if not os.path.lexists(os.path.join(top, ".git")):
        return []  # a bare repository has no work tree to leave anything in
    classifier = Classifier(default_index())
    found = _candidates(top, classifier, cross_mounts=config.cross_mounts)
    untracked = _untracked(top, found, classifier, cross_mounts=config.cross_mounts)
    return _gaps(top, untracked, Walker(classifier, WalkOptions(cross_mounts=config.cross_mounts)))


def _repo_gaps(
    repo: str,
    precious: list[_Candidate],
    artifacts: list[_Candidate],
    walker: Walker,
) -> list[IgnoreGap] | ScanIssue:
    try:
        held = tracked_among(repo, [c.rel for c in precious], None)
        wanted = [*(c for c in precious if c.rel not in held), *artifacts]
        return _gaps(repo, wanted, walker)
    except GitError as exc:
        return ScanIssue(repo, f"{exc}; its ignore gaps are left out")


def _prefetched_gaps(
    ctx: DetectContext,
    git: Prefetch,
    by_repo: dict[str, list[_Candidate]],
    precious: dict[str, list[_Candidate]],
    classifier: Classifier,
) -> list[list[IgnoreGap] | ScanIssue]:
    """Every repository's check-ignore started first (tracked junk's answer rides along, so
    every work tree is asked), then each read: the processes run side by side, no threads."""
    wanted: dict[str, list[_Candidate] | ScanIssue] = {}
    for repo in sorted({*by_repo, *precious}):
        own = precious.get(repo, [])
        try:
            held = tracked_among(repo, [c.rel for c in own], git)
        except GitError as exc:
            wanted[repo] = ScanIssue(repo, f"{exc}; its ignore gaps are left out")
            continue
        untracked = [*(c for c in own if c.rel not in held), *by_repo.get(repo, [])]
        wanted[repo] = untracked
        git.ask_ignored(repo, [c.rel for c in untracked], {c.rel for c in untracked if c.folder})
    for repo, bare in sorted(ctx.repos.items()):
        if not bare:
            git.ask_ignored(repo, [])  # nothing when tracked junk is not wanted
    walker = Walker(classifier, WalkOptions(cross_mounts=ctx.config.cross_mounts))
    out: list[list[IgnoreGap] | ScanIssue] = []
    for repo, candidates in wanted.items():
        if isinstance(candidates, ScanIssue):
            out.append(candidates)
            continue
        try:
            out.append(_gaps(repo, candidates, walker, git))
        except GitError as exc:
            out.append(ScanIssue(repo, f"{exc}; its ignore gaps are left out"))
    return out


def detect(ctx: DetectContext) -> Detected:
    """The scan's way in: the artifacts and precious items it already found, asked of git."""
    by_repo: dict[str, list[_Candidate]] = {}
    for artifact in ctx.artifacts:  # already untracked: the scan refused tracked ones
        if artifact.repo is not None:
            rel = rel_below(artifact.repo, artifact.path)
            match = Match(rule_by_id(artifact.rule), artifact.reason)
            size = (artifact.bytes, artifact.disk_bytes)
            by_repo.setdefault(artifact.repo, []).append(
                _Candidate(rel, match, artifact.folder, size)
            )
    precious: dict[str, list[_Candidate]] = {}
    for item in ctx.precious:
        if item.repo is not None:
            rel = rel_below(item.repo, item.path)
            precious.setdefault(item.repo, []).append(
                _Candidate(rel, Match(rule_by_id(item.rule), "precious"), item.folder)
            )
    classifier = Classifier(default_index())
    findings: list[IgnoreGap] = []
    errors: list[ScanIssue] = []
    if ctx.git is not None:
        for repo_found in _prefetched_gaps(ctx, ctx.git, by_repo, precious, classifier):
            if isinstance(repo_found, ScanIssue):
                errors.append(repo_found)
            else:
                findings.extend(repo_found)
        return Detected(findings=tuple(findings), errors=tuple(errors))

    def one(repo: str) -> list[IgnoreGap] | ScanIssue:
        # A walker each: repositories are asked in parallel and a walker keeps counters.
        walker = Walker(classifier, WalkOptions(cross_mounts=ctx.config.cross_mounts))
        return _repo_gaps(repo, precious.get(repo, []), by_repo.get(repo, []), walker)

    for found in per_repo(one, sorted({*by_repo, *precious})):
        if isinstance(found, ScanIssue):
            errors.append(found)
        else:
            findings.extend(found)
    return Detected(findings=tuple(findings), errors=tuple(errors))
