"""The artifact rule table: one list, assembled from one module per ecosystem.

A rule says what a name means and what evidence proves it. Evidence is judged per folder, so a
Python service with a React front end inside is two projects, both found (kondo #175):
- `beside`: any one of these names (or globs) in the same folder as the candidate (the marker);
- `inside`: any one of these names inside the candidate (self-identifying: `pyvenv.cfg`,
  `CMakeCache.txt`, `CACHEDIR.TAG`), read where a user could have written it (`proof`);
- `source`: a file beside the candidate named as it is with one of these suffixes instead of
  its own (`app.pyc` beside `app.py`; with `strip`, that ending taken off instead, so
  `notes.txt~` beside `notes.txt`): without it, the candidate may be the only copy.
A rule with no evidence matches on its name alone; such names must be unambiguous. A rule with
no names matches any folder that holds its `inside` evidence.

Precious rules (`precious=True`, categories `secret` and `state`) mark what is never an artifact,
whatever another rule says, and nothing inside a precious folder is an artifact either.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

Category = Literal[
    "cache", "build", "dependencies", "virtualenv", "junk", "secret", "state", "recovery"
]
ARTIFACT_CATEGORIES: tuple[Category, ...] = ("cache", "build", "dependencies", "virtualenv", "junk")
# `recovery`: an editor's record of unsaved work (vim swap, Emacs auto-save).
PRECIOUS_CATEGORIES: tuple[Category, ...] = ("secret", "state", "recovery")


@dataclass(frozen=True)
class Rule:
    id: str
    ecosystem: str
    category: Category
    names: tuple[str, ...]
    folder: bool = True
    beside: tuple[str, ...] = ()
    inside: tuple[str, ...] = ()
    recreate: str = ""
    source: tuple[str, ...] = ()
    # The candidate's own ending to take off to name its source (default: its last suffix).
    strip: str = ""
    # Names (or globs) the rule never matches, though `names` do: `.env.example` is a template.
    unless: tuple[str, ...] = ()
    # The line `hygiene fix` suggests for .gitignore; default: the name with a trailing slash.
    ignore_line: str = ""
    # For a folder proven by its name alone: a regular expression every name directly inside
    # must match in full (what the tool writes there); anything else keeps the folder (a name
    # anyone can give is no proof).
    only: str = ""
    # With `only`: the suffixes of the source each such file was made from, in the folder
    # above, named by the pattern's `module` group and its `ext` group if it has one. A file
    # whose source is gone keeps the folder: it may be the last trace of that work.
    only_from: tuple[str, ...] = ()

    @property
    def precious(self) -> bool:
        return self.category in PRECIOUS_CATEGORIES

    def gitignore_line(self, name: str) -> str:
        if self.ignore_line:
            return self.ignore_line
        return f"{name}/" if self.folder else name


def is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


@dataclass(frozen=True)
class Match:
    rule: Rule
    reason: str


class RuleIndex:
    """The table compiled for the walker: exact names in dicts, globs in one regex per kind."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._exact: dict[tuple[bool, str], list[Rule]] = {}
        self._globs: dict[bool, list[tuple[re.Pattern[str], Rule]]] = {True: [], False: []}
        self.anyname: list[Rule] = []
        for rule in self.rules:
            if not rule.names:
                self.anyname.append(rule)
            for name in rule.names:
                if is_glob(name):
                    self._globs[rule.folder].append((re.compile(fnmatch.translate(name)), rule))
                else:
                    self._exact.setdefault((rule.folder, name), []).append(rule)
        # One alternation per kind answers "could any glob match?" in a single regex call.
        self._any_glob = {
            kind: re.compile("|".join(f"(?:{p.pattern})" for p, _ in pats)) if pats else None
            for kind, pats in self._globs.items()
        }
        # A cheap necessary condition before the regex, asked for every file of a walk: a name
        # a glob can match starts with the glob's literal head and ends with its literal tail
        # (or, for a glob with neither, holds its longest literal piece).
        exact, self._file_heads, self._file_tails, pieces = name_prefilter(self.rules)
        self._file_piece = re.compile("|".join(map(re.escape, pieces))) if pieces else None
        # The same test for code that cannot run the regex (the compiled walk): a superset.
        self.file_prefilter = (
            exact,
            self._file_heads,
            self._file_tails,
            pieces,
        )
        self.inside_names = frozenset(n for r in self.rules for n in r.inside)
        # A rule without names matches a folder only by one of these inside it.
        self.anyname_markers = frozenset(n for r in self.anyname for n in r.inside)
        self.exact_folder_names = frozenset(n for (folder, n) in self._exact if folder)

    def candidates(self, name: str, *, folder: bool) -> list[Rule]:
        """Rules whose name matches, in table order (ecosystem-specific rules come first)."""
        found = list(self._exact.get((folder, name), ()))
        any_glob = self._any_glob[folder]
        if any_glob is not None and any_glob.match(name):
            found.extend(rule for pat, rule in self._globs[folder] if pat.match(name))
            order = {id(rule): i for i, rule in enumerate(self.rules)}
            found.sort(key=lambda rule: order[id(rule)])
        return found

    def may_match_file(self, name: str) -> bool:
        if (False, name) in self._exact:
            return True
        if not (
            name.endswith(self._file_tails)
            or name.startswith(self._file_heads)
            or (self._file_piece is not None and self._file_piece.search(name) is not None)
        ):
            return False
        any_glob = self._any_glob[False]
        return any_glob is not None and any_glob.match(name) is not None


