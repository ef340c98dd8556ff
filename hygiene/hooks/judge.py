"""The scan rule table applied to staged paths: which enclosing folder, or the file itself, is an
artifact.

The same `Classifier` as `hygiene scan`, fed the same evidence: a folder is judged from its name,
the names beside it (the markers: `build/` is a build output only beside `pyproject.toml`,
`CMakeLists.txt`, `build.gradle`...) and the names inside it (`pyvenv.cfg`, `CACHEDIR.TAG`).
Names come from the work tree, as scan sees them, plus the staged paths themselves, so a folder
deleted after `git add` is still judged. Folders are judged from the top down and the first
match decides, as in the walk; the repository root itself is never judged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from hygiene.rules import Match, default_index
from hygiene.scan.detect import Classifier

# A staged dependency folder is never wanted in a commit (issue 17). On disk, scan needs the
# marker beside it (`package.json`) before it calls one an artifact; in a commit the name is
# enough: these names hold installed packages whatever stands beside them.
STAGED_DEPENDENCIES = {"node_modules": "node.node-modules", "bower_components": "node.bower"}


def _unproven_dependency(name: str) -> Match | None:
    wanted = STAGED_DEPENDENCIES[name]
    for rule in default_index().rules:
        if rule.id == wanted:
            return Match(rule, f"name {name!r}: installed packages, never committed")
    return None


@dataclass(frozen=True)
class Verdict:
    """The artifact a staged path belongs to: `path` is the folder (or the file itself)."""

    path: str
    folder: bool
    match: Match


@dataclass
class StagedTree:
    """Judges root-relative paths; remembers every folder listing and judgement it made."""

    root: str
    staged: Iterable[str] = ()
    classifier: Classifier = field(default_factory=lambda: Classifier(default_index()))
    _children: dict[str, set[str]] = field(default_factory=dict)
    _names: dict[str, frozenset[str]] = field(default_factory=dict)
    _folders: dict[str, Match | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in self.staged:
            parent, _, name = path.rpartition("/")
            while True:
                self._children.setdefault(parent, set()).add(name)
                if not parent:
                    break
                parent, _, name = parent.rpartition("/")

    def _full(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/")) if rel else self.root

    def names(self, rel: str) -> frozenset[str]:
        """The names in folder `rel`: the work tree's, plus the staged paths'."""
        found = self._names.get(rel)
        if found is None:
            try:
                listed = set(os.listdir(self._full(rel)))
            except OSError:
                listed = set()
            found = frozenset(listed | self._children.get(rel, set()))
            self._names[rel] = found
        return found

    def folder(self, rel: str) -> Match | None:
        if rel not in self._folders:
            parent, _, name = rel.rpartition("/")
            match = self.classifier.folder(
                self._full(rel), name, self.names(parent), self.names(rel)
            )
            if match is None and name in STAGED_DEPENDENCIES:
                match = _unproven_dependency(name)
            self._folders[rel] = match
        return self._folders[rel]

    def verdict(self, path: str, *, see_through: frozenset[str] = frozenset()) -> Verdict | None:
        """The outermost artifact holding `path` (or `path` itself), or None.

        A precious folder (secrets, local state) above the file means nothing below it is an
        artifact. Folders in `see_through` were refused as artifacts (the user commits them on
        purpose), so the judgement goes on inside them, as scan walks a refused build folder
        again.
        """
        parts = path.split("/")
        for depth in range(1, len(parts)):
            rel = "/".join(parts[:depth])
            match = self.folder(rel)
            if match is None or rel in see_through:
                continue
            if match.rule.precious:
                return None
            return Verdict(rel, True, match)
        parent, _, name = path.rpartition("/")
        file_match = self.classifier.file(name, self.names(parent))
        if file_match is None or file_match.rule.precious:
            return None
        return Verdict(path, False, file_match)
