"""``log()`` latency, ``finish()`` time and end-to-end throughput of the SDK.

Run by ``run.py`` in a fresh process with its own RUNFOLD_DIR::

    python bench/bench_log.py --via run --steps 100000

Logs ``steps`` rows of 8 floats (``run.log`` or module-level ``runfold.log``),
times every call, finishes the run, then reads everything back with
``runfold.Api`` and checks that each key has ``steps`` points with the logged
values.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from common import KEYS, emit, latency_us, step_values, time_calls, timer_overhead_ns

PROJECT = "bench-log"


def _verify(run_id: str, steps: int) -> dict[str, Any]:
    import runfold

    start = time.perf_counter()
    api = runfold.Api()
    rows = api.run(f"{PROJECT}/{run_id}").history()
    read_s = time.perf_counter() - start
    points = {key: sum(1 for row in rows if key in row) for key in KEYS}
    bad = [
        row["_step"]
        for row in rows[:: max(1, steps // 1000)]
        if not math.isclose(row["loss"], step_values(row["_step"])["loss"])
    ]
    return {
        "history_rows": len(rows),
        "points_per_key": points,
        "is_complete": len(rows) == steps and all(n == steps for n in points.values()),
        "mismatched_steps": bad[:10],
        "read_back_s": read_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--via", choices=("run", "module"), default="run")
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()

    import runfold

    overhead = timer_overhead_ns()
    start = time.perf_counter()
    run = runfold.init(project=PROJECT, mode="local")
    init_s = time.perf_counter() - start
    log = run.log if args.via == "run" else runfold.log
    start = time.perf_counter()
    samples = time_calls(log, args.steps)
    logged = time.perf_counter()
    run.finish()
    done = time.perf_counter()
    points = args.steps * len(KEYS)
    emit(
        {
            "via": args.via,
            "steps": args.steps,
            "init_s": init_s,
            "timer_overhead_ns": overhead,
            "latency_us": latency_us(samples),
            "loop_s": logged - start,
            "finish_s": done - logged,
            "end_to_end_points_per_s": points / (done - start),
            **_verify(run.id, args.steps),
        }
    )


if __name__ == "__main__":
    main()
