"""`hygiene quarantine list|purge`: what the recycling centre holds, and emptying old runs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hygiene.cli.options import CONTEXT, ConfigOpt, DryRunOpt, JsonOpt, sub_app
from hygiene.errors import EXIT_FINDINGS, EXIT_OK

app = sub_app("quarantine", "What the quarantine holds; empty old runs.")


@app.command("list", context_settings=CONTEXT)
def list_command(json_output: JsonOpt = False) -> int:
    """Show the runs in quarantine with their sizes."""
    import contextlib

    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import recover_and_audit
    from hygiene.clean.quarantine import all_runs, exclusive
    from hygiene.errors import UsageError
    from hygiene.render.clean import print_runs, runs_document

    # Settle what a killed run left so the list is true; if a run is in flight, leave it be.
    with contextlib.suppress(UsageError), exclusive():
        recover_and_audit(AuditLog())
    runs = [s for s in (r.summary() for r in all_runs()) if s.listed]
    if json_output:
        from hygiene.render.json import dump

        dump(runs_document(runs), sys.stdout)
    else:
        print_runs(runs)
    return EXIT_OK


@app.command("purge", context_settings=CONTEXT)
def purge_command(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than", help="Empty runs older than this (default: quarantine_retention, 7d)."
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    json_output: JsonOpt = False,
    config_path: ConfigOpt = None,
) -> int:
    """Delete for good the runs kept longer than the retention; each item is audited."""
    from pathlib import Path

    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import purge
    from hygiene.cli.convert import duration_option
    from hygiene.config.layers import load_config
    from hygiene.render.clean import print_purge, purge_document

    age = duration_option("--older-than", older_than)
    if age is None:
        age = load_config(Path.cwd(), config_path).quarantine_retention
    report = purge(audit=AuditLog(), older_than=age, dry_run=dry_run)
    if not dry_run:
        from hygiene.schedule.reclaimed import note_reclaimed

        note_reclaimed(bytes_freed=report.bytes)
    if json_output:
        from hygiene.render.json import dump

        dump(purge_document(report), sys.stdout)
    else:
        print_purge(report)
    return EXIT_FINDINGS if report.failed else EXIT_OK
