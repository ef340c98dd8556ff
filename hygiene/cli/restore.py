"""`hygiene restore`: put a quarantine run back exactly where it was."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hygiene.cli import complete
from hygiene.cli.confirm import confirm, declined
from hygiene.cli.options import JsonOpt, YesOpt
from hygiene.errors import EXIT_FINDINGS, EXIT_OK, UsageError


def restore_command(
    run_id: Annotated[
        str | None,
        typer.Argument(
            help="The run to restore (see 'hygiene quarantine list').",
            show_default=False,
            autocompletion=complete.run_ids,
        ),
    ] = None,
    last: Annotated[bool, typer.Option("--last", help="Restore the most recent run.")] = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
) -> int:
    """Move every item of a quarantine run back to its place; never overwrite anything."""
    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import restore
    from hygiene.render.clean import print_restore, restore_document
    from hygiene.units import format_bytes

    if (run_id is None) == (not last):
        raise UsageError("restore: give a RUN_ID or --last (not both)")

    def ask(run: str, count: int, size: int) -> bool:
        return confirm(f"Restore {count} item(s), {format_bytes(size)}, from run {run}?", yes)

    report = restore(run_id, audit=AuditLog(), confirm=ask)
    if report is None:
        return declined()
    if json_output:
        from hygiene.render.json import dump

        dump(restore_document(report), sys.stdout)
    else:
        print_restore(report)
    return EXIT_FINDINGS if report.failed else EXIT_OK
