"""The pre-commit fast path: `hygiene hook <hook-id> [options] [files]` through argparse.

`hygiene.cli.main` sends hook ids here before typer is imported: these run on every commit and
typer (with click) costs ~0.1 s of start-up, more than the whole check. Nothing here imports
rich, typer or anything outside the standard library until there is something to report. Each
hook prints nothing on success, its findings on stdout and exits 1, and exits 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from hygiene.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from hygiene.hooks import HOOKS


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line through the CLI boundary."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _parser(hook_id: str) -> _Parser:
    parser = _Parser(prog=f"hygiene hook {hook_id}", description=HOOKS[hook_id])
    parser.add_argument(
        "filenames", nargs="*", help="Files to check, as pre-commit passes them (default: staged)."
    )
    return parser


def _size(value: str) -> int:
    from hygiene.units import SIZE_EXPECTED, parse_size

    try:
        return parse_size(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {SIZE_EXPECTED}, got {value!r}") from None


def _report(hook_id: str, lines: Sequence[str], summary: str) -> int:
    out = sys.stdout
    for line in lines:
        out.write(f"{line}\n")
    out.write(f"{hook_id}: {summary}\n")
    out.flush()
    return EXIT_FINDINGS


def _large_files(hook_id: str, argv: Sequence[str]) -> int:
    from hygiene.git import staged
    from hygiene.hooks import large_files

    parser = _parser(hook_id)
    parser.add_argument(
        "--max-size",
        type=_size,
        default=large_files.DEFAULT_MAX_SIZE,
        metavar="SIZE",
        help="Largest staged file allowed: 500KB (default), 5MB, 2MiB, or bytes.",
    )
    parser.add_argument(
        "--maxkb",
        type=int,
        metavar="KB",
        help="The same in KiB, as pre-commit-hooks' check-added-large-files takes it.",
    )
    parser.add_argument(
        "--enforce-all",
        action="store_true",
        help="Check every tracked file given, not only what this commit adds or changes.",
    )
    args = parser.parse_args(argv)
    max_size: int = args.max_size if args.maxkb is None else args.maxkb * 1024
    cwd = os.getcwd()
    root = staged.repo_root(cwd)
    paths = staged.root_relative(root, cwd, args.filenames) if args.filenames else None
    found = large_files.find_large_files(
        root=root, paths=paths, max_size=max_size, enforce_all=args.enforce_all
    )
    if not found:
        return EXIT_OK
    return _report(
        hook_id,
        large_files.describe(found, max_size=max_size),
        f"{len(found)} file(s) too large to commit",
    )


def _no_artifacts(hook_id: str, argv: Sequence[str]) -> int:
    from hygiene.git import staged
    from hygiene.hooks import no_artifacts

    parser = _parser(hook_id)
    parser.add_argument(
        "--enforce-all",
        action="store_true",
        help="Also judge files and folders already committed (for CI over all files).",
    )
    args = parser.parse_args(argv)
    cwd = os.getcwd()
    root = staged.repo_root(cwd)
    if args.filenames:
        paths = staged.root_relative(root, cwd, args.filenames)
    elif args.enforce_all:
        paths = sorted(staged.tracked_blobs(root))
    else:
        paths = sorted(staged.staged_changes(root))
    found = no_artifacts.find_staged_artifacts(root=root, paths=paths, enforce_all=args.enforce_all)
    if not found:
        return EXIT_OK
    from pathlib import Path

    from hygiene.config.layers import load_config
    from hygiene.fix.ignorefile import existing_lines

    config = load_config(Path(root))
    found = no_artifacts.drop_protected(found, root=root, protect=config.protect)
    if not found:
        return EXIT_OK
    ignored = existing_lines(Path(root, ".gitignore"))
    state = "tracked" if args.enforce_all else "staged"
    return _report(
        hook_id,
        no_artifacts.describe(found, ignored=ignored, state=state),
        f"{len(found)} artifact(s) {state}; unstage them and ignore them as shown",
    )


def _ignore_gaps(hook_id: str, argv: Sequence[str]) -> int:
    parser = _parser(hook_id)
    parser.add_argument(
        "--fix",
        action="store_true",
        help="Append the missing lines to the top .gitignore, as `hygiene fix --apply` does.",
    )
    # File names are accepted and not used: the work tree as a whole is what is checked.
    args = parser.parse_args(argv)
    from pathlib import Path

    from hygiene.config.layers import load_config
    from hygiene.git import staged
    from hygiene.hooks import ignore_gaps

    root = staged.repo_root(os.getcwd())
    config = load_config(Path(root))
    gaps = ignore_gaps.find_gaps(root=root, config=config)
    if not gaps:
        return EXIT_OK
    if not args.fix:
        return _report(
            hook_id,
            ignore_gaps.describe(gaps),
            f"{len(gaps)} path(s) not ignored; add the lines shown, or run with --fix",
        )
    outcomes = ignore_gaps.fix_gaps(gaps)
    left = ignore_gaps.find_gaps(root=root, config=config)
    lines = ignore_gaps.describe_fix(outcomes) + ignore_gaps.describe(left)
    if left:
        summary = f"{len(left)} path(s) still not ignored; see above"
    else:
        summary = ".gitignore updated; review it and stage it with your commit"
    return _report(hook_id, lines, summary)


RUNNERS: dict[str, Callable[[str, Sequence[str]], int]] = {
    "hygiene-no-artifacts": _no_artifacts,
    "hygiene-large-files": _large_files,
    "hygiene-ignore-gaps": _ignore_gaps,
}


def run_hook(hook_id: str, argv: Sequence[str]) -> int:
    """Run one hook; `--help` prints the usage and returns 0."""
    try:
        return RUNNERS[hook_id](hook_id, argv)
    except SystemExit as exc:  # argparse's --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
