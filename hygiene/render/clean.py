"""How `clean`, `restore`, `quarantine` and `log` show what they plan and did.

JSON documents carry `"schema": 1`; the `clean` document's layout is a contract other parts
rely on (docs/clean.md). Human output uses rich, imported inside functions.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

from hygiene.clean.act import CleanReport
from hygiene.clean.audit import SummaryRow
from hygiene.clean.collect import PurgeReport, RestoreReport
from hygiene.clean.plan import Plan, PlanItem
from hygiene.clean.quarantine import RunSummary
from hygiene.paths import display
from hygiene.render.human import console, shown_path
from hygiene.render.json import SCHEMA
from hygiene.units import format_age, format_bytes


def clean_document(report: CleanReport) -> dict[str, Any]:
    done = report.done
    return {
        "schema": SCHEMA,
        "run_id": report.run_id,
        "dry_run": report.dry_run,
        "items": [
            {
                "path": o.item.artifact.path,
                "bytes": o.item.artifact.bytes,
                "files": o.item.artifact.files,
                "category": o.item.artifact.category,
                "ecosystem": o.item.artifact.ecosystem,
                "action": o.item.action,
                "outcome": o.outcome,
                "reason": o.reason,
            }
            for o in report.outcomes
        ],
        "totals": {
            "items": len(report.outcomes),
            "done": len(done),
            "skipped": report.count("skipped"),
            "failed": report.count("failed"),
            "bytes": sum(o.item.artifact.bytes for o in done),
            "files": sum(o.item.artifact.files for o in done),
        },
        "disk_free_before": report.disk_free_before,
        "disk_free_after": report.disk_free_after,
    }


def print_plan(plan: Plan, *, stderr: bool = False) -> None:
    """What a clean would collect and keep; paths as scan shows them (`shown_path`)."""
    from rich.console import Console
    from rich.table import Table

    out = Console(stderr=True, highlight=False, soft_wrap=False) if stderr else console()
    going = plan.going
    now = time.time()
    if going:
        table = Table(show_edge=False, title_justify="left", title=f"to {plan.action}")
        for name, justify in (("size", "right"), ("files", "right"), ("age", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        table.add_column("category")
        table.add_column("ecosystem")
        table.add_column("path", overflow="fold")
        for item in going:
            a = item.artifact
            table.add_row(
                format_bytes(a.bytes),
                f"{a.files:,}",
                format_age(now - a.newest_mtime) if a.newest_mtime else "-",
                a.category,
                a.ecosystem,
                shown_path(a.path) + ("/" if a.folder else ""),
            )
        out.print(table)
    staying = plan.staying
    if staying:
        out.print(f"kept ({len(staying)}):")
        for item in staying:
            out.print(f"  {shown_path(item.artifact.path)}: {item.skip}", soft_wrap=True)
    out.print(_plan_total(plan.going, plan.action), soft_wrap=True)


def _plan_total(going: Sequence[PlanItem], action: str) -> str:
    if not going:
        return "Nothing to collect."
    size = format_bytes(sum(i.artifact.bytes for i in going))
    files = sum(i.artifact.files for i in going)
    return f"{len(going)} item(s), {size} in {files:,} files, to {action}."


def print_report(report: CleanReport) -> None:
    out = console()
    if not report.outcomes:
        out.print("Nothing to collect: the scan found no artifacts here.")
        return
    for o in report.outcomes:
        if o.outcome != "done":
            where = shown_path(o.item.artifact.path)
            out.print(f"{o.outcome}: {where}: {o.reason}", soft_wrap=True)
    done = report.done
    size = format_bytes(sum(o.item.artifact.bytes for o in done))
    files = sum(o.item.artifact.files for o in done)
    verb = "Incinerated" if report.outcomes[0].item.action == "incinerate" else "Quarantined"
    out.print(
        f"{verb} {len(done)} of {len(report.outcomes)} item(s): {size} in {files:,} files "
        f"({report.count('skipped')} skipped, {report.count('failed')} failed).",
        soft_wrap=True,
    )
    change = report.disk_free_after - report.disk_free_before
    sign = "+" if change >= 0 else "-"
    out.print(
        f"Disk free: {format_bytes(report.disk_free_before)} before, "
        f"{format_bytes(report.disk_free_after)} after ({sign}{format_bytes(abs(change))}).",
        soft_wrap=True,
    )
    if done and verb == "Quarantined":
        out.print(
            f"Run {report.run_id}: undo with 'hygiene restore {report.run_id}'; the space is "
            "freed when 'hygiene quarantine purge' empties the run.",
            soft_wrap=True,
        )


def _when(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def runs_document(runs: Sequence[RunSummary]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "runs": [
            {
                "run_id": r.run_id,
                "started": _when(r.started),
                "items": r.items,
                "bytes": r.bytes,
                "files": r.files,
                "stores": list(r.stores),
                "unfinished": [{"path": p, "left_at": at} for p, at in r.unfinished],
                "set_aside": [{"path": p, "kept_at": at} for p, at in r.set_aside],
            }
            for r in runs
        ],
        "totals": {"runs": len(runs), "bytes": sum(r.bytes for r in runs)},
    }


def print_runs(runs: Sequence[RunSummary]) -> None:
    from rich.table import Table

    out = console()
    if not runs:
        out.print("The quarantine is empty.")
        return
    table = Table(show_edge=False)
    table.add_column("run")
    table.add_column("started")
    table.add_column("items", justify="right")
    table.add_column("size", justify="right")
    table.add_column("files", justify="right")
    for r in runs:
        table.add_row(
            r.run_id, _when(r.started), str(r.items), format_bytes(r.bytes), f"{r.files:,}"
        )
    out.print(table)
    out.print(f"{len(runs)} run(s), {format_bytes(sum(r.bytes for r in runs))} in quarantine.")
    for r in runs:
        for path, left_at in r.unfinished:
            out.print(
                f"Run {r.run_id}: {display(path)} was partly removed; what is left is at "
                f"{display(left_at)}. hygiene finishes it at its next run once it can (an "
                "immutable file: chattr -i).",
                soft_wrap=True,
            )
        for path, kept_at in r.set_aside:
            out.print(
                f"Run {r.run_id}: {display(path)} could not be put back, something new took its "
                f"place; it is kept whole at {display(kept_at)}. hygiene puts it back at its next "
                "run once the place is free (move the new one away).",
                soft_wrap=True,
            )


def print_log(records: Sequence[dict[str, Any]]) -> None:
    out = console()
    if not records:
        out.print("The audit log is empty.")
        return
    for r in records:
        out.print(
            f"{r.get('time', '?')}  {r.get('action', '?'):<10} {r.get('outcome', '?'):<7} "
            f"{format_bytes(int(r.get('bytes') or 0)):>8}  {r.get('path', '')}"
            + (f"  ({r['reason']})" if r.get("outcome") != "done" and r.get("reason") else ""),
            soft_wrap=True,
            markup=False,
        )


def print_summary(tables: dict[str, list[SummaryRow]]) -> None:
    from rich.table import Table

    out = console()
    if not any(tables.values()):
        out.print("The audit log is empty: nothing collected yet.")
        return
    for by, rows in tables.items():
        table = Table(show_edge=False, title=f"per {by}", title_justify="left")
        table.add_column(by)
        table.add_column("actions", justify="right")
        table.add_column("collected", justify="right")
        table.add_column("freed", justify="right")
        for row in rows:
            table.add_row(
                row.key,
                str(row.items),
                format_bytes(row.collected_bytes),
                format_bytes(row.freed_bytes),
            )
        out.print(table)
        out.print()


def restore_document(report: RestoreReport) -> dict[str, Any]:
    items = [
        {"path": r.path, "bytes": r.bytes, "outcome": r.outcome, "reason": r.reason}
        for r in report.items
    ]
    return {"schema": SCHEMA, "run_id": report.run_id, "items": items}


def print_restore(report: RestoreReport) -> None:
    ok = len(report.items) - report.failed
    whole = " whole" if report.differs else ""
    print(f"Restored {ok} of {len(report.items)} item(s){whole} from run {report.run_id}.")
    for r in report.items:
        if r.outcome != "done":
            print(f"{r.outcome}: {display(r.path)}: {r.reason}")


def purge_document(report: PurgeReport) -> dict[str, Any]:
    items = [
        {"run_id": p.run_id, "path": p.item.path, "bytes": p.item.bytes, "outcome": p.item.outcome}
        for p in report.items
    ]
    return {"schema": SCHEMA, "dry_run": report.dry_run, "items": items, "bytes": report.bytes}


def print_purge(report: PurgeReport) -> None:
    verb = "Would purge" if report.dry_run else "Purged"
    print(
        f"{verb} {len(report.items)} item(s) from {report.runs} run(s), "
        f"{format_bytes(report.bytes)}."
    )
