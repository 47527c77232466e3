"""Issue 19's targets in one run, beside the peers: one table, each figure's target.

    .venv-test/bin/python bench/bench_costs.py            # ~10 minutes here
    .venv-test/bin/python bench/bench_costs.py --no-postgres --rounds 1

Runs, each in fresh processes and in this order (so load hits them alike):

* ``bench_peers.py --steps 100000``: Runfold, W&B (offline) and Trackio taking
  turns, ``--rounds`` times: ``log()`` median / p99 / max, calls over 5 ms,
  ``finish()`` after 100,000 steps × 8 floats, peak memory (medians of the rounds);
* ``bench_log.py --steps 10`` five times: ``finish()`` of a short run (median);
* ``bench_log.py --steps 125000``: peak memory logging 1,000,000 points;
* ``bench_import.py --repeat 10``: ``import runfold``;
* ``bench_scale.py --one {sqlite,postgres} 10000 --steps 1000``, three fresh
  processes each (medians): cold and warm
  ``group_series`` of 10,000 runs × 1,000 steps in 10 groups, in-process and over
  HTTP, and the grouped runs table over HTTP (datasets cached; set
  ``RUNFOLD_BENCH_DATA_KEY`` to reuse ones built before a change to the store's
  write path).

Prints the table (figure, Runfold, target, result, W&B, Trackio), then the
machine, the commit and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import median_of, result_in

HERE = Path(__file__).resolve().parent


def _result(*args: str) -> dict[str, Any]:
    """The BENCH_RESULT of ``python bench/<args>`` in a fresh RUNFOLD_DIR."""
    env = {**os.environ, "RUNFOLD_SILENT": "1"}
    with tempfile.TemporaryDirectory(prefix="runfold-costs-") as home:
        env["RUNFOLD_DIR"] = home
        out = subprocess.run(
            [sys.executable, str(HERE / args[0]), *args[1:]],
            check=True, capture_output=True, text=True, env=env,
        )  # fmt: skip
    return result_in(out.stdout)


def _median(rounds: list[dict[str, Any]], *path: str) -> float | None:
    """``median_of`` the figure at ``path`` in each round's result."""

    def get(result: Any) -> Any:
        for key in path:
            result = result.get(key) if isinstance(result, dict) else None
        return result

    return median_of(rounds, get)


def measure(rounds: int, postgres: bool) -> list[tuple[str, float | None, str, Any]]:
    """(figure, Runfold, target such as ``"≤ 5"``, the peers' values) rows."""
    peers = _result(
        "bench_peers.py", "--steps", "100000", "--rounds", str(rounds),
        "--tools", "runfold", "wandb", "trackio",
    )["results"]  # fmt: skip

    def peer(
        what: str, target: str, *path: str, scale: float = 1.0
    ) -> tuple[str, float | None, str, Any]:
        values = {}
        for tool, results in peers.items():
            value = _median(results, *path)
            values[tool] = None if value is None else value * scale
        return what, values.get("runfold"), target, values

    short = [_result("bench_log.py", "--steps", "10")["finish_ms"] for _ in range(5)]
    big = _result("bench_log.py", "--steps", "125000")
    imported = _result("bench_import.py", "--repeat", "10")
    rows = [
        peer("`log()` median, µs", "", "latency_us", "median"),
        peer("`log()` p99, µs", "≤ 50", "latency_us", "p99"),
        peer("`log()` max over 100,000 steps, ms", "≤ 5", "latency_us", "max",
             scale=0.001),
        peer("`log()` calls over 5 ms", "", "calls_over_5ms"),
        peer("`finish()` after 100,000 × 8, ms", "≤ 100", "finish_s", scale=1000),
        peer("peak RSS above start, 100,000 × 8, MiB", "", "peak_rss_mib"),
        ("`finish()` of a 10-step run, ms (median of 5)",
         statistics.median(short), "≤ 20", None),
        ("peak RSS above start, 1,000,000 points, MiB",
         big["peak_rss_mib_above_start"], "≤ 80", None),
        ("`import runfold`, ms", imported["import_ms"], "≤ 50", None),
    ]  # fmt: skip
    for backend in ("sqlite", "postgres") if postgres else ("sqlite",):
        # a cold read moves by ±150 ms from one process to the next: the median of
        # three fresh processes
        cells = [
            _result("bench_scale.py", "--one", backend, "10000", "--steps", "1000")
            for _ in range(3)
        ]
        rows += [
            (f"`group_series` 10,000 × 1,000, {backend}, cold, ms (median of 3)",
             _median(cells, "group_series", "cold_ms"), "≤ 500", None),
            (f"… {backend}, warm, ms", _median(cells, "group_series", "warm_ms"),
             "≤ 30", None),
            (f"… {backend}, HTTP, cold, ms", _median(cells, "http_series", "cold_ms"),
             "≤ 1000", None),
            (f"… {backend}, HTTP, warm, ms", _median(cells, "http_series", "warm_ms"),
             "≤ 50", None),
            (f"grouped runs table, 10,000 runs, {backend}, HTTP, warm, ms",
             _median(cells, "http_table", "warm_ms"), "≤ 100", None),
        ]  # fmt: skip
    return rows


def table(rows: list[tuple[str, float | None, str, Any]]) -> str:
    def num(value: float | None) -> str:
        if value is None:
            return "—"
        if value == int(value) and value < 1000:
            return str(int(value))  # a count
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"

    lines = [
        "| figure | Runfold | target | result | W&B 0.31 offline | Trackio 0.43 |",
        "| --- | ---: | --- | --- | ---: | ---: |",
    ]
    for what, value, target, peers in rows:
        result = ""
        if target and value is not None:
            result = "PASS" if value <= float(target[2:]) else "MISS"
        wb = num(peers.get("wandb")) if peers else "—"
        tr = num(peers.get("trackio")) if peers else "—"
        lines.append(
            f"| {what} | {num(value)} | {target or '—'} | {result} | {wb} | {tr} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    from machine import describe, load

    before = load()
    rows = measure(args.rounds, postgres=not args.no_postgres)
    print(table(rows))
    print(
        json.dumps({**describe(), "load average before": before, "load after": load()})
    )


if __name__ == "__main__":
    main()
