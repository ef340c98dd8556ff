"""`hygiene scan`: the collection survey."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hygiene.cli.options import (
    CategoryOpt,
    ConfigOpt,
    CrossMountsOpt,
    EcosystemOpt,
    JsonOpt,
    MinSizeOpt,
    OlderThanOpt,
    QuietOpt,
    RootsArg,
    VerboseOpt,
    choices_option,
    duration_option,
    roots_argument,
    size_option,
)
from hygiene.errors import EXIT_FINDINGS, EXIT_OK


def scan_command(
    roots: RootsArg = None,
    json_output: JsonOpt = False,
    top: Annotated[
        int | None, typer.Option("--top", min=1, help="Show only the N largest.")
    ] = None,
    older_than: OlderThanOpt = None,
    min_size: MinSizeOpt = None,
    ecosystem: EcosystemOpt = None,
    category: CategoryOpt = None,
    fail_over: Annotated[
        str | None,
        typer.Option("--fail-over", help="Exit 1 when the findings add up to more than this."),
    ] = None,
    cross_mounts: CrossMountsOpt = None,
    large: Annotated[
        str | None,
        typer.Option("--large", help="Large files and history blobs from this size (50MB)."),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Only this kind of finding (artifact, ignore-gap, tracked-artifact, large-file, "
            "history-blob, editor-exclude, database, system-cache); repeat.",
        ),
    ] = None,
    git_stats: Annotated[
        bool, typer.Option("--git-stats", help="Add a size summary of each repository.")
    ] = False,
    system: Annotated[
        bool,
        typer.Option("--system", help="Add machine-wide tool caches and filesystem usage."),
    ] = False,
    config_path: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> int:
    """Find caches, build outputs, dependency folders, virtualenvs and junk under ROOTS.

    Also ignore gaps, tracked junk, large files, big history blobs, editor excludes and dev
    databases in the repositories found; machine-wide caches with --system.
    """
    from hygiene.config import load_config
    from hygiene.detectors import ALL_KINDS, DEFAULT_KINDS
    from hygiene.render import progress as progress_mod
    from hygiene.rules import ARTIFACT_CATEGORIES, default_index
    from hygiene.scan import Filters, ScanRequest, scan

    chosen = roots_argument(roots)
    limit = size_option("--fail-over", fail_over)
    ecosystems = {rule.ecosystem for rule in default_index().rules}
    filters = Filters(
        older_than=duration_option("--older-than", older_than),
        min_size=size_option("--min-size", min_size),
        ecosystems=choices_option("--ecosystem", ecosystem, ecosystems),
        categories=choices_option("--category", category, set(ARTIFACT_CATEGORIES)),
    )
    kinds = choices_option("--kind", kind, {"artifact", *ALL_KINDS})
    if not kinds:
        kinds = frozenset({"artifact", *DEFAULT_KINDS, *(("system-cache",) if system else ())})
    config = load_config(chosen[0], config_path).with_flags(
        cross_mounts=cross_mounts, large=size_option("--large", large)
    )
    request = ScanRequest(
        roots=chosen, config=config, filters=filters, kinds=kinds, git_stats=git_stats
    )
    with progress_mod.reporter(enabled=not quiet and not json_output) as report:
        result = scan(request, progress=report)

    if json_output:
        from hygiene.render.json import dump_scan

        dump_scan(result, sys.stdout)
    else:
        from hygiene.render.human import print_scan

        print_scan(result, top=top, verbose=verbose)
    if result.errors and not quiet and not json_output:
        print(
            f"hygiene: {len(result.errors)} path(s) could not be read"
            f"{'' if verbose else ' (--verbose lists them)'}",
            file=sys.stderr,
        )
        if verbose:
            for issue in result.errors:
                from hygiene.paths import display

                print(f"  {display(issue.path)}: {issue.message}", file=sys.stderr)
    if limit is not None and result.totals.artifact_bytes > limit:
        return EXIT_FINDINGS
    return EXIT_OK
