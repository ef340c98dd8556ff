"""The rich report for people. rich is imported here, inside functions, never by the engine."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from hygiene.model import Artifact, ScanResult
from hygiene.paths import display
from hygiene.units import format_age, format_bytes

if TYPE_CHECKING:
    from rich.console import Console


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
        out.print(f"No artifacts found in {result.totals.scanned_files:,} files.")
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
    shown = "" if top is None or top >= t.findings else f" (showing the largest {top})"
    noun = "finding" if t.findings == 1 else "findings"
    out.print(
        f"{t.findings} {noun}{shown}: {format_bytes(t.artifact_bytes)} "
        f"({format_bytes(t.artifact_disk_bytes)} on disk), "
        f"{format_bytes(t.reclaimable_bytes)} reclaimable; "
        f"{t.scanned_files:,} files, {format_bytes(t.scanned_bytes)} scanned.",
        soft_wrap=True,
    )
