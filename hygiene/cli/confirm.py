"""The one yes/no question every changing command asks (`clean`, `restore`, `db`, `schedule`).

`--yes` answers it. With no terminal to ask on (cron, `< /dev/null`) the question is refused
with exit 2 and "pass --yes": a prompt nobody can answer would make a scheduled run silently do
nothing. The answer is read from stdin; end of input means no. "No" changes nothing and is
not a failure: "hygiene: nothing changed" on stderr, exit 0 (`DECLINED`).
"""

from __future__ import annotations

import sys

from hygiene.errors import EXIT_OK, UsageError

DECLINED = EXIT_OK


def confirm(question: str, yes: bool) -> bool:
    """True to go on: `yes` was given, or the person at the terminal answered y/yes."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(f"{question} needs confirmation: pass --yes (no terminal to ask on)")
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def declined() -> int:
    """Say nothing changed; the exit code of a "no"."""
    print("hygiene: nothing changed", file=sys.stderr)
    return DECLINED
