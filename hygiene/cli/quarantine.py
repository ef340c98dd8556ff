"""`hygiene quarantine list|purge`: what the recycling centre holds, and emptying old runs."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from hygiene.cli.options import CONTEXT, ConfigOpt, JsonOpt, sub_app
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
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Only say what would go.")
    ] = False,
    json_output: JsonOpt = False,
    config_path: ConfigOpt = None,
) -> int:
    """Delete for good the runs kept longer than the retention; each item is audited."""
    from pathlib import Path

    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import purge_run, recover_and_audit
    from hygiene.clean.quarantine import all_runs, exclusive
    from hygiene.cli.convert import duration_option
    from hygiene.config.layers import load_config
    from hygiene.units import format_bytes

    age = duration_option("--older-than", older_than)
    if age is None:
        age = load_config(Path.cwd(), config_path).quarantine_retention
    cutoff = time.time() - age
    audit = AuditLog()
    purged: list[dict[str, object]] = []
    failed = 0
    with exclusive():
        if not dry_run:
            recover_and_audit(audit)
        for run in all_runs():
            summary = run.summary()
            if summary.started > cutoff or not summary.items:
                continue
            for p in purge_run(run, audit=audit, dry_run=dry_run):
                failed += p.outcome == "failed"
                purged.append(
                    {"run_id": run.run_id, "path": p.path, "bytes": p.bytes, "outcome": p.outcome}
                )
    size = sum(int(str(p["bytes"])) for p in purged if p["outcome"] == "done")
    if not dry_run:
        from hygiene.schedule.reclaimed import note_reclaimed

        note_reclaimed(bytes_freed=size)
    if json_output:
        from hygiene.render.json import SCHEMA, dump

        dump({"schema": SCHEMA, "dry_run": dry_run, "items": purged, "bytes": size}, sys.stdout)
    else:
        runs = len({p["run_id"] for p in purged})
        verb = "Would purge" if dry_run else "Purged"
        print(f"{verb} {len(purged)} item(s) from {runs} run(s), {format_bytes(size)}.")
    return EXIT_FINDINGS if failed else EXIT_OK
