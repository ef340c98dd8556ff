"""The plan: pure. Findings and a policy in, one decision per artifact out; no disk, no clock.

This is the only place that decides what `clean` does. `--dry-run` renders the plan; `act`
carries it out. Only `Artifact` findings are ever planned: tracked files, large files and
databases are other kinds of finding and never reach the collector.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from hygiene.model import Artifact, Finding

Action = Literal["quarantine", "incinerate"]
# Categories people create on purpose: reported by scan, cleaned only when asked (kondo #182).
OPT_IN_CATEGORIES = frozenset({"virtualenv"})


@dataclass(frozen=True)
class Policy:
    now: float
    min_age: float
    incinerate: bool = False
    include: frozenset[str] = frozenset()  # opt-in categories asked for with --include
    all_categories: bool = False

    @property
    def action(self) -> Action:
        return "incinerate" if self.incinerate else "quarantine"


@dataclass(frozen=True)
class PlanItem:
    artifact: Artifact
    action: Action
    skip: str | None = None  # why it stays; None means it goes

    @property
    def group(self) -> tuple[str, str]:
        return (self.artifact.category, self.artifact.ecosystem)


@dataclass(frozen=True)
class Plan:
    items: tuple[PlanItem, ...]
    action: Action

    @property
    def going(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.skip is None)

    @property
    def staying(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.skip is not None)

    def groups(self) -> list[tuple[tuple[str, str], list[PlanItem]]]:
        """Going items grouped by (category, ecosystem), biggest group first."""
        grouped: dict[tuple[str, str], list[PlanItem]] = {}
        for item in self.going:
            grouped.setdefault(item.group, []).append(item)
        return sorted(
            grouped.items(), key=lambda kv: (-sum(i.artifact.bytes for i in kv[1]), kv[0])
        )


def _holds(artifact: Artifact, *, shown: int = 3) -> str:
    """`holds precious files: dist/.env (secret), ... and 2 more`, paths from its parent."""
    base = os.path.dirname(artifact.path)
    names = [f"{os.path.relpath(p, base)} ({what})" for p, what in sorted(artifact.holds)]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return "holds precious files: " + ", ".join(names[:shown]) + more


def _skip(artifact: Artifact, policy: Policy, veto: str | None) -> str | None:
    # Secrets, databases and unsaved work inside keep the whole artifact.
    if artifact.holds:
        return _holds(artifact)
    category = artifact.category
    if category in OPT_IN_CATEGORIES and not (policy.all_categories or category in policy.include):
        return f"{category}: cleaned only with --include {category} or --all"
    age = policy.now - artifact.newest_mtime
    if age < policy.min_age:
        return f"modified {max(0, int(age))}s ago, within --min-age (a build may be running)"
    return veto


def make_plan(
    findings: Iterable[Finding], *, policy: Policy, vetoes: Mapping[str, str | None]
) -> Plan:
    """One item per artifact finding; `vetoes` maps a path to the safety check that keeps it."""
    items = tuple(
        PlanItem(f, policy.action, _skip(f, policy, vetoes.get(f.path)))
        for f in findings
        if isinstance(f, Artifact)
    )
    return Plan(items, policy.action)


def decline(plan: Plan, groups: Iterable[tuple[str, str]]) -> Plan:
    """The plan with every going item of the given (category, ecosystem) groups kept back."""
    no = set(groups)
    items = tuple(
        replace(i, skip="declined") if i.skip is None and i.group in no else i for i in plan.items
    )
    return Plan(items, plan.action)


def pick(plan: Plan, paths: Iterable[str], action: Action) -> Plan:
    """The plan cut down to the items a person picked by path (`browse`), acting as they chose.
    Items the plan keeps stay kept, with their reason: picking does not overrule a refusal."""
    chosen = set(paths)
    items = tuple(replace(i, action=action) for i in plan.items if i.artifact.path in chosen)
    return Plan(items, action)
