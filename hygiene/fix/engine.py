"""`hygiene fix`: close ignore gaps, untrack committed junk, add editor excludes.

Decide, then act. `plan_fixes` turns findings into a per-repository plan and writes nothing (a
dry run is that plan rendered); `apply_fixes` carries it out and yields one outcome per action.
Every action is idempotent, so a second run finds nothing left to do:
- `.gitignore`: only missing lines, under one `# added by hygiene` block (`hygiene.fix.ignorefile`);
- `git rm -r --cached`: the index only, never a file on disk;
- `.vscode/settings.json`: keys added in place keeping comments and layout (`hygiene.fix.jsonc`);
  when that cannot be done safely the file is left alone and the snippet is returned instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hygiene.detectors.editor import SEARCH_KEY, WATCHER_KEY, EditorExclude
from hygiene.detectors.ignore_gaps import IgnoreGap
from hygiene.detectors.tracked import TrackedArtifact
from hygiene.fix.atomicwrite import WriteRefused, edit_in_repo
from hygiene.fix.ignorefile import append_lines, missing_lines
from hygiene.fix.jsonc import JsoncError, add_members, loads
from hygiene.git.repo import GitError, git
from hygiene.model import Finding


@dataclass(frozen=True)
class RepoFix:
    repo: str
    gitignore: str
    add_lines: tuple[str, ...] = ()
    untrack: tuple[str, ...] = ()  # repository-relative paths for `git rm -r --cached`
    settings: str | None = None
    watcher_entries: tuple[str, ...] = ()
    search_entries: tuple[str, ...] = ()
    # The repository folder's (device, inode) when planned: every write checks it is still the
    # folder reached by that path (a folder above swapped for a link leads elsewhere).
    repo_id: tuple[int, int] | None = None

    @property
    def empty(self) -> bool:
        return not (self.add_lines or self.untrack or self.watcher_entries or self.search_entries)


@dataclass(frozen=True)
class FixPlan:
    repos: tuple[RepoFix, ...]
    # Submodules with something to fix, left alone unless `recurse_submodules` was asked:
    # their files belong to another repository, committed there.
    submodules: tuple[str, ...] = ()


def is_submodule(repo: str) -> bool:
    """The work tree at `repo` is a submodule checked out inside another repository's."""
    try:
        return bool(git(repo, "rev-parse", "--show-superproject-working-tree").strip())
    except GitError:
        return False


Status = Literal["done", "skipped", "failed"]


@dataclass(frozen=True)
class FixOutcome:
    repo: str
    action: Literal["gitignore", "untrack", "editor"]
    target: str
    status: Status
    detail: str
    items: tuple[str, ...] = ()
    # For a skipped editor edit: the JSON to paste by hand.
    snippet: str | None = None


@dataclass
class _Draft:
    lines: list[str] = field(default_factory=list)
    untrack: list[str] = field(default_factory=list)
    settings: str | None = None
    watcher: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)


def _add(items: list[str], item: str | None) -> None:
    if item is not None and item not in items:
        items.append(item)


def plan_fixes(findings: Iterable[Finding], *, recurse_submodules: bool = False) -> FixPlan:
    """What `--apply` would do, per repository. Reads the `.gitignore` files; writes nothing."""
    drafts: dict[str, _Draft] = {}
    for finding in findings:
        if isinstance(finding, IgnoreGap):
            _add(drafts.setdefault(finding.repo, _Draft()).lines, finding.suggestion)
        elif isinstance(finding, TrackedArtifact):
            draft = drafts.setdefault(finding.repo, _Draft())
            _add(draft.untrack, finding.rel)
            _add(draft.lines, finding.suggestion)  # so the untracked files stay out
        elif isinstance(finding, EditorExclude):
            draft = drafts.setdefault(finding.repo, _Draft())
            draft.settings = finding.settings
            _add(draft.watcher, finding.watcher_exclude)
            _add(draft.search, finding.search_exclude)
    fixes: list[RepoFix] = []
    submodules: list[str] = []
    for repo in sorted(drafts):
        draft = drafts[repo]
        if not recurse_submodules and is_submodule(repo):
            submodules.append(repo)
            continue
        gitignore = os.path.join(repo, ".gitignore")
        try:
            st = os.stat(repo)
            repo_id: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            repo_id = None
        fix = RepoFix(
            repo=repo,
            repo_id=repo_id,
            gitignore=gitignore,
            add_lines=tuple(missing_lines(Path(gitignore), draft.lines)),
            untrack=tuple(draft.untrack),
            settings=draft.settings,
            watcher_entries=tuple(draft.watcher),
            search_entries=tuple(draft.search),
        )
        if not fix.empty:
            fixes.append(fix)
    return FixPlan(tuple(fixes), tuple(submodules))


