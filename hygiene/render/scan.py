"""`hygiene scan` output: its JSON document and its rich report, one section per finding kind.

rich is imported inside functions, never by the engine.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from hygiene import __version__
from hygiene.model import Artifact, Finding, ScanResult
from hygiene.paths import display
from hygiene.render.human import Column, Fitted, console, shown_path
from hygiene.render.json import SCHEMA, dump, plain
from hygiene.units import format_age, format_bytes

if TYPE_CHECKING:
    from rich.console import Console

    from hygiene.detectors.databases import Database
    from hygiene.detectors.editor import EditorExclude
    from hygiene.detectors.history import GitStats, HistoryBlob
    from hygiene.detectors.ignore_gaps import IgnoreGap
    from hygiene.detectors.large_files import LargeFile
    from hygiene.detectors.secrets import TrackedSecret
    from hygiene.detectors.system import Filesystem, SystemCache
    from hygiene.detectors.tracked import TrackedArtifact

# Fields that exist for hygiene's own re-checks (`clean` refuses an item that changed since the
# scan), not for readers.
_INTERNAL = frozenset({"device", "inode", "holds"})


@functools.cache
def _public_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _INTERNAL)


def finding_dict(finding: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": finding.kind}
    for name in _public_fields(type(finding)):
        out[name] = getattr(finding, name)
    return out


def scan_document(result: ScanResult) -> dict[str, Any]:
    document = {
        "schema": SCHEMA,
        "tool": "hygiene",
        "version": __version__,
        "roots": list(result.roots),
        "findings": [finding_dict(f) for f in result.findings],
        "totals": plain(result.totals),
        "errors": [plain(e) for e in result.errors],
    }
    # Secrets, local state and editors' unsaved work: never collected, reported when found.
    if result.precious:
        document["precious"] = [plain(p) for p in result.precious]
    # Reports that are not findings, present only when asked for (--git-stats, --system).
    for key in ("git_stats", "filesystems"):
        items = result.extra.get(key)
        if isinstance(items, list):
            document[key] = [plain(item) for item in items]
    return document


def dump_scan(result: ScanResult, stream: IO[str]) -> None:
    dump(scan_document(result), stream)


def print_scan(
    result: ScanResult, *, top: int | None = None, verbose: bool = False, sort: str | None = None
) -> None:
    """`top` and `sort` apply to every kind alike (issue 18, item 7); the totals line still
    counts every artifact found."""
    from hygiene.scan.arrange import arrange

    out = console()
    artifacts = [f for f in result.findings if isinstance(f, Artifact)]
    arranged = arrange(result.findings, sort=sort, top=top)
    shown = [f for f in arranged if isinstance(f, Artifact)]
    if shown:
        _print_artifacts(out, shown, result.roots, verbose=verbose, sort=sort)
        out.print(_artifact_summary(result, len(artifacts), top), soft_wrap=True)
    elif not result.findings:
        out.print(f"No artifacts found in {result.totals.scanned_files:,} files.")
    _print_detected(dataclasses.replace(result, findings=arranged), out, verbose=verbose)


def _print_artifacts(
    out: Console,
    artifacts: list[Artifact],
    roots: tuple[str, ...],
    *,
    verbose: bool,
    sort: str | None = None,
) -> None:
    """One table per category, the biggest category first."""
    now = time.time()
    groups: dict[str, list[Artifact]] = defaultdict(list)
    for artifact in artifacts:
        groups[artifact.category].append(artifact)
    ordered = sorted(groups.items(), key=lambda kv: -sum(a.bytes for a in kv[1]))
    for category, items in ordered:
        out.print(_category_table(category, items, roots, now, verbose=verbose, sort=sort))
        out.print()


def _category_table(
    category: str,
    items: list[Artifact],
    roots: tuple[str, ...],
    now: float,
    *,
    verbose: bool,
    sort: str | None = None,
) -> Fitted:
    """A category's artifacts, grouped by ecosystem (the biggest first), each group by size."""
    given = list(items)
    items.sort(key=lambda a: (a.ecosystem, -a.bytes))
    by_eco: dict[str, list[Artifact]] = defaultdict(list)
    for item in items:
        by_eco[item.ecosystem].append(item)
    title = f"{category}: {len(items)} found, {format_bytes(sum(a.bytes for a in items))}"
    columns = ["size", "frees", "files", "age", "ecosystem", "path"]
    if verbose:
        columns += ["why", "make again with"]
    rows: list[list[str]] = []
    groups = sorted(by_eco.items(), key=lambda kv: -sum(a.bytes for a in kv[1]))
    # With --sort, one list in the order given; else by ecosystem (the biggest first), by size.
    ordered = (
        [given]
        if sort is not None
        else [sorted(eco_items, key=lambda a: -a.bytes) for _, eco_items in groups]
    )
    for eco_list in ordered:
        for a in eco_list:
            row = [
                format_bytes(a.bytes),
                format_bytes(a.reclaimable_bytes),
                f"{a.files:,}",
                format_age(now - a.newest_mtime) if a.newest_mtime else "-",
                a.ecosystem,
                shown_path(a.path) + ("/" if a.folder else ""),
            ]
            if verbose:
                row += [a.reason, a.recreate]
            rows.append(row)
    return _table(title, columns, rows)


