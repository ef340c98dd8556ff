"""Tracked junk: files git tracks that should never have been committed.

Two kinds, from two `git ls-files` processes per repository whatever its size:
- files the repository's own ignore rules exclude (`ls-files -ci --exclude-standard`): someone
  committed them before the rule existed, or forced them in;
- files the rule table calls artifacts (`__pycache__/`, `*.pyc`, `.DS_Store`, `node_modules/`),
  judged on the tracked tree itself: a folder's siblings and contents are its tracked names.
A tracked folder is reported once, at its top, with the `git rm --cached` that fixes it (the
index only: the files stay on disk).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from hygiene.detectors import DetectContext, Detected
from hygiene.detectors.ignore_gaps import suggestion_for
from hygiene.git.prefetch import Prefetch
from hygiene.git.repo import LIST_TRACKED, LIST_TRACKED_IGNORED, GitError, git
from hygiene.git.run import per_repo
from hygiene.model import ScanIssue
from hygiene.rules import Match, Rule, default_index
from hygiene.scan.detect import Classifier


@dataclass(frozen=True)
class TrackedArtifact:
    kind: ClassVar[str] = "tracked-artifact"
    path: str
    bytes: int
    disk_bytes: int
    repo: str
    rel: str
    folder: bool
    files: int  # tracked files under it
    rule: str  # a rule id, or "gitignore" when the repository's own rules exclude it
    category: str
    # True when the repository's ignore rules already exclude it; else `suggestion` is the line
    # that keeps it out once untracked.
    ignored: bool
    suggestion: str | None
    fix: str


def _paths(out: bytes) -> list[str]:
    return [p for p in os.fsdecode(out).split("\0") if p]


def _tree(paths: Iterable[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(folder -> names of the tracked files and folders directly inside, folder -> the folders
    among those names); "" is the top."""
    children: dict[str, set[str]] = {"": set()}
    subfolders: dict[str, set[str]] = {}
    for path in paths:
        parent, _, name = path.rpartition("/")
        kids = children.get(parent)
        if kids is not None:
            kids.add(name)
            continue
        children[parent] = {name}
        # A folder seen for the first time: enter it, and any new folder above, in its parent.
        while True:
            above, _, name = parent.rpartition("/")
            subfolders.setdefault(above, set()).add(name)
            kids = children.get(above)
            if kids is not None:
                kids.add(name)
                break
            children[above] = {name}
            parent = above
    return children, subfolders


# Which rule-table verdicts make a tracked path junk. Caches, OS and editor junk and virtualenvs
# are never committed on purpose; build outputs and most dependency folders sometimes are
# (`vendor/` for Go and PHP, `Pods/`, a `build/` of hand-written scripts), so of those only the
# folders nobody commits on purpose count.
JUNK_CATEGORIES = frozenset({"cache", "junk", "virtualenv"})
JUNK_RULES = frozenset({"node.node-modules", "node.bower"})


def _is_junk(match: Match) -> bool:
    return _junk_rule(match.rule)


def _junk_rule(rule: Rule) -> bool:
    return rule.category in JUNK_CATEGORIES or rule.id in JUNK_RULES


def _may_hold_junk(tracked: list[str]) -> bool:
    """False when no tracked name can meet a junk rule, so the tree need not be judged (most
    repositories). Each distinct name is looked up once; a rule matching any folder by what is
    inside it is looked for as a nested name."""
    index = default_index()
    for name in set("/".join(tracked).split("/")):
        if any(_junk_rule(r) for r in index.candidates(name, folder=True)):
            return True
        if index.may_match_file(name) and any(
            _junk_rule(r) for r in index.candidates(name, folder=False)
        ):
            return True
    blob = "\0" + "\0".join(tracked) + "\0"
    return any(
        f"/{marker}\0" in blob or f"/{marker}/" in blob
        for rule in index.anyname
        if _junk_rule(rule)
        for marker in rule.inside
    )


def _judge(
    repo: str, tracked: list[str], *, prefilter: bool = True
) -> dict[str, tuple[Match, bool]]:
    """Top-most tracked folders and files the rule table calls artifacts: rel -> (match, folder)."""
    if prefilter and not _may_hold_junk(tracked):
        return {}
    index = default_index()
    classifier = Classifier(index)
    children, subfolders = _tree(tracked)
    # Most file names repeat across folders and match no rule: ask the table once per name.
    names_maybe: dict[str, bool] = {}
    found: dict[str, tuple[Match, bool]] = {}
    stack = [""]
    while stack:
        folder = stack.pop()
        names = frozenset(children.get(folder, ()))
        prefix = f"{folder}/" if folder else ""
        folders = subfolders.get(folder, set())
        for name in folders:
            rel = prefix + name
            contents = frozenset(children[rel])
            match = classifier.folder(os.path.join(repo, rel), name, names, contents)
            if match is None or (not match.rule.precious and not _is_junk(match)):
                stack.append(rel)  # not junk itself: junk may still be inside
            elif not match.rule.precious:
                found[rel] = (match, True)
        for name in names:
            maybe = names_maybe.get(name)
            if maybe is None:
                maybe = names_maybe[name] = index.may_match_file(name)
            if not maybe or name in folders:
                continue
            fmatch = classifier.file(name, names)
            if fmatch is not None and _is_junk(fmatch):
                found[prefix + name] = (fmatch, False)
    return found


