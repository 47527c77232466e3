"""Grouped reads as a project grows: 100 to 100,000 runs, on SQLite and PostgreSQL.

    python bench/bench_scale.py                     # the table in bench/RESULTS.md
    python bench/bench_scale.py --runs 100 1000 --postgres-runs 1000 --steps 100
    python bench/bench_scale.py --runs 10000 --steps 1000 --postgres-runs  # issue 19

Every cell is measured in a fresh process: ``cold`` is the first call there, after
the store is opened (the store's own caches empty; the OS's file cache warm, as
after any earlier use), ``warm`` the median of ``--repeat`` calls after it. Each
process times, in this order, on one ``runfold.Api``:

* ``group_series``: the metric ``loss`` grouped by ``group`` (10 groups);
* ``groups``: the group rows (the grouped runs table's aggregates, kept);
* ``run_rows``: every run's row;

and then, over HTTP, through ``create_app(store)`` in the same process
(``httpx.ASGITransport``: routing, the route, JSON encoding, no socket), on a new
store object so that its first call is cold too:

* ``http_series``: ``GET /series?metric=loss&by=group``;
* ``http_table``: ``GET /runs?by=group&limit=100&order=-summary.loss`` (a page of
  the grouped runs table with every group's row).

``bytes_per_point``: the store's size on disk divided by the points in it (each run
also holds its config, meta and reductions). Datasets are built once and cached:
SQLite ones under ``bench/out`` (``gen_data.py``), PostgreSQL ones in a schema of
``RUNFOLD_TEST_POSTGRES`` named by the same parameters, both keyed by a hash of the
store's write path; ``RUNFOLD_BENCH_DATA_KEY=<key>`` reads datasets built under
another key (a change that does not change what is stored: 100,000 runs take
4 minutes to build on SQLite and 15 on PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import emit, result_in
from gen_data import PROJECT, _records, _schema_hash, ensure_dataset

POSTGRES = os.environ.get(
    "RUNFOLD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
SERIES_URL = f"/api/v1/projects/{PROJECT}/series?metric=loss&by=group"
TABLE_URL = f"/api/v1/projects/{PROJECT}/runs?by=group&limit=100&order=-summary.loss"
GROUPS = 10


def _timed(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    start = time.perf_counter()
    result = call()
    cold = time.perf_counter() - start
    del result
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - start)
        del result
    return {"cold_ms": cold * 1000, "warm_ms": statistics.median(seconds) * 1000}


async def _http(store: Any, url: str, repeat: int) -> dict[str, float]:
    import httpx

    from runfold.server import create_app

    files = Path(tempfile.mkdtemp(prefix="runfold-bench-files-"))
    transport = httpx.ASGITransport(app=create_app(store, files_dir=files))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:

        async def get() -> int:
            response = await c.get(url, headers={"accept-encoding": "gzip"})
            response.raise_for_status()
            return len(response.content)

        start = time.perf_counter()
        await get()
        cold = time.perf_counter() - start
        seconds = []
        for _ in range(repeat):
            start = time.perf_counter()
            await get()
            seconds.append(time.perf_counter() - start)
    return {"cold_ms": cold * 1000, "warm_ms": statistics.median(seconds) * 1000}


# ---- PostgreSQL datasets -----------------------------------------------------


def _pg_schema(runs: int, steps: int) -> str:
    return f"bench_{runs}r_{steps}s_{GROUPS}g_{_schema_hash()}".lower()


def _open_pg(schema: str) -> Any:
    from runfold.store.postgres import PostgresStore

    return PostgresStore(POSTGRES, schema=schema, max_size=4)


def ensure_pg_dataset(runs: int, steps: int) -> tuple[str, float]:
    """The schema holding the dataset, and seconds spent building it (0: cached)."""
    import psycopg

    schema = _pg_schema(runs, steps)
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        done = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = 'bench_complete'",
            (schema,),
        ).fetchone()
        if done:
            return schema, 0.0
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    start = time.perf_counter()
    store = _open_pg(schema)
    t0 = time.time() - runs
    for run in range(runs):
        records = _records(run, steps, GROUPS, ("loss",), t0 + run)
        store.ingest(PROJECT, f"q{run:06d}", records)
    store.close()
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".bench_complete (ok int)')
    return schema, time.perf_counter() - start


def _pg_bytes(schema: str) -> int:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        row = conn.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (schema,),
        ).fetchone()
    return int(row[0]) if row else 0


# ---- one cell, in its own process --------------------------------------------


def one(backend: str, runs: int, steps: int, repeat: int) -> dict[str, Any]:
    import runfold
    from runfold.settings import resolve
    from runfold.store import open_store

    if backend == "sqlite":
        directory, build_s = ensure_dataset(runs, steps, GROUPS, ("loss",))
        path = resolve(dir=str(directory)).store_path
        size = sum(p.stat().st_size for p in Path(path).parent.glob("runfold.db*"))

        def opened() -> Any:
            return open_store(path)
    else:
        schema, build_s = ensure_pg_dataset(runs, steps)
        size = _pg_bytes(schema)

        def opened() -> Any:
            return _open_pg(schema)

    import numpy  # noqa: F401 - the reads import it; not part of a cold figure

    store = opened()
    api = runfold.Api(store=store)
    figures = {
        "group_series": _timed(
            lambda: api.group_series(PROJECT, "loss", by=["group"]), repeat
        ),
        "groups": _timed(lambda: api.group_rows(PROJECT, by=["group"]), repeat),
        "run_rows": _timed(lambda: api.run_rows(PROJECT), repeat),
    }
    store.close()
    for name, url in (("http_series", SERIES_URL), ("http_table", TABLE_URL)):
        store = opened()
        figures[name] = asyncio.run(_http(store, url, repeat))
        store.close()
    return {
        "backend": backend,
        "runs": runs,
        "steps": steps,
        "build_s": build_s,
        "bytes_per_point": size / (runs * steps),
        **figures,
    }


# ---- the table -----------------------------------------------------------------


def _cell(backend: str, runs: int, steps: int, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", backend, str(runs), "--steps", str(steps),
         "--repeat", str(repeat)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result_in(out.stdout)


def table(cells: list[dict[str, Any]]) -> str:
    names = ("group_series", "groups", "run_rows", "http_series", "http_table")
    head = "| store | runs | " + " | ".join(f"{n} cold / warm ms" for n in names)
    lines = [head + " | bytes/point |", "|" + " --- |" * (len(names) + 3)]
    for c in cells:
        values = " | ".join(
            f"{c[n]['cold_ms']:,.0f} / {c[n]['warm_ms']:,.1f}" for n in names
        )
        lines.append(
            f"| {c['backend']} | {c['runs']:,} | {values} | {c['bytes_per_point']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--runs", type=int, nargs="*", default=[100, 1_000, 10_000, 100_000]
    )
    parser.add_argument(
        "--postgres-runs", type=int, nargs="*", default=[10_000, 100_000]
    )
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "RUNS"))
    args = parser.parse_args()
    if args.one:
        emit(one(args.one[0], int(args.one[1]), args.steps, args.repeat))
        return
    cells = [_cell("sqlite", n, args.steps, args.repeat) for n in args.runs]
    cells += [_cell("postgres", n, args.steps, args.repeat) for n in args.postgres_runs]
    print(table(cells))
    emit({"steps": args.steps, "cells": cells})


if __name__ == "__main__":
    main()
