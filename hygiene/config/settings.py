"""Typed readers for one TOML table: every error names the file, the key and what was expected.

Each section owner (config.py for top-level keys, db/settings.py for `[db]`, schedule/settings.py
for `[[jobs]]`) reads its table through a `Table`, then calls `done()` so that an unknown key is
an error, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hygiene.errors import ConfigError
from hygiene.units import DURATION_EXPECTED, SIZE_EXPECTED, parse_duration, parse_size


class Table:
    """One TOML table being validated. `prefix` is its dotted key path for messages."""

    def __init__(self, data: Mapping[str, Any], source: str, prefix: str = "") -> None:
        self.data = data
        self.source = source
        self.prefix = prefix
        self._seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, expected: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), expected)

    def expect(self, *names: str) -> None:
        """Declare keys as known even when absent, so an unknown-key error can list them."""
        self._seen.update(names)

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str) -> Any:
        self._seen.add(name)
        return self.data.get(name)

    def string(
        self, name: str, default: str | None = None, *, required: bool = False
    ) -> str | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise self.error(name, "is required (a string)")
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, "expected a non-empty string")
        return value

    def required_string(self, name: str) -> str:
        value = self.string(name, required=True)
        assert value is not None
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.string(name, default)
        assert value is not None
        if value not in choices:
            raise self.error(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(name, "expected true or false")
        return value

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(name, f"expected a whole number >= {minimum}")
        return value

    def size(self, name: str, default: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return parse_size(value)
        except ValueError:
            raise self.error(name, f"expected {SIZE_EXPECTED}, got {value!r}") from None

    def duration(self, name: str, default: float) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return parse_duration(value)
        except ValueError:
            raise self.error(name, f"expected {DURATION_EXPECTED}, got {value!r}") from None

    def string_list(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(name, "expected a list of strings")
        return tuple(value)

    def table(self, name: str) -> Table | None:
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(name, "expected a table")
        return Table(value, self.source, f"{self.key(name)}.")

    def tables(self, name: str) -> list[Table]:
        """An array of tables (`[[name]]`); element keys are reported as `name[2].key`."""
        value = self.raw(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(name, f"expected an array of tables ([[{self.key(name)}]])")
        return [Table(v, self.source, f"{self.key(name)}[{i}].") for i, v in enumerate(value)]

    def done(self) -> None:
        """Refuse keys nobody read: a typo must not be silently ignored."""
        unknown = sorted(set(self.data) - self._seen)
        if unknown:
            known = ", ".join(sorted(self._seen)) or "none"
            raise self.error(unknown[0], f"unknown key (known keys here: {known})")
