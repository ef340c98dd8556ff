"""Price tables: data files in `simulator/data/` that record their source and the date read.

Three kinds: `object` (tiers of an object store, in the order data cools), `database` (engines
and whether they bill allocated or used storage) and `disk` (local block storage, one tier).
Prices are USD per GiB-month: the AWS calculator treats GB as 1024^3 bytes.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hygiene.config.settings import Table
from hygiene.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GIB = 1024**3
KINDS = ("object", "database", "disk")
BILLED = ("allocated", "used")


@dataclass(frozen=True)
class Tier:
    name: str
    bands: tuple[tuple[float, float], ...]  # (up to this many GiB in the month, $/GiB-month)
    min_days: int = 0
    min_billable_bytes: float = 0.0
    overhead_own_bytes: float = 0.0  # billed at this tier's rate per object (Glacier FR, GDA)
    overhead_std_bytes: float = 0.0  # billed at the first tier's rate per object
    transition_in_per_1k: float = 0.0
    put_per_1k: float = 0.0
    retrieval_per_gb: float = 0.0
    retrieval_req_per_1k: float = 0.0
    get_per_1k: float = 0.0  # GET requests for objects read in this tier
    # S3 Intelligent-Tiering: a monthly monitoring fee per object of `monitor_min_bytes` or
    # more; smaller objects are not monitored and never leave the frequent tier.
    monitor_per_1k: float = 0.0
    monitor_min_bytes: float = 0.0
    # The provider moves monitored objects `auto_after_days` after they entered the first tier
    # of the group to `auto_to`, free (Intelligent-Tiering's access tiers, no access assumed).
    auto_after_days: int = 0
    auto_to: str = ""
    auto_only: bool = False  # only the provider moves objects here; no job may name it
    # Under TransitionDefaultMinimumObjectSize = varies_by_storage_class, lifecycle moves
    # objects under the 128 KiB default into this tier (S3: Glacier Flexible and Deep Archive).
    small_objects_ok: bool = False

    @property
    def flat_price(self) -> float:
        """The first band's price: what a back-of-the-envelope sum uses."""
        return self.bands[0][1]

    def month_cost(self, gib: float) -> float:
        """Dollars for holding `gib` for a whole month, band by band."""
        cost, floor = 0.0, 0.0
        for upto, price in self.bands:
            if gib <= floor:
                break
            cost += (min(gib, upto) - floor) * price
            floor = upto
        return cost


@dataclass(frozen=True)
class TierTable:
    kind: str
    provider: str
    region: str
    as_of: str
    source: str
    tiers: tuple[Tier, ...]
    lifecycle_min_object_bytes: float = 0.0
    list_per_1k: float = 0.0  # LIST requests, each returning up to 1,000 keys

    def index(self, name: str) -> int:
        for i, tier in enumerate(self.tiers):
            if tier.name == name:
                return i
        raise KeyError(name)


@dataclass(frozen=True)
class DbEngine:
    name: str
    price_gb_month: float
    billed: str  # "allocated" (RDS: grows only) or "used" (Aurora: shrinks on drop/rewrite)
    io_per_million: float = 0.0  # Aurora Standard: $ per million I/O operations
    # Backup storage beyond 100 % of the database's billed storage, $/GiB-month.
    backup_price_gb_month: float = 0.0


@dataclass(frozen=True)
class DbTable:
    provider: str
    region: str
    as_of: str
    source: str
    engines: tuple[DbEngine, ...]

    def engine(self, name: str) -> DbEngine:
        for engine in self.engines:
            if engine.name == name:
                return engine
        raise KeyError(name)


@dataclass(frozen=True)
class Prices:
    objects: dict[str, TierTable]  # by provider
    database: DbTable
    disk: TierTable


def number(table: Table, name: str, default: float, *, minimum: float = 0.0) -> float:
    value = table.raw(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= minimum:
        raise table.error(name, f"expected a number >= {minimum:g}")
    return float(value)


def _bands(table: Table) -> tuple[tuple[float, float], ...]:
    value = table.raw("bands")
    ok = isinstance(value, list) and value
    pairs: list[tuple[float, float]] = []
    for item in value if ok else []:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in item)
        ):
            ok = False
            break
        pairs.append((float(item[0]), float(item[1])))
    uppers = [p[0] for p in pairs]
    if (
        not ok
        or uppers != sorted(uppers)
        or not math.isinf(uppers[-1])
        or min(p[1] for p in pairs) < 0
    ):
        raise table.error(
            "bands", "expected [[upto_gib, price], ...] ascending, the last upto = inf"
        )
    return tuple(pairs)


