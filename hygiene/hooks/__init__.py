"""The pre-commit hooks, listed once: hook id -> one-line description.

Importing this package costs nothing, so `hygiene.cli.main` can recognise a hook id before it
chooses between the fast argparse path and typer. `.pre-commit-hooks.yaml` names the same ids
with the same descriptions and options; a test keeps the two in step.
"""

from __future__ import annotations

HOOKS: dict[str, str] = {
    "hygiene-no-artifacts": (
        "Fail when staged files include caches, build outputs, dependency folders, virtualenvs "
        "or OS/editor junk, judged by the scan rule table."
    ),
    "hygiene-large-files": (
        "Fail when a staged file (its blob in the index) is larger than --max-size "
        "(default 500KB); Git LFS files pass."
    ),
    "hygiene-ignore-gaps": (
        "Fail when artifacts, secrets or local state in the work tree are not ignored; "
        "--fix appends the missing .gitignore lines."
    ),
}

# pre-commit settings each hook needs beyond the defaults, in the manifest and in the
# `repo: local` entries `hygiene hook install` writes. The artifact judgement runs once over all
# files (one report, one rule table); the work-tree check ignores file names and must never run
# twice at once, since `--fix` writes `.gitignore`.
OPTIONS: dict[str, dict[str, bool]] = {
    "hygiene-no-artifacts": {"require_serial": True},
    # One process, so one summary, per run (issue 17): require_serial alone stops parallel
    # batches, but pre-commit still splits a command line over ~128 KiB into several processes,
    # each with its own count. Given no names, the hook checks what the commit stages (every
    # tracked file with --enforce-all), the files pre-commit would have passed.
    "hygiene-large-files": {"pass_filenames": False, "require_serial": True},
    "hygiene-ignore-gaps": {"pass_filenames": False, "always_run": True, "require_serial": True},
}
