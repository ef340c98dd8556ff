"""`hygiene db` output: JSON documents (schema 1) and rich tables, kept apart from the engine."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from hygiene.render.json import SCHEMA
from hygiene.units import format_bytes

if TYPE_CHECKING:
    from hygiene.db.archive import RestoreResult
    from hygiene.db.clean import CleanReport
    from hygiene.db.erase import ErasePlan, EraseResult
    from hygiene.db.inspect import DatabaseStats
    from hygiene.db.vacuum import Reclaim


def _reclaim(reclaim: Reclaim) -> dict[str, Any]:
    return {
        "bytes_before": reclaim.bytes_before,
        "bytes_after": reclaim.bytes_after,
        "bytes_reclaimed": reclaim.bytes_reclaimed,
        "note": reclaim.note,
    }


def clean_document(report: CleanReport) -> dict[str, Any]:
    """A layout others read (`simulate materialize --run-cleanup` reads `rules` and `reclaim`):
    keep these keys exactly."""
    return {
        "schema": SCHEMA,
        "target": report.target,
        "engine": report.engine,
        "dry_run": report.dry_run,
        "rules": [
            {
                "name": r.name,
                "table": r.table,
                "action": r.action,
                "rows": r.rows,
                "archive_files": list(r.archive_files),
            }
            for r in report.rules
        ],
        "reclaim": _reclaim(report.reclaim),
        # Leftovers of killed runs finished or removed (issue 15, item 6); an added key.
        "notes": list(report.notes),
    }


def inspect_document(databases: list[DatabaseStats]) -> dict[str, Any]:
    return {"schema": SCHEMA, "databases": [dataclasses.asdict(d) for d in databases]}


def vacuum_document(target: str, engine: str, reclaim: Reclaim) -> dict[str, Any]:
    # bytes_reclaimed went back to the file system, bytes_grown is what the files grew instead
    # (never both), bytes_reusable stays in the tables for their new rows (plain VACUUM).
    document = _reclaim(reclaim)
    document.update(bytes_grown=reclaim.bytes_grown, bytes_reusable=reclaim.bytes_reusable)
    return {"schema": SCHEMA, "target": target, "engine": engine, "reclaim": document}


def erase_document(result: EraseResult | ErasePlan) -> dict[str, Any]:
    from hygiene.db.erase import EraseResult

    plan = result.plan if isinstance(result, EraseResult) else result
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "target": plan.target,
        "engine": plan.engine,
        "table": plan.table,
        "done": isinstance(result, EraseResult),
        "plan": [dataclasses.asdict(s) for s in plan.steps],
    }
    if isinstance(result, EraseResult):
        document.update(
            deleted=result.deleted,
            nulled=result.nulled,
            remaining=result.remaining,
            ok=result.ok,
            audit_file=result.audit_file,
            settled=result.settled,
        )
    return document


def restore_document(target: str, results: list[RestoreResult]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "target": target,
        "files": [dataclasses.asdict(r) for r in results],
        "inserted": sum(r.inserted for r in results),
        "already_present": sum(r.skipped - r.duplicates for r in results),
        "duplicates": sum(r.duplicates for r in results),
    }


def _size(value: int | None) -> str:
    return "-" if value is None else format_bytes(value)


def print_inspect(databases: list[DatabaseStats]) -> None:
    from hygiene.render.human import Column, Fitted, console

    out = console()
    if not databases:
        out.print("No SQLite databases found.")
        return
    for db in databases:
        out.print(
            f"{db.target} ({db.engine}): {_size(db.bytes)}, {_size(db.reclaimable)} reclaimable",
            soft_wrap=True,
        )
        exact = all(t.rows_exact for t in db.tables if t.kind == "table")
        columns = [
            Column("table", "path"),
            Column("rows" if exact else "rows (estimate)", "number"),
            Column("size", "number"),
            Column("reclaimable", "number"),
        ]
        server = db.engine == "postgresql"
        if server:
            columns += [Column("dead rows", "number"), Column("last vacuum")]
            columns.append(Column("last analyze"))
        rows: list[list[str]] = []
        for t in db.tables:
            row = [
                t.name,
                "-" if t.rows is None else f"{t.rows:,}",
                _size(t.bytes),
                _size(t.reclaimable),
            ]
            if server:
                row += [
                    "-" if t.dead_rows is None else f"{t.dead_rows:,}",
                    t.last_vacuum or "never",
                    t.last_analyze or "never",
                ]
            rows.append(row)
        out.print(Fitted(None, columns, rows))
        out.print(f"reclaimable: {db.measure}", soft_wrap=True)
        for note in db.notes:
            out.print(f"note: {note}", soft_wrap=True)
        out.print()


def print_clean(report: CleanReport) -> None:
    from rich.table import Table

    from hygiene.render.human import console

    out = console()
    verb = "would delete" if report.dry_run else "deleted"
    out.print(
        f"{report.target} ({report.engine}){': dry run' if report.dry_run else ''}",
        soft_wrap=True,
    )
    table = Table(show_edge=False)
    table.add_column("rule")
    table.add_column("table")
    table.add_column("action")
    table.add_column(f"rows {verb}", justify="right")
    table.add_column("rows older than")
    table.add_column("archive files", justify="right")
    for r in report.rules:
        table.add_row(r.name, r.table, r.action, f"{r.rows:,}", r.cutoff, str(len(r.archive_files)))
    out.print(table)
    for line in _reclaim_lines(report.reclaim, dry_run=report.dry_run):
        out.print(line, soft_wrap=True)
    folders = {f.rsplit("/", 1)[0] for r in report.rules for f in r.archive_files}
    for folder in sorted(folders):
        out.print(f"archived to {folder}", soft_wrap=True)
    for note in report.notes:
        out.print(f"note: {note}", soft_wrap=True)


def _reclaim_lines(rc: Reclaim, *, dry_run: bool = False) -> list[str]:
    """Never a negative "freed": growth and space kept for reuse are said as such."""
    sizes = f"{format_bytes(rc.bytes_before)} -> {format_bytes(rc.bytes_after)}"
    verb = "would free" if dry_run else "freed"
    if rc.bytes_reclaimed:
        head = f"{verb} {format_bytes(rc.bytes_reclaimed)} on disk: {sizes}"
    elif rc.bytes_grown:
        head = f"{verb} nothing on disk; the files grew {format_bytes(rc.bytes_grown)}: {sizes}"
    else:
        head = f"{verb} nothing on disk: {sizes}"
    lines = [f"{head} ({rc.note})"]
    if rc.bytes_reusable:
        left = "would be left" if dry_run else "left"
        lines.append(
            f"{format_bytes(rc.bytes_reusable)} {left} free inside the tables for reuse, "
            "not to the file system (--full returns it)"
        )
    return lines


def print_vacuum(target: str, reclaim: Reclaim) -> None:
    from hygiene.render.human import console

    for line in _reclaim_lines(reclaim):
        console().print(f"{target}: {line}", soft_wrap=True)


def print_erase_plan(plan: ErasePlan, *, stream_err: bool = False) -> None:
    from rich.table import Table

    from hygiene.render.human import console

    console().print(
        f"Erase plan for one {plan.table} row in {plan.target} ({plan.engine}), in this order:",
        soft_wrap=True,
    )
    table = Table(show_edge=False)
    table.add_column("table")
    table.add_column("action")
    table.add_column("rows", justify="right")
    table.add_column("reached through")
    table.add_column("why")
    for step in plan.steps:
        table.add_row(step.table, step.action, f"{step.rows:,}", step.via, step.reason)
    console().print(table)


def print_erase(result: EraseResult) -> None:
    from hygiene.render.human import console

    out = console()
    deleted = sum(result.deleted.values())
    nulled = sum(result.nulled.values())
    out.print(
        f"erased {deleted:,} rows in {len(result.deleted)} tables"
        + (f", unlinked {nulled:,}" if nulled else ""),
        soft_wrap=True,
    )
    if result.ok:
        out.print("post-check: nothing remains", soft_wrap=True)
    else:
        left = ", ".join(f"{t}: {n}" for t, n in result.remaining.items() if n)
        out.print(f"post-check FAILED: rows remain ({left})", soft_wrap=True)
    out.print(f"audit record appended to {result.audit_file}", soft_wrap=True)
    if result.settled:
        out.print(
            f"{result.settled} earlier erase run(s) ended after sending their COMMIT: "
            "logged as 'commit outcome unknown'",
            soft_wrap=True,
        )


def print_restore(results: list[RestoreResult]) -> None:
    from hygiene.render.human import console

    out = console()
    for r in results:
        present = r.skipped - r.duplicates
        why = [f"{present:,} already in the table"] if present else []
        why += [f"{r.duplicates:,} duplicates of an earlier file"] if r.duplicates else []
        out.print(
            f"{r.file}: {r.inserted:,} of {r.rows:,} rows restored into {r.table}"
            + (f" ({', '.join(why)})" if why else ""),
            soft_wrap=True,
        )
    # Archives are at-least-once: a row can be in more than one file (docs/db.md).
    inserted = sum(r.inserted for r in results)
    duplicates = sum(r.duplicates for r in results)
    present = sum(r.skipped for r in results) - duplicates
    out.print(
        f"{inserted:,} rows restored from {len(results):,} archive files; "
        f"{present:,} already in the table, {duplicates:,} duplicates across archive files "
        "skipped",
        soft_wrap=True,
    )
