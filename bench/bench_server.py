"""Server time of the read API: a page of grouped charts and the grouped runs table.

    python bench/bench_server.py                    # 1,000 x 10,000 x 4 metrics; 10,000 runs
    python bench/bench_server.py --chart-runs 200 --table-runs 2000   # smaller

Requests go to ``create_app(store)`` in this process through
``httpx.ASGITransport``: routing, the route, JSON encoding and the response,
without a socket. So a figure is the server's time for the request, warm (one
call first, reported as ``cold_ms``, then the median of ``--repeat`` calls).
The datasets are built once and cached (``gen_data.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from common import emit, median
from gen_data import PROJECT, ensure_dataset

CHART_METRICS = ("loss", "acc", "lr", "grad_norm")
SERIES_URL = (
    f"/api/v1/projects/{PROJECT}/series?"
    + "&".join(f"metric={m}" for m in CHART_METRICS)
    + "&by=group"
)
RUNS_URL = f"/api/v1/projects/{PROJECT}/runs?by=group&limit=100&order=-summary.loss"


async def _timed_gets(app: Any, url: str, repeat: int) -> dict[str, Any]:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
        start = time.perf_counter()
        first = await c.get(url)
        cold = time.perf_counter() - start
        first.raise_for_status()
        size = len(first.content)
        del first
        seconds = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = await c.get(url)
            seconds.append(time.perf_counter() - start)
            response.raise_for_status()
            del response
    return {
        "cold_ms": cold * 1000,
        "ms": median(seconds) * 1000,
        "min_ms": min(seconds) * 1000,
        "max_ms": max(seconds) * 1000,
        "bytes": size,
    }


def measure(params: dict[str, Any], url: str, repeat: int) -> dict[str, Any]:
    from runfold.server import create_app
    from runfold.settings import resolve
    from runfold.store import open_store

    directory, build_s = ensure_dataset(**params)
    store = open_store(resolve(dir=str(directory)).store_path)
    try:
        figures = asyncio.run(_timed_gets(create_app(store), url, repeat))
    finally:
        store.close()
    return {"data": params, "url": url, "build_s": build_s, **figures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chart-runs", type=int, default=1_000)
    parser.add_argument("--table-runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    chart = {"runs": args.chart_runs, "steps": 10_000, "groups": 10,
             "metrics": CHART_METRICS}  # fmt: skip
    table = {"runs": args.table_runs, "steps": 100, "groups": 10,
             "metrics": ("loss", "acc")}  # fmt: skip
    emit({
        "series": measure(chart, SERIES_URL, args.repeat),
        "runs_grouped": measure(table, RUNS_URL, args.repeat),
    })  # fmt: skip


if __name__ == "__main__":
    main()
