"""What media cost (issue 15): ``log()`` of an image, a large table, and the
grouped media panel's read.

    .venv-test/bin/python bench/bench_media.py                 # the issue's sizes
    .venv-test/bin/python bench/bench_media.py --runs 100      # a smaller project

* ``log({"img": runfold.Image(256x256x3 uint8)})``: the caller's time per call
  (constructing the Image and log(): the PNG encode is the user's cost, made in
  their thread) as median / p99 / max over ``--images`` calls, each image
  distinct; and end to end, the first call to every image readable through
  ``runfold.Api`` after ``finish()``.
* ``log({"t": runfold.Table(10,000 rows × 5 columns)})``: the caller's time.
* The grouped media panel: ``--runs`` runs × ``--steps`` images each, in groups of
  5 (folds), served by ``create_app`` through ``httpx.ASGITransport`` (no socket):
  ``GET /media?key=...&step=...&by=group`` cold (first call) and warm (median of 10),
  and its JSON size. Each image a 32×32 PNG, logged by real runs into SQLite.

Figures are printed with the machine, the commit and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, load  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_images(count: int) -> dict[str, float]:
    import runfold

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(count)]
    run = runfold.init(project="bench-media")
    times = []
    start = time.perf_counter()
    for i, pixels in enumerate(frames):
        t = time.perf_counter()
        run.log({"img": runfold.Image(pixels), "step": float(i)})
        times.append(time.perf_counter() - t)
    run.finish()
    stored = runfold.Api().run(f"bench-media/{run.id}").media("img")
    end_to_end = time.perf_counter() - start
    assert len(stored) == count
    assert np.array_equal(stored[-1].numpy(), frames[-1])
    return {
        "image_log_median_ms": statistics.median(times) * 1e3,
        "image_log_p99_ms": _percentile(times, 0.99) * 1e3,
        "image_log_max_ms": max(times) * 1e3,
        "image_end_to_end_s": end_to_end,
        "images": count,
    }


def bench_table(rows: int) -> dict[str, float]:
    import runfold

    data = [[i, f"row {i}", i * 0.5, i % 2 == 0, None] for i in range(rows)]
    run = runfold.init(project="bench-media")
    t = time.perf_counter()
    table = runfold.Table(columns=["id", "name", "score", "even", "none"], data=data)
    run.log({"table": table})
    caller = time.perf_counter() - t
    run.finish()
    frame = runfold.Api().run(f"bench-media/{run.id}").table("table")
    assert len(frame) == rows
    return {"table_rows": rows, "table_log_ms": caller * 1e3}


def _fill(runs: int, steps: int) -> None:
    import runfold

    rng = np.random.default_rng(1)
    for r in range(runs):
        run = runfold.init(
            project="panel", group=f"exp-{r // 5}", config={"fold": r % 5}
        )
        for _ in range(steps):
            pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            run.log({"pred": runfold.Image(pixels)})
        run.finish()


async def _panel(store_dir: Path, step: int) -> dict[str, float]:
    import httpx

    from runfold.server import create_app
    from runfold.store import open_store

    store = open_store(store_dir / "runfold.db")
    app = create_app(store)
    url = f"/api/v1/projects/panel/media?key=pred&step={step}&by=group&limit=1000"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
        t = time.perf_counter()
        first = await c.get(url)
        cold = time.perf_counter() - t
        first.raise_for_status()
        warm = []
        for _ in range(10):
            t = time.perf_counter()
            (await c.get(url)).raise_for_status()
            warm.append(time.perf_counter() - t)
    body = first.json()
    store.close()
    return {
        "panel_cold_ms": cold * 1e3,
        "panel_warm_ms": statistics.median(warm) * 1e3,
        "panel_bytes": len(first.content),
        "panel_runs_shown": body["shown"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--table-rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    before = load()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as home:
        os.environ.update(RUNFOLD_DIR=home, RUNFOLD_SILENT="1")
        os.environ.update(RUNFOLD_SYSTEM_SECONDS="0", RUNFOLD_CONSOLE="off")
        os.environ.update(RUNFOLD_DISABLE_GIT="1", RUNFOLD_DISABLE_CODE="1")
        results.update(bench_images(args.images))
        results.update(bench_table(args.table_rows))
        t = time.perf_counter()
        _fill(args.runs, args.steps)
        results["panel_fill_s"] = time.perf_counter() - t
        results.update(asyncio.run(_panel(Path(home), args.steps // 2)))
    machine = describe()
    print(json.dumps({**results, "runs": args.runs, "steps": args.steps}, indent=1))
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, python "
          f"{machine['python']}; commit {machine['commit']}; "
          f"load {before} -> {load()}")  # fmt: skip


if __name__ == "__main__":
    main()
