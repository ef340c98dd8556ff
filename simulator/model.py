"""The compiled model (a scenario against its price tables) and what a run returns.

Tiers are one vector: the provider's object tiers hot to cold, then the local disk, then the
database pseudo-tier, so every per-tier quantity is one numpy array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.prices import Prices
from simulator.scenario import Scenario

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]

# Cost components, in the order of the rows of `Daily.costs`.
COMPONENTS = (
    "storage",
    "overhead",
    "requests",
    "transitions",
    "early_deletion",
    "retrieval",
    "monitoring",
    "database",
    "database_io",
    "backup",
    "disk",
)
(
    STORAGE,
    OVERHEAD,
    REQUESTS,
    TRANSITIONS,
    EARLY,
    RETRIEVAL,
    MONITORING,
    DATABASE,
    DATABASE_IO,
    BACKUP,
    DISK,
) = range(11)
# What a unit of each store is: what capacities, backlogs and deletions count.
COUNTED = {"db": "rows", "object": "objects", "disk": "files"}
STORES = ("db", "object", "disk")
# Aurora counts a write I/O per 4 KiB of redo it persists; a purge reads the 8 KiB pages of
# the rows it deletes (PostgreSQL's page size, assumed not cached).
IO_WRITE_BYTES, IO_READ_BYTES = 4096.0, 8192.0
LIST_KEYS = 1000  # keys one LIST request returns


@dataclass(frozen=True)
class Daily:
    """One value per simulated day (arrays of length `days`; `tier_bytes` is tiers x days)."""

    generated: Floats
    deleted: Floats
    compacted: Floats
    live_bytes: Floats
    billed_bytes: Floats
    tier_bytes: Floats
    db_live: Floats
    db_dead: Floats
    db_file: Floats
    db_billed: Floats
    backlog: Floats
    costs: Floats  # components x days, USD
    naive_cost: Floats
    backlog_by_store: Floats  # 3 x days: rows, objects, files waiting (order of STORES)
    db_backup: Floats  # bytes held by automated backups (live + deleted within retention)

    @property
    def cost(self) -> Floats:
        total: Floats = self.costs.sum(axis=0)
        return total


@dataclass(frozen=True)
class JobStats:
    """What one job did over a run, counted by the engine as it acted (issue 19 item 2)."""

    name: str
    runs: int  # times it ran (a sub-daily cron counts each run)
    units_removed: float  # rows (db), objects (object store) or files (disk)
    bytes_removed: float
    objects_moved: float  # transitioned, or written as archive bundles
    delete_markers: float  # versioned buckets: expirations that only hid the object
    fees_usd: float  # transition fees, early deletion and PUTs it caused


@dataclass(frozen=True)
class Run:
    label: str
    tier_names: tuple[str, ...]
    generated_bytes: float
    deleted_bytes: float
    compacted_bytes: float
    live_bytes_end: float
    tiers_end: dict[str, float]
    billed_bytes_end: float
    cost_usd: float
    naive_cost_usd: float
    cost_by_component: dict[str, float]
    cost_by_tier: dict[str, float]
    deleted_units: dict[str, float]
    backlog_end: dict[str, float]
    backlog_peak: dict[str, float]
    daily: Daily
    jobs: tuple[JobStats, ...] = ()
    autovacuum_runs: int = 0
    db_storage_full_days: int = 0  # RDS: days the file outgrew the allocation autoscaling allowed
    deleted_by_store: dict[str, dict[str, float]] | None = None  # rows/objects/files by class


@dataclass(frozen=True)
class Model:
    """A scenario compiled against its price tables: tier vectors and per-class constants."""

    scenario: Scenario
    tier_names: tuple[str, ...]
    n_object_tiers: int
    flat: Floats  # $/GiB-month, first band, per tier
    bands: tuple[tuple[tuple[float, float], ...], ...]
    min_days: Ints
    min_bytes: Floats
    own_over: Floats
    std_over: Floats
    transition_fee: Floats  # per object
    put_fee: Floats  # per object
    retrieval_gb: Floats
    retrieval_req: Floats  # per object
    get_fee: Floats  # per object read
    monitor_fee: Floats  # per object-month (Intelligent-Tiering)
    monitor_min: Floats
    auto: tuple[tuple[int, int, int], ...]  # (from tier, to tier, after days in the group)
    lifecycle_min: float
    lifecycle_floor: Floats  # per destination tier, under the scenario's bucket default
    list_fee: float  # per LIST request
    db_price: float
    db_allocated: bool
    db_io_fee: float  # per I/O
    db_backup_price: float
    home_tier: Ints  # per class
    billable_factor: Floats  # classes x tiers: E[max(S, m)] / E[S] for unarchived objects
    read_fraction: Floats
    has_db: bool

    @property
    def disk_tier(self) -> int:
        return self.n_object_tiers

    @property
    def db_tier(self) -> int:
        return self.n_object_tiers + 1


def _expected_max(mean: float, sigma: float, minimum: float) -> float:
    """E[max(S, m)] for S lognormal with this mean (reference 3.5's closed form)."""
    if minimum <= 0:
        return mean
    if sigma <= 0:
        return max(mean, minimum)
    mu = math.log(mean) - sigma**2 / 2

    def phi(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))

    ln_m = math.log(minimum)
    return minimum * phi((ln_m - mu) / sigma) + mean * phi((mu + sigma**2 - ln_m) / sigma)


