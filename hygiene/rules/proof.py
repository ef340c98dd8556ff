"""What a marker file inside a folder must say to prove the folder disposable.

A name alone is something a user can write by hand: `datasets/.gitignore` holding `*` keeps a
user's data out of git, it does not make it a cache. So the markers below count only when
their first bytes carry the line the writing tool puts there about itself:

- `CACHEDIR.TAG` begins with the spec's signature, https://bford.info/cachedir/
- `.gitignore`: `*` under the tool's own comment line, as written by pytest
  (src/_pytest/cacheprovider.py), mypy (mypy/build.py), ruff (crates/ruff/src/cache.rs),
  virtualenv (src/virtualenv/create/creator.py) and Python's own venv since 3.13
  (https://docs.python.org/3/library/venv.html). uv writes a bare `*` into its virtualenvs
  and caches, but tags them with `CACHEDIR.TAG` as well (and `pyvenv.cfg`): that is its proof.
- `CMakeCache.txt` begins with `# This is the CMakeCache file.` (every CMake since 2.x).
- go's `vendor/modules.txt` lists modules as `# path version` lines
  (https://go.dev/ref/mod#go-mod-vendor); `go work vendor` writes `## workspace` above them,
  its vendor/ sitting at the workspace root beside `go.work`, away from any `go.mod`
  (golang/go src/cmd/go/testdata/script/work_vendor_modules_txt_conditional.txt).
- an egg-info's `PKG-INFO` begins with `Metadata-Version: ` and names the project.

Markers not listed here (`pyvenv.cfg`, npm's `.package-lock.json`) count by name: PEP 405 and
the package managers define the file itself.
"""

from __future__ import annotations

from collections.abc import Callable

CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"

TOOL_GITIGNORE_LINES = frozenset(
    {
        b"# Created by pytest automatically.",
        b"# Automatically created by mypy",
        b"# Automatically created by ruff.",
        b"# created by virtualenv automatically",
        b"# Created by venv; see https://docs.python.org/3/library/venv.html",
    }
)

# How much of a marker is read: every tool above says what it is in its first line.
HEAD = 4096


def _tool_gitignore(head: bytes) -> bool:
    """The tool's own line, then nothing but the rule `*` (a user's negation keeps files)."""
    lines = [ln.strip() for ln in head.splitlines()]
    said = [ln for ln in lines if ln]
    return bool(said) and said[0] in TOOL_GITIGNORE_LINES and said[1:] == [b"*"]


PROOFS: dict[str, Callable[[bytes], bool]] = {
    "CACHEDIR.TAG": lambda head: head.startswith(CACHEDIR_SIGNATURE),
    ".gitignore": _tool_gitignore,
    "CMakeCache.txt": lambda head: head.startswith(b"# This is the CMakeCache file."),
    "modules.txt": lambda head: head.startswith((b"# ", b"## workspace\n# ")),
    # Core metadata as setuptools writes it into `NAME.egg-info/` (issue 18, item 1):
    # https://packaging.python.org/en/latest/specifications/core-metadata/
    "PKG-INFO": lambda head: head.startswith(b"Metadata-Version: ") and b"\nName: " in head,
}


def says_so(marker: str, head: bytes) -> bool:
    """True when a marker called `marker`, whose first bytes are `head`, proves its folder."""
    proof = PROOFS.get(marker)
    return proof is None or proof(head)
