"""What hygiene must never report as removable: `.hygieneignore` files and the `protect` list.

Both use gitignore syntax (via pathspec). `.hygieneignore` is read in every scanned root and in
every repository found, anchored where it lives, so a repo protects itself wherever the scan
starts. `protect` patterns from the config are anchored at each root.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

IGNORE_FILE = ".hygieneignore"


def _repo_protect(repo: str) -> list[str]:
    """The `protect` list of a repository's own settings (`hygiene.toml`, else `pyproject.toml`
    [tool.hygiene]: the same file the config reads for a root). `protect` adds up across
    layers, so it is simply added; a file that cannot be read adds nothing here (scanning from
    inside the repository reports it)."""
    for name in ("hygiene.toml", "pyproject.toml"):
        try:
            with open(os.path.join(repo, name), "rb") as handle:
                # Imported only when there is a file: the parser costs start-up.
                if sys.version_info >= (3, 11):
                    import tomllib
                else:  # pragma: no cover
                    import tomli as tomllib

                data = tomllib.load(handle)
        except (OSError, ValueError):
            continue
        if name == "pyproject.toml":
            tool = data.get("tool")
            data = tool.get("hygiene") if isinstance(tool, dict) else None
            if not isinstance(data, dict):
                return []
        protect = data.get("protect", [])
        return [p for p in protect if isinstance(p, str)] if isinstance(protect, list) else []
    return []


@dataclass(frozen=True)
class ProtectSet:
    specs: tuple[tuple[str, pathspec.GitIgnoreSpec], ...]

    @classmethod
    def build(
        cls, roots: Iterable[str], repos: Mapping[str, bool], patterns: Iterable[str]
    ) -> ProtectSet:
        patterns = list(patterns)
        specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        for base in {*roots, *repos}:
            # A root's settings are the config's already; a repository found below a root
            # brings its own protect list, as its `.hygieneignore` (issue 18, item 6).
            lines = list(patterns) if base in roots else _repo_protect(base)
            try:
                with open(os.path.join(base, IGNORE_FILE), encoding="utf-8") as handle:
                    lines.extend(handle.read().splitlines())
            except (OSError, UnicodeDecodeError):
                pass
            if lines:
                import pathspec  # only when there is something to protect: 30 ms of start-up

                specs.append((base, pathspec.GitIgnoreSpec.from_lines(lines)))
        return cls(tuple(specs))

    def covers(self, path: str, *, folder: bool) -> bool:
        """True if `path`, anything above it, or (for a folder) anything inside it is protected."""
        for base, spec in self.specs:
            if path != base and not path.startswith(base.rstrip(os.sep) + os.sep):
                continue
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if spec.match_file(rel + "/" if folder else rel):
                return True
            parts = rel.split("/")
            for i in range(1, len(parts)):
                if spec.match_file("/".join(parts[:i]) + "/"):
                    return True
            if folder and self._protects_inside(base, spec, path):
                return True
        return False

    @staticmethod
    def _protects_inside(base: str, spec: pathspec.GitIgnoreSpec, folder: str) -> bool:
        # A protected file inside a candidate folder keeps the whole folder.
        for dirpath, dirnames, filenames in os.walk(folder):
            for name in (*filenames, *dirnames):
                rel = os.path.relpath(os.path.join(dirpath, name), base).replace(os.sep, "/")
                if spec.match_file(rel):
                    return True
        return False