def _artifact_summary(result: ScanResult, n: int, top: int | None) -> str:
    """The totals line under the artifact tables; `n` counts every artifact, shown or not."""
    t = result.totals
    shown = "" if top is None or top >= n else f" (showing the largest {top})"
    noun = "artifact" if n == 1 else "artifacts"
    return (
        f"{n} {noun}{shown}: {format_bytes(t.artifact_bytes)} "
        f"({format_bytes(t.artifact_disk_bytes)} on disk), "
        f"{format_bytes(t.reclaimable_bytes)} reclaimable; "
        f"{t.scanned_files:,} files, {format_bytes(t.scanned_bytes)} scanned."
    )


# How each column is laid out (issue 18, item 4): numbers and short columns keep their width,
# paths fold, prose wraps; every other column is short. Commands are not columns: each is printed
# whole on a line of its own under its table, to be copied.
_NUMBERS = frozenset(
    {"size", "files", "free", "frees", "reclaimable", "used", "blob size", "commits", "trees"}
    | {"blobs", "biggest", "packs", "on disk", "age", "full"}
)
_PATHS = frozenset(
    {"path", "folder", "repo", "which", "mount", "files.watcherExclude", "search.exclude"}
)
_TEXT = frozenset({"why", "make again with", "error", "rule"})


def _kind(name: str) -> str:
    if name in _NUMBERS:
        return "number"
    return "path" if name in _PATHS else "text" if name in _TEXT else "short"


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Fitted:
    return Fitted(title, [Column(name, _kind(name)) for name in columns], rows)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Section(NamedTuple):
    table: Fitted
    notes: list[str]  # lines printed under the table


class _View(NamedTuple):
    roots: tuple[str, ...]
    now: float
    verbose: bool


def _ignore_gaps(gaps: Sequence[IgnoreGap], view: _View) -> Section:
    rows = [
        [g.category, format_bytes(g.bytes), shown_path(g.path), g.suggestion]
        + ([g.rule] if view.verbose else [])
        for g in gaps
    ]
    title = f"ignore gaps: {_count(len(gaps), 'path')} no ignore rule covers (secrets first)"
    hint = ["`hygiene fix --apply` adds the lines to each repository's top .gitignore."]
    columns = ["category", "size", "path", "add line", *(["rule"] if view.verbose else [])]
    return Section(_table(title, columns, rows), hint)


def _tracked(tracked: Sequence[TrackedArtifact], view: _View) -> Section:
    rows = [
        [
            t.category,
            f"{t.files:,}",
            format_bytes(t.bytes),
            shown_path(t.path) + ("/" if t.folder else ""),
        ]
        for t in tracked
    ]
    title = f"tracked junk: {_count(len(tracked), 'committed artifact')}"
    hint = ["Fix each in its repository (the index only; the files stay on disk):"]
    for repo in dict.fromkeys(t.repo for t in tracked):
        hint.append(f"in {shown_path(repo)}:")
        hint += [f"  {t.fix}" for t in tracked if t.repo == repo]
    return Section(_table(title, ["category", "files", "size", "path"], rows), hint)


def _tracked_secrets(secrets: Sequence[TrackedSecret], view: _View) -> Section:
    """Never the value: what it is, where, and whether it was committed (issue 18, item 3)."""
    rows = [
        [
            s.secret,
            "yes" if s.tracked else "no",
            "yes" if s.in_head or s.commit else "no",
            format_bytes(s.bytes),
            shown_path(s.path),
        ]
        for s in secrets
    ]
    title = f"tracked secrets: {_count(len(secrets), 'secret')} git has (rotate them)"
    remedies = [f"remedy ({display(s.rel)}): {s.remedy}" for s in secrets]
    return Section(_table(title, ["what", "tracked", "committed", "size", "path"], rows), remedies)


def _large_files(large: Sequence[LargeFile], view: _View) -> Section:
    rows = [
        [
            format_bytes(f.bytes),
            "yes" if f.tracked else "no",
            "yes" if f.lfs else "no",
            f.product or "-",
            shown_path(f.path),
        ]
        for f in large
    ]
    title = f"large files: {len(large)}, {format_bytes(sum(f.bytes for f in large))}"
    columns = ["size", "tracked", "lfs", "what", "path"]
    return Section(_table(title, columns, rows), [])


def _history_blobs(blobs: Sequence[HistoryBlob], view: _View) -> Section:
    rows = [
        [
            format_bytes(b.bytes),
            "yes" if b.in_head else "no",
            (b.commit or "-")[:10],
            shown_path(b.repo),
            display(b.path),
        ]
        for b in blobs
    ]
    title = f"history blobs: {_count(len(blobs), 'big blob')} every clone carries"
    remedies = [f"remedy ({display(b.path)}): {b.remedy}" for b in blobs]
    columns = ["size", "in HEAD", "commit", "repo", "path"]
    return Section(_table(title, columns, rows), remedies)


