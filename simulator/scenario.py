"""Scenarios: a city's population, its data classes, its cleanup timetable and its prices.

A scenario is a TOML file (the presets in `simulator/presets/` are examples). Every error names
the file, the key and what was expected, through `hygiene.config.settings.Table`; unknown keys are
errors. Units are `hygiene.units` sizes ("350B", "8MiB") and durations ("14d").
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from hygiene.config.settings import Table
from hygiene.errors import ConfigError, UsageError
from hygiene.schedule.cron import Cron
from hygiene.units import SIZE_EXPECTED, parse_size
from simulator.prices import Prices, number

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STORES = ("db", "object", "disk")
NOISE = ("none", "poisson")
# S3 TransitionDefaultMinimumObjectSize: the bucket's default for objects under 128 KB.
SMALL_DEFAULTS = ("all_storage_classes_128K", "varies_by_storage_class")
DB_ACTIONS = ("purge", "drop_partition", "vacuum", "rewrite")
FILE_ACTIONS = ("archive", "transition", "expire")
ACTIONS = DB_ACTIONS + FILE_ACTIONS
DAY = 86400.0


@dataclass(frozen=True)
class Population:
    users: float
    growth_per_year: float = 0.0
    dau_ratio: float = 1.0
    weekday_profile: tuple[float, ...] = (1.0,) * 7  # Monday .. Sunday
    month_profile: tuple[float, ...] = (1.0,) * 12
    noise: str = "none"


@dataclass(frozen=True)
class DataClass:
    name: str
    store: str  # db | object | disk
    per_active_user: float  # units (rows, lines, objects, files) per active user per day
    unit_bytes: float
    size_sigma: float = 0.0  # lognormal sigma of the unit size; 0 = every unit the mean size
    bundle_bytes: float = 0.0  # units written into objects of this size (log lines into files)
    read_fraction: float = 0.0  # share of the stored bytes read back per day (retrieval fees)
    city: str = ""
    # S3 versioning: an expiration only adds a delete marker; the version stays, billed, until a
    # NoncurrentVersionExpiration (a job's noncurrent_days) removes it (issue 19 item 10).
    versioned: bool = False  # what it is in the city: "household waste", "sewage"...
    tier: str = ""  # the storage class objects are written to (PUT); "" = the first tier


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    action: str
    classes: tuple[str, ...] = ()
    older_than_days: int = 0
    # Per run: rows (db), objects (object store) or files (disk); the incinerator's capacity.
    capacity: float | None = None
    to_tier: str | None = None
    compress: float = 1.0
    bundle_bytes: float = 0.0
    partition_days: int = 30
    command: str = ""  # the real command a user would schedule for it
    noncurrent_days: int | None = None  # expire on a versioned class: days a version stays
    # A script lists the class's objects every run (LIST requests) and GETs what it reads;
    # None: an archive on object storage does, a transition or expire (a lifecycle rule) not.
    lists: bool | None = None
    # S3 lifecycle filter ObjectSizeGreaterThan: only objects larger than this; it takes
    # precedence over the bucket's default minimum (128 KB) for transitions.
    object_size_greater_than: float | None = None

    @property
    def lists_objects(self) -> bool:
        return self.action == "archive" if self.lists is None else self.lists


@dataclass(frozen=True)
class Database:
    engine: str = "rds_gp3"
    multi_az: bool = False
    initial_alloc_bytes: float = 20 * 1024**3
    fill_slack: float = 0.2  # autovacuum_vacuum_scale_factor: steady bloat between vacuums
    # PostgreSQL's autovacuum (on by default; the seed's postgresql.conf turns it on): dead rows
    # become reusable once they exceed 50 + 0.2 x live rows. None: on unless the engine is SQLite.
    autovacuum: bool | None = None
    # Automated backups keep every row deleted in the last N days (RDS console default 7).
    # None: 7 unless the engine is SQLite (a local file: 0).
    backup_retention_days: int | None = None

    @property
    def autovacuums(self) -> bool:
        return self.engine != "sqlite" if self.autovacuum is None else self.autovacuum

    @property
    def backup_days(self) -> int:
        if self.backup_retention_days is not None:
            return self.backup_retention_days
        return 0 if self.engine == "sqlite" else 7


@dataclass(frozen=True)
class Analogy:
    """Measured city figures for the structural panel (never converted to bytes)."""

    city: str
    year: int
    residents: float
    kg_per_person_day: float
    tons_per_day: float
    recycled: float
    incinerated: float
    landfilled: float
    incinerator_capacity_t_day: float
    household_t_day: float
    sources: str


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    source: str  # the file it came from
    population: Population
    classes: tuple[DataClass, ...]
    jobs: tuple[Job, ...]
    days: int = 365
    start: dt.date = dt.date(2026, 1, 1)
    seed: int = 0
    provider: str = "s3"
    database: Database = Database()
    notes: tuple[str, ...] = ()
    analogy: Analogy | None = None
    transition_default_minimum_object_size: str = SMALL_DEFAULTS[0]

    def klass(self, name: str) -> DataClass:
        for item in self.classes:
            if item.name == name:
                return item
        raise KeyError(name)

    def overridden(
        self, *, population: float | None = None, days: int | None = None, seed: int | None = None
    ) -> Scenario:
        people = (
            self.population
            if population is None
            else replace(self.population, users=float(population))
        )
        return replace(
            self,
            population=people,
            days=self.days if days is None else days,
            seed=self.seed if seed is None else seed,
        )


def _size(table: Table, name: str, default: float) -> float:
    value = table.raw(name)
    if value is None:
        return default
    if isinstance(value, float) and value >= 0:
        return value
    try:
        return float(parse_size(value))
    except ValueError:
        raise table.error(name, f"expected {SIZE_EXPECTED}, got {value!r}") from None


def _days(table: Table, name: str) -> int:
    seconds = table.duration(name, 0.0)
    if seconds % DAY:
        raise table.error(name, f"expected whole days (the model steps a day), got {seconds:g}s")
    return int(seconds // DAY)


def _profile(table: Table, name: str, length: int) -> tuple[float, ...]:
    value = table.raw(name)
    if value is None:
        return (1.0,) * length
    if (
        not isinstance(value, list)
        or len(value) != length
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        raise table.error(name, f"expected a list of {length} numbers >= 0")
    return tuple(float(v) for v in value)


def _population(table: Table) -> Population:
    people = Population(
        users=number(table, "users", 0.0),
        growth_per_year=number(table, "growth_per_year", 0.0, minimum=-0.99),
        dau_ratio=number(table, "dau_ratio", 1.0),
        weekday_profile=_profile(table, "weekday_profile", 7),
        month_profile=_profile(table, "month_profile", 12),
        noise=table.choice("noise", NOISE, "none"),
    )
    if people.dau_ratio > 1:
        raise table.error("dau_ratio", "expected a share between 0 and 1")
    table.done()
    return people


def _klass(table: Table) -> DataClass:
    item = DataClass(
        name=table.required_string("name"),
        store=table.choice("store", STORES, "object"),
        per_active_user=number(table, "per_active_user", 0.0),
        unit_bytes=_size(table, "unit_bytes", 0.0),
        size_sigma=number(table, "size_sigma", 0.0),
        bundle_bytes=_size(table, "bundle_bytes", 0.0),
        read_fraction=number(table, "read_fraction", 0.0),
        city=table.string("city", "") or "",
        versioned=table.boolean("versioned", False),
        tier=table.string("tier", "") or "",
    )
    if item.unit_bytes <= 0:
        raise table.error("unit_bytes", "is required: the mean size of one unit (350B, 2.5MB)")
    if item.read_fraction > 1:
        raise table.error("read_fraction", "expected a share between 0 and 1")
    table.done()
    return item


def _job(table: Table) -> Job:
    cron = table.required_string("cron")
    try:
        Cron.parse(cron)
    except ValueError as exc:
        raise table.error("cron", str(exc)) from None
    capacity = table.raw("capacity")
    if capacity is not None and (
        isinstance(capacity, bool) or not isinstance(capacity, int | float) or capacity <= 0
    ):
        raise table.error("capacity", "expected a number of units per run > 0")
    job = Job(
        name=table.required_string("name"),
        cron=cron,
        action=table.choice("action", ACTIONS, "purge"),
        classes=table.string_list("classes"),
        older_than_days=_days(table, "older_than"),
        capacity=None if capacity is None else float(capacity),
        to_tier=table.string("to"),
        compress=number(table, "compress", 1.0, minimum=1.0),
        bundle_bytes=_size(table, "bundle_bytes", 0.0),
        partition_days=table.integer("partition_days", 30, minimum=1),
        command=table.string("command", "") or "",
        noncurrent_days=_days(table, "noncurrent_days") if table.raw("noncurrent_days") else None,
        lists=None if table.raw("lists") is None else table.boolean("lists", False),
        object_size_greater_than=(
            None
            if table.raw("object_size_greater_than") is None
            else _size(table, "object_size_greater_than", 0.0)
        ),
    )
    if job.object_size_greater_than is not None and job.action not in ("transition", "expire"):
        raise table.error(
            "object_size_greater_than", "a lifecycle size filter applies to transition and expire"
        )
    if job.noncurrent_days is not None and job.action != "expire":
        raise table.error("noncurrent_days", "only an expire removes noncurrent versions")
    if job.action in ("vacuum", "rewrite"):
        if job.classes:
            raise table.error("classes", f"{job.action} acts on the whole database; drop the key")
    elif not job.classes:
        raise table.error("classes", f"{job.action} needs the data classes it acts on")
    if job.action == "transition" and not job.to_tier:
        raise table.error("to", "a transition needs the tier it moves objects to")
    if job.action == "archive" and job.bundle_bytes <= 0:
        raise table.error("bundle_bytes", "an archive bundles into objects of this size (128MiB)")
    table.done()
    return job


def _analogy(table: Table) -> Analogy:
    panel = Analogy(
        city=table.required_string("city"),
        year=table.integer("year", 2012, minimum=1900),
        residents=number(table, "residents", 0.0),
        kg_per_person_day=number(table, "kg_per_person_day", 0.0),
        tons_per_day=number(table, "tons_per_day", 0.0),
        recycled=number(table, "recycled", 0.0),
        incinerated=number(table, "incinerated", 0.0),
        landfilled=number(table, "landfilled", 0.0),
        incinerator_capacity_t_day=number(table, "incinerator_capacity_t_day", 0.0),
        household_t_day=number(table, "household_t_day", 0.0),
        sources=table.required_string("sources"),
    )
    table.done()
    return panel


def parse_scenario(data: dict[str, Any], source: str) -> Scenario:
    root = Table(data, source)
    start_raw = root.raw("start")
    if start_raw is None:
        start = dt.date(2026, 1, 1)
    elif isinstance(start_raw, dt.date) and not isinstance(start_raw, dt.datetime):
        start = start_raw
    else:
        raise root.error("start", "expected a TOML date such as 2026-01-01")
    people = root.table("population")
    if people is None:
        raise root.error("population", "is required ([population] users = ...)")
    db_table = root.table("database")
    database = Database()
    if db_table is not None:
        database = Database(
            engine=db_table.string("engine", "rds_gp3") or "rds_gp3",
            multi_az=db_table.boolean("multi_az", False),
            initial_alloc_bytes=_size(db_table, "initial_alloc", 20 * 1024**3),
            fill_slack=number(db_table, "fill_slack", 0.2),
            autovacuum=(
                None if db_table.raw("autovacuum") is None else db_table.boolean("autovacuum", True)
            ),
            backup_retention_days=(
                None
                if db_table.raw("backup_retention") is None
                else _days(db_table, "backup_retention")
            ),
        )
        db_table.done()
    analogy_table = root.table("analogy")
    scenario = Scenario(
        name=root.required_string("name"),
        title=root.string("title", "") or "",
        source=source,
        population=_population(people),
        classes=tuple(_klass(t) for t in root.tables("classes")),
        jobs=tuple(_job(t) for t in root.tables("jobs")),
        days=root.integer("days", 365, minimum=1),
        start=start,
        seed=root.integer("seed", 0),
        provider=root.string("provider", "s3") or "s3",
        database=database,
        notes=root.string_list("notes"),
        analogy=None if analogy_table is None else _analogy(analogy_table),
        transition_default_minimum_object_size=root.choice(
            "transition_default_minimum_object_size", SMALL_DEFAULTS, SMALL_DEFAULTS[0]
        ),
    )
    root.done()
    _cross_check(scenario)
    return scenario


def _cross_check(s: Scenario) -> None:
    if not s.classes:
        raise ConfigError(s.source, "classes", "expected at least one [[classes]] table")
    names = [c.name for c in s.classes]
    if len(set(names)) != len(names):
        raise ConfigError(s.source, "classes", "expected unique class names")
    for i, job in enumerate(s.jobs):
        for name in job.classes:
            if name not in names:
                raise ConfigError(
                    s.source, f"jobs[{i}].classes", f"unknown class {name!r} (known: {names})"
                )
            store = s.klass(name).store
            wanted = ("db",) if job.action in DB_ACTIONS else ("object", "disk")
            if store not in wanted:
                raise ConfigError(
                    s.source,
                    f"jobs[{i}].action",
                    f"{job.action} acts on {' or '.join(wanted)} classes; {name!r} is {store}",
                )
            if job.action == "transition" and store == "disk":
                raise ConfigError(s.source, f"jobs[{i}].action", "a disk has no tiers")


def check_prices(s: Scenario, prices: Prices) -> None:
    """The provider, tiers and database engine a scenario names exist in the price tables."""
    if s.provider not in prices.objects:
        raise ConfigError(
            s.source, "provider", f"expected one of {', '.join(sorted(prices.objects))}"
        )
    table = prices.objects[s.provider]
    tiers = [t.name for t in table.tiers if not t.auto_only]
    for i, klass in enumerate(s.classes):
        if klass.tier and (klass.store != "object" or klass.tier not in tiers):
            raise ConfigError(
                s.source,
                f"classes[{i}].tier",
                f"expected a {s.provider} tier of an object class: {', '.join(tiers)}",
            )
    for i, job in enumerate(s.jobs):
        if job.to_tier is not None and job.to_tier not in tiers:
            raise ConfigError(
                s.source, f"jobs[{i}].to", f"expected a {s.provider} tier: {', '.join(tiers)}"
            )
        # S3: "objects must be stored at least 30 days before transitioning to STANDARD_IA or
        # ONEZONE_IA" (S3 API Transition docs).
        if (
            s.provider == "s3"
            and job.action == "transition"
            and job.to_tier in ("standard_ia", "onezone_ia")
            and job.older_than_days < 30
        ):
            raise ConfigError(
                s.source, f"jobs[{i}].older_than", "S3 moves objects to IA at 30d or later"
            )
    engines = [e.name for e in prices.database.engines]
    if s.database.engine not in engines:
        raise ConfigError(s.source, "database.engine", f"expected one of {', '.join(engines)}")


def read_scenario(text: str, source: str) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: not valid TOML ({exc})") from None
    return parse_scenario(data, source)


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--scenario: cannot read {str(path)!r} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"--scenario: {str(path)!r} is not a TOML file (not UTF-8 text)") from None
    return read_scenario(text, str(path))


def preset_names() -> list[str]:
    folder = resources.files("simulator") / "presets"
    return sorted(e.name[: -len(".toml")] for e in folder.iterdir() if e.name.endswith(".toml"))


def load_preset(name: str) -> Scenario:
    names = preset_names()
    if name not in names:
        raise UsageError(f"--preset: unknown preset {name!r} (expected one of {', '.join(names)})")
    entry = resources.files("simulator") / "presets" / f"{name}.toml"
    return read_scenario(entry.read_text(encoding="utf-8"), f"simulator/presets/{name}.toml")
