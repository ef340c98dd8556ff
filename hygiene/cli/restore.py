"""`hygiene restore`: put a quarantine run back exactly where it was."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hygiene.cli import complete
from hygiene.cli.options import JsonOpt
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
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_output: JsonOpt = False,
) -> int:
    """Move every item of a quarantine run back to its place; never overwrite anything."""
    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import (
        recover_and_audit,
        restorable_runs,
        restore_blocked,
        restore_run,
    )
    from hygiene.clean.quarantine import Run, exclusive, held_items
    from hygiene.cli.clean import ask
    from hygiene.paths import display
    from hygiene.units import format_bytes

    if (run_id is None) == (not last):
        raise UsageError("restore: give a RUN_ID or --last (not both)")
    audit = AuditLog()
    with exclusive():
        recover_and_audit(audit)
        if last:
            runs = restorable_runs()
            if not runs:
                raise UsageError("restore --last: the quarantine holds no run to restore")
            run = runs[-1]
        else:
            assert run_id is not None
            run = Run.open(run_id)
        items = held_items(run)
        if not items:
            raise UsageError(f"run {run.run_id} holds nothing to restore")
        blocked = restore_blocked(run, items)
        if blocked is not None:
            raise UsageError(blocked)
        size = format_bytes(sum(r.bytes for r in items))
        if not yes and not ask(f"Restore {len(items)} item(s), {size}, from run {run.run_id}?"):
            print("hygiene: nothing changed", file=sys.stderr)
            return EXIT_OK
        done = [
            {"path": r.path, "bytes": r.bytes, "outcome": r.outcome, "reason": r.reason}
            for r in restore_run(run, items, audit=audit)
        ]
        failed = sum(row["outcome"] != "done" for row in done)
    if json_output:
        from hygiene.render.json import SCHEMA, dump

        dump({"schema": SCHEMA, "run_id": run.run_id, "items": done}, sys.stdout)
    else:
        ok = len(done) - failed
        whole = " whole" if any(row["outcome"] == "differs" for row in done) else ""
        print(f"Restored {ok} of {len(done)} item(s){whole} from run {run.run_id}.")
        for row in done:
            if row["outcome"] != "done":
                print(f"{row['outcome']}: {display(str(row['path']))}: {row['reason']}")
    return EXIT_FINDINGS if failed else EXIT_OK
