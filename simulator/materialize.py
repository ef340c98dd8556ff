"""Materialise mode: a small real city (rows and files) on a virtual clock, and its real cleanup.

The same model that bills a 250-million-user city here decides how many rows and files each
simulated day gets (`generate`, noise off), and predicts what cleanup removes. The database
gets faker-made users, sessions, request logs and soft-deleted posts through SQLAlchemy; faker is
slow (~17k names/s), so small pools are drawn once and combined with numpy (reference 6.2).
The workspace gets projects with build outputs and caches whose mtimes sit on the virtual clock.
`run_cleanup_tools` then runs the real `hygiene db clean` and `hygiene clean` as subprocesses and
sets their reported rows and bytes next to the prediction: the model is only trusted where the
two agree.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hygiene.errors import ActionFailed, UsageError
from hygiene.relaunch import command
from simulator.scenario import Database, DataClass, Job, Population, Scenario

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy.engine import Connection

Progress = Callable[[str], None]
DAY = dt.timedelta(days=1)

# (class, table, timestamp column, retention days, extra condition): the rules handed to
# `hygiene db clean` and the purge jobs the model runs are built from this one table.
DB_RULES = (
    ("sessions", "sessions", "created_at", 14, None),
    ("request_logs", "request_logs", "created_at", 30, None),
    ("soft_deleted_posts", "posts", "deleted_at", 30, "deleted_at IS NOT NULL"),
)
KEPT = ("posts",)


@dataclass(frozen=True)
class MaterializeRequest:
    users: int
    days: int
    db_url: str | None
    tree: Path
    seed: int
    now: dt.datetime  # naive UTC: the virtual clock at the end of the last day


@dataclass(frozen=True)
class Prediction:
    name: str
    table: str
    rows: float
    bytes: float


@dataclass(frozen=True)
class Materialized:
    db_url: str
    db_label: str  # the URL with any password masked
    config: Path
    workspace: Path
    start: dt.datetime
    now: dt.datetime
    rows: dict[str, int]  # per table
    files: int
    file_bytes: int
    db_seconds: float
    rows_per_second: float
    bytes_per_row: dict[str, float]  # measured growth of the file per row, per table
    predictions: tuple[Prediction, ...]
    predicted_workspace_bytes: float


@dataclass(frozen=True)
class Agreement:
    what: str
    predicted_rows: float | None
    actual_rows: float | None
    predicted_bytes: float
    actual_bytes: float


@dataclass(frozen=True)
class Comparison:
    rows: tuple[Agreement, ...]
    db_document: dict[str, Any]
    clean_document: dict[str, Any]


def city_scenario(
    users: int, days: int, now: dt.datetime, bytes_per_row: dict[str, float] | None = None
) -> Scenario:
    """The small city as a scenario; its jobs fire once, on the last day, like one real run."""
    sizes = {"sessions": 350.0, "request_logs": 300.0, "posts": 400.0, "soft_deleted_posts": 400.0}
    if bytes_per_row:
        sizes.update({k: v for k, v in bytes_per_row.items() if k in sizes})
        sizes["soft_deleted_posts"] = bytes_per_row.get("posts", sizes["posts"])
    last = (now - DAY).date()
    once = f"0 0 {last.day} {last.month} *"
    classes = (
        DataClass("sessions", "db", 1.5, sizes["sessions"]),
        DataClass("request_logs", "db", 20.0, sizes["request_logs"]),
        DataClass("posts", "db", 2.0, sizes["posts"]),
        DataClass("soft_deleted_posts", "db", 0.1, sizes["soft_deleted_posts"]),
        DataClass("build_outputs", "disk", 0.01, 256 * 1024),
        DataClass("caches", "disk", 0.05, 16 * 1024),
    )
    jobs = (
        *(Job(f"db-{name}", once, "purge", (name,), keep) for name, _, _, keep, _ in DB_RULES),
        Job("workspace", once, "expire", ("build_outputs", "caches"), 0),
    )
    return Scenario(
        name="materialize",
        title=f"A small real city: {users:,} users over {days} days",
        source="simulator.materialize",
        population=Population(
            users=float(users), dau_ratio=0.4, weekday_profile=(1, 1, 1, 1, 1, 0.7, 0.7)
        ),
        classes=classes,
        jobs=jobs,
        days=days,
        start=(now - days * DAY).date(),
        database=Database(engine="sqlite", initial_alloc_bytes=0.0, fill_slack=0.0),
    )


def _mask(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class _Pools:
    names: list[str]
    agents: list[str]
    paths: list[str]
    ips: list[str]
    titles: list[str]
    bodies: list[str]
    payloads: list[str]


def _pools(seed: int) -> _Pools:
    from faker import Faker

    fake = Faker(use_weighting=False)  # ~10x faster names (joke2k/faker#1348)
    fake.seed_instance(seed)
    return _Pools(
        names=[fake.name() for _ in range(1000)],
        agents=[fake.user_agent() for _ in range(200)],
        paths=[f"/{fake.uri_path()}" for _ in range(300)],
        ips=[fake.ipv4() for _ in range(500)],
        titles=[fake.sentence(nb_words=6) for _ in range(500)],
        bodies=[fake.paragraph(nb_sentences=3)[:300] for _ in range(200)],
        payloads=[fake.pystr(min_chars=200, max_chars=260) for _ in range(500)],
    )


_CLOCK: list[str] = []


def _clock_strings() -> list[str]:
    """Every second of a day as "HH:MM:SS.ffffff", built once (row-by-row strftime is slow)."""
    if not _CLOCK:
        _CLOCK.extend(
            f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{s * 7919 % 1_000_000:06d}"
            for s in range(86400)
        )
    return _CLOCK


def _stamps(
    rng: np.random.Generator, counts: npt.NDArray[np.int64], start: dt.datetime, text: bool
) -> list[Any]:
    """One timestamp per row, uniform inside its day; ISO text for SQLite, datetimes elsewhere."""
    import numpy as np

    day = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    second = rng.integers(0, 86400, size=day.size)
    if text:
        # The layout SQLAlchemy's SQLite DateTime writes, so string comparison orders correctly.
        prefix = [f"{(start + d * DAY):%Y-%m-%d} " for d in range(len(counts))]
        clock = _clock_strings()
        return [prefix[d] + clock[s] for d, s in zip(day.tolist(), second.tolist(), strict=True)]
    moments = np.datetime64(start, "us") + (day * 86400 + second).astype("timedelta64[s]")
    return list(moments.astype("datetime64[us]").tolist())


def _insert(conn: Connection, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    style = conn.dialect.paramstyle
    mark = "?" if style == "qmark" else "%s" if style in ("format", "pyformat") else None
    if mark is None:  # pragma: no cover - the three engines we support use the two above
        raise UsageError(f"--db: unsupported driver paramstyle {style!r}")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    for lo in range(0, len(rows), 20_000):
        conn.exec_driver_sql(sql, rows[lo : lo + 20_000])


class _TableExists(UsageError):
    """The database already has one of the city's tables: it is refused, never reset."""


