"""What hygiene must never report as removable: `.hygieneignore` files and the `protect` list.

Both use gitignore syntax (via pathspec). `.hygieneignore` is read in every scanned root and in
every repository found, anchored where it lives, so a repo protects itself wherever the scan
starts. `protect` patterns from the config are anchored at each root.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hygiene.paths import read_control_file

if TYPE_CHECKING:
    import pathspec

IGNORE_FILE = ".hygieneignore"


def _repo_protect(repo: str) -> list[str]:
    """The `protect` list of a repository's own settings (`hygiene.toml`, else `pyproject.toml`
    [tool.hygiene]: the same file the config reads for a root). `protect` adds up across
    layers, so it is simply added. A settings file there that cannot be read or parsed might
    have protected anything: the whole repository is protected (scanning from inside it
    reports the error), as an unreadable `.hygieneignore` protects everything below it."""
    from hygiene.paths import read_control_file

    for name in ("hygiene.toml", "pyproject.toml"):
        try:
            raw = read_control_file(os.path.join(repo, name))
        except FileNotFoundError:
            continue
        except OSError:
            return ["*"]
        # Imported only when there is a file: the parser costs start-up.
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except ValueError:
            return ["*"]
        if name == "pyproject.toml":
            tool = data.get("tool")
            data = tool.get("hygiene") if isinstance(tool, dict) else None
            if not isinstance(data, dict):
                return []
        protect = data.get("protect", [])
        if not isinstance(protect, list) or not all(isinstance(p, str) for p in protect):
            return ["*"]
        return list(protect)
    return []


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _match(spec: pathspec.GitIgnoreSpec, rel: str) -> bool:
    """`rel` or its NFC form is matched: `café` typed in a .hygieneignore (NFC) and `café` on
    disk as macOS writes names (NFD) are one name to the user, who cannot tell them apart."""
    if spec.match_file(rel):
        return True
    nfc = _nfc(rel)
    return nfc != rel and spec.match_file(nfc)


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
            # brings its own protect list, as its `.hygieneignore`.
            lines = list(patterns) if base in roots else _repo_protect(base)
            try:
                lines.extend(
                    read_control_file(os.path.join(base, IGNORE_FILE)).decode().splitlines()
                )
            except (FileNotFoundError, NotADirectoryError):
                pass
            except (OSError, UnicodeDecodeError):
                # There, but unreadable (a fifo, a link to a device, a huge or non-UTF-8 file,
                # no permission): what it protects cannot be known, so everything below is.
                lines.append("*")
            if lines:
                import pathspec  # only when there is something to protect: 30 ms of start-up

                # Each pattern in its NFC form too, as paths are matched in theirs (_match).
                lines += [n for n in map(_nfc, lines) if n not in lines]
                specs.append((base, pathspec.GitIgnoreSpec.from_lines(lines)))
        return cls(tuple(specs))

    def covers(self, path: str, *, folder: bool) -> bool:
        """True if `path`, anything above it, or (for a folder) anything inside it is protected."""
        for base, spec in self.specs:
            if path != base and not path.startswith(base.rstrip(os.sep) + os.sep):
                continue
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if _match(spec, rel + "/" if folder else rel):
                return True
            parts = rel.split("/")
            for i in range(1, len(parts)):
                if _match(spec, "/".join(parts[:i]) + "/"):
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
                if _match(spec, rel):
                    return True
        return False