def compile_model(scenario: Scenario, prices: Prices) -> Model:
    import numpy as np

    from simulator.scenario import check_prices

    check_prices(scenario, prices)
    table = prices.objects[scenario.provider]
    tiers = [*table.tiers, *prices.disk.tiers[:1]]
    names = (
        *(f"{table.provider}:{t.name}" for t in table.tiers),
        f"disk:{prices.disk.tiers[0].name}",
        "database",
    )
    engine = prices.database.engine(scenario.database.engine)
    n = len(table.tiers)

    def vec(values: list[float]) -> Floats:
        return np.array([*values, 0.0], dtype=np.float64)  # the database pseudo-tier last

    home = {"object": 0, "disk": n, "db": n + 1}
    tier_index = {t.name: i for i, t in enumerate(table.tiers)}
    varies = scenario.transition_default_minimum_object_size == "varies_by_storage_class"
    floor = table.lifecycle_min_object_bytes
    auto = tuple(
        (i, tier_index[t.auto_to], t.auto_after_days)
        for i, t in enumerate(table.tiers)
        if t.auto_to
    )
    factor = np.ones((len(scenario.classes), n + 2))
    for k, klass in enumerate(scenario.classes):
        size = klass.bundle_bytes or klass.unit_bytes
        sigma = 0.0 if klass.bundle_bytes else klass.size_sigma
        if size <= 0:  # a class measured as 0 bytes a unit (materialize): nothing to scale
            continue
        for i, tier in enumerate(tiers):
            factor[k, i] = _expected_max(size, sigma, tier.min_billable_bytes) / size
    return Model(
        scenario=scenario,
        tier_names=names,
        n_object_tiers=n,
        flat=vec([t.flat_price for t in tiers]),
        bands=(*(t.bands for t in tiers), ((math.inf, 0.0),)),
        min_days=np.array([*(t.min_days for t in tiers), 0], dtype=np.int64),
        min_bytes=vec([t.min_billable_bytes for t in tiers]),
        own_over=vec([t.overhead_own_bytes for t in tiers]),
        std_over=vec([t.overhead_std_bytes for t in tiers]),
        transition_fee=vec([t.transition_in_per_1k / 1000 for t in tiers]),
        put_fee=vec([t.put_per_1k / 1000 for t in tiers]),
        retrieval_gb=vec([t.retrieval_per_gb for t in tiers]),
        retrieval_req=vec([t.retrieval_req_per_1k / 1000 for t in tiers]),
        get_fee=vec([t.get_per_1k / 1000 for t in tiers]),
        monitor_fee=vec([t.monitor_per_1k / 1000 for t in tiers]),
        monitor_min=vec([t.monitor_min_bytes for t in tiers]),
        auto=auto,
        lifecycle_min=floor,
        lifecycle_floor=vec(
            [0.0 if varies and t.small_objects_ok else floor for t in table.tiers] + [0.0]
        ),
        list_fee=table.list_per_1k / 1000,
        db_price=engine.price_gb_month,
        db_allocated=engine.billed == "allocated",
        db_io_fee=engine.io_per_million / 1e6,
        db_backup_price=engine.backup_price_gb_month,
        home_tier=np.array(
            [tier_index[c.tier] if c.tier else home[c.store] for c in scenario.classes],
            dtype=np.int64,
        ),
        billable_factor=factor,
        read_fraction=np.array([c.read_fraction for c in scenario.classes], dtype=np.float64),
        has_db=any(c.store == "db" for c in scenario.classes),
    )
