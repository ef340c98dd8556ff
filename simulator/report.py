"""Figures derived from a simulation: monthly bill, savings, break-even, payback, city panel.

Everything here is pure: it returns dataclasses and plain dicts for the renderers (rich, JSON,
CSV, HTML), and never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hygiene.render.json import SCHEMA
from simulator.model import COMPONENTS, COUNTED, JobStats, Run
from simulator.prices import GIB, TierTable
from simulator.scenario import Job, Scenario
from simulator.simulation import Simulation

PAYBACK_SIZES = (4 * 1024, 16 * 1024, 64 * 1024, 128 * 1024, 1024**2, 10 * 1024**2, 100 * 1024**2)
CITY = {
    "purge": (
        "garbage truck",
        "collects what is past its date; the space stays dug up (dead "
        "rows in the file) until the sewage plant runs",
    ),
    "vacuum": (
        "sewage plant",
        "makes dead space reusable inside the file; the file does not shrink",
    ),
    "rewrite": (
        "rebuilding the landfill",
        "rewrites the tables so the file shrinks to what is live",
    ),
    "drop_partition": (
        "demolishing a whole block",
        "drops whole partitions: the only DB job "
        "besides a rewrite that gives disk (and money) back",
    ),
    "archive": (
        "recycling centre",
        "compresses and bales into large bundles, so fewer objects pay per-object fees",
    ),
    "transition": (
        "out-of-town depot",
        "the provider moves objects at least the lifecycle minimum in size to a cheaper, "
        "slower tier, for a fee per object moved",
    ),
    "expire": (
        "incinerator",
        "deletes for good; an object deleted before its tier's minimum "
        "duration pays the remaining days",
    ),
}


@dataclass(frozen=True)
class Month:
    label: str  # YYYY-MM
    days: int
    with_cost: float
    without_cost: float
    with_naive: float
    without_naive: float
    with_live_end: float
    without_live_end: float
    with_billed_end: float
    without_billed_end: float


@dataclass(frozen=True)
class Savings:
    usd: float
    percent: float
    naive_usd: float
    bytes_avoided_end: float  # live bytes the cleanup run no longer keeps at the end
    billed_bytes_avoided_end: float
    # Break-even exists only when cleanup first costs more: the day from which cumulative
    # savings stay positive after having been negative (issue 19 item 3).
    break_even_day: int | None
    break_even_date: str | None
    # When cleanup never costs more in total: the first day its cumulative saving is positive.
    cheaper_from_day: int | None = None
    cheaper_from_date: str | None = None


@dataclass(frozen=True)
class Payback:
    label: str
    object_bytes: float
    days: dict[str, float | None]  # destination tier -> payback days (None: never)


def monthly(sim: Simulation) -> list[Month]:
    import numpy as np

    dates = sim.generation.dates
    labels = [f"{d.year:04d}-{d.month:02d}" for d in dates]
    a, b = sim.with_cleanup.daily, sim.without_cleanup.daily
    ca, cb = a.cost, b.cost
    out: list[Month] = []
    starts = [0] + [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]]
    ends = [*starts[1:], len(labels)]
    for lo, hi in zip(starts, ends, strict=True):
        last = hi - 1
        out.append(
            Month(
                label=labels[lo],
                days=hi - lo,
                with_cost=float(np.sum(ca[lo:hi])),
                without_cost=float(np.sum(cb[lo:hi])),
                with_naive=float(np.sum(a.naive_cost[lo:hi])),
                without_naive=float(np.sum(b.naive_cost[lo:hi])),
                with_live_end=float(a.live_bytes[last]),
                without_live_end=float(b.live_bytes[last]),
                with_billed_end=float(a.billed_bytes[last]),
                without_billed_end=float(b.billed_bytes[last]),
            )
        )
    return out


def savings(sim: Simulation) -> Savings:
    import numpy as np

    a, b = sim.with_cleanup, sim.without_cleanup
    cum = np.cumsum(b.daily.cost - a.daily.cost)
    # Identical days cancel exactly; anything within rounding of the totals counts as even.
    eps = 1e-9 * max(float(np.abs(np.cumsum(b.daily.cost)).max(initial=0.0)), 1e-12)
    day: int | None = None
    cheaper: int | None = None
    if len(cum) and cum[-1] > eps:
        if (cum < -eps).any():
            not_yet = np.flatnonzero(cum <= eps)
            day = int(not_yet[-1]) + 1
        else:
            cheaper = int(np.flatnonzero(cum > eps)[0])
    usd = b.cost_usd - a.cost_usd
    return Savings(
        usd=usd,
        percent=100.0 * usd / b.cost_usd if b.cost_usd else 0.0,
        naive_usd=b.naive_cost_usd - a.naive_cost_usd,
        bytes_avoided_end=b.live_bytes_end - a.live_bytes_end,
        billed_bytes_avoided_end=b.billed_bytes_end - a.billed_bytes_end,
        break_even_day=day,
        break_even_date=None if day is None else sim.generation.dates[day].isoformat(),
        cheaper_from_day=cheaper,
        cheaper_from_date=None if cheaper is None else sim.generation.dates[cheaper].isoformat(),
    )


@dataclass(frozen=True)
class LedgerRow:
    """One job's account: what it did, what it cost and saved, and why if it did nothing."""

    name: str
    action: str
    counted: str  # what units_removed counts: rows, objects or files
    runs: int
    units_removed: float  # deprecated name, kept for schema 1: the same as <counted>_removed
    rows_removed: float
    objects_removed: float
    files_removed: float
    bytes_removed: float
    objects_moved: float
    delete_markers: float
    fees_usd: float
    saved_usd: float  # the timetable without this job costs this much more (leave-one-out)
    warning: str | None
    backlog_end: float = 0.0  # in `counted`
    backlog_peak: float = 0.0


