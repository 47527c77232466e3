"""Helpers shared by the benchmark scripts. Standard library only: the W&B script
imports this module too, from W&B's own venv, where Runfold is not installed."""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "KEYS",
    "RESULT_PREFIX",
    "emit",
    "latency_us",
    "median",
    "median_of",
    "result_in",
    "step_values",
    "time_calls",
    "timer_overhead_ns",
]

# Benchmarks measure Runfold as installed, with its modules compiled once: a shell
# with PYTHONDONTWRITEBYTECODE set made every process compile them again, and
# `import runfold` read 95 ms instead of 50 (and each cold read paid for the
# modules it imports). This process and the ones it starts write .pyc files.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

RESULT_PREFIX = "BENCH_RESULT "
KEYS = ("loss", "acc", "lr", "grad_norm", "val/loss", "val/acc", "tokens", "mfu")


def emit(result: dict[str, Any]) -> None:
    """Hand a result to ``run.py``: one line on stdout, after any other output."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def result_in(stdout: str) -> dict[str, Any]:
    """The result a benchmark process ``emit``-ted (its last); KeyError if none."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])  # type: ignore[no-any-return]
    raise KeyError("no BENCH_RESULT line in the output")


def step_values(step: int) -> dict[str, float]:
    """Eight floats that change every step, like a training loop's metrics."""
    x = float(step)
    loss = 2.0 * math.exp(-x / 30_000.0) + 0.01 * math.sin(x)
    return {
        "loss": loss,
        "acc": 1.0 - loss / 2.5,
        "lr": 3e-4 * min(1.0, x / 2_000.0),
        "grad_norm": 1.0 + 0.5 * math.cos(x / 7.0),
        "val/loss": loss * 1.05,
        "val/acc": 0.99 - loss / 2.6,
        "tokens": x * 4096.0,
        "mfu": 0.41 + 0.001 * math.sin(x / 3.0),
    }


def time_calls(log: Callable[[dict[str, float]], Any], steps: int) -> list[int]:
    """Call ``log`` once per step with fresh values; the ns each call took."""
    clock = time.perf_counter_ns
    samples = [0] * steps
    for step in range(steps):
        data = step_values(step)
        start = clock()
        log(data)
        samples[step] = clock() - start
    return samples


def timer_overhead_ns(calls: int = 20_000) -> float:
    """Median ns of timing a call that does nothing (included in every sample)."""
    return float(statistics.median(time_calls(lambda data: None, calls)))


def latency_us(samples_ns: Sequence[int]) -> dict[str, float]:
    """Median, p90, p99 and max of per-call latencies, in µs."""
    ordered = sorted(samples_ns)
    last = len(ordered) - 1

    def at(q: float) -> float:
        return ordered[min(last, round(q * last))] / 1000.0

    return {"median": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": at(1.0)}


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def median_of(
    cells: Sequence[dict[str, Any]], get: Callable[[Any], Any]
) -> float | None:
    """The median of ``get(cell)`` over results (rounds), skipping failed ones
    (an ``error`` key) and missing figures (None); None if there is none."""
    values = [v for c in cells if "error" not in c and (v := get(c)) is not None]
    return statistics.median(values) if values else None
