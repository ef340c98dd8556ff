"""The cohort engine: per data class, arrays indexed by creation day, never a loop over users.

Each simulated day adds the day's generation (already computed for every day, see
`simulator.generate`), applies the jobs that fire that day to slices of cohorts selected by age,
and records per-tier totals. Every job keeps a frontier: cohorts older than it are already done,
so a day costs O(cohorts newly old enough), not O(days so far) (issue 8; reference section 6.1).
The bill is computed after the loop (`simulator.billing`), vectorised over days.

Semantics fixed here (docs/simulate.md explains them):
- a job fires after the day's generation; on day t it selects cohorts c with t - c >= older_than
  (every row of day c is then older than `older_than` at the end of day t);
- purge turns rows into dead space inside the database file; VACUUM makes it reusable; only a
  rewrite or a partition drop shrinks the file; RDS bills an allocation that only grows;
- lifecycle transitions move whole cohorts whose mean object size meets the provider minimum;
- transitions and expirations age an object from its own creation, as S3 does: an archive's
  bundle written on day 10 is 30 days old on day 40, whatever day its rows were written;
- PostgreSQL's autovacuum (unless the scenario turns it off) makes dead rows reusable once they
  exceed 50 + 0.2 x the live rows, checked after each day's jobs;
- an expire on a versioned class only adds delete markers; the versions stay billed until the
  job's `noncurrent_days` have passed (NoncurrentVersionExpiration);
- a capacity caps the units one run removes, oldest first; the rest is the job's backlog.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulator.billing import bill
from simulator.generate import Generation
from simulator.model import (
    COMPONENTS,
    COUNTED,
    DATABASE_IO,
    EARLY,
    IO_READ_BYTES,
    LIST_KEYS,
    REQUESTS,
    STORES,
    TRANSITIONS,
    Daily,
    JobStats,
    Model,
    Run,
)
from simulator.prices import GIB
from simulator.scenario import Job

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]


class _State:
    """Mutable cohort arrays for one run; private to `run`."""

    def __init__(self, model: Model, gen: Generation) -> None:
        import numpy as np

        k, d = gen.bytes.shape
        t_count = len(model.tier_names)
        self.m = model
        self.B = gen.bytes.copy()
        self.O = gen.objects.copy()
        self.tier = np.repeat(model.home_tier[:, None], d, axis=1)
        self.entered = np.tile(np.arange(d, dtype=np.int64), (k, 1))
        self.created = self.entered.copy()  # the day each cohort's objects were written
        self.archived = np.zeros((k, d), dtype=bool)
        # Running totals per tier: live bytes, objects, billable bytes, bytes and objects read,
        # objects paying a monthly monitoring fee (Intelligent-Tiering, 128 KiB or more).
        self.L = np.zeros((6, t_count))
        self.LB, self.LO, self.LM, self.RB, self.RO, self.LN = self.L  # views into one array
        self.dead = 0.0
        self.dead_rows = 0.0
        self.file = 0.0
        self.deleted = 0.0
        self.compacted = 0.0
        self.deleted_units = np.zeros(k)
        self.db_removed = 0.0  # bytes purged or dropped from the database so far
        self.t_count = t_count
        # Python lists for the one-cohort fast path (most days move exactly one cohort).
        self.min_bytes: list[float] = model.min_bytes.tolist()
        self.factor: list[list[float]] = model.billable_factor.tolist()
        self.flat: list[float] = model.flat.tolist()
        self.min_days: list[int] = model.min_days.tolist()
        self.read: list[float] = model.read_fraction.tolist()
        self.mon_fee: list[float] = model.monitor_fee.tolist()
        self.mon_min: list[float] = model.monitor_min.tolist()
        # Classes that can hold monitored objects (set by `run` from the tier groups they reach).
        self.watched: set[int] = set()

    def billable1(self, k: int, c: int) -> float:
        tier = int(self.tier[k, c])
        if self.archived[k, c]:
            return max(float(self.B[k, c]), float(self.O[k, c]) * self.min_bytes[tier])
        return float(self.B[k, c]) * self.factor[k][tier]

    def account1(self, k: int, c: int, sign: float) -> None:
        tier = int(self.tier[k, c])
        b, o = float(self.B[k, c]) * sign, float(self.O[k, c]) * sign
        self.LB[tier] += b
        self.LO[tier] += o
        self.LM[tier] += self.billable1(k, c) * sign
        if k in self.watched and float(self.B[k, c]) >= float(self.O[k, c]) * self.mon_min[tier]:
            self.LN[tier] += o if self.mon_fee[tier] else 0.0
        rf = self.read[k]
        if rf:
            self.RB[tier] += rf * b
            self.RO[tier] += rf * o

    def early1(self, k: int, c: int, t: int) -> float:
        tier = int(self.tier[k, c])
        days = self.min_days[tier] - (t - int(self.entered[k, c]))
        if days <= 0:
            return 0.0
        return self.billable1(k, c) * self.flat[tier] * days / GIB / 30

    def billable(self, k: int, lo: int, hi: int) -> Floats:
        import numpy as np

        m, tiers = self.m, self.tier[k, lo:hi]
        b, o = self.B[k, lo:hi], self.O[k, lo:hi]
        out: Floats = np.where(
            self.archived[k, lo:hi],
            np.maximum(b, o * m.min_bytes[tiers]),
            b * m.billable_factor[k, tiers],
        )
        return out

    def account(self, k: int, lo: int, hi: int, sign: float, weight: Floats | None = None) -> None:
        """Add (sign=+1) or remove (-1) cohorts lo..hi of class k to the per-tier totals."""
        import numpy as np

        if hi - lo == 1:
            self.account1(k, lo, sign * (1.0 if weight is None else float(weight[0])))
            return
        tiers = self.tier[k, lo:hi]
        b, o, mb = self.B[k, lo:hi], self.O[k, lo:hi], self.billable(k, lo, hi)
        if weight is not None:
            b, o, mb = b * weight, o * weight, mb * weight
        n, rf = self.t_count, self.m.read_fraction[k]
        sb = np.bincount(tiers, weights=b, minlength=n)
        so = np.bincount(tiers, weights=o, minlength=n)
        self.LB += sign * sb
        self.LO += sign * so
        self.LM += sign * np.bincount(tiers, weights=mb, minlength=n)
        m = self.m
        if k in self.watched:
            raw_b, raw_o = self.B[k, lo:hi], self.O[k, lo:hi]
            watched = (m.monitor_fee[tiers] > 0) & (raw_b >= raw_o * m.monitor_min[tiers])
            if watched.any():
                self.LN += sign * np.bincount(tiers, weights=o * watched, minlength=n)
        if rf:
            self.RB += sign * rf * sb
            self.RO += sign * rf * so

    def early(self, k: int, lo: int, hi: int, t: int, weight: Floats | None = None) -> float:
        """Minimum storage duration: cohorts leaving a tier early pay the remaining days."""
        import numpy as np

        if hi - lo == 1:
            return self.early1(k, lo, t) * (1.0 if weight is None else float(weight[0]))
        tiers = self.tier[k, lo:hi]
        days = self.m.min_days[tiers] - (t - self.entered[k, lo:hi])
        if not (days > 0).any():
            return 0.0
        mb = self.billable(k, lo, hi) if weight is None else self.billable(k, lo, hi) * weight
        # A month's price for 30 days pro-rated by the day, as the AWS calculator does.
        return float(np.sum(mb * self.m.flat[tiers] * np.maximum(days, 0)) / GIB / 30)


def _remove(
    st: _State, k: int, lo: int, hi: int, capacity: float | None, t: int, costs: Floats | None
) -> tuple[int, float, float, float]:
    """Remove cohorts lo..hi of class k, oldest first, up to `capacity` units.

    With `costs`, objects deleted before their tier's minimum duration pay the remaining days.
    Returns (new frontier, bytes removed, units removed, units left waiting).
    """
    import numpy as np

    units = st.O[k, lo:hi]
    total = float(units.sum())
    if capacity is None or total <= capacity:
        if costs is not None:
            costs[EARLY, t] += st.early(k, lo, hi, t)
        st.account(k, lo, hi, -1.0)
        removed_b = float(st.B[k, lo:hi].sum())
        st.B[k, lo:hi] = 0.0
        st.O[k, lo:hi] = 0.0
        return hi, removed_b, total, 0.0
    cum = np.cumsum(units)
    full = int(np.searchsorted(cum, capacity, side="right"))
    removed_b = 0.0
    if full:
        if costs is not None:
            costs[EARLY, t] += st.early(k, lo, lo + full, t)
        st.account(k, lo, lo + full, -1.0)
        removed_b = float(st.B[k, lo : lo + full].sum())
        st.B[k, lo : lo + full] = 0.0
        st.O[k, lo : lo + full] = 0.0
    left = capacity - (float(cum[full - 1]) if full else 0.0)
    j = lo + full
    if left > 0 and st.O[k, j] > 0:
        share = left / float(st.O[k, j])
        if costs is not None:
            costs[EARLY, t] += st.early(k, j, j + 1, t) * share
        st.account(k, j, j + 1, -share)
        removed_b += float(st.B[k, j]) * share
        st.B[k, j] *= 1 - share
        st.O[k, j] *= 1 - share
    return j, removed_b, capacity, total - capacity


def _fees(costs: Floats, t: int) -> float:
    """The event fees charged on day t so far: what a job's own actions cost."""
    return float(
        costs[EARLY, t] + costs[TRANSITIONS, t] + costs[REQUESTS, t] + costs[DATABASE_IO, t]
    )