def counted(scenario: Scenario, names: tuple[str, ...]) -> str:
    """What a unit of these classes is: a database row, a stored object or a file on disk."""
    stores = {scenario.klass(n).store for n in names}
    return "/".join(COUNTED[s] for s in sorted(stores)) or "rows"


def _object_bytes(sim: Simulation, job: Job) -> float:
    """The size of the objects a transition sees: an archive's bundles, else the class's own."""
    sizes = []
    for name in job.classes:
        klass = sim.scenario.klass(name)
        bundles = [
            j.bundle_bytes / j.compress * j.compress
            for j in sim.scenario.jobs
            if j.action == "archive" and name in j.classes
        ]
        sizes.append(max(bundles) if bundles else klass.bundle_bytes or klass.unit_bytes)
    return min(sizes, default=0.0)


def _warning(sim: Simulation, job: Job, stats: JobStats) -> str | None:
    s = sim.scenario
    from hygiene.units import format_bytes

    horizon = (
        f"it acts on data older than {job.older_than_days} days and the run lasts {s.days} days"
    )
    if job.action == "transition" and not stats.objects_moved:
        size = _object_bytes(sim, job)
        floor = sim.model.lifecycle_min
        if size < floor:
            return (
                f"moved nothing: its objects ({format_bytes(size)}) are under the "
                f"{_size_label(floor)} lifecycle minimum (S3 TransitionDefaultMinimumObjectSize); "
                "bundle them first, or expire them instead"
            )
        if job.older_than_days >= s.days:
            return f"moved nothing: {horizon}"
        return "moved nothing: no object was old enough and in a warmer tier when it ran"
    if job.action in ("purge", "expire", "drop_partition"):
        versioned = any(s.klass(n).versioned for n in job.classes)
        if versioned and job.noncurrent_days is None and stats.delete_markers:
            return (
                f"versioned bucket: {stats.delete_markers:,.0f} expirations only added delete "
                "markers; every version stays billed as a noncurrent version until a "
                "NoncurrentVersionExpiration rule (noncurrent_days) removes it"
            )
        if not stats.bytes_removed:
            if job.older_than_days >= s.days:
                return f"removed nothing: {horizon}"
            return "removed nothing: nothing was old enough when it ran"
        if job.action == "purge":
            cleaners = [j for j in s.jobs if j.action in ("vacuum", "rewrite")]
            if not cleaners and not s.database.autovacuums:
                return (
                    "purged rows stay dead space: no vacuum job and autovacuum off, so the "
                    "file grows as if nothing had been deleted"
                )
    if job.action == "archive" and not stats.objects_moved:
        if job.older_than_days >= s.days:
            return f"archived nothing: {horizon}"
        return "archived nothing"
    return None


