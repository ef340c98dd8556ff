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
    DATABASE,
    DISK,
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


def bill(
    model: Model,
    gen: Generation,
    levels: dict[str, Floats],
    events: Floats,
    db_file: Floats,
    db_alloc: Floats,
) -> Bill:
    """`levels`: per tier and day, live bytes (B), objects (O), billable bytes (M), bytes and
    objects read (RB, RO). `events`: the fees the engine charged on the day they happened."""
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
    costs[RETRIEVAL] = (
        (levels["RB"] / GIB * model.retrieval_gb[:, None])
        + levels["RO"] * model.retrieval_req[:, None]
    ).sum(axis=0)
    multi = 2.0 if s.database.multi_az else 1.0
    db_billed = (db_alloc if model.db_allocated else db_file) * multi
    costs[DATABASE] = db_billed / GIB * model.db_price / dim
    costs[DISK] = tier_cost[n]
    tier_cost[model.db_tier] = costs[DATABASE]
    naive = (live_t * model.flat[:, None]).sum(axis=0) / GIB / dim
    naive += live_t[model.db_tier] / GIB * model.db_price / dim
    billed_bytes = billable[: n + 1].sum(axis=0) + db_billed
    return Bill(costs, tier_cost, naive, db_billed, billed_bytes)