def _schema(conn: Connection) -> None:
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

    meta = MetaData()
    Table(
        "users",
        meta,
        Column("id", Integer, primary_key=True),
        Column("name", String(100)),
        Column("email", String(200)),
        Column("created_at", DateTime),
    )
    Table(
        "sessions",
        meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer),
        Column("session_key", String(40)),
        Column("data", Text),
        Column("created_at", DateTime),
        Column("expires_at", DateTime),
    )
    Table(
        "request_logs",
        meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer),
        Column("created_at", DateTime),
        Column("method", String(8)),
        Column("path", String(300)),
        Column("status", Integer),
        Column("ip", String(45)),
        Column("user_agent", String(400)),
    )
    Table(
        "posts",
        meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer),
        Column("title", String(200)),
        Column("body", Text),
        Column("created_at", DateTime),
        Column("deleted_at", DateTime, nullable=True),
    )
    # Never lose data: a database that already has one of these tables is refused, not reset.
    from sqlalchemy import inspect

    existing = sorted(set(inspect(conn).get_table_names()) & set(meta.tables))
    if existing:
        raise _TableExists(
            f"--db: table {existing[0]!r} already exists; materialise into an empty database"
        )
    meta.create_all(conn)


def _row_bytes(conn: Connection, table: str, columns: tuple[str, ...], rows: int) -> float:
    """The mean stored size of a row, measured by the engine itself (issue 19 item 6).

    PostgreSQL: `pg_column_size` of the whole row (tuple header included). MariaDB/MySQL: the
    bytes of its values (`LENGTH`, no row header). SQLite: the file's growth per row when the
    table filled enough pages to say (1,000 rows or more), else the bytes of its values.
    """
    name = conn.dialect.name
    if name == "postgresql":
        sql = f"SELECT avg(pg_column_size(x.*)) FROM {table} x"
    else:
        cast = "CAST({} AS BLOB)" if name == "sqlite" else "{}"
        parts = " + ".join(f"COALESCE(LENGTH({cast.format(c)}), 0)" for c in columns)
        sql = f"SELECT avg({parts}) FROM {table}"
    value = conn.exec_driver_sql(sql).scalar_one()
    return float(value or 0.0) if rows else 0.0


