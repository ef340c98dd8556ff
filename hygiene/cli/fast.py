"""`hygiene scan ...` and `hygiene browse ...` read without typer, for the command lines that
need nothing of it.

Importing typer (with its click) and building the command costs more than a small scan (measured
in docs/architecture.md). This reads the subset of `scan`'s command lines whose meaning is plain
- the options below, as `--opt value`, `--opt=value` or `-o value`, and folders - into exactly
the `ScanArgs` (`BrowseArgs`) typer would build (tests/scan/test_fast_path.py and
tests/browse/test_browse_fast_path.py hold the two readings side by side, and each table to its
command's). Anything else returns None and goes to typer: `--help`,
typos, a missing value, combined short flags (`-qv`), `--`, a bad `--top`, a path click would
refuse, completion.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hygiene.cli.browse_run import BrowseArgs
from hygiene.cli.scan_run import ScanArgs

# option -> (field of `ScanArgs`, how its value is read)
SCAN_OPTIONS: dict[str, tuple[str, str]] = {
    "--json": ("json_output", "flag"),
    "--top": ("top", "int"),
    "--older-than": ("older_than", "text"),
    "--min-size": ("min_size", "text"),
    "--ecosystem": ("ecosystem", "texts"),
    "-e": ("ecosystem", "texts"),
    "--category": ("category", "texts"),
    "--fail-over": ("fail_over", "text"),
    "--cross-mounts": ("cross_mounts", "flag"),
    "--one-filesystem": ("cross_mounts", "off"),
    "--large": ("large", "text"),
    "--kind": ("kind", "texts"),
    "-k": ("kind", "texts"),
    "--sort": ("sort", "text"),
    "--exclude": ("exclude", "texts"),
    "--git-stats": ("git_stats", "flag"),
    "--system": ("system", "flag"),
    "--config": ("config_path", "file"),
    "-c": ("config_path", "file"),
    "--quiet": ("quiet", "flag"),
    "-q": ("quiet", "flag"),
    "--verbose": ("verbose", "flag"),
    "-v": ("verbose", "flag"),
}
_SHARED = {"older_than", "min_size", "ecosystem", "category", "cross_mounts", "large", "kind"}
# The scan options browse shares, and its own; same readings as scan's.
BROWSE_OPTIONS: dict[str, tuple[str, str]] = {
    name: known
    for name, known in SCAN_OPTIONS.items()
    if known[0] in _SHARED | {"system", "config_path"}
} | {"--min-age": ("min_age", "text")}
_COMPLETE_VAR = "_HYGIENE_COMPLETE"  # typer answers shell completion when this is set


def _path_refused(value: str, *, dir_okay: bool) -> bool:
    """Whether click's path check would refuse `value` (it lets a missing path through)."""
    try:
        st = os.stat(value)
    except OSError:
        return False
    if not dir_okay and stat.S_ISDIR(st.st_mode):
        return True
    return not os.access(value, os.R_OK)


def _value(how: str, value: str) -> object | None:
    """`value` read as click would for an option read `how`; None: click would refuse it."""
    if how == "int":
        try:
            number = int(value)
        except ValueError:
            return None
        return number if number >= 1 else None
    if how == "file":
        return None if _path_refused(value, dir_okay=False) else Path(value)
    return value  # "text", "texts"


def parse_scan(args: Sequence[str]) -> ScanArgs | None:
    """`hygiene scan ARGS` read as typer would read it, or None: ask typer."""
    read = _read(args, SCAN_OPTIONS)
    return None if read is None else ScanArgs(**read)


def parse_browse(args: Sequence[str]) -> BrowseArgs | None:
    """`hygiene browse ARGS` read as typer would read it, or None: ask typer."""
    read = _read(args, BROWSE_OPTIONS)
    return None if read is None else BrowseArgs(**read)


def _read(args: Sequence[str], options: dict[str, tuple[str, str]]) -> dict[str, Any] | None:
    """The fields of a command's args, as typer would set them; None: ask typer."""
    if os.environ.get(_COMPLETE_VAR):
        return None
    values: dict[str, Any] = {}
    roots: list[Path] = []
    rest = list(args)
    rest.reverse()
    while rest:
        arg = rest.pop()
        if arg == "--":
            return None
        if not arg.startswith("-") or arg == "-":
            if _path_refused(arg, dir_okay=True):
                return None
            roots.append(Path(arg))
            continue
        name, eq, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        known = options.get(name)
        if known is None:
            return None
        param, how = known
        if how in ("flag", "off"):
            if eq:
                return None
            values[param] = how == "flag"
            continue
        if not eq and not rest:
            return None
        # click takes the next word, even one that starts with '-'
        value = _value(how, attached if eq else rest.pop())
        if value is None:
            return None
        values[param] = [*values.get(param, ()), value] if how == "texts" else value
    values["roots"] = roots or None
    return values
