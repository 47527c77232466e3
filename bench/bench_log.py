"""``log()`` latency, ``finish()`` time, end-to-end throughput and peak memory.

Run by ``run.py`` in a fresh process with its own RUNFOLD_DIR::

    python bench/bench_log.py --via run --steps 100000

Imports NumPy (as a training script has), then logs ``steps`` rows of 8 floats
(``run.log`` or module-level ``runfold.log``), times every call, finishes the
run, then reads everything back with ``runfold.Api`` and checks that each key
has ``steps`` points with the logged values. ``finish_ms`` is the wall time of
``run.finish()``: until the last records are in the run log and the store, capture
stopped and the store closed. ``peak_rss_mib_above_start`` is the process's peak
resident memory (before the read-back) less its RSS before ``init()``.
``bare_loop_max_ms`` is the slowest of the same loop's calls to a function that
does nothing, timed before ``init()``: the machine's own pauses.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from pathlib import Path
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

    import numpy  # noqa: F401 - a training script has it; not part of init's time

    import runfold

    rss_start = _rss_mib()
    overhead = timer_overhead_ns()
    # The machine's own worst pause over the same loop with nothing beside it:
    # what a log() max can be compared with on a noisy VM.
    floor = time_calls(lambda data: None, args.steps)
    start = time.perf_counter()
    run = runfold.init(project=PROJECT, mode="local")
    init_s = time.perf_counter() - start
    log = run.log if args.via == "run" else runfold.log
    start = time.perf_counter()
    samples = time_calls(log, args.steps)
    logged = time.perf_counter()
    run.finish()
    done = time.perf_counter()
    peak = _peak_rss_mib()
    points = args.steps * len(KEYS)
    latency = latency_us(samples)
    emit(
        {
            "via": args.via,
            "steps": args.steps,
            "init_s": init_s,
            "timer_overhead_ns": overhead,
            "latency_us": latency,
            "loop_s": logged - start,
            "finish_s": done - logged,
            "end_to_end_points_per_s": points / (done - start),
            # The same in ms, for ab.py (it compares figures named *ms).
            "init_ms": init_s * 1000,
            "loop_ms": (logged - start) * 1000,
            "finish_ms": (done - logged) * 1000,
            "log_max_ms": latency["max"] / 1000,
            "log_calls_over_5ms_n": sum(1 for ns in samples if ns > 5_000_000),
            "bare_loop_max_ms": max(floor) / 1e6,
            "rss_start_mib": rss_start,
            "peak_rss_mib_above_start": peak - rss_start,
            **_verify(run.id, args.steps),
        }
    )


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


if __name__ == "__main__":
    main()
