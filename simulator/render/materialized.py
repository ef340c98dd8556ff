"""`hygiene simulate materialize` output: its JSON document and its rich report."""

from __future__ import annotations

from typing import Any

from hygiene.render.json import SCHEMA
from hygiene.units import format_bytes
from simulator.materialize import Comparison, Materialized


def _ratio(predicted: float, actual: float) -> str:
    if actual != actual or not predicted:
        return "-"
    return f"{actual / predicted:.3f}"


NOTES = (
    "Per-day row and file counts come from the model's own generate(), so agreement checks the "
    "age cutoffs and the real tools, not the volumes a real service would write.",
    "Bytes per row are measured by the engine (PostgreSQL pg_column_size; MariaDB the values' "
    "LENGTH; SQLite the file's growth, or the values' length for a small table).",
    "On PostgreSQL a plain VACUUM gives deleted rows' space back to the tables, not the file: "
    "the model predicts ~0 bytes of file; VACUUM FULL or pg_repack shrink it.",
)


def document(written: Materialized, comparison: Comparison | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "command": "simulate materialize",
        "db": written.db_label,
        "config": str(written.config),
        "workspace": str(written.workspace),
        "start": written.start.isoformat(),
        "now": written.now.isoformat(),
        "rows": written.rows,
        "rows_per_second": written.rows_per_second,
        "bytes_per_row": written.bytes_per_row,
        "files": written.files,
        "file_bytes": written.file_bytes,
        "predicted": [
            {"rule": p.name, "table": p.table, "rows": p.rows, "bytes": p.bytes}
            for p in written.predictions
        ]
        + [
            {
                "rule": "workspace",
                "table": None,
                "rows": None,
                "bytes": written.predicted_workspace_bytes,
            }
        ],
        "comparison": None
        if comparison is None
        else [
            {
                "what": a.what,
                "predicted_rows": a.predicted_rows,
                "actual_rows": a.actual_rows,
                "predicted_bytes": a.predicted_bytes,
                "actual_bytes": None if a.actual_bytes != a.actual_bytes else a.actual_bytes,
            }
            for a in comparison.rows
        ],
        "notes": list(NOTES),
    }


def print_materialized(written: Materialized, comparison: Comparison | None) -> None:
    from rich.table import Table

    from hygiene.render.human import console

    out = console()
    out.print(
        f"Wrote {sum(written.rows.values()):,} rows into {written.db_label} in "
        f"{written.db_seconds:.2f}s ({written.rows_per_second:,.0f} rows/s) and "
        f"{written.files:,} files ({format_bytes(written.file_bytes)}) under {written.workspace}.",
        soft_wrap=True,
        markup=False,
    )
    out.print(
        f"Virtual clock: {written.start.isoformat()} to {written.now.isoformat()}; "
        f"rules for hygiene db clean in {written.config}.",
        soft_wrap=True,
        markup=False,
    )
    table = Table(title="What the model predicts cleanup removes", title_justify="left")
    for name in ("rule", "rows now", "predicted rows", "predicted bytes"):
        table.add_column(name, justify="right" if name != "rule" else "left")
    for p in written.predictions:
        table.add_row(
            p.name, f"{written.rows.get(p.table, 0):,}", f"{p.rows:,.0f}", format_bytes(p.bytes)
        )
    table.add_row(
        "workspace", f"{written.files:,} files", "", format_bytes(written.predicted_workspace_bytes)
    )
    out.print(table)
    for note in NOTES:
        out.print(f"  note: {note}", soft_wrap=True, markup=False)
    if comparison is None:
        out.print("Add --run-cleanup to run the real tools and compare.")
        return
    table = Table(title="Model against the real tools", title_justify="left")
    for name in (
        "what",
        "predicted rows",
        "actual rows",
        "predicted bytes",
        "actual bytes",
        "actual/predicted bytes",
    ):
        table.add_column(name, justify="right" if name != "what" else "left")
    for a in comparison.rows:
        table.add_row(
            a.what,
            "" if a.predicted_rows is None else f"{a.predicted_rows:,.0f}",
            "" if a.actual_rows is None else f"{a.actual_rows:,.0f}",
            format_bytes(a.predicted_bytes),
            "-" if a.actual_bytes != a.actual_bytes else format_bytes(a.actual_bytes),
            _ratio(a.predicted_bytes, a.actual_bytes),
        )
    out.print(table)
