"""`hygiene db`: the sewage plant for local dev databases (inspect, clean, vacuum, erase,
restore-archive). Parses arguments, calls `hygiene.db`, picks a renderer."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hygiene.cli import complete
from hygiene.cli.confirm import confirm, declined
from hygiene.cli.options import (
    CONTEXT,
    ConfigOpt,
    DryRunOpt,
    JsonOpt,
    QuietOpt,
    YesOpt,
    sub_app,
)
from hygiene.errors import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from hygiene.config.layers import Config

db_app = sub_app(
    "db", "The sewage plant for local dev databases: inspect, clean, vacuum, erase, restore."
)

TargetArg = Annotated[
    str,
    typer.Argument(
        help="A database URL (postgresql://, mysql://, sqlite:///) or a SQLite file.",
        show_default=False,
    ),
]
AllowRemoteOpt = Annotated[
    bool,
    typer.Option(
        "--allow-remote", help="Allow a host other than localhost, 127.0.0.0/8, ::1 or a socket."
    ),
]
FullOpt = Annotated[
    bool,
    typer.Option(
        "--full",
        help="PostgreSQL: VACUUM FULL (rewrites and locks the table; frees scattered space).",
    ),
]


def _config(config_path: Path | None) -> Config:
    from hygiene.config.layers import load_config

    return load_config(Path.cwd(), config_path)


@db_app.command("inspect", context_settings=CONTEXT)
def inspect_command(
    target: Annotated[
        str,
        typer.Argument(
            help="A database URL, a SQLite file, or a folder (every SQLite database in it).",
            show_default=False,
        ),
    ],
    json_output: JsonOpt = False,
    allow_remote: AllowRemoteOpt = False,
) -> int:
    """Per table: rows, size and what is reclaimable (free pages, dead tuples, free extents)."""
    from hygiene.db.inspect import inspect_database
    from hygiene.db.url import expand_targets
    from hygiene.render import db as render

    stats = [inspect_database(target=t) for t in expand_targets(target, allow_remote=allow_remote)]
    if json_output:
        from hygiene.render.json import dump

        dump(render.inspect_document(stats), sys.stdout)
    else:
        render.print_inspect(stats)
    return EXIT_OK


@db_app.command("clean", context_settings=CONTEXT)
def clean_command(
    target: TargetArg,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    preset: Annotated[
        list[str] | None,
        typer.Option(
            "--preset",
            help="Built-in session rules: django, rails, laravel; repeat.",
            autocompletion=complete.db_presets,
        ),
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Run only this configured rule; repeat.")
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now", help="Freeze 'now' for rule cutoffs (ISO-8601; for simulation, tests)."
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, help="Fix rows per batch (default: adapts)."),
    ] = None,
    full: FullOpt = False,
    vacuum: Annotated[
        bool, typer.Option("--vacuum/--no-vacuum", help="Reclaim space after deleting.")
    ] = True,
    archive_dir: Annotated[
        Path | None,
        typer.Option("--archive-dir", file_okay=False, help="Where archive rules write files."),
    ] = None,
    json_output: JsonOpt = False,
    config_path: ConfigOpt = None,
    allow_remote: AllowRemoteOpt = False,
    quiet: QuietOpt = False,
) -> int:
    """Run the retention rules: delete or archive old rows in short batches, then reclaim space."""
    from hygiene.db.clean import run_rules
    from hygiene.db.presets import preset_rules
    from hygiene.db.url import parse_target
    from hygiene.render import db as render
    from hygiene.render import progress
    from hygiene.units import parse_now

    chosen = parse_target(target, allow_remote=allow_remote)
    config = _config(config_path)
    rules = (*config.db.rules, *preset_rules(preset or []))
    if rule:
        names = {r.name for r in rules}
        unknown = sorted(set(rule) - names)
        if unknown:
            known = ", ".join(sorted(names)) or "none"
            raise UsageError(f"--rule: no rule named {unknown[0]!r} (rules: {known})")
        rules = tuple(r for r in rules if r.name in set(rule))
    frozen = parse_now(now, naive=dt.timezone.utc) if now else None
    if (
        not dry_run
        and rules
        and not confirm(f"Delete rows from {chosen.masked} by {len(rules)} rule(s)?", yes)
    ):
        return declined()
    with progress.bars(enabled=not quiet and not json_output) as report:
        result = run_rules(
            target=chosen,
            rules=rules,
            now=frozen,
            dry_run=dry_run,
            batch_size=batch_size,
            full=full,
            reclaim_space=vacuum,
            archive_dir=archive_dir or config.db.archive_dir,
            progress=report,
        )
    if not dry_run:
        from hygiene.schedule.reclaimed import note_reclaimed

        # Inside a scheduled job this feeds the run history (`hygiene report`); else a no-op.
        note_reclaimed(
            bytes_freed=max(0, result.reclaim.bytes_reclaimed),
            rows=sum(rule.rows for rule in result.rules),
        )
    if json_output:
        from hygiene.render.json import dump

        dump(render.clean_document(result), sys.stdout)
    else:
        render.print_clean(result)
    return EXIT_OK if result.reclaim.ok else EXIT_FINDINGS


@db_app.command("vacuum", context_settings=CONTEXT)
def vacuum_command(
    target: TargetArg,
    table: Annotated[
        list[str] | None,
        typer.Option("--table", "-t", help="Only this table (server engines); repeat."),
    ] = None,
    full: FullOpt = False,
    json_output: JsonOpt = False,
    allow_remote: AllowRemoteOpt = False,
) -> int:
    """Reclaim space without deleting anything: VACUUM, VACUUM (ANALYZE) or OPTIMIZE TABLE."""
    from hygiene.db.connect import Schema, check_connect, database_errors, open_engine
    from hygiene.db.url import parse_target
    from hygiene.db.vacuum import reclaim
    from hygiene.render import db as render

    chosen = parse_target(target, allow_remote=allow_remote)
    engine = open_engine(chosen)
    try:
        check_connect(engine, chosen)
        schema = Schema(engine)
        for name in table or []:
            schema.table(name, what="--table")
        tables = list(table or schema.tables)
        with database_errors(chosen, "reclaiming space"):
            result = reclaim(engine=engine, target=chosen, tables=tables, full=full)
    finally:
        engine.dispose()
    if json_output:
        from hygiene.render.json import dump

        dump(render.vacuum_document(chosen.masked, chosen.engine, result), sys.stdout)
    else:
        render.print_vacuum(chosen.masked, result)
    return EXIT_OK if result.ok else EXIT_FINDINGS


@db_app.command("erase", context_settings=CONTEXT)
def erase_command(
    target: TargetArg,
    table: Annotated[str, typer.Option("--table", help="The subject's table (e.g. users).")],
    subject_id: Annotated[str, typer.Option("--id", help="The subject's primary key value.")],
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    config_path: ConfigOpt = None,
    allow_remote: AllowRemoteOpt = False,
) -> int:
    """Permanently erase one subject and every row that depends on it; audited, no archive."""
    from hygiene.db.erase import ErasePlan, erase_subject
    from hygiene.db.url import parse_target
    from hygiene.render import db as render

    chosen = parse_target(target, allow_remote=allow_remote)
    config = _config(config_path)

    def ask(plan: ErasePlan) -> bool:
        if not json_output:
            render.print_erase_plan(plan)
        return confirm(f"Permanently erase {plan.total_rows} rows?", yes)

    result = erase_subject(
        target=chosen,
        table=table,
        subject_id=subject_id,
        relations=config.db.relations,
        dry_run=dry_run,
        confirm=ask,
    )
    if json_output:
        from hygiene.render.json import dump

        dump(render.erase_document(result), sys.stdout)
    elif isinstance(result, ErasePlan):
        if dry_run:
            render.print_erase_plan(result)
    else:
        render.print_erase(result)
    if isinstance(result, ErasePlan):
        return EXIT_OK if dry_run else declined()
    return EXIT_OK if result.ok else EXIT_FINDINGS


@db_app.command("restore-archive", context_settings=CONTEXT)
def restore_command(
    archive: Annotated[
        Path, typer.Argument(help="An archive file (.jsonl.gz) or a folder of them.")
    ],
    target: TargetArg,
    json_output: JsonOpt = False,
    allow_remote: AllowRemoteOpt = False,
) -> int:
    """Load archived rows back, each key once: rows already present, and duplicates across
    archive files (archives are at-least-once), are skipped and counted."""
    from hygiene.db.archive import archive_files, restore_archive
    from hygiene.db.connect import check_connect, open_engine
    from hygiene.db.url import parse_target
    from hygiene.render import db as render

    chosen = parse_target(target, allow_remote=allow_remote)
    files = archive_files(archive)
    engine = open_engine(chosen)
    try:
        check_connect(engine, chosen)
        # One set across the files: a key restored from one is a duplicate in the next.
        seen: set[tuple[str, object]] = set()
        results = [restore_archive(engine=engine, target=chosen, path=f, seen=seen) for f in files]
    finally:
        engine.dispose()
    if json_output:
        from hygiene.render.json import dump

        dump(render.restore_document(chosen.masked, results), sys.stdout)
    else:
        render.print_restore(results)
    return EXIT_OK