def _file_bytes(conn: Connection) -> float:
    if conn.dialect.name != "sqlite":
        return 0.0
    pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    return float(pages * size)


def materialize(request: MaterializeRequest, *, progress: Progress | None = None) -> Materialized:
    say = progress or (lambda _msg: None)
    tree = request.tree
    workspace = tree / "workspace"
    created = _claim_tree(tree, workspace)
    url = request.db_url or f"sqlite:///{tree / 'city.db'}"
    if request.db_url is None and (tree / "city.db").exists():
        raise UsageError(f"--tree: {str(tree / 'city.db')!r} exists; choose a new folder")
    scenario = city_scenario(request.users, request.days, request.now)
    counts = _daily_units(scenario)
    start = dt.datetime.combine(scenario.start, dt.time())
    try:
        loaded = _load_database(url, request, counts, start, say)
    except _TableExists:
        if created and not any(tree.iterdir()):
            tree.rmdir()  # refused: leave the disk as it was
        raise
    say(f"wrote {sum(loaded.rows.values()):,} rows in {loaded.seconds:.2f}s")
    files, file_bytes = _workspace(workspace, counts, scenario, start)
    say(f"wrote {files:,} files ({file_bytes:,} bytes) under {workspace}")
    config = tree / "hygiene-city.toml"
    config.write_text(_rules_toml(), encoding="utf-8")
    predictions, predicted_ws = _predict(request, scenario, loaded.per_row)
    seconds = loaded.seconds
    return Materialized(
        db_url=url,
        db_label=_mask(url),
        config=config,
        workspace=workspace,
        start=start,
        now=request.now,
        rows=loaded.rows,
        files=files,
        file_bytes=file_bytes,
        db_seconds=seconds,
        rows_per_second=sum(loaded.rows.values()) / seconds if seconds else 0.0,
        bytes_per_row=loaded.per_row,
        predictions=predictions,
        predicted_workspace_bytes=predicted_ws,
    )


def _claim_tree(tree: Path, workspace: Path) -> bool:
    """Refuse a tree that is a file or already holds a workspace; make it. True if made here."""
    if tree.exists() and not tree.is_dir():
        raise UsageError(f"--tree: {str(tree)!r} is not a folder")
    if workspace.exists() and any(workspace.iterdir()):
        raise UsageError(f"--tree: {str(workspace)!r} already holds files; choose a new folder")
    created = not tree.exists()
    tree.mkdir(parents=True, exist_ok=True)
    return created


def _daily_units(scenario: Scenario) -> dict[str, npt.NDArray[np.int64]]:
    """Whole rows (or files) per day for each data class, from the model with noise off.

    The running total is rounded, so the counts never drift from the model's expectation: every
    prefix of days (what an age cutoff selects) is within one row of the model.
    """
    import numpy as np

    from simulator.generate import generate

    gen = generate(scenario)
    counts = {}
    for k, c in enumerate(scenario.classes):
        running = np.rint(np.cumsum(gen.units[k])).astype(np.int64)
        counts[c.name] = np.diff(running, prepend=0)
    return counts


