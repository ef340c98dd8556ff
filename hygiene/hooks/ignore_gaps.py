"""`hygiene-ignore-gaps`: every artifact (and secret, and piece of local state) in the work tree
must be ignored, so that `git add .` can never pick it up.

The detection is scan's (`hygiene.detectors.ignore_gaps`: git's own `check-ignore` decides), and
`--fix` is `hygiene fix`'s plan and act (`hygiene.fix.engine`), so the hook, `hygiene scan --kind
ignore-gap` and `hygiene fix --apply` always agree. The check is about the whole work tree, not
the files being committed: the manifest runs it once per commit (`pass_filenames: false`,
`always_run: true`), serially, since `--fix` writes `.gitignore`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hygiene.config.layers import Config
from hygiene.detectors.ignore_gaps import IgnoreGap, ignore_gaps_for_repo
from hygiene.fix.engine import FixOutcome, apply_fixes, plan_fixes


def find_gaps(*, root: str, config: Config) -> list[IgnoreGap]:
    return ignore_gaps_for_repo(Path(root), config=config)


def fix_gaps(gaps: Sequence[IgnoreGap]) -> list[FixOutcome]:
    """Append the missing lines to the top `.gitignore`; a second run adds nothing."""
    return list(apply_fixes(plan_fixes(gaps)))


def describe(gaps: Sequence[IgnoreGap]) -> list[str]:
    lines: list[str] = []
    for gap in gaps:
        shown = gap.rel + ("/" if os.path.isdir(gap.path) else "")
        why = "one `git add .` from being committed" if gap.category in ("secret", "state") else ""
        lines.append(f"{shown}: {gap.category}, {gap.rule}, not ignored{'; ' if why else ''}{why}")
        lines.append(f"  ignore:  add {gap.suggestion!r} to .gitignore")
    return lines


def describe_fix(outcomes: Sequence[FixOutcome]) -> list[str]:
    lines: list[str] = []
    for outcome in outcomes:
        if outcome.status == "failed":
            lines.append(f"{outcome.target}: could not write: {outcome.detail}")
        elif outcome.items:
            lines.append(f".gitignore: added {', '.join(repr(i) for i in outcome.items)}")
    return lines
