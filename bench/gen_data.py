"""Build (once) and cache the stores the query benchmarks read.

A dataset is ``runs`` runs in ``groups`` groups, each with ``steps`` steps of
``metrics``, written straight through ``store.ingest`` (no SDK, no run log). It is
cached under ``bench/out/`` in a directory named by the parameters and a hash of
the store's migrations and write path, so a change there builds it again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent / "out"
PROJECT = "bench-query"
_VERSION = 2
_DONE = "complete"


# The store's modules that decide what a dataset holds on disk (reads are not).
_WRITE_PATH = {"writes.py", "history.py", "sql.py", "sqlbase.py", "sqlite.py",
               "postgres.py"}  # fmt: skip


def _schema_hash() -> str:
    """Changes when the store's schema or its write path does (then rebuild).
    ``RUNFOLD_BENCH_DATA_KEY`` names the data instead (``ab.py``: two versions of
    Runfold that store alike read one dataset)."""
    if os.environ.get("RUNFOLD_BENCH_DATA_KEY"):
        return os.environ["RUNFOLD_BENCH_DATA_KEY"]
    digest = hashlib.sha256()
    store = resources.files("runfold.store")
    files = sorted(
        (e for e in store.iterdir() if e.name in _WRITE_PATH), key=lambda p: p.name
    )
    for dialect in sorted((store / "migrations").iterdir(), key=lambda p: p.name):
        if dialect.is_dir():
            files += sorted(dialect.iterdir(), key=lambda p: p.name)
    for entry in files:
        digest.update(entry.name.encode() + entry.read_bytes())
    return digest.hexdigest()[:10]


def _identity(run: int, group: int, t0: float) -> dict[str, Any]:
    """A "run" record body shaped like the SDK's (``sdk/init.py``), meta included."""
    return {
        "name": f"run-{run}", "group": f"g{group}", "job_type": "train",
        "tags": ["bench", f"seed-{run % 5}"], "notes": None, "host": "bench-host",
        "created_at": t0, "heartbeat_seconds": 10,
        "meta": {
            "pid": 10_000 + run, "user": "bench", "python": "3.11.7",
            "platform": "Linux-6.1-x86_64-with-glibc2.36",
            "executable": "/home/bench/.venv/bin/python",
            "argv": ["train.py", "--lr", "0.001", f"--seed={run}"],
            "cwd": "/home/bench/project",
        },
    }  # fmt: skip


def _config(run: int, group: int) -> dict[str, Any]:
    """A typical training config: a dozen keys, one nested."""
    return {
        "lr": 10 ** -(2 + group % 3), "seed": run, "batch_size": 64, "epochs": 10,
        "optimizer": "adamw", "weight_decay": 0.01, "warmup_steps": 500,
        "dropout": 0.1, "dataset": "cifar10", "fold": run % 5,
        "model": {"name": "resnet18", "width": 64, "depth": 18},
    }  # fmt: skip


def _rows(run: int, steps: int, group: int, metrics: tuple, t0: float) -> list[Any]:
    rng = np.random.default_rng(run)
    x = np.arange(steps, dtype=np.float64)
    base = (1.0 + 0.1 * group) * np.exp(-x / max(1, steps // 3))
    cols = [
        (base * (1 + i) + rng.normal(0, 0.02, steps)).tolist()
        for i in range(len(metrics))
    ]
    times = (t0 + x * 0.01).tolist()
    return [
        (s, times[s], {m: col[s] for m, col in zip(metrics, cols, strict=True)})
        for s in range(steps)
    ]


def _records(
    run: int, steps: int, groups: int, metrics: tuple[str, ...], t0: float
) -> list[tuple[int, str, Any]]:
    group = run % groups
    end = {"state": "finished", "exit_code": 0, "at": t0 + steps * 0.01}
    return [
        (1, "run", _identity(run, group, t0)),
        (2, "config", _config(run, group)),
        (3, "history", _rows(run, steps, group, metrics, t0)),
        (4, "finish", end),
    ]


def cached_store(name: str, fill: Callable[[Any], None]) -> tuple[Path, float]:
    """The RUNFOLD_DIR of a store kept under ``bench/out`` as ``name`` and the
    write path's hash, built once by ``fill(store)`` (which ingests into it);
    and the seconds spent building it (0: it was there). Older builds of ``name``
    (by another write path) are removed: they would never be read again."""
    from runfold.settings import resolve
    from runfold.store import open_store

    target = OUT / f"{name}-{_schema_hash()}"
    if (target / _DONE).exists():
        return target, 0.0
    for stale in OUT.glob(name + "-*"):
        shutil.rmtree(stale, ignore_errors=True)
    start = time.perf_counter()
    building = target.with_name(target.name + ".tmp")
    store = open_store(resolve(dir=str(building)).store_path)
    fill(store)
    store.close()
    (building / _DONE).write_text("ok\n")
    building.rename(target)
    return target, time.perf_counter() - start


def ensure_dataset(
    runs: int, steps: int, groups: int, metrics: tuple[str, ...] = ("loss",)
) -> tuple[Path, float]:
    """The RUNFOLD_DIR holding the dataset, and seconds spent building it (0: cached)."""

    def fill(store: Any) -> None:
        t0 = time.time() - runs
        for run in range(runs):
            records = _records(run, steps, groups, metrics, t0 + run)
            store.ingest(PROJECT, f"q{run:05d}", records)

    name = f"q-{runs}r-{steps}s-{groups}g-{len(metrics)}m-v{_VERSION}"
    return cached_store(name, fill)
