"""The rich report for people. rich is imported here, inside functions, never by the engine."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from hygiene.model import Artifact, ScanResult
from hygiene.paths import display
from hygiene.units import format_age, format_bytes

if TYPE_CHECKING:
    from rich.console import Console

    from hygiene.fix.engine import FixOutcome, FixPlan


def console() -> Console:
    from rich.console import Console

    # Width from COLUMNS when set (tests fix it); never wrap paths mid-way on a pipe.
    return Console(highlight=False, soft_wrap=False)


def short_path(path: str, roots: tuple[str, ...]) -> str:
    for root in roots:
        if path == root:
            return "."
        if path.startswith(root.rstrip(os.sep) + os.sep):
            return display(os.path.relpath(path, root))
    return display(path)


def print_scan(result: ScanResult, *, top: int | None = None, verbose: bool = False) -> None:
    from rich.table import Table

    out = console()
    artifacts = [f for f in result.findings if isinstance(f, Artifact)]
    if top is not None:
        artifacts = artifacts[:top]
    if not artifacts:
        if not result.findings:
            out.print(f"No artifacts found in {result.totals.scanned_files:,} files.")
        _print_part2(result, out, verbose=verbose)
        return
    now = time.time()
    groups: dict[str, list[Artifact]] = defaultdict(list)
    for artifact in artifacts:
        groups[artifact.category].append(artifact)
    ordered = sorted(groups.items(), key=lambda kv: -sum(a.bytes for a in kv[1]))
    for category, items in ordered:
        items.sort(key=lambda a: (a.ecosystem, -a.bytes))
        by_eco: dict[str, list[Artifact]] = defaultdict(list)
        for item in items:
            by_eco[item.ecosystem].append(item)
        table = Table(
            title=f"{category}: {len(items)} found, {format_bytes(sum(a.bytes for a in items))}",
            title_justify="left",
            show_edge=False,
        )
        table.add_column("size", justify="right")
        table.add_column("frees", justify="right")
        table.add_column("files", justify="right")
        table.add_column("age", justify="right")
        table.add_column("ecosystem")
        table.add_column("path", no_wrap=True)
        if verbose:
            table.add_column("why")
            table.add_column("make again with")
        for _, eco_items in sorted(by_eco.items(), key=lambda kv: -sum(a.bytes for a in kv[1])):
            for a in sorted(eco_items, key=lambda a: -a.bytes):
                row = [
                    format_bytes(a.bytes),
                    format_bytes(a.reclaimable_bytes),
                    f"{a.files:,}",
                    format_age(now - a.newest_mtime) if a.newest_mtime else "-",
                    a.ecosystem,
                    short_path(a.path, result.roots) + ("/" if a.folder else ""),
                ]
                if verbose:
                    row += [a.reason, a.recreate]
                table.add_row(*row)
        out.print(table)
        out.print()
    t = result.totals
    # Part 2 kinds count in `findings` too; this line is about the artifacts.
    n = sum(isinstance(f, Artifact) for f in result.findings)
    shown = "" if top is None or top >= n else f" (showing the largest {top})"
    noun = "artifact" if n == 1 else "artifacts"
    out.print(
        f"{n} {noun}{shown}: {format_bytes(t.artifact_bytes)} "
        f"({format_bytes(t.artifact_disk_bytes)} on disk), "
        f"{format_bytes(t.reclaimable_bytes)} reclaimable; "
        f"{t.scanned_files:,} files, {format_bytes(t.scanned_bytes)} scanned.",
        soft_wrap=True,
    )
    _print_part2(result, out, verbose=verbose)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", show_edge=False)
    for name in columns:
        right = name in ("size", "files", "free", "frees", "reclaimable", "used", "blob size")
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for row in rows:
        # Text, not markup: a gitignore line such as `*.py[cod]` must print as it is.
        table.add_row(*(Text(cell) for cell in row))
    return table


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _part2_sections(result: ScanResult, *, verbose: bool) -> list[tuple[Any, list[str]]]:
    """(table, lines printed after it) for each part 2 kind present, in report order."""
    from hygiene.detectors.databases import Database
    from hygiene.detectors.editor import EditorExclude
    from hygiene.detectors.history import HistoryBlob
    from hygiene.detectors.ignore_gaps import IgnoreGap
    from hygiene.detectors.large_files import LargeFile
    from hygiene.detectors.system import SystemCache
    from hygiene.detectors.tracked import TrackedArtifact

    roots = result.roots
    now = time.time()
    found = result.findings
    sections: list[tuple[Any, list[str]]] = []
    gaps = [f for f in found if isinstance(f, IgnoreGap)]
    if gaps:
        rows = [
            [g.category, format_bytes(g.bytes), short_path(g.path, roots), g.suggestion]
            + ([g.rule] if verbose else [])
            for g in gaps
        ]
        title = f"ignore gaps: {_count(len(gaps), 'path')} no ignore rule covers (secrets first)"
        hint = ["`hygiene fix --apply` adds the lines to each repository's top .gitignore."]
        columns = ["category", "size", "path", "add line", *(["rule"] if verbose else [])]
        sections.append((_table(title, columns, rows), hint))
    tracked = [f for f in found if isinstance(f, TrackedArtifact)]
    if tracked:
        rows = [
            [
                t.category,
                f"{t.files:,}",
                format_bytes(t.bytes),
                short_path(t.path, roots) + ("/" if t.folder else ""),
                t.fix,
            ]
            for t in tracked
        ]
        title = f"tracked junk: {_count(len(tracked), 'committed artifact')}"
        hint = ["Run each fix in its repository (the index only; the files stay on disk)."]
        sections.append((_table(title, ["category", "files", "size", "path", "fix"], rows), hint))
    large = [f for f in found if isinstance(f, LargeFile)]
    if large:
        rows = [
            [
                format_bytes(f.bytes),
                "yes" if f.tracked else "no",
                "yes" if f.lfs else "no",
                f.product or "-",
                short_path(f.path, roots),
            ]
            for f in large
        ]
        title = f"large files: {len(large)}, {format_bytes(sum(f.bytes for f in large))}"
        columns = ["size", "tracked", "lfs", "what", "path"]
        sections.append((_table(title, columns, rows), []))
    blobs = [f for f in found if isinstance(f, HistoryBlob)]
    if blobs:
        rows = [
            [
                format_bytes(b.bytes),
                "yes" if b.in_head else "no",
                (b.commit or "-")[:10],
                short_path(b.repo, roots),
                display(b.path),
            ]
            for b in blobs
        ]
        title = f"history blobs: {_count(len(blobs), 'big blob')} every clone carries"
        remedies = [f"remedy ({display(b.path)}): {b.remedy}" for b in blobs]
        columns = ["size", "in HEAD", "commit", "repo", "path"]
        sections.append((_table(title, columns, rows), remedies))
    editor = [f for f in found if isinstance(f, EditorExclude)]
    if editor:
        rows = [
            [
                format_bytes(e.bytes),
                f"{e.files:,}",
                short_path(e.path, roots),
                e.watcher_exclude or "-",
                e.search_exclude or "-",
            ]
            for e in editor
        ]
        title = f"editor excludes: {_count(len(editor), 'big folder')} VS Code watches or searches"
        columns = ["size", "files", "folder", "files.watcherExclude", "search.exclude"]
        sections.append((_table(title, columns, rows), []))
    dbs = [f for f in found if isinstance(f, Database)]
    if dbs:
        rows = [
            [
                format_bytes(d.bytes),
                "-" if d.free_bytes is None else format_bytes(d.free_bytes),
                "-" if d.reclaimable_bytes is None else format_bytes(d.reclaimable_bytes),
                d.journal_mode or "-",
                short_path(d.path, roots),
                d.error or "",
            ]
            for d in dbs
        ]
        title = f"dev databases: {_count(len(dbs), 'SQLite file')}"
        columns = ["size", "free", "reclaimable", "journal", "path", "error"]
        hint = ["VACUUM gives the reclaimable space back (`hygiene db vacuum`)."]
        sections.append((_table(title, columns, rows), hint))
    caches = [f for f in found if isinstance(f, SystemCache)]
    if caches:
        rows = [
            [
                c.tool,
                format_bytes(c.bytes),
                f"{c.files:,}",
                format_age(now - c.newest_mtime) if c.newest_mtime else "-",
                display(c.path),
                c.recreate,
            ]
            for c in caches
        ]
        title = f"machine-wide caches: {format_bytes(sum(c.bytes for c in caches))}"
        columns = ["tool", "size", "files", "age", "path", "clean with"]
        sections.append((_table(title, columns, rows), []))
    return sections


def _print_part2(result: ScanResult, out: Console, *, verbose: bool) -> None:
    for table, lines in _part2_sections(result, verbose=verbose):
        out.print()
        out.print(table)
        for line in lines:
            out.print(line, soft_wrap=True, markup=False)
    stats = result.extra.get("git_stats")
    if isinstance(stats, list) and stats:
        rows = [
            [
                short_path(s.repo, result.roots),
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
        out.print()
        out.print(_table("git stats", [*columns, "on disk"], rows))
    filesystems = result.extra.get("filesystems")
    if isinstance(filesystems, list) and filesystems:
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
        out.print()
        out.print(_table("filesystems", ["mount", "used", "size", "free", "full"], rows))


def print_fix(
    plan: FixPlan, outcomes: list[FixOutcome], *, applied: bool, roots: tuple[str, ...]
) -> None:
    """The plan (dry run) or what was done, one block per repository."""

    out = console()
    if not plan.repos:
        out.print("Nothing to fix.")
        return
    if applied:
        marks = {"done": "done", "skipped": "SKIPPED", "failed": "FAILED"}
        for o in outcomes:
            out.print(
                f"{marks[o.status]:7} {o.action:9} {short_path(o.target, roots)}: {o.detail}",
                soft_wrap=True,
            )
            for item in o.items:
                out.print(f"          {display(item)}", soft_wrap=True, markup=False)
            if o.snippet:
                out.print(o.snippet, soft_wrap=True, markup=False)
        return
    for line in fix_plan_lines(plan, roots):
        out.print(line, soft_wrap=True, markup=False)


def fix_plan_lines(plan: FixPlan, roots: tuple[str, ...]) -> list[str]:
    """The exact changes a fix plan would make, as plain lines (`fix`'s dry run, `browse`)."""
    from hygiene.fix.engine import editor_snippet

    lines: list[str] = []
    for fix in plan.repos:
        lines.append(f"{short_path(fix.repo, roots)}:")
        if fix.add_lines:
            lines.append(f"  add to {short_path(fix.gitignore, roots)}:")
            lines.extend(f"    {display(line)}" for line in fix.add_lines)
        lines.extend(f"  untrack (files stay on disk): {display(rel)}" for rel in fix.untrack)
        if fix.settings is not None and (fix.watcher_entries or fix.search_entries):
            lines.append(f"  add to {short_path(fix.settings, roots)}:")
            lines.extend(f"    {line}" for line in editor_snippet(fix).splitlines())
    return lines
