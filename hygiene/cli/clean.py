"""`hygiene clean`: collect the findings of a fresh scan into quarantine (or the incinerator)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from hygiene.cli.confirm import confirm, declined
from hygiene.cli.convert import choices_option, duration_option, roots_argument, size_option
from hygiene.cli.options import (
    CategoryOpt,
    ConfigOpt,
    DryRunOpt,
    EcosystemOpt,
    JsonOpt,
    MinSizeOpt,
    OlderThanOpt,
    QuietOpt,
    RootsArg,
    YesOpt,
)
from hygiene.errors import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from hygiene.clean.act import CleanReport
    from hygiene.clean.collect import Survey
    from hygiene.clean.plan import Plan


def clean_command(
    roots: RootsArg = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    incinerate: Annotated[
        bool,
        typer.Option("--incinerate", help="Delete for good, audited, with no quarantine."),
    ] = False,
    min_age: Annotated[
        str | None,
        typer.Option(
            "--min-age", help="Leave items modified more recently than this (default: 1h)."
        ),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Also clean this opt-in category (virtualenv); repeat."),
    ] = None,
    all_categories: Annotated[
        bool, typer.Option("--all", help="Clean every category, virtualenvs included.")
    ] = False,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Ask group by group what goes.")
    ] = False,
    older_than: OlderThanOpt = None,
    min_size: MinSizeOpt = None,
    ecosystem: EcosystemOpt = None,
    category: CategoryOpt = None,
    config_path: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """Move the artifacts a scan of ROOTS finds into quarantine (undo: hygiene restore)."""
    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import (
        CleanRequest,
        collect,
        declined_report,
        dry_run_report,
        recover_and_audit,
        survey,
    )
    from hygiene.clean.quarantine import exclusive
    from hygiene.config.layers import load_config
    from hygiene.render import progress as progress_mod
    from hygiene.render.clean import print_plan
    from hygiene.rules import ARTIFACT_CATEGORIES, default_index
    from hygiene.scan.engine import Filters

    chosen = roots_argument(roots)
    if interactive and (yes or dry_run or json_output):
        raise UsageError(
            "--interactive asks questions; it cannot go with --yes, --dry-run or --json"
        )
    categories: set[str] = set(ARTIFACT_CATEGORIES)
    filters = Filters(
        older_than=duration_option("--older-than", older_than),
        min_size=size_option("--min-size", min_size),
        ecosystems=choices_option(
            "--ecosystem", ecosystem, {r.ecosystem for r in default_index().rules}
        ),
        categories=choices_option("--category", category, categories),
    )
    request = CleanRequest(
        roots=tuple(str(r) for r in chosen),
        config=load_config(chosen[0], config_path).with_flags(
            min_age=duration_option("--min-age", min_age)
        ),
        filters=filters,
        incinerate=incinerate,
        include=choices_option("--include", include, categories),
        all_categories=all_categories,
    )
    show_progress = not quiet and not json_output
    if dry_run:
        with progress_mod.reporter(enabled=show_progress) as report:
            found = survey(request, progress=report)
        if say_refused(found.refused) and not found.plan.items:
            return _judged_nothing(found, json_output=json_output)
        _show(dry_run_report(found), found, json_output=json_output)
        return EXIT_OK
    audit = AuditLog()
    with exclusive():
        settled = recover_and_audit(audit)
        if settled and not json_output and not quiet:
            print(
                f"hygiene: settled {len(settled)} item(s) a stopped run left (see 'hygiene log')",
                file=sys.stderr,
            )
        with progress_mod.reporter(enabled=show_progress) as report:
            found = survey(request, progress=report)
        if say_refused(found.refused) and not found.plan.items:
            return _judged_nothing(found, json_output=json_output)
        plan = found.plan
        if interactive:
            plan = _pick_groups(plan)
        elif not yes and plan.going:
            print_plan(plan, stderr=json_output)
            verb = "Incinerate (delete for good)" if incinerate else "Move to quarantine"
            if not confirm(f"{verb} {len(plan.going)} item(s)?", yes):
                if json_output:
                    _show(declined_report(found), found, json_output=True)
                return declined()
        result = collect(found, plan, audit=audit)
    from hygiene.schedule.reclaimed import note_reclaimed

    # Quarantine frees nothing until it is purged: report what the filesystems measured.
    note_reclaimed(bytes_freed=max(0, result.disk_free_after - result.disk_free_before))
    _show(result, found, json_output=json_output)
    return EXIT_FINDINGS if result.count("failed") else EXIT_OK


def say_refused(refused: tuple[tuple[str, str], ...]) -> bool:
    """Tell, on stderr, each repository git refused and that it was skipped (root
    meeting a user's repository, "dubious ownership"). True if there was any."""
    from hygiene.paths import display

    for repo, said in refused:
        print(f"hygiene: {display(repo)}: skipped, git refused it ({said})", file=sys.stderr)
    return bool(refused)


def _judged_nothing(found: Survey, *, json_output: bool) -> int:
    """Nothing could be judged: not "Nothing to collect" and exit 0, which reads as clean."""
    if json_output:
        from hygiene.clean.collect import dry_run_report

        _show(dry_run_report(found), found, json_output=True)
    else:
        print("hygiene: nothing could be judged; nothing changed", file=sys.stderr)
    return EXIT_FINDINGS


def _pick_groups(plan: Plan) -> Plan:
    from hygiene.clean.plan import decline
    from hygiene.render.human import shown_path
    from hygiene.units import format_bytes

    declined = []
    for group, items in plan.groups():
        category, ecosystem = group
        size = format_bytes(sum(i.artifact.bytes for i in items))
        print(f"{category} / {ecosystem}: {len(items)} item(s), {size}", file=sys.stderr)
        for item in items[:5]:
            print(f"  {shown_path(item.artifact.path)}", file=sys.stderr)
        if len(items) > 5:
            print(f"  ... and {len(items) - 5} more", file=sys.stderr)
        if not confirm(f"{plan.action.capitalize()} this group?", yes=False):
            declined.append(group)
    return decline(plan, declined)


def _show(report: CleanReport, found: Survey, *, json_output: bool) -> None:
    if json_output:
        from hygiene.render.clean import clean_document
        from hygiene.render.json import dump

        dump(clean_document(report), sys.stdout)
    elif report.dry_run:
        from hygiene.render.clean import print_plan

        print_plan(found.plan)
    else:
        from hygiene.render.clean import print_report

        print_report(report)
