"""Classify one folder or file from the names around it: the rule table applied, nothing else.

Pure functions of names plus, for tool-written `.gitignore` files, one small read.
"""

from __future__ import annotations

import os

from hygiene.rules import Match, Rule, RuleIndex, judge, judge_anyname
from hygiene.rules.generic import TOOL_GITIGNORE


def _tool_gitignore(folder: str) -> bool:
    """True when the folder's `.gitignore` ignores everything and keeps nothing back."""
    try:
        with open(os.path.join(folder, TOOL_GITIGNORE), "rb") as handle:
            text = handle.read(4096)
    except OSError:
        return False
    lines = [ln.strip() for ln in text.splitlines()]
    rules = [ln for ln in lines if ln and not ln.startswith(b"#")]
    return rules == [b"*"]


class Classifier:
    def __init__(self, index: RuleIndex) -> None:
        self.index = index

    def folder(
        self, path: str, name: str, siblings: frozenset[str], contents: frozenset[str]
    ) -> Match | None:
        named = self.index.candidates(name, folder=True)
        if named:
            match = judge(named, name, siblings, contents)
            if match is not None:
                return match
        # Rules without names match on what a folder holds; most folders hold none of it.
        if self.index.anyname_markers.isdisjoint(contents):
            return None
        anyname: list[Rule] = [
            r for r in self.index.anyname if not r.inside or any(m in contents for m in r.inside)
        ]
        while anyname:
            match = judge_anyname(anyname, name, contents)
            if match is None:
                return None
            if TOOL_GITIGNORE not in match.rule.inside or _tool_gitignore(path):
                return match
            anyname.remove(match.rule)
        return None

    def file(self, name: str, siblings: frozenset[str]) -> Match | None:
        if not self.index.may_match_file(name):
            return None
        return judge(self.index.candidates(name, folder=False), name, siblings, None)