def editor_snippet(fix: RepoFix) -> str:
    snippet: dict[str, dict[str, bool]] = {}
    if fix.watcher_entries:
        snippet[WATCHER_KEY] = dict.fromkeys(fix.watcher_entries, True)
    if fix.search_entries:
        snippet[SEARCH_KEY] = dict.fromkeys(fix.search_entries, True)
    return json.dumps(snippet, indent=4)


def _crlf(text: str) -> bool:
    """Every line ends in CRLF (a mixed file is edited as it is)."""
    return "\r\n" in text and text.count("\n") == text.count("\r\n")


def _settings_change(fix: RepoFix, failure: list[str]) -> Callable[[str], str | None]:
    """The edit of `settings.json` as `edit_in_repo` applies it, to the text read through the
    descriptor it then writes: None (nothing written) when it cannot be made safely."""

    def change(original: str) -> str | None:
        crlf = _crlf(original)
        # jsonc inserts "\n" lines: a CRLF file is edited as LF and given its CRLF back.
        text: str | None = original.replace("\r\n", "\n") if crlf else original
        try:
            loads(text or "")
        except JsoncError as exc:
            failure.append(f"left alone: {exc}")
            return None
        for key, entries in (
            (WATCHER_KEY, fix.watcher_entries),
            (SEARCH_KEY, fix.search_entries),
        ):
            if entries and text is not None:
                text = add_members(text, key, dict.fromkeys(entries, True))
        if text is None:
            failure.append(
                "left alone: cannot add the keys without disturbing it; paste the snippet"
            )
            return None
        return text.replace("\n", "\r\n") if crlf else text

    return change


def _edit_settings(fix: RepoFix) -> FixOutcome:
    assert fix.settings is not None
    target = fix.settings
    snippet = editor_snippet(fix)
    items = (*fix.watcher_entries, *fix.search_entries)
    failure: list[str] = []
    rel = os.path.relpath(target, fix.repo)
    if rel.startswith(".."):
        reason = "left alone: outside the repository"
        return FixOutcome(fix.repo, "editor", target, "skipped", reason, items, snippet)
    try:
        changed = edit_in_repo(fix.repo, rel, _settings_change(fix, failure), expect=fix.repo_id)
    except WriteRefused as exc:
        reason = f"left alone: {exc.filename} {exc.strerror}"
        return FixOutcome(fix.repo, "editor", target, "skipped", reason, items, snippet)
    except UnicodeDecodeError as exc:
        reason = f"left alone: not UTF-8 ({exc.reason})"
        return FixOutcome(fix.repo, "editor", target, "skipped", reason, items, snippet)
    except OSError as exc:
        return FixOutcome(fix.repo, "editor", target, "failed", str(exc), items, snippet)
    if failure:
        return FixOutcome(fix.repo, "editor", target, "skipped", failure[0], items, snippet)
    if not changed:
        return FixOutcome(fix.repo, "editor", target, "done", "already there", ())
    return FixOutcome(fix.repo, "editor", target, "done", f"added {len(items)} entries", items)


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def apply_fixes(plan: FixPlan) -> Iterator[FixOutcome]:
    for fix in plan.repos:
        if fix.add_lines:
            try:
                added = append_lines(Path(fix.gitignore), fix.add_lines, expect=fix.repo_id)
                detail = f"added {len(added)} lines" if added else "already there"
                yield FixOutcome(fix.repo, "gitignore", fix.gitignore, "done", detail, tuple(added))
            except WriteRefused as exc:
                detail = f"{exc.filename} {exc.strerror}"
                yield FixOutcome(fix.repo, "gitignore", fix.gitignore, "failed", detail)
            except OSError as exc:
                yield FixOutcome(fix.repo, "gitignore", fix.gitignore, "failed", str(exc))
        if fix.untrack:
            try:
                if fix.repo_id is not None and _identity(fix.repo) != fix.repo_id:
                    raise GitError(f"{fix.repo}: another folder than the one planned; not run")
                # --cached: the index only; the files stay where they are. Literal pathspecs: a
                # file named `out[1]` must not untrack `out1` too.
                git(
                    fix.repo,
                    "--literal-pathspecs",
                    "rm",
                    "-r",
                    "--cached",
                    "-q",
                    "--ignore-unmatch",
                    "--",
                    *fix.untrack,
                )
                detail = f"untracked {len(fix.untrack)} paths (files kept on disk)"
                yield FixOutcome(fix.repo, "untrack", fix.repo, "done", detail, fix.untrack)
            except GitError as exc:
                yield FixOutcome(fix.repo, "untrack", fix.repo, "failed", str(exc), fix.untrack)
        if fix.settings is not None and (fix.watcher_entries or fix.search_entries):
            yield _edit_settings(fix)
