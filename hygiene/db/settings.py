"""The `[db]` config section. PLACEHOLDER until the `hygiene db` issue: accepts no keys yet."""

from __future__ import annotations

from dataclasses import dataclass

from hygiene.settings import Table


@dataclass(frozen=True)
class DbSettings:
    pass


def parse_db(table: Table) -> DbSettings:
    table.done()
    return DbSettings()


def merge_db(lower: DbSettings | None, higher: DbSettings) -> DbSettings:
    return higher