def ledger(sim: Simulation) -> list[LedgerRow]:
    """Every job's account. `saved_usd` reruns the engine without that job (same generation)."""
    from simulator.simulation import run_without_job

    a = sim.with_cleanup
    rows = []
    for j, (job, stats) in enumerate(zip(sim.scenario.jobs, a.jobs, strict=True)):
        saved = run_without_job(sim, j).cost_usd - a.cost_usd
        what = counted(sim.scenario, job.classes) if job.classes else "rows"
        warning = _warning(sim, job, stats)
        if warning is None and saved < -1e-9 * max(abs(a.cost_usd), 1e-12):
            kinds = {
                "transition": "transition fees, per-object overhead and minimum durations",
                "purge": "the I/O of its DELETEs (Aurora Standard) and the backups",
                "archive": "its LIST, GET and PUT requests and minimum durations",
                "expire": "its requests and early deletion",
            }.get(job.action, "what it costs")
            warning = (
                f"cost ${-saved:,.2f} more than the timetable without it over "
                f"{sim.scenario.days} days: {kinds} outweigh what it saved"
                + (
                    "; a size filter (object_size_greater_than) keeps small objects out"
                    if job.action == "transition"
                    else ""
                )
            )
        rows.append(
            LedgerRow(
                name=job.name,
                action=job.action,
                counted=what,
                runs=stats.runs,
                units_removed=stats.units_removed,
                rows_removed=stats.units_removed if what == "rows" else 0.0,
                objects_removed=stats.units_removed if "objects" in what else 0.0,
                files_removed=stats.units_removed if what == "files" else 0.0,
                bytes_removed=stats.bytes_removed,
                objects_moved=stats.objects_moved,
                delete_markers=stats.delete_markers,
                fees_usd=stats.fees_usd,
                saved_usd=saved,
                warning=warning,
                backlog_end=a.backlog_end[job.name],
                backlog_peak=a.backlog_peak[job.name],
            )
        )
    return rows


def payback_days(table: TierTable, size: float, dst: int, src: int = 0) -> float | None:
    """Days for one object of `size` bytes to earn back its transition fee (reference 3.6)."""
    s, d = table.tiers[src], table.tiers[dst]
    gib = size / GIB
    saving = (
        gib * s.flat_price
        - (max(size, d.min_billable_bytes) + d.overhead_own_bytes) / GIB * d.flat_price
        - d.overhead_std_bytes / GIB * table.tiers[0].flat_price
    )
    fee = d.transition_in_per_1k / 1000
    if saving <= 0:
        return None
    return 30 * fee / saving


def payback_tiers(table: TierTable) -> list[str]:
    """The tiers a lifecycle rule moves objects to for a fee it earns back: every tier but the
    first and the provider-managed groups (Intelligent-Tiering's gain depends on its schedule)."""
    return [t.name for t in table.tiers[1:] if not (t.auto_to or t.auto_only)]


def payback_table(sim: Simulation) -> list[Payback]:
    table = sim.prices.objects[sim.scenario.provider]
    wanted = set(payback_tiers(table))
    sizes: list[tuple[str, float]] = [(_size_label(b), float(b)) for b in PAYBACK_SIZES]
    for klass in sim.scenario.classes:
        if klass.store == "object":
            size = klass.bundle_bytes or klass.unit_bytes
            sizes.append((f"{klass.name} ({_size_label(size)})", size))
    sizes.extend(
        (f"{job.name} bundle ({_size_label(job.bundle_bytes)})", job.bundle_bytes)
        for job in sim.scenario.jobs
        if job.action == "archive"
    )
    return [
        Payback(
            label=label,
            object_bytes=size,
            days={
                t.name: payback_days(table, size, i)
                for i, t in enumerate(table.tiers)
                if t.name in wanted
            },
        )
        for label, size in sizes
    ]


def payback_label(days: float | None) -> str:
    if days is None:
        return "never"
    return "<1" if days < 1 else f"{days:,.0f}"


def _size_label(n: float) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.3g} {unit}"
    return f"{n:.0f} B"


def analogy(sim: Simulation) -> list[tuple[str, str, str]] | None:
    """(concept, the city, the data system) rows, structure for structure, never tons to bytes."""
    panel = sim.scenario.analogy
    if panel is None or sim.with_cleanup.generated_bytes <= 0:
        return None
    from hygiene.units import format_bytes

    run = sim.with_cleanup
    days = sim.scenario.days
    users = max(sim.scenario.population.users, 1.0)
    gen = run.generated_bytes
    rows = [
        (
            "per-capita daily generation",
            f"{panel.kg_per_person_day:g} kg/person/day ({panel.year})",
            f"{format_bytes(gen / days / users)}/user/day",
        ),
        (
            "total daily flow",
            f"{panel.tons_per_day:,.0f} t/day ({panel.year})",
            f"{format_bytes(gen / days)}/day",
        ),
        (
            "treatment shares",
            f"recycled {panel.recycled:.1%}, incinerated {panel.incinerated:.1%}, "
            f"landfilled {panel.landfilled:.1%}",
            f"compacted {run.compacted_bytes / gen:.1%}, deleted {run.deleted_bytes / gen:.1%}, "
            f"kept {run.live_bytes_end / gen:.1%} of generated bytes",
        ),
    ]
    for j, job in enumerate(sim.scenario.jobs):
        if job.capacity is None:
            continue
        units = sum(
            float(sim.generation.units[k].mean())
            for k, c in enumerate(sim.scenario.classes)
            if c.name in job.classes
        )
        per_day = job.capacity * float(sim.generation.fires[j].mean())
        if units <= 0:
            continue
        rows.append(
            (
                "capacity gap -> backlog",
                f"incinerators {panel.incinerator_capacity_t_day:,.0f} t/day vs "
                f"{panel.household_t_day:,.0f} t/day of household bags "
                f"({panel.incinerator_capacity_t_day / panel.household_t_day:.0%})",
                f"{job.name}: {per_day:,.0f} rows/day vs {units:,.0f} discarded/day "
                f"({per_day / units:.0%}); backlog at the end "
                f"{run.backlog_end[job.name]:,.0f} rows",
            )
        )
    return rows