@dataclass(frozen=True)
class _Loaded:
    rows: dict[str, int]  # per table
    per_row: dict[str, float]  # measured growth of the SQLite file per row, per table
    seconds: float  # the load, schema included


def _load_database(
    url: str,
    request: MaterializeRequest,
    counts: dict[str, npt.NDArray[np.int64]],
    start: dt.datetime,
    say: Progress,
) -> _Loaded:
    """Create the city's tables and fill them, timing the load; _TableExists if one exists."""
    import numpy as np
    from sqlalchemy import create_engine

    rng = np.random.default_rng(request.seed)
    pools = _pools(request.seed)
    _clock_strings()  # pools are built once, outside the timed load
    engine = create_engine(url)
    draw = _Draw(rng, pools, counts, start, engine.dialect.name == "sqlite", request.users)
    rows: dict[str, int] = {}
    per_row: dict[str, float] = {}
    began = time.perf_counter()
    try:
        with engine.begin() as conn:
            if draw.text:
                # A throwaway demo database: no fsync per page while loading (reference 6.3).
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            _schema(conn)
        say(f"writing {request.users:,} users' {request.days} days into {_mask(url)}")
        with engine.begin() as conn:
            users = _users(draw)
            _insert(conn, "users", ("id", "name", "email", "created_at"), users)
            rows["users"] = len(users)
            # In this order: each table's rows come from the one random stream after the last's.
            for table, columns, build in _MEASURED_TABLES:
                before = _file_bytes(conn)
                data = build(draw)
                _insert(conn, table, columns, data)
                rows[table] = rows.get(table, 0) + len(data)
                grown = _file_bytes(conn) - before
                if draw.text and len(data) >= 1000 and grown > 0:
                    per_row[table] = grown / len(data)
                elif data:
                    per_row[table] = _row_bytes(conn, table, columns, len(data))
    finally:
        engine.dispose()
    return _Loaded(rows, per_row, time.perf_counter() - began)


@dataclass(frozen=True)
class _Draw:
    """What each table's rows are drawn from."""

    rng: np.random.Generator
    pools: _Pools
    counts: dict[str, npt.NDArray[np.int64]]  # rows per day, per data class
    start: dt.datetime  # the first simulated day
    text: bool  # timestamps as ISO text (SQLite) rather than datetimes
    users: int


_Rows = list[tuple[Any, ...]]


def _pick(pool: list[str], rng: np.random.Generator, n: int) -> list[Any]:
    import numpy as np

    return list(np.array(pool, dtype=object)[rng.integers(0, len(pool), n)].tolist())


def _users(d: _Draw) -> _Rows:
    import numpy as np

    names = _pick(d.pools.names, d.rng, d.users)
    joined = _stamps(d.rng, np.array([d.users]), d.start - 30 * DAY, d.text)
    return [(i + 1, name, f"user{i + 1}@example.com", joined[i]) for i, name in enumerate(names)]


def _sessions(d: _Draw) -> _Rows:
    rng, c = d.rng, d.counts["sessions"]
    n = int(c.sum())
    created = _stamps(rng, c, d.start, d.text)
    expires = _stamps(rng, c, d.start + 14 * DAY, d.text)
    uid = rng.integers(1, d.users + 1, n).tolist()
    keys = [f"{v:032x}" for v in rng.integers(0, 2**62, n).tolist()]
    data = _pick(d.pools.payloads, rng, n)
    return list(zip(uid, keys, data, created, expires, strict=True))