def _tier(table: Table) -> Tier:
    tier = Tier(
        name=table.required_string("name"),
        bands=_bands(table),
        min_days=table.integer("min_days", 0),
        min_billable_bytes=number(table, "min_billable_bytes", 0.0),
        overhead_own_bytes=number(table, "overhead_own_bytes", 0.0),
        overhead_std_bytes=number(table, "overhead_std_bytes", 0.0),
        transition_in_per_1k=number(table, "transition_in_per_1k", 0.0),
        put_per_1k=number(table, "put_per_1k", 0.0),
        retrieval_per_gb=number(table, "retrieval_per_gb", 0.0),
        retrieval_req_per_1k=number(table, "retrieval_req_per_1k", 0.0),
        get_per_1k=number(table, "get_per_1k", 0.0),
        monitor_per_1k=number(table, "monitor_per_1k", 0.0),
        monitor_min_bytes=number(table, "monitor_min_bytes", 0.0),
        auto_after_days=table.integer("auto_after_days", 0),
        auto_to=table.string("auto_to", "") or "",
        auto_only=table.boolean("auto_only", False),
        small_objects_ok=table.boolean("small_objects_ok", False),
    )
    if bool(tier.auto_to) != bool(tier.auto_after_days):
        raise table.error("auto_to", "auto_to and auto_after_days go together")
    table.done()
    return tier


def parse_prices(data: dict[str, Any], source: str) -> TierTable | DbTable:
    root = Table(data, source)
    kind = root.choice("kind", KINDS, "object")
    head = {
        "provider": root.required_string("provider"),
        "region": root.required_string("region"),
        "as_of": root.required_string("as_of"),
        "source": root.required_string("source"),
    }
    if kind == "database":
        engines = []
        for item in root.tables("engines"):
            engines.append(
                DbEngine(
                    name=item.required_string("name"),
                    price_gb_month=number(item, "price_gb_month", 0.0),
                    billed=item.choice("billed", BILLED, "used"),
                    io_per_million=number(item, "io_per_million", 0.0),
                    backup_price_gb_month=number(item, "backup_price_gb_month", 0.0),
                )
            )
            item.done()
        if not engines:
            raise root.error("engines", "expected at least one [[engines]] table")
        root.done()
        return DbTable(engines=tuple(engines), **head)
    tiers = tuple(_tier(item) for item in root.tables("tiers"))
    if not tiers:
        raise root.error("tiers", "expected at least one [[tiers]] table")
    if len({t.name for t in tiers}) != len(tiers):
        raise root.error("tiers", "expected unique tier names")
    minimum = number(root, "lifecycle_min_object_bytes", 0.0)
    listing = number(root, "list_per_1k", 0.0)
    names = [t.name for t in tiers]
    for i, tier in enumerate(tiers):
        if tier.auto_to and (tier.auto_to not in names or names.index(tier.auto_to) <= i):
            raise root.error("tiers", f"{tier.name}: auto_to names a later tier of this table")
    root.done()
    return TierTable(
        kind=kind, tiers=tiers, lifecycle_min_object_bytes=minimum, list_per_1k=listing, **head
    )


def _read(text: str, source: str) -> TierTable | DbTable:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: not valid TOML ({exc})") from None
    return parse_prices(data, source)


def builtin_prices() -> Prices:
    folder = resources.files("simulator") / "data"
    objects: dict[str, TierTable] = {}
    database: DbTable | None = None
    disk: TierTable | None = None
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        table = _read(entry.read_text(encoding="utf-8"), f"simulator/data/{entry.name}")
        if isinstance(table, DbTable):
            database = table
        elif table.kind == "disk":
            disk = table
        else:
            objects[table.provider] = table
    assert database is not None, "simulator/data has no database table"
    assert disk is not None, "simulator/data has no disk table"
    return Prices(objects=objects, database=database, disk=disk)


def with_override(prices: Prices, path: Path) -> Prices:
    """`--prices FILE`: replace the table of the same kind (and provider, for object stores)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--prices: cannot read {str(path)!r} ({exc.strerror})") from None
    table = _read(text, str(path))
    if isinstance(table, DbTable):
        return Prices(objects=prices.objects, database=table, disk=prices.disk)
    if table.kind == "disk":
        return Prices(objects=prices.objects, database=prices.database, disk=table)
    return Prices(
        objects={**prices.objects, table.provider: table},
        database=prices.database,
        disk=prices.disk,
    )