def _editor_excludes(editor: Sequence[EditorExclude], view: _View) -> Section:
    rows = [
        [
            format_bytes(e.bytes),
            f"{e.files:,}",
            shown_path(e.path),
            e.watcher_exclude or "-",
            e.search_exclude or "-",
        ]
        for e in editor
    ]
    title = f"editor excludes: {_count(len(editor), 'big folder')} VS Code watches or searches"
    columns = ["size", "files", "folder", "files.watcherExclude", "search.exclude"]
    return Section(_table(title, columns, rows), [])


def _databases(dbs: Sequence[Database], view: _View) -> Section:
    rows = [
        [
            format_bytes(d.bytes),
            "-" if d.free_bytes is None else format_bytes(d.free_bytes),
            "-" if d.reclaimable_bytes is None else format_bytes(d.reclaimable_bytes),
            d.journal_mode or "-",
            shown_path(d.path),
            d.error or "",
        ]
        for d in dbs
    ]
    title = f"dev databases: {_count(len(dbs), 'SQLite file')}"
    columns = ["size", "free", "reclaimable", "journal", "path", "error"]
    hint = ["VACUUM gives the reclaimable space back (`hygiene db vacuum`)."]
    return Section(_table(title, columns, rows), hint)


def _system_caches(caches: Sequence[SystemCache], view: _View) -> Section:
    rows = [
        [
            c.tool,
            format_bytes(c.bytes),
            f"{c.files:,}",
            format_age(view.now - c.newest_mtime) if c.newest_mtime else "-",
            display(c.path),
        ]
        for c in caches
    ]
    title = f"machine-wide caches: {format_bytes(sum(c.bytes for c in caches))}"
    columns = ["tool", "size", "files", "age", "path"]
    hint = ["Clean each with its tool's own command:"]
    hint += [f"  {recreate}" for recreate in dict.fromkeys(c.recreate for c in caches)]
    return Section(_table(title, columns, rows), hint)


# The section for each detector's finding kind, in report order. A section gets only findings
# of its own kind (grouped by `kind`), hence `Any` here for the kind's own class.
# tests/scan/test_scan_render.py checks that every kind in `hygiene.detectors.ALL_KINDS` has one.
SECTIONS: dict[str, Callable[[Sequence[Any], _View], Section]] = {
    "ignore-gap": _ignore_gaps,
    "tracked-artifact": _tracked,
    "tracked-secret": _tracked_secrets,
    "large-file": _large_files,
    "history-blob": _history_blobs,
    "editor-exclude": _editor_excludes,
    "database": _databases,
    "system-cache": _system_caches,
}


def detected_sections(result: ScanResult, *, verbose: bool) -> list[Section]:
    """A section for each detector's finding kind present, in report order."""
    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_kind[finding.kind].append(finding)
    view = _View(result.roots, time.time(), verbose)
    return [render(by_kind[kind], view) for kind, render in SECTIONS.items() if by_kind[kind]]


def _print_detected(result: ScanResult, out: Console, *, verbose: bool) -> None:
    """The detectors' sections, then the reports that are not findings, when present."""
    for table, notes in detected_sections(result, verbose=verbose):
        out.print()
        out.print(table)
        for line in notes:
            out.print(line, soft_wrap=True, markup=False)
    stats = result.extra.get("git_stats")
    if isinstance(stats, list) and stats:
        out.print()
        out.print(_git_stats_table(stats, result.roots))
    filesystems = result.extra.get("filesystems")
    if isinstance(filesystems, list) and filesystems:
        out.print()
        out.print(_filesystems_table(filesystems))


def _git_stats_table(stats: list[GitStats], roots: tuple[str, ...]) -> Fitted:
    rows = [
        [
            shown_path(s.repo),
            f"{s.commits:,}",
            f"{s.trees:,}",
            f"{s.blobs:,}",
            format_bytes(s.blob_bytes),
            format_bytes(s.biggest_blob_bytes),
            display(s.biggest_blob_path or "-"),
            f"{s.packs}",
            format_bytes(s.pack_bytes + s.loose_bytes),
        ]
        for s in stats
    ]
    columns = ["repo", "commits", "trees", "blobs", "blob size", "biggest", "which", "packs"]
    return _table("git stats", [*columns, "on disk"], rows)


def _filesystems_table(filesystems: list[Filesystem]) -> Fitted:
    rows = [
        [
            display(f.mountpoint),
            format_bytes(f.used),
            format_bytes(f.total),
            format_bytes(f.free),
            f"{f.percent:.0f}%",
        ]
        for f in filesystems
    ]
    return _table("filesystems", ["mount", "used", "size", "free", "full"], rows)
