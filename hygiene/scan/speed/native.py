"""The compiled loops (`_measure`), where they were built, else their Python references.

`setup.py` builds them optionally: without a C compiler hygiene still works, in Python, with the
same results. An older build without a newer loop falls back the same way.
"""

from __future__ import annotations

from typing import TypeVar

F = TypeVar("F")


def compiled(name: str, fallback: F) -> F:
    """`_measure.<name>`, or `fallback` (the Python reference) where it is missing."""
    try:
        from hygiene.scan.speed import _measure
    except ImportError:  # pragma: no cover - an install without a C compiler
        return fallback
    found: F = getattr(_measure, name, fallback)
    return found
