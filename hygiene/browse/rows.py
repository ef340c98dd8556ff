"""The rows `browse` shows: one per finding, filtered, sorted and grouped; pure, no UI, no disk.

A row starts as a *candidate* (the walk proposed it; git and the guard have not spoken), becomes
*ready* or *kept* when the scan's verdict and the plan arrive, and then *gone*, *refused* or
*restored* as the user acts. Only the plan decides what may go; this model only remembers what
it said, so the screen can show each reason on its row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from hygiene.model import Artifact, Finding
from hygiene.render.human import short_path  # plain text; rich is imported only to print

State = Literal["candidate", "ready", "kept", "gone", "refused", "restored", "fixed"]
Group = Literal["none", "repo", "kind", "ecosystem"]
Sort = Literal["size", "age", "path"]
GROUPS: tuple[Group, ...] = ("none", "repo", "kind", "ecosystem")
SORTS: tuple[Sort, ...] = ("size", "age", "path")
# Finding kinds `hygiene fix` repairs (an edit to .gitignore, the index or VS Code settings).
FIXABLE = frozenset({"ignore-gap", "tracked-artifact", "editor-exclude"})
# The states a user's action gives a row; a new verdict on the same scan keeps them.
DONE: frozenset[State] = frozenset({"gone", "refused", "restored", "fixed"})


def _text(finding: Finding, *names: str) -> str | None:
    for name in names:
        value = getattr(finding, name, None)
        if value:
            return str(value)
    return None


def describe(finding: Finding) -> str:
    """Why it was reported, in a few words, whatever its kind."""
    if isinstance(finding, Artifact):
        return finding.reason
    kind = finding.kind
    if kind == "ignore-gap":
        return f"no ignore rule covers it: add {_text(finding, 'suggestion')}"
    if kind == "tracked-artifact":
        return f"committed {_text(finding, 'category')}: {_text(finding, 'fix')}"
    if kind == "editor-exclude":
        return "VS Code watches or searches it"
    if kind == "history-blob":
        return _text(finding, "remedy") or "a big blob every clone carries"
    if kind == "database":
        return _text(finding, "error") or f"{_text(finding, 'engine')} database"
    if kind == "system-cache":
        return f"clean with: {_text(finding, 'recreate')}"
    return _text(finding, "product", "category") or kind


@dataclass
class Row:
    finding: Finding
    state: State
    note: str = ""  # the plan's reason to keep it, a refusal, where it went

    @property
    def key(self) -> str:
        return f"{self.finding.kind}\0{self.finding.path}"

    @property
    def path(self) -> str:
        return self.finding.path

    @property
    def kind(self) -> str:
        return self.finding.kind

    @property
    def bytes(self) -> int:
        return self.finding.bytes

    @property
    def frees(self) -> int | None:
        value = getattr(self.finding, "reclaimable_bytes", None)
        return value if isinstance(value, int) else None

    @property
    def files(self) -> int | None:
        value = getattr(self.finding, "files", None)
        return value if isinstance(value, int) else None

    @property
    def newest(self) -> float | None:
        value = getattr(self.finding, "newest_mtime", None)
        return float(value) if isinstance(value, (int, float)) and value else None

    @property
    def ecosystem(self) -> str:
        return _text(self.finding, "ecosystem", "tool", "engine") or "-"

    @property
    def repo(self) -> str | None:
        return _text(self.finding, "repo")

    @property
    def reason(self) -> str:
        return self.note or describe(self.finding)

    @property
    def collectable(self) -> bool:
        """An artifact the plan may still move (the guard re-checks it before acting)."""
        return isinstance(self.finding, Artifact) and self.state in ("candidate", "ready")

    @property
    def fixable(self) -> bool:
        return self.kind in FIXABLE and self.state != "fixed"


@dataclass
class Board:
    """Every row of the session and how the user looks at them."""

    roots: tuple[str, ...]
    rows: dict[str, Row] = field(default_factory=dict)
    marked: set[str] = field(default_factory=set)
    text: str = ""
    older_than: float | None = None  # seconds, as `--older-than`
    cutoff: float | None = None  # artifacts newer than this are hidden (now - older_than)
    min_size: int | None = None
    group: Group = "none"
    sort: Sort = "size"

    # --- what the scan says -------------------------------------------------------------------

    def candidate(self, artifact: Artifact) -> None:
        row = Row(artifact, "candidate")
        self.rows.setdefault(row.key, row)

    def listed(self, findings: Iterable[Finding]) -> None:
        """The walk is over: its findings, of every kind, replace the candidates. Artifacts stay
        candidates until the plan speaks; the other kinds need no plan. A candidate the scan
        dropped in the end (git said it holds tracked files) goes, and its mark with it."""
        rows: dict[str, Row] = {}
        for finding in findings:
            row = Row(finding, "candidate" if isinstance(finding, Artifact) else "ready")
            rows[row.key] = row
        self.rows = rows
        self.marked &= rows.keys()

    def settle(self, findings: Iterable[Finding], kept: Mapping[str, str]) -> None:
        """The scan's verdict replaces the candidates; `kept` maps an artifact's path to the
        plan's reason to keep it. A candidate the verdict dropped (tracked, protected) goes.
        What the user did to a row since the walk ended (a fix: those need no plan) stays:
        the verdict was made from the walk, before it."""
        rows: dict[str, Row] = {}
        for finding in findings:
            reason = kept.get(finding.path) if isinstance(finding, Artifact) else None
            row = Row(finding, "kept" if reason else "ready", reason or "")
            done = self.rows.get(row.key)
            if done is not None and done.state in DONE:
                row.state, row.note = done.state, done.note
            rows[row.key] = row
        self.rows = rows
        self.marked &= {k for k, r in rows.items() if r.collectable or r.fixable}

    # --- what the user did --------------------------------------------------------------------

    def toggle(self, keys: Iterable[str]) -> None:
        """Mark the given rows, or unmark them if every one was marked already."""
        chosen = [k for k in keys if k in self.rows and self._markable(self.rows[k])]
        if chosen and all(k in self.marked for k in chosen):
            self.marked.difference_update(chosen)
        else:
            self.marked.update(chosen)

    def _markable(self, row: Row) -> bool:
        return row.collectable

    def marked_rows(self) -> list[Row]:
        return [self.rows[k] for k in sorted(self.marked) if k in self.rows]

    def marked_bytes(self) -> int:
        return sum(r.bytes for r in self.marked_rows())

    def outcome(self, path: str, state: State, note: str) -> None:
        for row in self.rows.values():
            if row.path == path and isinstance(row.finding, Artifact):
                row.state, row.note = state, note
                self.marked.discard(row.key)

    # --- what the screen shows ----------------------------------------------------------------

    def visible(self) -> list[Row]:
        needle = self.text.lower()
        out = [r for r in self.rows.values() if r.state != "gone" and self._passes(r, needle)]
        if self.sort == "size":
            out.sort(key=lambda r: (-r.bytes, r.path))
        elif self.sort == "age":  # oldest first: the likeliest to be forgotten
            out.sort(key=lambda r: (r.newest if r.newest is not None else float("inf"), r.path))
        else:
            out.sort(key=lambda r: (r.path, r.kind))
        return out

    def _passes(self, row: Row, needle: str) -> bool:
        if needle and needle not in row.path.lower() and needle not in row.reason.lower():
            return False
        # `--older-than` and `--min-size` apply to artifacts, as in `scan`.
        if isinstance(row.finding, Artifact):
            if self.min_size is not None and row.bytes < self.min_size:
                return False
            if self.cutoff is not None:
                return row.finding.newest_mtime <= self.cutoff
        return True

    def set_older_than(self, seconds: float | None, now: float) -> None:
        self.older_than = seconds
        self.cutoff = None if seconds is None else now - seconds

    def grouped(self) -> list[tuple[str, list[Row]]]:
        rows = self.visible()
        if self.group == "none":
            return [("", rows)]
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(self._group_of(row), []).append(row)
        return sorted(groups.items(), key=lambda kv: (-sum(r.bytes for r in kv[1]), kv[0]))

    def _group_of(self, row: Row) -> str:
        if self.group == "kind":
            return row.kind
        if self.group == "ecosystem":
            return row.ecosystem
        repo = row.repo
        if repo is None:
            return "(no repository)"
        return short_path(repo, self.roots)