def explain(job: Job, scenario: Scenario | None = None) -> tuple[str, str]:
    """The city's name for a job and what it does, for `--explain`, from its kind and store."""
    who, what = CITY[job.action]
    store = scenario.klass(job.classes[0]).store if scenario and job.classes else "db"
    if job.action == "expire" and store == "disk":
        who, what = "bin day", "deletes the files for good; a local disk has no minimum duration"
    if job.action == "archive" and store == "disk":
        who = "compactor"
    if job.action == "purge" and job.capacity is not None:
        who = "incinerator"
    if job.capacity is not None:
        # Seoul's incinerators burn ~2,850 t/day against ~3,200 t/day of bags (reference 5.4).
        unit = counted(scenario, job.classes) if scenario and job.classes else "rows"
        what += (
            f"; it can take only {job.capacity:,.0f} {unit} a run, like an incinerator's daily "
            "capacity, and what it cannot take waits as a backlog"
        )
    return who, what


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _run_document(run: Run, dates: list[str], tier_names: tuple[str, ...]) -> dict[str, Any]:
    d = run.daily
    all_names = list(tier_names)
    tier_rows = {name: d.tier_bytes[i] for i, name in enumerate(all_names) if name in run.tiers_end}
    cost = d.cost
    daily = [
        {
            "date": dates[t],
            "generated_bytes": _round(d.generated[t]),
            "deleted_bytes": _round(d.deleted[t]),
            "compacted_bytes": _round(d.compacted[t]),
            "live_bytes": _round(d.live_bytes[t]),
            "billed_bytes": _round(d.billed_bytes[t]),
            "db_file_bytes": _round(d.db_file[t]),
            "db_dead_bytes": _round(d.db_dead[t]),
            "backlog_units": _round(d.backlog[t]),
            "backlog_rows": _round(d.backlog_by_store[0, t]),
            "backlog_objects": _round(d.backlog_by_store[1, t]),
            "backlog_files": _round(d.backlog_by_store[2, t]),
            "db_backup_bytes": _round(d.db_backup[t]),
            "cost_usd": _round(cost[t]),
            "tiers": {name: _round(series[t]) for name, series in tier_rows.items()},
        }
        for t in range(len(dates))
    ]
    return {
        "generated_bytes": run.generated_bytes,
        "deleted_bytes": run.deleted_bytes,
        "compacted_bytes": run.compacted_bytes,
        "live_bytes_end": run.live_bytes_end,
        "tiers_end": run.tiers_end,
        "billed_bytes_end": run.billed_bytes_end,
        "cost_usd": run.cost_usd,
        "naive_cost_usd": run.naive_cost_usd,
        "cost_by_component": run.cost_by_component,
        "cost_by_tier": run.cost_by_tier,
        # deleted_units (deprecated, kept for schema 1) mixes the three: read these instead.
        **{f"deleted_{what}": by_class for what, by_class in (run.deleted_by_store or {}).items()},
        "deleted_units": run.deleted_units,
        "db_storage_full_days": run.db_storage_full_days,
        "backlog_end": run.backlog_end,
        "backlog_peak": run.backlog_peak,
        "daily": daily,
    }