def _logs(d: _Draw) -> _Rows:
    import numpy as np

    rng, c = d.rng, d.counts["request_logs"]
    n = int(c.sum())
    created = _stamps(rng, c, d.start, d.text)
    methods = np.array(["GET", "GET", "GET", "POST", "PUT", "DELETE"], dtype=object)
    statuses = np.array([200, 200, 200, 201, 204, 301, 404, 500])
    return list(
        zip(
            rng.integers(1, d.users + 1, n).tolist(),
            created,
            methods[rng.integers(0, 6, n)].tolist(),
            _pick(d.pools.paths, rng, n),
            statuses[rng.integers(0, 8, n)].tolist(),
            _pick(d.pools.ips, rng, n),
            _pick(d.pools.agents, rng, n),
            strict=True,
        )
    )


def _posts(d: _Draw) -> _Rows:
    rng = d.rng
    kept, gone = d.counts["posts"], d.counts["soft_deleted_posts"]
    n_kept, n_gone = int(kept.sum()), int(gone.sum())
    created = _stamps(rng, kept, d.start, d.text)
    deleted = _stamps(rng, gone, d.start, d.text)
    # A soft-deleted post was written some days before it was deleted.
    made = _stamps(rng, gone, d.start - 10 * DAY, d.text)
    n = n_kept + n_gone
    titles = _pick(d.pools.titles, rng, n)
    bodies = _pick(d.pools.bodies, rng, n)
    uid = rng.integers(1, d.users + 1, n).tolist()
    gone_at = [None] * n_kept + deleted
    return list(zip(uid, titles, bodies, created + made, gone_at, strict=True))


# The tables after `users`, each with its columns and its rows; `_load_database` measures how
# much each one grows the file.
_MEASURED_TABLES: tuple[tuple[str, tuple[str, ...], Callable[[_Draw], _Rows]], ...] = (
    ("sessions", ("user_id", "session_key", "data", "created_at", "expires_at"), _sessions),
    (
        "request_logs",
        ("user_id", "created_at", "method", "path", "status", "ip", "user_agent"),
        _logs,
    ),
    ("posts", ("user_id", "title", "body", "created_at", "deleted_at"), _posts),
)


def _predict(
    request: MaterializeRequest, scenario: Scenario, per_row: dict[str, float]
) -> tuple[tuple[Prediction, ...], float]:
    """What cleanup should remove, by the same engine with the measured bytes per row: each
    database rule's rows and bytes, and the workspace's bytes."""
    from simulator.prices import builtin_prices
    from simulator.simulation import simulate

    measured_scenario = city_scenario(request.users, request.days, request.now, per_row)
    sim = simulate(replace(measured_scenario, provider="s3"), builtin_prices())
    units = sim.with_cleanup.deleted_units
    predictions = tuple(
        Prediction(name, table, units[name], units[name] * measured_scenario.klass(name).unit_bytes)
        for name, table, _, _, _ in DB_RULES
    )
    disk = [k for k, c in enumerate(scenario.classes) if c.store == "disk"]
    predicted_ws = float(
        sum(units[scenario.classes[k].name] * scenario.classes[k].unit_bytes for k in disk)
    )
    return predictions, predicted_ws


def _rules_toml() -> str:
    lines = []
    for name, table, column, keep, where in DB_RULES:
        lines += [
            "[[db.rules]]",
            f'name = "{name}"',
            f'table = "{table}"',
            f'column = "{column}"',
            f'older_than = "{keep}d"',
            'action = "delete"',
            *([f'where = "{where}"'] if where else []),
            "",
        ]
    return "\n".join(lines)


