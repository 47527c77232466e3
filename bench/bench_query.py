"""Read-back speed: grouped series, group rows and the runs table.

    python bench/bench_query.py --dataset chart   # 1,000 runs x 10,000 steps
    python bench/bench_query.py --dataset table   # 10,000 runs x 100 steps
    python bench/bench_query.py --dataset scale   # 10,000 runs x 1,000 steps

The dataset is built once and cached (``gen_data.py``). Every figure is warm: one
call first (reported as ``cold_ms``), then the median of ``--repeat`` calls.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from common import emit, median
from gen_data import PROJECT, ensure_dataset

DATASETS: dict[str, dict[str, Any]] = {
    "chart": {"runs": 1_000, "steps": 10_000, "groups": 10, "metrics": ("loss",)},
    "table": {"runs": 10_000, "steps": 100, "groups": 10, "metrics": ("loss", "acc")},
    # issue 19's cold read: 10,000 runs x 1,000 steps in 10 groups
    "scale": {"runs": 10_000, "steps": 1_000, "groups": 10, "metrics": ("loss",)},
}


def timed(
    call: Callable[[], Any], repeat: int, shape: Callable[[Any], Any] = len
) -> dict[str, Any]:
    """Cold and warm times of ``call``; freeing a result is not timed, and no
    result is kept alive while the next call runs."""
    start = time.perf_counter()
    result = call()
    cold = time.perf_counter() - start
    described = shape(result)
    del result
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - start)
        del result
    return {
        "cold_ms": cold * 1000,
        "ms": median(seconds) * 1000,
        "min_ms": min(seconds) * 1000,
        "max_ms": max(seconds) * 1000,
        "shape": described,
    }


def _series_shape(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "groups": len(entries),
        "points_per_group": sorted({len(e["x"]) for e in entries}),
        "runs_per_group": sorted({e["runs"] for e in entries}),
        "mode": sorted({e["mode"] for e in entries}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="chart")
    parser.add_argument("--runs", type=int, help="override the dataset's run count")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import runfold

    params = dict(DATASETS[args.dataset])
    if args.runs:
        params["runs"] = args.runs
    directory, build_s = ensure_dataset(**params)
    api = runfold.Api(directory)
    by = ["group"]
    figures = {
        "group_series": timed(
            lambda: api.group_series(PROJECT, "loss", by=by), args.repeat, _series_shape
        ),
        "groups": timed(lambda: api.groups(PROJECT, by=by), args.repeat),
        "runs": timed(lambda: api.runs(PROJECT), args.repeat),
    }
    api.close()
    emit(
        {
            "dataset": args.dataset,
            "data": params,
            "dir": str(directory),
            "build_s": build_s,
            "calls": figures,
        }
    )


if __name__ == "__main__":
    main()
