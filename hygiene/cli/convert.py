"""Command-line values to typed ones, with one-line errors. No typer here: `hygiene scan`'s
fast path (`hygiene.cli.fast`) uses these without paying for typer's import."""

from __future__ import annotations

from pathlib import Path

from hygiene.errors import UsageError
from hygiene.units import DURATION_EXPECTED, SIZE_EXPECTED, parse_duration, parse_size


def size_option(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError:
        raise UsageError(f"{name}: expected {SIZE_EXPECTED}, got {value!r}") from None


def duration_option(name: str, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError:
        raise UsageError(f"{name}: expected {DURATION_EXPECTED}, got {value!r}") from None


def roots_argument(roots: list[Path] | None) -> tuple[Path, ...]:
    """The roots, each an existing folder, or a one-line error naming the first bad one."""
    chosen = tuple(roots) if roots else (Path("."),)
    for root in chosen:
        if not root.exists():
            raise UsageError(f"root {str(root)!r} does not exist")
        if not root.is_dir():
            raise UsageError(f"root {str(root)!r} is not a folder")
    return tuple(root.absolute() for root in chosen)


def choices_option(name: str, values: list[str] | None, allowed: set[str]) -> frozenset[str]:
    chosen = frozenset(v.lower() for v in values or ())
    unknown = sorted(chosen - allowed)
    if unknown:
        raise UsageError(
            f"{name}: unknown value {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})"
        )
    return chosen
