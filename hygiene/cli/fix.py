"""`hygiene fix`: the repair crew. Dry run by default; `--apply` writes."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hygiene.cli.convert import roots_argument
from hygiene.cli.options import ConfigOpt, JsonOpt, QuietOpt, RootsArg
from hygiene.errors import EXIT_FINDINGS, EXIT_OK


def fix_command(
    roots: RootsArg = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Make the changes (default: show them).")
    ] = False,
    recurse_submodules: Annotated[
        bool,
        typer.Option(
            "--recurse-submodules", help="Also fix the submodules (default: leave them alone)."
        ),
    ] = False,
    json_output: JsonOpt = False,
    config_path: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """Add missing .gitignore lines, untrack committed junk, add VS Code excludes.

    Looks at the repositories under ROOTS. Without --apply nothing is written. Untracking uses
    `git rm --cached`: the files stay on disk. Running it twice changes nothing the second time.
    """
    from hygiene.config.layers import load_config
    from hygiene.fix.engine import apply_fixes, plan_fixes
    from hygiene.render import progress as progress_mod
    from hygiene.scan.engine import ScanRequest, scan

    chosen = roots_argument(roots)
    config = load_config(chosen[0], config_path)
    kinds = frozenset({"ignore-gap", "tracked-artifact", "editor-exclude"})
    request = ScanRequest(roots=chosen, config=config, kinds=kinds)
    with progress_mod.reporter(enabled=not quiet and not json_output) as report:
        result = scan(request, progress=report)
    plan = plan_fixes(result.findings, recurse_submodules=recurse_submodules)
    from hygiene.paths import display

    for sub in plan.submodules:
        print(
            f"hygiene: {display(sub)}: a submodule, left alone (--recurse-submodules fixes it)",
            file=sys.stderr,
        )
    from hygiene.cli.clean import say_refused

    if say_refused(result.refused) and not plan.repos:
        # Nothing could be judged: not "Nothing to fix" and exit 0, which reads as tidy.
        if json_output:
            from hygiene.render.fix import fix_document
            from hygiene.render.json import dump

            dump(fix_document(plan, [], applied=apply), sys.stdout)
        else:
            print("hygiene: nothing could be judged; nothing changed", file=sys.stderr)
        return EXIT_FINDINGS
    outcomes = list(apply_fixes(plan)) if apply else []
    if json_output:
        from hygiene.render.fix import fix_document
        from hygiene.render.json import dump

        dump(fix_document(plan, outcomes, applied=apply), sys.stdout)
    else:
        from hygiene.render.fix import print_fix

        print_fix(plan, outcomes, applied=apply)
    if not apply and plan.repos and not quiet and not json_output:
        sys.stdout.flush()  # the plan first, when both streams go to one terminal or file
        print("hygiene: dry run; run with --apply to make these changes", file=sys.stderr)
    return EXIT_FINDINGS if any(o.status == "failed" for o in outcomes) else EXIT_OK
