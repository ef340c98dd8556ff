"""Benchmarks for `hygiene simulate` (issue 8), each a ratio measured in the same run.

1. Engine time of `--preset netflix --days 3650` (both runs), median of N (target: < 1 s).
2. The same at 250M users against 1,000 users, runs alternating, median ratio (target: <= 1.2).
3. Materialise rows/s into SQLite (faker pools, numpy, SQLAlchemy) against a plain
   `sqlite3.executemany` of pre-built tuples holding the same rows, alternating, median ratio.

Run: `.venv/bin/python benchmarks/bench_simulate.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from simulator.materialize import MaterializeRequest, materialize
from simulator.prices import builtin_prices
from simulator.scenario import load_preset
from simulator.simulation import simulate

TABLES = ("users", "sessions", "request_logs", "posts")


def engine_seconds(users: float | None, days: int) -> float:
    scenario = load_preset("netflix").overridden(population=users, days=days)
    return simulate(scenario, builtin_prices()).engine_seconds


def bench_engine(repeat: int) -> None:
    engine_seconds(None, 3650)  # warm imports and croniter
    big, small, ratios = [], [], []
    for _ in range(repeat):
        b = engine_seconds(250_000_000, 3650)
        s = engine_seconds(1_000, 3650)
        big.append(b)
        small.append(s)
        ratios.append(b / s)
    print(
        f"netflix 3650 days, engine time: median {statistics.median(big):.3f}s "
        f"(min {min(big):.3f}s, max {max(big):.3f}s) over {repeat} runs"
    )
    print(
        f"250M users vs 1,000 users: median ratio {statistics.median(ratios):.3f} "
        f"(1,000 users median {statistics.median(small):.3f}s)"
    )


def _copy_rows(source: Path) -> dict[str, tuple[str, list[tuple[object, ...]]]]:
    with sqlite3.connect(source) as conn:
        out = {}
        for table in TABLES:
            ddl = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)
            ).fetchone()[0]
            out[table] = (ddl, conn.execute(f"SELECT * FROM {table}").fetchall())
    return out


def plain_executemany(rows: dict[str, tuple[str, list[tuple[object, ...]]]], target: Path) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA synchronous=OFF")
    for table, (ddl, data) in rows.items():
        conn.execute(ddl)
        marks = ", ".join("?" * len(data[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", data)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def bench_materialize(repeat: int, users: int, days: int) -> None:
    ours, plain, ratios = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(repeat):
            request = MaterializeRequest(
                users=users,
                days=days,
                db_url=None,
                tree=root / f"city{i}",
                seed=1,
                now=dt.datetime(2026, 3, 1),
            )
            written = materialize(request)
            total = sum(written.rows.values())
            rows = _copy_rows(root / f"city{i}" / "city.db")
            seconds = plain_executemany(rows, root / f"plain{i}.db")
            ours.append(written.rows_per_second)
            plain.append(total / seconds)
            ratios.append(written.rows_per_second / (total / seconds))
    print(
        f"materialise {total:,} rows into SQLite: median {statistics.median(ours):,.0f} rows/s "
        f"(generation included); plain executemany of pre-built tuples: median "
        f"{statistics.median(plain):,.0f} rows/s; median ratio {statistics.median(ratios):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    bench_engine(args.repeat)
    bench_materialize(max(1, args.repeat // 2 + 1), args.users, args.days)


if __name__ == "__main__":
    main()
