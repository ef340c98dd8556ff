"""`hygiene scan` once its arguments are read: by typer (`hygiene.cli.scan`) or, for the common
command lines, by `hygiene.cli.fast` without importing typer. No typer here."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hygiene.cli.convert import choices_option, duration_option, roots_argument, size_option
from hygiene.errors import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from hygiene.scan.engine import ScanRequest


@dataclass(frozen=True)
class ScanArgs:
    """`scan`'s command line as read, by typer (`hygiene.cli.scan`) or without it
    (`hygiene.cli.fast`): the one place its options are named and defaulted. `browse` reads
    the scan options it shares through the same fields."""

    roots: list[Path] | None = None
    json_output: bool = False
    top: int | None = None
    older_than: str | None = None
    min_size: str | None = None
    ecosystem: list[str] | None = None
    category: list[str] | None = None
    fail_over: str | None = None
    cross_mounts: bool | None = None
    large: str | None = None
    kind: list[str] | None = None
    sort: str | None = None
    exclude: list[str] | None = None
    git_stats: bool = False
    system: bool = False
    config_path: Path | None = None
    quiet: bool = False
    verbose: bool = False


def scan_request(args: ScanArgs) -> ScanRequest:
    """The scan options, read once for every command that scans as `scan` does (`browse`)."""
    from hygiene.config.layers import load_config
    from hygiene.detectors import ALL_KINDS, DEFAULT_KINDS
    from hygiene.rules import ARTIFACT_CATEGORIES, default_index
    from hygiene.scan.engine import Filters, ScanRequest

    chosen = roots_argument(args.roots)
    ecosystems = {rule.ecosystem for rule in default_index().rules}
    filters = Filters(
        older_than=duration_option("--older-than", args.older_than),
        min_size=size_option("--min-size", args.min_size),
        ecosystems=choices_option("--ecosystem", args.ecosystem, ecosystems),
        categories=choices_option("--category", args.category, set(ARTIFACT_CATEGORIES)),
    )
    kinds = choices_option("--kind", args.kind, {"artifact", *ALL_KINDS})
    if not kinds:
        system = ("system-cache",) if args.system else ()
        kinds = frozenset({"artifact", *DEFAULT_KINDS, *system})
    config = load_config(chosen[0], args.config_path).with_flags(
        cross_mounts=args.cross_mounts, large=size_option("--large", args.large)
    )
    return ScanRequest(
        roots=chosen,
        config=config,
        filters=filters,
        kinds=kinds,
        git_stats=args.git_stats,
        exclude=tuple(args.exclude or ()),
    )


def sort_option(value: str | None) -> str | None:
    from hygiene.errors import UsageError
    from hygiene.scan.arrange import SORTS

    if value is None or value in SORTS:
        return value
    raise UsageError(f"--sort: expected one of {', '.join(SORTS)}, got {value!r}")


def run_scan(args: ScanArgs) -> int:
    from hygiene.render import progress as progress_mod
    from hygiene.scan.engine import scan

    request = scan_request(args)
    json_output, quiet, verbose = args.json_output, args.quiet, args.verbose
    order = sort_option(args.sort)
    limit = size_option("--fail-over", args.fail_over)
    with progress_mod.reporter(enabled=not quiet and not json_output) as report:
        result = scan(request, progress=report)

    if json_output:
        import dataclasses

        from hygiene.render.scan import dump_scan
        from hygiene.scan.arrange import arrange

        shown = arrange(result.findings, sort=order, top=args.top)
        dump_scan(dataclasses.replace(result, findings=shown), sys.stdout)
    else:
        from hygiene.render.scan import print_scan

        print_scan(result, top=args.top, verbose=verbose, sort=order)
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
