"""The `[db]` config section: retention rules, erase relations and the archive folder.

```toml
[db]
archive_dir = "~/db-archives"        # default: HYGIENE_HOME/db-archive

[[db.rules]]
name = "expired-sessions"
table = "sessions"
column = "expires_at"
older_than = "0d"
action = "delete"                   # or "archive"
where = "status = 'closed'"         # optional, ANDed with the age test

[[db.relations]]                    # a foreign key the schema does not declare (for erase)
table = "comments"
column = "author_id"
references = "users.id"
on_erase = "delete"                 # or "set-null"
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hygiene.config.settings import Table

ACTIONS = ("delete", "archive")
ON_ERASE = ("delete", "set-null")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class RetentionRule:
    name: str
    table: str
    column: str
    older_than: float  # seconds
    action: str = "delete"
    where: str | None = None
    source: str = "default"


@dataclass(frozen=True)
class Relation:
    """`table.column` refers to `ref_table.ref_column` although no constraint says so."""

    table: str
    column: str
    ref_table: str
    ref_column: str
    on_erase: str = "delete"
    source: str = "default"


@dataclass(frozen=True)
class DbSettings:
    rules: tuple[RetentionRule, ...] = ()
    relations: tuple[Relation, ...] = ()
    archive_dir: Path | None = None


def _rule(table: Table) -> RetentionRule:
    name = table.required_string("name")
    if not _NAME_RE.match(name):
        raise table.error("name", "expected letters, digits, '_', '.' or '-' (it names files)")
    rule = RetentionRule(
        name=name,
        table=table.required_string("table"),
        column=table.required_string("column"),
        older_than=_required_duration(table, "older_than"),
        action=table.choice("action", ACTIONS, "delete"),
        where=table.string("where"),
        source=table.source,
    )
    table.done()
    return rule


def _required_duration(table: Table, name: str) -> float:
    if not table.has(name):
        raise table.error(name, "is required (a duration such as 0d, 12h or 30d)")
    return table.duration(name, 0.0)


def _relation(table: Table) -> Relation:
    references = table.required_string("references")
    ref_table, dot, ref_column = references.rpartition(".")
    if not dot or not ref_table or not ref_column:
        raise table.error("references", f"expected 'table.column', got {references!r}")
    relation = Relation(
        table=table.required_string("table"),
        column=table.required_string("column"),
        ref_table=ref_table,
        ref_column=ref_column,
        on_erase=table.choice("on_erase", ON_ERASE, "delete"),
        source=table.source,
    )
    table.done()
    return relation


def parse_db(table: Table) -> DbSettings:
    rules = tuple(_rule(t) for t in table.tables("rules"))
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.name in seen:
            raise table.error(f"rules[{index}].name", f"duplicate rule name {rule.name!r}")
        seen.add(rule.name)
    relations = tuple(_relation(t) for t in table.tables("relations"))
    archive = table.string("archive_dir")
    table.done()
    return DbSettings(
        rules=rules,
        relations=relations,
        archive_dir=Path(archive).expanduser() if archive else None,
    )


def merge_db(lower: DbSettings | None, higher: DbSettings) -> DbSettings:
    """Rules add up, a higher rule replacing a lower one of the same name; relations add up."""
    if lower is None:
        return higher
    names = {rule.name for rule in higher.rules}
    rules = (*(r for r in lower.rules if r.name not in names), *higher.rules)
    keys = {(r.table, r.column) for r in higher.relations}
    relations = (
        *(r for r in lower.relations if (r.table, r.column) not in keys),
        *higher.relations,
    )
    return DbSettings(
        rules=rules,
        relations=relations,
        archive_dir=higher.archive_dir if higher.archive_dir is not None else lower.archive_dir,
    )
