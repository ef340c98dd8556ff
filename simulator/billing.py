"""The honest bill, per day, computed after the run from the recorded per-tier totals.

Storage is billed per GiB-month, band by band, pro-rated by the day (bytes x price / days in the
month); minimum billable sizes and per-object overheads are billed as `overhead`; the database as
AWS does (RDS: the allocation, which only grows; Aurora: the used file). Event fees (PUTs,
transitions, early deletion) are added by the engine on the day they happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.generate import Generation
from simulator.model import (
    BACKUP,
    DATABASE,
    DATABASE_IO,
    DISK,
    IO_WRITE_BYTES,
    MONITORING,
    OVERHEAD,
    REQUESTS,
    RETRIEVAL,
    STORAGE,
    Model,
)
from simulator.prices import GIB

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]


def month_cost(bands: tuple[tuple[float, float], ...], gib: Floats) -> Floats:
    """Band-by-band monthly dollars for an array of GiB totals."""
    import numpy as np

    cost = np.zeros_like(gib)
    floor = 0.0
    for upto, price in bands:
        cost += np.clip(gib - floor, 0.0, upto - floor) * price
        floor = upto
    return cost


@dataclass(frozen=True)
class Bill:
    costs: Floats  # components x days, USD
    tier_cost: Floats  # tiers x days, USD (storage and overhead; the database its bill)
    naive: Floats  # per day: live GiB x the first band's price, nothing else
    db_billed: Floats  # bytes the database bill is computed on, per day
    billed_bytes: Floats  # everything paid for, per day
    db_backup: Floats  # bytes automated backups hold, per day


def bill(
    model: Model,
    gen: Generation,
    levels: dict[str, Floats],
    events: Floats,
    db_file: Floats,
    db_alloc: Floats,
) -> Bill:
    """`levels`: per tier and day, live bytes (B), objects (O), billable bytes (M), bytes and
    objects read (RB, RO), monitored objects (N); per day, database bytes removed (db_removed).
    `events`: the fees the engine charged on the day they happened."""
    import numpy as np

    s = model.scenario
    n = model.n_object_tiers
    dim = gen.days_in_month
    live_t = levels["B"]
    objects = levels["O"]
    billable = levels["M"] + objects * model.own_over[:, None]
    billable[0] += (objects * model.std_over[:, None]).sum(axis=0)
    tier_cost = np.zeros_like(live_t)
    for i in range(n + 1):  # object tiers and the disk
        tier_cost[i] = month_cost(model.bands[i], billable[i] / GIB) / dim
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(billable > 0, live_t / billable, 1.0)
    costs = events.copy()
    storage = (tier_cost[:n] * share[:n]).sum(axis=0)
    costs[STORAGE] = storage
    costs[OVERHEAD] = tier_cost[:n].sum(axis=0) - storage
    costs[REQUESTS] += gen.put_cost
    # GET requests for the objects read, at the price of the tier they are read from.
    costs[REQUESTS] += (levels["RO"] * model.get_fee[:, None]).sum(axis=0)
    # Intelligent-Tiering's monitoring fee: per monitored object per month, by the day.
    costs[MONITORING] = (levels["N"] * model.monitor_fee[:, None]).sum(axis=0) / dim
    costs[RETRIEVAL] = (
        (levels["RB"] / GIB * model.retrieval_gb[:, None])
        + levels["RO"] * model.retrieval_req[:, None]
    ).sum(axis=0)
    multi = 2.0 if s.database.multi_az else 1.0
    db_billed = (db_alloc if model.db_allocated else db_file) * multi
    costs[DATABASE] = db_billed / GIB * model.db_price / dim
    # Aurora Standard: every inserted byte is written in 4 KiB I/Os (purges are charged by the
    # engine on the day they run).
    inserted = sum(
        (gen.bytes[k] for k, c in enumerate(s.classes) if c.store == "db"), np.zeros(len(dim))
    )
    costs[DATABASE_IO] += inserted / IO_WRITE_BYTES * model.db_io_fee
    # Automated backups hold the live rows and every row deleted in the retention window;
    # beyond 100 % of the database's storage (RDS: allocated, Aurora: used) they are billed.
    removed = np.cumsum(levels["db_removed"])
    keep = s.database.backup_days
    window = removed - np.concatenate((np.zeros(keep), removed))[: len(removed)] if keep else 0.0
    db_backup = live_t[model.db_tier] + window
    allowance = db_alloc if model.db_allocated else db_file
    costs[BACKUP] = np.maximum(db_backup - allowance, 0.0) / GIB * model.db_backup_price / dim
    costs[DISK] = tier_cost[n]
    tier_cost[model.db_tier] = costs[DATABASE]
    naive = (live_t * model.flat[:, None]).sum(axis=0) / GIB / dim
    naive += live_t[model.db_tier] / GIB * model.db_price / dim
    billed_bytes = billable[: n + 1].sum(axis=0) + db_billed
    return Bill(costs, tier_cost, naive, db_billed, billed_bytes, db_backup)
