"""Benchmark `hygiene db clean` (issue 6, Speed).

Per engine, on a table of --rows rows with every other row expired:

1. ratio: hygiene's batched clean (keyset batches, each its own transaction, row counts checked;
   the vacuum step excluded) against ONE raw `DELETE ... WHERE` on an identical copy, in the same
   run, the order alternating between runs; the median ratio is reported (target <= 1.5x). On
   the servers the copy loaded last alternates too, and PostgreSQL gets a CHECKPOINT after both
   loads (see `settle`): otherwise the copy loaded last, always the raw one, often skipped the
   full-page writes the other paid;
2. archive throughput: rows/s of an `action = "archive"` rule on a fresh copy;
3. the vacuum step: bytes it reclaimed (measured) against the engine's own measure of free space
   before it (SQLite: freelist; PostgreSQL: pgstattuple free + dead, or n_dead_tup share;
   MySQL: DATA_FREE).

    .venv/bin/python benchmarks/bench_db.py --engine sqlite --rows 1000000 --runs 3
    .venv/bin/python benchmarks/bench_db.py --engine postgresql --rows 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hygiene.db.clean import run_rules
from hygiene.db.settings import RetentionRule
from hygiene.db.url import Target, parse_target

NOW = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
EXPIRED = "2024-01-01 00:00:00"
FRESH = "2024-12-01 00:00:00"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"


def rule(table: str, action: str = "delete") -> RetentionRule:
    return RetentionRule(
        name=f"bench-{table}", table=table, column="expires_at", older_than=0.0, action=action
    )


# --- SQLite -----------------------------------------------------------------------------------


def sqlite_make(path: Path, rows: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, expires_at TEXT, data TEXT)")
    conn.execute("CREATE INDEX sessions_expires ON sessions (expires_at)")
    conn.executemany(
        "INSERT INTO sessions VALUES (?, ?, ?)",
        ((i, EXPIRED if i % 2 else FRESH, "x" * 100) for i in range(1, rows + 1)),
    )
    conn.commit()
    conn.close()


def sqlite_raw(path: Path) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("DELETE FROM sessions WHERE expires_at < ?", ("2024-06-01 00:00:00",))
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


# --- servers ----------------------------------------------------------------------------------


def server_make(url: str, table: str, rows: int) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    text_type = "VARCHAR(120)" if url.startswith("mysql") else "TEXT"
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(
            text(
                f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, expires_at TIMESTAMP NULL, "
                f"data {text_type})"
            )
        )
        conn.execute(text(f"CREATE INDEX {table}_expires ON {table} (expires_at)"))
        step = 50_000
        for start in range(1, rows + 1, step):
            stop = min(rows, start + step - 1)
            if url.startswith("postgresql"):
                conn.execute(
                    text(
                        f"INSERT INTO {table} SELECT g, CASE WHEN g % 2 = 1 "
                        f"THEN TIMESTAMP '{EXPIRED}' ELSE TIMESTAMP '{FRESH}' END, "
                        f"repeat('x', 100) FROM generate_series({start}, {stop}) g"
                    )
                )
            else:
                conn.execute(
                    text(f"INSERT INTO {table} VALUES (:i, :e, :d)"),
                    [
                        {"i": i, "e": EXPIRED if i % 2 else FRESH, "d": "x" * 100}
                        for i in range(start, stop + 1)
                    ],
                )
        if url.startswith("postgresql"):
            conn.execute(text(f"ANALYZE {table}"))
        else:
            conn.execute(text(f"ANALYZE TABLE {table}"))
    engine.dispose()


def settle(url: str) -> None:
    """PostgreSQL: CHECKPOINT, so the next modification of every page of both copies writes a
    full-page image to the WAL, for hygiene and the raw DELETE alike."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def server_raw(url: str, table: str) -> float:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.commit()
        started = time.perf_counter()
        conn.execute(text(f"DELETE FROM {table} WHERE expires_at < '2024-06-01 00:00:00'"))
        conn.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def hygiene_clean(target: Target, table: str, *, action: str = "delete") -> tuple[float, int]:
    archive_dir = Path(tempfile.mkdtemp(prefix="hygiene-bench-archive-"))
    started = time.perf_counter()
    report = run_rules(
        target=target,
        rules=(rule(table, action),),
        now=NOW,
        reclaim_space=False,
        archive_dir=archive_dir,
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(archive_dir, ignore_errors=True)
    return elapsed, report.rules[0].rows


def engine_free_measure(target: Target, table: str) -> tuple[int, str]:
    """The engine's own idea of free space in `table` right after the delete."""
    from sqlalchemy import create_engine, text

    if target.engine == "sqlite":
        assert target.path is not None
        conn = sqlite3.connect(target.path)
        pages = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
        return pages * size, "freelist_count x page_size"
    engine = create_engine(target.url)
    with engine.connect() as conn:
        if target.engine == "postgresql":
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
            conn.commit()
            value = conn.execute(
                text(f"SELECT dead_tuple_len + free_space FROM pgstattuple('{table}')")
            ).scalar()
            measure = "pgstattuple dead_tuple_len + free_space"
        else:
            conn.execute(text(f"ANALYZE TABLE {table}"))
            value = conn.execute(
                text(
                    "SELECT data_free FROM information_schema.TABLES "
                    "WHERE table_schema = DATABASE() AND table_name = :t"
                ),
                {"t": table},
            ).scalar()
            measure = "information_schema DATA_FREE"
    engine.dispose()
    return int(value or 0), measure


def vacuum_step(target: Target, table: str, *, full: bool) -> dict[str, Any]:
    from hygiene.db.connect import open_engine
    from hygiene.db.vacuum import reclaim

    free, measure = engine_free_measure(target, table)
    engine = open_engine(target)
    try:
        result = reclaim(engine=engine, target=target, tables=[table], full=full)
    finally:
        engine.dispose()
    return {
        "reclaimed": result.bytes_reclaimed,
        "engine_measure": free,
        "measure": measure,
        "note": result.note,
    }


def bench(engine: str, rows: int, runs: int, url: str | None) -> dict[str, Any]:
    ratios: list[float] = []
    timings: list[tuple[float, float]] = []
    tmp = Path(tempfile.mkdtemp(prefix="hygiene-bench-"))
    try:
        for run in range(runs):
            if engine == "sqlite":
                a, b = tmp / "a.db", tmp / "b.db"
                for p in (a, b):
                    p.unlink(missing_ok=True)
                sqlite_make(a, rows)
                shutil.copyfile(a, b)
                target = parse_target(str(a))

                def raw(b: Path = b) -> float:
                    return sqlite_raw(b)

                table = "sessions"
            else:
                assert url is not None
                table, copy = "bench_a", "bench_b"
                # The table loaded last is the warmer one (buffer pool, and on PostgreSQL its
                # pages were dirtied after the latest checkpoint, so its DELETE writes no
                # full-page images: 28 MB of WAL against 177 MB measured). Alternate which is
                # loaded last, then checkpoint, so neither side gets that for free.
                for name in (table, copy) if run % 2 == 0 else (copy, table):
                    server_make(url, name, rows)
                settle(url)
                target = parse_target(url)

                def raw(copy: str = copy) -> float:
                    return server_raw(url, copy)

            # Alternate which goes first, so cache warmth does not favour one side.
            if run % 2 == 0:
                ours, deleted = hygiene_clean(target, table)
                theirs = raw()
            else:
                theirs = raw()
                ours, deleted = hygiene_clean(target, table)
            assert deleted == rows // 2 + rows % 2, deleted
            timings.append((ours, theirs))
            ratios.append(ours / theirs)
            print(
                f"  {engine} run {run + 1}: hygiene {ours:.2f}s, raw DELETE {theirs:.2f}s, "
                f"ratio {ours / theirs:.2f}",
                file=sys.stderr,
            )
        vacuum = vacuum_step(target, table, full=False)
        vacuum_full = vacuum_step(target, table, full=True) if engine == "postgresql" else None
        # Archive throughput on a fresh copy.
        if engine == "sqlite":
            assert target.path is not None
            target.path.unlink()
            sqlite_make(target.path, rows)
        else:
            assert url is not None
            server_make(url, table, rows)
        seconds, archived = hygiene_clean(target, table, action="archive")
        if engine != "sqlite":
            from sqlalchemy import create_engine, text

            assert url is not None
            eng = create_engine(url)
            with eng.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS bench_a"))
                conn.execute(text("DROP TABLE IF EXISTS bench_b"))
            eng.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "engine": engine,
        "rows": rows,
        "runs": runs,
        "median_ratio": statistics.median(ratios),
        "timings": timings,
        "archive_rows_per_s": archived / seconds,
        "vacuum": vacuum,
        "vacuum_full": vacuum_full,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--engine", action="append", choices=["sqlite", "postgresql", "mysql"], default=None
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres-url", default=os.environ.get("HYGIENE_BENCH_PG", PG_URL))
    parser.add_argument("--mysql-url", default=os.environ.get("HYGIENE_BENCH_MYSQL", MYSQL_URL))
    args = parser.parse_args(argv)
    # Import SQLAlchemy up front: its one-time import (~0.35 s here) is start-up, not deleting.
    import sqlalchemy.engine  # noqa: F401

    urls = {"sqlite": None, "postgresql": args.postgres_url, "mysql": args.mysql_url}
    for engine in args.engine or ["sqlite"]:
        result = bench(engine, args.rows, args.runs, urls[engine])
        v = result["vacuum"]
        print(
            f"{engine}: {result['rows']:,} rows, half expired, {result['runs']} runs: "
            f"median ratio hygiene/raw DELETE = {result['median_ratio']:.2f}x; "
            f"archive {result['archive_rows_per_s']:,.0f} rows/s; "
            f"vacuum reclaimed {v['reclaimed']:,} B vs {v['measure']} {v['engine_measure']:,} B"
        )
        if result["vacuum_full"]:
            f = result["vacuum_full"]
            print(f"{engine}: VACUUM FULL reclaimed {f['reclaimed']:,} B ({f['note']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