def name_prefilter(
    rules: Iterable[Rule],
) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """For the file names of `rules`: the exact ones, and each glob's literal head, or else
    its tail, or else its longest literal piece. A name a glob can match starts with its head,
    ends with its tail, or holds its piece: a cheap necessary test before the regexes."""
    exact: set[str] = set()
    heads: set[str] = set()
    tails: set[str] = set()
    pieces: set[str] = set()
    for rule in rules:
        for name in rule.names if not rule.folder else ():
            if not is_glob(name):
                exact.add(name)
                continue
            head, tail, piece = _literals(name)
            if head:
                heads.add(head)
            elif tail:
                tails.add(tail)
            else:
                pieces.add(piece)
    return frozenset(exact), tuple(sorted(heads)), tuple(sorted(tails)), tuple(sorted(pieces))


def _literals(glob: str) -> tuple[str, str, str]:
    """A glob's literal head (before its first wildcard), tail (after its last) and longest
    literal piece. Wildcards are `*`, `?` and `[...]`; a piece inside brackets is not literal."""
    split = re.split(r"\*|\?|\[[^\]]*\]", glob)
    return split[0], split[-1], max(split, key=len)


def _beside_holds(rule: Rule, siblings: frozenset[str] | set[str]) -> str | None:
    for marker in rule.beside:
        if is_glob(marker):
            for sibling in siblings:
                if fnmatch.fnmatchcase(sibling, marker):
                    return sibling
        elif marker in siblings:
            return marker
    return None


# Reads a marker found inside a candidate and says whether it proves it (`hygiene.rules.proof`);
# None where nothing can be read (a staged tree in the hook): the name alone then counts.
Proves = Callable[[str], bool]


def _inside_holds(
    rule: Rule, contents: frozenset[str] | set[str] | None, proves: Proves | None
) -> str | None:
    if contents is None:
        return None
    for marker in rule.inside:
        if marker in contents and (proves is None or proves(marker)):
            return marker
    return None


def judge(
    rules: list[Rule],
    name: str,
    siblings: frozenset[str] | set[str],
    contents: frozenset[str] | set[str] | None,
    proves: Proves | None = None,
) -> Match | None:
    """The first rule whose evidence holds, with the reason in words."""
    for rule in rules:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in rule.unless):
            continue
        if rule.source:
            if rule.strip and name.endswith(rule.strip) and len(name) > len(rule.strip):
                stem = name[: -len(rule.strip)]
            else:
                stem = name.rpartition(".")[0] or name
            found = next((stem + s for s in rule.source if stem + s in siblings), None)
            if found is not None:
                return Match(rule, f"{name!r} beside its source {found}")
            continue
        if not rule.beside and not rule.inside:
            return Match(rule, f"name {name!r}")
        marker = _beside_holds(rule, siblings)
        if marker is not None:
            return Match(rule, f"{name!r} beside {marker}")
        evidence = _inside_holds(rule, contents, proves)
        if evidence is not None:
            return Match(rule, f"{name!r} holds {evidence}")
    return None


def judge_anyname(
    rules: list[Rule],
    name: str,
    contents: frozenset[str] | set[str],
    proves: Proves | None = None,
) -> Match | None:
    for rule in rules:
        evidence = _inside_holds(rule, contents, proves)
        if evidence is not None:
            return Match(rule, f"{name!r} holds {evidence}")
    return None


def all_rules() -> tuple[Rule, ...]:
    """The whole table. Order matters: specific ecosystems first, generic evidence last."""
    from hygiene.rules import (
        dotnet,
        generic,
        jvm,
        native,
        node,
        other,
        precious,
        python,
    )

    return (
        *precious.RULES,
        *python.RULES,
        *node.RULES,
        *native.RULES,
        *jvm.RULES,
        *dotnet.RULES,
        *other.RULES,
        *generic.RULES,
    )


_INDEX: RuleIndex | None = None


def default_index() -> RuleIndex:
    global _INDEX
    if _INDEX is None:
        _INDEX = RuleIndex(all_rules())
    return _INDEX
