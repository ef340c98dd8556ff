"""The one exception family. The CLI boundary turns these into a one-line message and an exit code.

Exit codes (documented in docs/exit-codes.md):
  0 ok; 1 findings under a check mode, or some actions failed; 2 bad input, nothing changed;
  3 internal error; 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class HygieneError(Exception):
    """Base class: a problem hygiene can explain in one line."""

    exit_code = EXIT_INTERNAL


class UsageError(HygieneError):
    """Bad input from the user: an argument, a path, a config value. Nothing was changed."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A configuration file holds a key or value hygiene cannot accept."""

    def __init__(self, source: str, key: str, expected: str) -> None:
        self.source = source
        self.key = key
        self.expected = expected
        super().__init__(f"{source}: {key}: {expected}")


class ActionFailed(HygieneError):
    """Some actions failed; the others were completed (exit 1)."""

    exit_code = EXIT_FINDINGS