def scenario_summary(s: Scenario) -> dict[str, Any]:
    p = s.population
    return {
        "name": s.name,
        "title": s.title,
        "source": s.source,
        "start": s.start.isoformat(),
        "seed": s.seed,
        "provider": s.provider,
        "population": {
            "users": p.users,
            "growth_per_year": p.growth_per_year,
            "dau_ratio": p.dau_ratio,
            "noise": p.noise,
        },
        "database": {
            "engine": s.database.engine,
            "multi_az": s.database.multi_az,
            "initial_alloc_bytes": s.database.initial_alloc_bytes,
            "fill_slack": s.database.fill_slack,
            "autovacuum": s.database.autovacuums,
            "backup_retention_days": s.database.backup_days,
        },
        "transition_default_minimum_object_size": s.transition_default_minimum_object_size,
        "classes": [
            {
                "name": c.name,
                "store": c.store,
                "per_active_user": c.per_active_user,
                "unit_bytes": c.unit_bytes,
                "bundle_bytes": c.bundle_bytes,
                "size_sigma": c.size_sigma,
                "tier": c.tier or None,
            }
            for c in s.classes
        ],
        "jobs": [
            {
                "name": j.name,
                "cron": j.cron,
                "action": j.action,
                "classes": list(j.classes),
                "older_than_days": j.older_than_days,
                "counted": counted(s, j.classes) if j.classes else "rows",
                "capacity": j.capacity,
                f"capacity_{counted(s, j.classes) if j.classes else 'rows'}": j.capacity,
                "to": j.to_tier,
                "lists": j.lists_objects,
                "object_size_greater_than": j.object_size_greater_than,
                "command": j.command,
            }
            for j in s.jobs
        ],
        "notes": list(s.notes),
    }


def document(sim: Simulation) -> dict[str, Any]:
    """The one `--json` document, versioned by `schema` like every hygiene document."""
    from dataclasses import asdict

    from hygiene import __version__
    from simulator.claims import seed_claims

    dates = [d.isoformat() for d in sim.generation.dates]
    names = sim.model.tier_names
    table = sim.prices.objects[sim.scenario.provider]
    db = sim.prices.database
    return {
        "schema": SCHEMA,
        "tool": "hygiene",
        "version": __version__,
        "command": "simulate",
        "scenario": scenario_summary(sim.scenario),
        "days": sim.scenario.days,
        "prices": {
            "objects": {
                "provider": table.provider,
                "region": table.region,
                "as_of": table.as_of,
                "source": table.source,
            },
            "database": {
                "provider": db.provider,
                "engine": sim.scenario.database.engine,
                "as_of": db.as_of,
                "source": db.source,
            },
        },
        "runs": {
            "with_cleanup": _run_document(sim.with_cleanup, dates, names),
            "without_cleanup": _run_document(sim.without_cleanup, dates, names),
        },
        "savings": asdict(savings(sim)),
        "monthly": [asdict(m) for m in monthly(sim)],
        "payback": [asdict(p) for p in payback_table(sim)],
        "analogy": analogy(sim),
        "ledger": [asdict(r) for r in ledger(sim)],
        "seed_claims": [asdict(c) for c in seed_claims(sim)],
        "engine_seconds": sim.engine_seconds,
        "components": list(COMPONENTS),
    }


def csv_header(sim: Simulation) -> list[str]:
    tiers = list(sim.with_cleanup.tiers_end)
    return [
        "date",
        *(
            f"{run}_{field}"
            for run in ("with", "without")
            for field in (
                "live_bytes",
                "billed_bytes",
                "db_file_bytes",
                "cost_usd",
                "naive_cost_usd",
            )
        ),
        "with_deleted_bytes",
        "with_compacted_bytes",
        "with_backlog_rows",
        "with_backlog_objects",
        "with_backlog_files",
        *(f"with_tier_{name}" for name in tiers),
    ]


def csv_rows(sim: Simulation) -> list[list[str]]:
    a, b = sim.with_cleanup.daily, sim.without_cleanup.daily
    names = list(sim.model.tier_names)
    tiers = [names.index(n) for n in sim.with_cleanup.tiers_end]
    ca, cb = a.cost, b.cost
    rows = []
    for t, day in enumerate(sim.generation.dates):
        values = [
            a.live_bytes[t],
            a.billed_bytes[t],
            a.db_file[t],
            ca[t],
            a.naive_cost[t],
            b.live_bytes[t],
            b.billed_bytes[t],
            b.db_file[t],
            cb[t],
            b.naive_cost[t],
            a.deleted[t],
            a.compacted[t],
            a.backlog_by_store[0, t],
            a.backlog_by_store[1, t],
            a.backlog_by_store[2, t],
            *(a.tier_bytes[i, t] for i in tiers),
        ]
        # Byte counts whole (never 1.11179e+11), dollars to 6 significant digits.
        money = {3, 4, 8, 9}
        rows.append(
            [
                day.isoformat(),
                *(
                    f"{_round(v):g}" if i in money else f"{round(float(v))}"
                    for i, v in enumerate(values)
                ),
            ]
        )
    return rows
