"""Sustained ingest rate of the SQLite store, without the SDK in front of it.

    python bench/bench_ingest.py --runs 50 --batches 2 --rows 10000

Builds run-log records the way the SDK's writer does (``(seq, "history",
[(step, ts, {key: value})...])``, at most 10,000 rows per record) and times
``store.ingest(project, run_id, records)`` alone; building the records is not
timed.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from common import KEYS, emit, median, step_values

PROJECT = "bench-ingest"


def run_records(run: int, t0: float) -> list[tuple[int, str, Any]]:
    body = {
        "name": f"run-{run}",
        "group": f"g{run % 10}",
        "job_type": "train",
        "created_at": t0,
        "heartbeat_seconds": 10,
    }
    return [(1, "run", body), (2, "config", {"lr": 1e-3 * (run + 1), "seed": run})]


def history_record(seq: int, first: int, rows: int, t0: float) -> tuple[int, str, Any]:
    body = [(s, t0 + s * 1e-3, step_values(s)) for s in range(first, first + rows)]
    return (seq, "history", body)


def ingest_run(store: Any, run: int, batches: int, rows: int) -> list[float]:
    """Ingest one run's batches; the seconds each history batch took."""
    t0 = time.time()
    run_id = f"ingest{run:04d}"
    store.ingest(PROJECT, run_id, run_records(run, t0))
    seconds = []
    for batch in range(batches):
        record = history_record(3 + batch, batch * rows, rows, t0)
        start = time.perf_counter()
        store.ingest(PROJECT, run_id, [record])
        seconds.append(time.perf_counter() - start)
    finish = (3 + batches, "finish", {"state": "finished", "exit_code": 0, "at": t0})
    store.ingest(PROJECT, run_id, [finish])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    import runfold.store.history  # noqa: F401 - NumPy's import is not ingest time
    from runfold.store import open_store

    store = open_store(Path(os.environ["RUNFOLD_DIR"]) / "ingest.db")
    seconds: list[float] = []
    for run in range(args.runs):
        seconds += ingest_run(store, run, args.batches, args.rows)
    store.close()
    batch_points = args.rows * len(KEYS)
    later = [s for i, s in enumerate(seconds) if i % args.batches]
    emit(
        {
            "runs": args.runs,
            "batches_per_run": args.batches,
            "rows_per_batch": args.rows,
            "points": batch_points * len(seconds),
            "ingest_s": sum(seconds),
            "points_per_s": batch_points * len(seconds) / sum(seconds),
            "batch_ms_median": median(seconds) * 1000,
            "first_batch_points_per_s": batch_points / median(seconds[:: args.batches]),
            "later_batch_points_per_s": batch_points / median(later) if later else None,
        }
    )


if __name__ == "__main__":
    main()
