"""`hygiene fix` output: its JSON document and its rich plan or outcome list."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hygiene import __version__
from hygiene.paths import display
from hygiene.render.human import console, shown_path
from hygiene.render.json import SCHEMA

if TYPE_CHECKING:
    from rich.console import Console

    from hygiene.fix.engine import FixOutcome, FixPlan


def fix_document(plan: FixPlan, outcomes: list[FixOutcome], *, applied: bool) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": "hygiene",
        "version": __version__,
        "applied": applied,
        "plan": [dataclasses.asdict(fix) for fix in plan.repos],
        "outcomes": [dataclasses.asdict(outcome) for outcome in outcomes],
    }


def print_fix(plan: FixPlan, outcomes: list[FixOutcome], *, applied: bool) -> None:
    """The plan (dry run) or what was done, one block per repository; paths as scan shows
    them (`shown_path`)."""
    out = console()
    if not plan.repos:
        out.print("Nothing to fix.")
    elif applied:
        _print_outcomes(out, outcomes)
    else:
        for line in fix_plan_lines(plan, shown_path):
            out.print(line, soft_wrap=True, markup=False)


def _print_outcomes(out: Console, outcomes: list[FixOutcome]) -> None:
    marks = {"done": "done", "skipped": "SKIPPED", "failed": "FAILED"}
    for o in outcomes:
        out.print(
            f"{marks[o.status]:7} {o.action:9} {shown_path(o.target)}: {o.detail}",
            soft_wrap=True,
        )
        for item in o.items:
            out.print(f"          {display(item)}", soft_wrap=True, markup=False)
        if o.snippet:
            out.print(o.snippet, soft_wrap=True, markup=False)


def fix_plan_lines(plan: FixPlan, show: Callable[[str], str]) -> list[str]:
    """The exact changes a fix plan would make, as plain lines (`fix`'s dry run, `browse`);
    `show` writes a path as the caller's screen names it."""
    from hygiene.fix.engine import editor_snippet

    lines: list[str] = []
    for fix in plan.repos:
        lines.append(f"{show(fix.repo)}:")
        if fix.add_lines:
            lines.append(f"  add to {show(fix.gitignore)}:")
            lines.extend(f"    {display(line)}" for line in fix.add_lines)
        lines.extend(f"  untrack (files stay on disk): {display(rel)}" for rel in fix.untrack)
        if fix.settings is not None and (fix.watcher_entries or fix.search_entries):
            lines.append(f"  add to {show(fix.settings)}:")
            lines.extend(f"    {line}" for line in editor_snippet(fix).splitlines())
    return lines
