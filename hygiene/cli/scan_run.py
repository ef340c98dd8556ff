"""`hygiene scan` once its arguments are read: by typer (`hygiene.cli.scan`) or, for the common
command lines, by `hygiene.cli.fast` without importing typer. No typer here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hygiene.cli.convert import choices_option, duration_option, roots_argument, size_option
from hygiene.errors import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from hygiene.scan.engine import ScanRequest


def scan_request(
    *,
    roots: list[Path] | None,
    older_than: str | None,
    min_size: str | None,
    ecosystem: list[str] | None,
    category: list[str] | None,
    cross_mounts: bool | None,
    large: str | None,
    kind: list[str] | None,
    git_stats: bool,
    system: bool,
    config_path: Path | None,
    exclude: list[str] | None = None,
) -> ScanRequest:
    """The scan options, read once for every command that scans as `scan` does (`browse`)."""
    from hygiene.config.layers import load_config
    from hygiene.detectors import ALL_KINDS, DEFAULT_KINDS
    from hygiene.rules import ARTIFACT_CATEGORIES, default_index
    from hygiene.scan.engine import Filters, ScanRequest

    chosen = roots_argument(roots)
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
    return ScanRequest(
        roots=chosen,
        config=config,
        filters=filters,
        kinds=kinds,
        git_stats=git_stats,
        exclude=tuple(exclude or ()),
    )


def sort_option(value: str | None) -> str | None:
    from hygiene.errors import UsageError
    from hygiene.scan.arrange import SORTS

    if value is None or value in SORTS:
        return value
    raise UsageError(f"--sort: expected one of {', '.join(SORTS)}, got {value!r}")


def run_scan(
    *,
    roots: list[Path] | None,
    json_output: bool,
    top: int | None,
    older_than: str | None,
    min_size: str | None,
    ecosystem: list[str] | None,
    category: list[str] | None,
    fail_over: str | None,
    cross_mounts: bool | None,
    large: str | None,
    kind: list[str] | None,
    git_stats: bool,
    system: bool,
    config_path: Path | None,
    quiet: bool,
    verbose: bool,
    sort: str | None = None,
    exclude: list[str] | None = None,
) -> int:
    from hygiene.render import progress as progress_mod
    from hygiene.scan.engine import scan

    request = scan_request(
        roots=roots,
        older_than=older_than,
        min_size=min_size,
        ecosystem=ecosystem,
        category=category,
        cross_mounts=cross_mounts,
        large=large,
        kind=kind,
        git_stats=git_stats,
        system=system,
        config_path=config_path,
        exclude=exclude,
    )
    order = sort_option(sort)
    limit = size_option("--fail-over", fail_over)
    with progress_mod.reporter(enabled=not quiet and not json_output) as report:
        result = scan(request, progress=report)

    if json_output:
        import dataclasses

        from hygiene.render.scan import dump_scan
        from hygiene.scan.arrange import arrange

        shown = arrange(result.findings, sort=order, top=top)
        dump_scan(dataclasses.replace(result, findings=shown), sys.stdout)
    else:
        from hygiene.render.scan import print_scan

        print_scan(result, top=top, verbose=verbose, sort=order)
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
