"""Classify one folder or file from the names around it: the rule table applied, nothing else.

Pure functions of names plus, for the markers a user could write by hand (`.gitignore`,
`CACHEDIR.TAG`: `hygiene.rules.proof`), one small read of the marker's first bytes.
"""

from __future__ import annotations

import os
import stat

from hygiene.rules import Match, Rule, RuleIndex, judge, judge_anyname
from hygiene.rules.proof import HEAD, PROOFS, says_so

# Never through a link, never blocking on a FIFO someone named like a marker.
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def marker_proves(folder: str, marker: str) -> bool:
    """True when `folder/marker` is a regular file saying what its tool writes."""
    if marker not in PROOFS:
        return True
    try:
        fd = os.open(os.path.join(folder, marker), _READ)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, HEAD)
    except OSError:
        return False
    finally:
        os.close(fd)
    return says_so(marker, head)


class Classifier:
    def __init__(self, index: RuleIndex) -> None:
        self.index = index

    def folder(
        self, path: str, name: str, siblings: frozenset[str], contents: frozenset[str]
    ) -> Match | None:
        def proves(marker: str) -> bool:
            return marker_proves(path, marker)

        named = self.index.candidates(name, folder=True)
        if named:
            match = judge(named, name, siblings, contents, proves)
            if match is not None:
                return match
        # Rules without names match on what a folder holds; most folders hold none of it.
        if self.index.anyname_markers.isdisjoint(contents):
            return None
        anyname: list[Rule] = [
            r for r in self.index.anyname if not r.inside or any(m in contents for m in r.inside)
        ]
        return judge_anyname(anyname, name, contents, proves)

    def file(self, name: str, siblings: frozenset[str]) -> Match | None:
        if not self.index.may_match_file(name):
            return None
        return judge(self.index.candidates(name, folder=False), name, siblings, None)
