"""`hygiene log`: the audit log of every collection, restore and purge."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hygiene.cli.options import JsonOpt
from hygiene.errors import EXIT_OK


def log_command(
    summary: Annotated[
        bool,
        typer.Option("--summary", help="Bytes collected and freed per day, week and ecosystem."),
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Only the last N records.")
    ] = None,
    json_output: JsonOpt = False,
) -> int:
    """Show the audit log (newest last)."""
    from hygiene.clean.audit import AuditLog, summarize
    from hygiene.render.json import SCHEMA, dump

    records = list(AuditLog().records())
    if summary:
        tables = {by: summarize(records, by=by) for by in ("day", "week", "ecosystem")}
        if json_output:
            import dataclasses

            dump(
                {
                    "schema": SCHEMA,
                    **{
                        f"per_{by}": [dataclasses.asdict(r) for r in rows]
                        for by, rows in tables.items()
                    },
                },
                sys.stdout,
            )
        else:
            from hygiene.render.clean import print_summary

            print_summary(tables)
        return EXIT_OK
    if limit is not None:
        records = records[-limit:]
    if json_output:
        dump({"schema": SCHEMA, "records": records}, sys.stdout)
    else:
        from hygiene.render.clean import print_log

        print_log(records)
    return EXIT_OK