class _Jobs:
    """Per-job frontiers and backlogs, and the dispatch from action to cohort operation."""

    def __init__(self, model: Model, jobs: tuple[Job, ...]) -> None:
        import numpy as np

        self.m = model
        self.jobs = jobs
        names = [c.name for c in model.scenario.classes]
        self.targets = [tuple(names.index(n) for n in job.classes) for job in jobs]
        self.frontier = [dict.fromkeys(ks, 0) for ks in self.targets]
        self.backlog = np.zeros(len(jobs))
        self.peak = np.zeros(len(jobs))
        # Per job: runs, units removed, bytes removed, objects moved, delete markers, fees.
        self.stats = np.zeros((len(jobs), 6))
        self.markers = [dict.fromkeys(ks, 0) for ks in self.targets]
        self.versioned = [c.versioned for c in model.scenario.classes]
        self.stores = [c.store for c in model.scenario.classes]
        self.job_store = np.array(
            [STORES.index(self.stores[ks[0]]) if ks else STORES.index("db") for ks in self.targets],
            dtype=np.int64,
        )
        archived = {
            k
            for job, ks in zip(jobs, self.targets, strict=True)
            if job.action == "archive"
            for k in ks
        }
        self.awaits_archive = [k in archived for k in range(len(names))]
        self.to_index = [
            model.tier_names.index(f"{model.scenario.provider}:{job.to_tier}")
            if job.to_tier
            else -1
            for job in jobs
        ]

    def apply(self, st: _State, j: int, t: int, runs: int, costs: Floats) -> float:
        """Run job j on day t (`runs` times that day); returns bytes deleted."""
        fees_before = _fees(costs, t)
        if self.jobs[j].lists_objects and self.m.list_fee:
            # A script lists the whole class every run, 1,000 keys a LIST, before it acts.
            for k in self.targets[j]:
                if self.stores[k] == "object":
                    keys = float(st.O[k, : t + 1].sum())
                    costs[REQUESTS, t] += runs * math.ceil(keys / LIST_KEYS) * self.m.list_fee
        deleted = self._apply(st, j, t, runs, costs)
        row = self.stats[j]
        row[0] += runs
        row[2] += deleted
        row[5] += _fees(costs, t) - fees_before
        return deleted

    def _due(self, st: _State, k: int, lo: int, hi: int, t: int, age: int) -> int:
        """The end of the run of cohorts lo..hi whose objects are `age` days old by their own
        creation (a bundle is as old as the archive that wrote it)."""
        import numpy as np

        if not self.awaits_archive[k] or hi <= lo:
            return hi
        young = np.flatnonzero(t - st.created[k, lo:hi] < age)
        return lo + int(young[0]) if young.size else hi

    def _apply(self, st: _State, j: int, t: int, runs: int, costs: Floats) -> float:
        job = self.jobs[j]
        act = job.action
        if act == "vacuum":
            st.dead = 0.0
            st.dead_rows = 0.0
            return 0.0
        if act == "rewrite":
            st.dead = 0.0
            st.dead_rows = 0.0
            st.file = float(st.LB[self.m.db_tier])
            return 0.0
        deleted = 0.0
        capacity = None if job.capacity is None else job.capacity * runs
        waiting = 0.0
        for k in self.targets[j]:
            lo = self.frontier[j][k]
            hi = t - job.older_than_days + 1
            if act == "drop_partition":
                hi = (hi // job.partition_days) * job.partition_days
            if act == "expire":
                hi = self._due(st, k, lo, hi, t, job.older_than_days)
                if self.versioned[k]:
                    hi = self._markers(st, j, k, hi, t, job.noncurrent_days)
            if hi <= lo:
                continue
            if act in ("purge", "expire", "drop_partition"):
                front, gone_b, gone_u, left = self._remove_filtered(
                    st,
                    j,
                    k,
                    lo,
                    hi,
                    None if act == "drop_partition" else capacity,
                    t,
                    costs if act == "expire" else None,
                )
                if capacity is not None and act != "drop_partition":
                    capacity -= gone_u
                self.frontier[j][k] = front
                waiting += left
                deleted += gone_b
                st.deleted_units[k] += gone_u
                self.stats[j, 1] += gone_u
                if act == "purge":
                    st.dead += gone_b  # dead tuples: still in the file until a rewrite
                    st.dead_rows += gone_u
                    st.db_removed += gone_b
                    # Aurora Standard: the DELETE reads the pages of the rows it removes.
                    costs[DATABASE_IO, t] += gone_b / IO_READ_BYTES * self.m.db_io_fee
                elif act == "drop_partition":
                    st.file = max(0.0, st.file - gone_b * (1 + self.m.scenario.database.fill_slack))
                    st.db_removed += gone_b
            elif act == "archive":
                self._archive(st, j, k, lo, hi, t, costs)
                self.frontier[j][k] = hi
            else:
                self.frontier[j][k] = self._transition(st, j, k, lo, hi, t, costs)
        self.backlog[j] = waiting
        self.peak[j] = max(self.peak[j], waiting)
        return deleted

    def _remove_filtered(
        self,
        st: _State,
        j: int,
        k: int,
        lo: int,
        hi: int,
        capacity: float | None,
        t: int,
        costs: Floats | None,
    ) -> tuple[int, float, float, float]:
        """`_remove`, but an expire with an ObjectSizeGreaterThan filter skips the cohorts whose
        objects are not larger than it (they are never this rule's to delete)."""
        import numpy as np

        limit = self.jobs[j].object_size_greater_than
        if limit is None:
            return _remove(st, k, lo, hi, capacity, t, costs)
        ok = st.B[k, lo:hi] > st.O[k, lo:hi] * limit
        edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
        gone_b = gone_u = left = 0.0
        front = hi
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            end, removed_b, removed_u, waiting = _remove(
                st, k, lo + int(a), lo + int(b), capacity, t, costs
            )
            gone_b += removed_b
            gone_u += removed_u
            left += waiting
            if capacity is not None:
                capacity -= removed_u
                if waiting > 0:
                    front = end
                    break
        return front, gone_b, gone_u, left

    def _min_size(self, j: int) -> tuple[float, bool]:
        """Lifecycle's size rule for job j's transition, (size, strictly larger): its own
        ObjectSizeGreaterThan filter takes precedence over the bucket's default minimum."""
        limit = self.jobs[j].object_size_greater_than
        if limit is not None:
            return limit, True
        return float(self.m.lifecycle_floor[self.to_index[j]]), False

    def _markers(self, st: _State, j: int, k: int, hi: int, t: int, noncurrent: int | None) -> int:
        """Expire on a versioned class: cohorts lo..hi get delete markers (counted once); only
        versions noncurrent for `noncurrent` days may go. Returns the end of those."""
        lo = self.markers[j][k]
        if hi > lo:
            self.stats[j, 4] += float(st.O[k, lo:hi].sum())
            self.markers[j][k] = hi
        if noncurrent is None:
            return 0
        front = self.frontier[j][k]
        end = hi - noncurrent
        return self._due(st, k, front, end, t, self.jobs[j].older_than_days + noncurrent)

    def _archive(self, st: _State, j: int, k: int, lo: int, hi: int, t: int, costs: Floats) -> None:
        import numpy as np

        job = self.jobs[j]
        todo = ~st.archived[k, lo:hi] & (st.O[k, lo:hi] > 0)
        if not todo.any():
            return
        costs[EARLY, t] += st.early(k, lo, hi, t, weight=todo.astype(np.float64))
        st.account(k, lo, hi, -1.0, weight=todo.astype(np.float64))
        before = st.B[k, lo:hi][todo]
        after = before / job.compress
        st.compacted += float((before - after).sum())
        idx = np.arange(lo, hi)[todo]
        # The script reads (GETs) every object it bundles, at the price of the tier it is in.
        costs[REQUESTS, t] += float((st.O[k, idx] * self.m.get_fee[st.tier[k, idx]]).sum())
        st.B[k, idx] = after
        st.O[k, idx] = np.ceil(after / job.bundle_bytes)
        if self.to_index[j] >= 0:
            st.tier[k, idx] = self.to_index[j]
        st.entered[k, idx] = t
        st.created[k, idx] = t  # the bundle is a new object: its lifecycle clock starts today
        st.archived[k, idx] = True
        st.account(k, lo, hi, 1.0, weight=todo.astype(np.float64))
        self.stats[j, 3] += float(st.O[k, idx].sum())
        costs[REQUESTS, t] += float((st.O[k, idx] * self.m.put_fee[st.tier[k, idx]]).sum())

    def _transition(
        self, st: _State, j: int, k: int, lo: int, hi: int, t: int, costs: Floats
    ) -> int:
        import numpy as np

        to = self.to_index[j]
        if hi - lo == 1:
            return self._transition1(st, j, k, lo, t, costs)
        b, o, tiers = st.B[k, lo:hi], st.O[k, lo:hi], st.tier[k, lo:hi]
        # Lifecycle skips objects under the provider's minimum (S3: 128 KiB by default).
        size, strict = self._min_size(j)
        big = b > o * size if strict else b >= o * size
        due = (t - st.created[k, lo:hi]) >= self.jobs[j].older_than_days
        move = (tiers < to) & (o > 0) & big & due
        if move.any():
            weight = move.astype(np.float64)
            costs[EARLY, t] += st.early(k, lo, hi, t, weight=weight)
            st.account(k, lo, hi, -1.0, weight=weight)
            idx = np.arange(lo, hi)[move]
            st.tier[k, idx] = to
            st.entered[k, idx] = t
            st.account(k, lo, hi, 1.0, weight=weight)
            costs[TRANSITIONS, t] += float(st.O[k, idx].sum()) * float(self.m.transition_fee[to])
            self.stats[j, 3] += float(st.O[k, idx].sum())
        # Cohorts still waiting for an archive job to bundle them, or whose bundle is not yet
        # old enough, are looked at again later.
        settled = (o <= 0) | (st.tier[k, lo:hi] >= to) | (st.archived[k, lo:hi] & due)
        if not self.awaits_archive[k]:
            settled = np.ones_like(settled)
        pending = np.flatnonzero(~settled)
        return lo + int(pending[0]) if pending.size else hi

    def _transition1(self, st: _State, j: int, k: int, c: int, t: int, costs: Floats) -> int:
        """`_transition` for a single cohort, in Python scalars."""
        to = self.to_index[j]
        o = float(st.O[k, c])
        tier = int(st.tier[k, c])
        due = t - int(st.created[k, c]) >= self.jobs[j].older_than_days
        size, strict = self._min_size(j)
        b = float(st.B[k, c])
        big = b > o * size if strict else b >= o * size
        if tier < to and o > 0 and due and big:
            costs[EARLY, t] += st.early1(k, c, t)
            st.account1(k, c, -1.0)
            st.tier[k, c] = to
            st.entered[k, c] = t
            st.account1(k, c, 1.0)
            costs[TRANSITIONS, t] += o * float(self.m.transition_fee[to])
            self.stats[j, 3] += o
            tier = to
        settled = (
            o <= 0 or tier >= to or (bool(st.archived[k, c]) and due) or not self.awaits_archive[k]
        )
        return c + 1 if settled else c


class _Auto:
    """The provider's own moves between a tier group's access tiers (S3 Intelligent-Tiering):
    a monitored object moves `after` days after it entered the group, free, whatever job runs.
    Without reads modelled, "days without access" are days since it entered the group."""

    def __init__(self, model: Model, plan: _Jobs) -> None:
        group = {i for rule in model.auto for i in rule[:2]}
        classes = {
            k for k in range(len(model.scenario.classes)) if int(model.home_tier[k]) in group
        }
        for ks, to in zip(plan.targets, plan.to_index, strict=True):
            if to in group:
                classes.update(ks)
        self.m = model
        self.classes = sorted(classes)
        self.front = {(k, r): 0 for k in self.classes for r in range(len(model.auto))}

    def apply(self, st: _State, t: int) -> None:
        import numpy as np

        m = self.m
        for k in self.classes:
            for r, (src, dst, after) in enumerate(m.auto):
                lo, hi = self.front[(k, r)], t - after + 1
                if hi <= lo:
                    continue
                tiers, b, o = st.tier[k, lo:hi], st.B[k, lo:hi], st.O[k, lo:hi]
                watched = b >= o * float(m.monitor_min[src])
                move = (tiers == src) & (t - st.entered[k, lo:hi] >= after) & (o > 0) & watched
                if move.any():
                    weight = move.astype(np.float64)
                    st.account(k, lo, hi, -1.0, weight=weight)
                    st.tier[k, np.arange(lo, hi)[move]] = dst
                    st.account(k, lo, hi, 1.0, weight=weight)
                tiers = st.tier[k, lo:hi]
                settled = (o <= 0) | (tiers > src) | ((tiers == src) & ~watched)
                pending = np.flatnonzero(~settled)
                self.front[(k, r)] = lo + int(pending[0]) if pending.size else hi


def _growth(model: Model, gen: Generation, tiers: int, days: int) -> Floats:
    """Generation per tier and day (every class starts in its home tier, unarchived), stacked
    as live bytes, objects, billable bytes, bytes read, objects read, monitored objects."""
    import numpy as np

    grow = np.zeros((6, tiers, days))
    for k, klass in enumerate(model.scenario.classes):
        home = int(model.home_tier[k])
        grow[0, home] += gen.bytes[k]
        grow[1, home] += gen.objects[k]
        grow[2, home] += gen.bytes[k] * model.billable_factor[k, home]
        grow[3, home] += gen.bytes[k] * model.read_fraction[k]
        grow[4, home] += gen.objects[k] * model.read_fraction[k]
        size = klass.bundle_bytes or klass.unit_bytes
        if model.monitor_fee[home] and size >= model.monitor_min[home]:
            grow[5, home] += gen.objects[k]
    return grow


class _Database:
    """The database's day after the jobs: autovacuum, the file's growth, and RDS storage
    autoscaling (at least 6 hours between changes, so at most 4 a day, each max(10 GiB, 10 %,
    the growth of the 7 hours before, taken from the day before))."""

    def __init__(self, model: Model, days: int) -> None:
        import numpy as np

        s = model.scenario
        self.m = model
        self.slack = s.database.fill_slack
        self.alloc = s.database.initial_alloc_bytes if model.has_db else 0.0
        self.autovacuum = model.has_db and s.database.autovacuums
        self.autovacuum_runs = 0
        self.seen_growth = 0.0
        self.full_days = 0
        self.removed = np.zeros(days)
        self.dead = np.zeros(days)
        self.file = np.zeros(days)
        self.allocated = np.zeros(days)

    def day(self, st: _State, level: Floats, t: int) -> None:
        m = self.m
        db = m.db_tier
        if self.autovacuum and st.dead_rows > 50 + 0.2 * float(level[1, db]):
            # autovacuum_vacuum_threshold 50 + autovacuum_vacuum_scale_factor 0.2 x live rows.
            st.dead = 0.0
            st.dead_rows = 0.0
            self.autovacuum_runs += 1
        if not m.has_db:
            return
        before = st.file
        st.file = max(st.file, (float(level[0, db]) + st.dead) * (1 + self.slack))
        steps = 0
        while st.file >= 0.9 * self.alloc and steps < 4:
            self.alloc += max(STEP_MIN, 0.1 * self.alloc, 7 / 24 * self.seen_growth)
            steps += 1
        self.seen_growth = st.file - before
        self.full_days += st.file > self.alloc and m.db_allocated
        self.allocated[t] = self.alloc
        self.removed[t] = st.db_removed
        self.dead[t] = st.dead
        self.file[t] = st.file


# RDS autoscaling grows by at least max(10 GiB, 10 %) when free space is at most 10 %.
STEP_MIN = 10 * GIB


def run(model: Model, gen: Generation, *, with_cleanup: bool) -> Run:
    """Simulate every day once; `with_cleanup=False` runs no job at all on the same generation."""
    import numpy as np

    s = model.scenario
    days = gen.bytes.shape[1]
    jobs = s.jobs if with_cleanup else ()
    st = _State(model, gen)
    plan = _Jobs(model, jobs)
    auto = _Auto(model, plan) if model.auto else None
    if auto is not None and auto.classes:
        st.watched = set(auto.classes)
    else:
        auto = None
    fires = gen.fires if with_cleanup else np.zeros((0, days), dtype=np.int64)
    today: list[list[int]] = [[] for _ in range(days)]
    for j, t in zip(*np.nonzero(fires), strict=True):
        today[int(t)].append(int(j))
    tn = st.t_count
    grow = _growth(model, gen, tn, days)
    costs = np.zeros((len(COMPONENTS), days))
    rec = np.zeros((6, tn, days))
    deleted = np.zeros(days)
    compacted = np.zeros(days)
    backlog = np.zeros(days)
    backlog_by = np.zeros((len(STORES), days))
    database = _Database(model, days)
    level = st.L
    for t in range(days):
        level += grow[:, :, t]
        if today[t]:
            before_c = st.compacted
            gone = 0.0
            for j in today[t]:
                gone += plan.apply(st, j, t, int(fires[j, t]), costs)
            deleted[t] = gone
            compacted[t] = st.compacted - before_c
        if auto is not None:
            auto.apply(st, t)
        if len(jobs):
            backlog[t] = float(plan.backlog.sum())
            backlog_by[:, t] = np.bincount(plan.job_store, weights=plan.backlog, minlength=3)
        database.day(st, level, t)
        rec[:, :, t] = level
    rec_d = {name: rec[i] for i, name in enumerate(("B", "O", "M", "RB", "RO", "N"))}
    rec_d["db_removed"] = np.diff(database.removed, prepend=0.0)
    return _finish(
        model,
        gen,
        st,
        plan,
        rec_d,
        costs,
        deleted,
        compacted,
        backlog,
        database.dead,
        database.file,
        database.allocated,
        "with_cleanup" if with_cleanup else "without_cleanup",
        database.autovacuum_runs,
        backlog_by,
        database.full_days,
    )


def _finish(
    model: Model,
    gen: Generation,
    st: _State,
    plan: _Jobs,
    rec: dict[str, Floats],
    costs: Floats,
    deleted: Floats,
    compacted: Floats,
    backlog: Floats,
    db_dead: Floats,
    db_file: Floats,
    db_alloc: Floats,
    label: str,
    autovacuum_runs: int,
    backlog_by: Floats,
    full_days: int,
) -> Run:
    s = model.scenario
    n = model.n_object_tiers
    paid = bill(model, gen, rec, costs, db_file, db_alloc)
    live_t = rec["B"]
    daily = Daily(
        generated=gen.bytes.sum(axis=0),
        deleted=deleted,
        compacted=compacted,
        live_bytes=live_t.sum(axis=0),
        billed_bytes=paid.billed_bytes,
        tier_bytes=live_t,
        db_live=live_t[model.db_tier],
        db_dead=db_dead,
        db_file=db_file,
        db_billed=paid.db_billed,
        backlog=backlog,
        costs=paid.costs,
        naive_cost=paid.naive,
        backlog_by_store=backlog_by,
        db_backup=paid.db_backup,
    )
    used = {c.store for c in s.classes}
    shown = [
        i
        for i, name in enumerate(model.tier_names)
        if (i < n and "object" in used)
        or (i == n and "disk" in used)
        or (i == n + 1 and "db" in used)
    ]
    names = [c.name for c in s.classes]
    return Run(
        label=label,
        tier_names=tuple(model.tier_names[i] for i in shown),
        generated_bytes=float(gen.bytes.sum()),
        deleted_bytes=float(deleted.sum()),
        compacted_bytes=float(st.compacted),
        live_bytes_end=float(live_t[:, -1].sum()),
        tiers_end={model.tier_names[i]: float(live_t[i, -1]) for i in shown},
        billed_bytes_end=float(paid.billed_bytes[-1]),
        cost_usd=float(paid.costs.sum()),
        naive_cost_usd=float(paid.naive.sum()),
        cost_by_component={c: float(paid.costs[i].sum()) for i, c in enumerate(COMPONENTS)},
        cost_by_tier={model.tier_names[i]: float(paid.tier_cost[i].sum()) for i in shown},
        deleted_units={names[k]: float(st.deleted_units[k]) for k in range(len(names))},
        backlog_end={job.name: float(plan.backlog[j]) for j, job in enumerate(plan.jobs)},
        backlog_peak={job.name: float(plan.peak[j]) for j, job in enumerate(plan.jobs)},
        daily=daily,
        jobs=tuple(
            JobStats(
                name=job.name,
                runs=int(row[0]),
                units_removed=float(row[1]),
                bytes_removed=float(row[2]),
                objects_moved=float(row[3]),
                delete_markers=float(row[4]),
                fees_usd=float(row[5]),
            )
            for job, row in zip(plan.jobs, plan.stats, strict=True)
        ),
        autovacuum_runs=autovacuum_runs,
        db_storage_full_days=int(full_days),
        deleted_by_store={
            COUNTED[store]: {
                names[k]: float(st.deleted_units[k])
                for k, c in enumerate(s.classes)
                if c.store == store
            }
            for store in STORES
        },
    )