def _top_ignored(ignored: set[str], tracked: list[str]) -> list[str]:
    """Group ignored tracked files under the highest folder whose tracked files all are ignored."""
    if not ignored:
        return []
    total: dict[str, int] = {}
    hits: dict[str, int] = {}
    for path in tracked:
        parts = path.split("/")[:-1]
        bad = path in ignored
        for i in range(1, len(parts) + 1):
            key = "/".join(parts[:i])
            total[key] = total.get(key, 0) + 1
            if bad:
                hits[key] = hits.get(key, 0) + 1
    out: list[str] = []
    for path in sorted(ignored):
        parts = path.split("/")
        top = path
        for i in range(1, len(parts)):
            key = "/".join(parts[:i])
            if hits.get(key, 0) == total[key]:
                top = key
                break
        if top not in out:
            out.append(top)
    return out


def _measure(repo: str, paths: list[str]) -> tuple[int, int, int]:
    """Bytes, disk bytes and count of these tracked files, as they are in the work tree."""
    size = disk = 0
    for path in paths:
        try:
            st = os.lstat(os.path.join(repo, path))
        except OSError:
            continue  # deleted in the work tree, still in the index
        size += st.st_size
        disk += st.st_blocks * 512
    return size, disk, len(paths)


def _ancestors(rel: str) -> Iterable[str]:
    parts = rel.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


def tracked_junk(
    repo: str, *, listing: bytes | None = None, ignored_listing: bytes | None = None
) -> list[TrackedArtifact]:
    """The tracked junk of one work tree; the two `ls-files` outputs are passed when prefetched."""
    tracked = _paths(git(repo, *LIST_TRACKED) if listing is None else listing)
    if ignored_listing is None:
        ignored_listing = git(repo, *LIST_TRACKED_IGNORED)
    ignored = set(_paths(ignored_listing))
    # rel -> (the rule's match, or None for "the repository's own rules exclude it"; folder?)
    groups: dict[str, tuple[Match | None, bool]] = {
        rel: (None, rel not in ignored) for rel in _top_ignored(ignored, tracked)
    }
    groups.update(_judge(repo, tracked))  # a rule's verdict says more than "ignored"
    # Report each folder once, at its top.
    groups = {r: g for r, g in groups.items() if not any(a in groups for a in _ancestors(r))}
    members: dict[str, list[str]] = {rel: [] for rel in groups}
    for path in tracked if groups else ():
        owner = path if path in groups else next((a for a in _ancestors(path) if a in groups), None)
        if owner is not None:
            members[owner].append(path)
    findings: list[TrackedArtifact] = []
    for rel in sorted(groups):
        match, folder = groups[rel]
        inside = members[rel]
        all_ignored = all(p in ignored for p in inside)
        size, disk, files = _measure(repo, inside)
        recurse = "-r " if folder else ""
        findings.append(
            TrackedArtifact(
                path=os.path.join(repo, *rel.split("/")),
                bytes=size,
                disk_bytes=disk,
                repo=repo,
                rel=rel,
                folder=folder,
                files=files,
                rule=match.rule.id if match is not None else "gitignore",
                category=match.rule.category if match is not None else "ignored",
                ignored=all_ignored,
                suggestion=None
                if all_ignored or match is None
                else suggestion_for(rel, match, folder=folder),
                fix=f"git rm --cached {recurse}-q -- {shlex.quote(rel)}",
            )
        )
    return findings


def _one(repo: str, prefetched: Prefetch | None = None) -> list[TrackedArtifact] | ScanIssue:
    try:
        if prefetched is None:
            return tracked_junk(repo)
        listing = prefetched.listing(repo)
        return tracked_junk(repo, listing=listing, ignored_listing=prefetched.ignored_tracked(repo))
    except GitError as exc:
        return ScanIssue(repo, f"{exc}; its tracked files are left out")


def detect(ctx: DetectContext) -> Detected:
    findings: list[TrackedArtifact] = []
    errors: list[ScanIssue] = []
    work_trees = sorted(repo for repo, bare in ctx.repos.items() if not bare)
    prefetched = ctx.git
    if prefetched is not None:
        # Started for every work tree first (the ignore gaps did, when asked for), read after.
        for repo in work_trees:
            prefetched.ask_ignored(repo, [])
    # Prefetched, what is left is Python work: threads would only take turns holding the GIL.
    got_all = (
        [_one(repo, prefetched) for repo in work_trees]
        if prefetched is not None
        else per_repo(_one, work_trees)
    )
    for got in got_all:
        if isinstance(got, ScanIssue):
            errors.append(got)
        else:
            findings.extend(got)
    return Detected(findings=tuple(findings), errors=tuple(errors))