def _workspace(
    root: Path, counts: dict[str, Any], scenario: Scenario, start: dt.datetime
) -> tuple[int, int]:
    """Projects with build outputs (Rust `target/`) and caches (`__pycache__`): a file a unit."""
    projects = max(1, int(scenario.population.users) // 250)
    sizes = {c.name: int(c.unit_bytes) for c in scenario.classes if c.store == "disk"}
    blobs = {name: os.urandom(size) for name, size in sizes.items()}
    for p in range(int(projects)):
        project = root / f"project-{p:03d}"
        (project / "src").mkdir(parents=True, exist_ok=True)
        (project / "Cargo.toml").write_text(f'[package]\nname = "p{p}"\nversion = "0.1.0"\n')
        (project / "src" / "main.rs").write_text("fn main() {}\n")
        (project / "target" / "debug").mkdir(parents=True, exist_ok=True)
        (project / "__pycache__").mkdir(exist_ok=True)
    files = total = 0
    base = start.replace(tzinfo=dt.timezone.utc).timestamp()
    for name, folder, suffix in (
        ("build_outputs", "target/debug", "o"),
        # Bytecode as Python names it, beside its source: hygiene keeps a __pycache__ holding
        # anything else, or bytecode whose source is gone.
        ("caches", "__pycache__", "cpython-311.pyc"),
    ):
        for day, n in enumerate(counts[name].tolist()):
            for i in range(int(n)):
                target = root / f"project-{(day + i) % projects:03d}" / folder
                path = target / f"d{day:04d}-{i:03d}.{suffix}"
                path.write_bytes(blobs[name])
                if folder == "__pycache__":
                    (target.parent / f"d{day:04d}-{i:03d}.py").touch()
                # Written during its simulated day, on the virtual clock.
                moment = base + day * 86400 + (i * 600) % 86400
                os.utime(path, (moment, moment))
                files += 1
                total += sizes[name]
    return files, total


def _call(args: list[str], what: str) -> dict[str, Any]:
    env = {**os.environ, "COLUMNS": "200"}
    # Started as hygiene starts itself: never a `hygiene` package of the working folder.
    done = subprocess.run(command(*args), capture_output=True, text=True, env=env)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1].removeprefix("hygiene: ")
        raise ActionFailed(f"{what} failed (exit {done.returncode}): {last}")
    try:
        document: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise ActionFailed(f"{what} did not print one JSON document") from None
    return document


def run_cleanup_tools(request: MaterializeRequest, written: Materialized) -> Comparison:
    """Run the real `hygiene db clean` and `hygiene clean` on the virtual clock and compare."""
    db_doc = _call(
        [
            "db",
            "clean",
            written.db_url,
            "--yes",
            "--json",
            "--config",
            str(written.config),
            "--now",
            written.now.isoformat(),
        ],
        "hygiene db clean",
    )
    clean_doc = _call(
        ["clean", str(written.workspace), "--yes", "--json", "--min-age", "0s"], "hygiene clean"
    )
    by_name = {r.get("name"): r for r in db_doc.get("rules", [])}
    # A plain VACUUM (what `hygiene db clean` runs on PostgreSQL) returns deleted rows' space to
    # the tables for reuse, not to the file system: the model predicts ~0 bytes of file. SQLite's
    # VACUUM and MariaDB's OPTIMIZE TABLE rebuild, so they return about what was deleted.
    plain = written.db_url.startswith("postgresql")
    vacuum = (
        "db file reclaimed (plain VACUUM: space stays in the tables)"
        if plain
        else "db file reclaimed (VACUUM)"
    )
    reclaimed = float(db_doc.get("reclaim", {}).get("bytes_reclaimed", 0))
    agreements = [
        Agreement(
            what=f"db rule {p.name} ({p.table})",
            predicted_rows=p.rows,
            actual_rows=float(by_name.get(p.name, {}).get("rows", 0)),
            predicted_bytes=p.bytes,
            actual_bytes=float("nan"),
        )
        for p in written.predictions
    ]
    agreements.append(
        Agreement(
            what=vacuum,
            predicted_rows=sum(p.rows for p in written.predictions),
            actual_rows=sum(float(r.get("rows", 0)) for r in db_doc.get("rules", [])),
            predicted_bytes=0.0 if plain else sum(p.bytes for p in written.predictions),
            actual_bytes=reclaimed,
        )
    )
    totals = clean_doc.get("totals", {})
    agreements.append(
        Agreement(
            what="workspace caches and build outputs",
            predicted_rows=None,
            actual_rows=None,
            predicted_bytes=written.predicted_workspace_bytes,
            actual_bytes=float(totals.get("bytes", 0)),
        )
    )
    return Comparison(rows=tuple(agreements), db_document=db_doc, clean_document=clean_doc)
