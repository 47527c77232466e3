"""Grouped series of runs that logged the same steps, read as one grid per group.

Most groups are runs of one script: every run logged the same consecutive steps
(the k folds of a cross-validation, the seeds of a config). Their values are
stored as one packed array per run (``store.raw_chunks``), so a group's values are
those arrays joined end to end: a (runs × steps) grid at once, with no per-run
arrays, sorting or alignment. Cold, a grouped read of 10,000 runs × 1,000 steps
spent most of its time there (issue 19). Any run that does not fit (more chunks,
other steps, steps stored as bytes) sends every run down the general path, with
the points already read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..store.history import Columns
from .aggregate import grid_stats, sorted_points

__all__ = ["step_grids"]

Chunks = dict[int, list[tuple[int, int, bytes, bytes]]]
Grid = tuple[np.ndarray, dict[str, np.ndarray]] | None


def step_grids(
    store: Any, groups: Sequence[tuple[tuple, list[Any]]], metric: str
) -> list[Grid] | dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per group, its steps and their statistics (None: no run has ``metric``);
    or, when a group's runs do not share their steps, each run's sorted (steps,
    values) for ``series._from_raw``."""
    pks = list({r.pk: None for _, runs in groups for r in runs})
    chunks = store.raw_chunks(pks, metric)
    grids: list[tuple[np.ndarray, list[bytes]] | None] = []
    for _, runs in groups:
        shape: tuple[int, int] | None = None
        blobs = []
        for run in runs:
            parts = chunks.get(run.pk)
            if parts is None:
                continue  # it did not log this metric
            if len(parts) != 1 or parts[0][2]:
                return _points(chunks)
            first, n, _, values = parts[0]
            if shape is None:
                shape = (first, n)
            elif shape != (first, n):
                return _points(chunks)
            blobs.append(values)
        if shape is None:
            grids.append(None)
            continue
        first, n = shape
        grids.append((np.arange(first, first + n), blobs))
    return _stats(grids)


def _stats(grids: list[tuple[np.ndarray, list[bytes]] | None]) -> list[Grid]:
    """Each group's statistics: ``grid_stats`` of its (steps × runs) grid, made
    of its runs' value arrays joined. Large ones are computed on the machine's
    cores at once: joining bytes and NumPy's sort, sums and products let go of
    the GIL, and the sort is most of a cold grouped read's statistics (10 groups
    of 1,000 runs × 1,000 steps: ~130 ms on one core)."""

    def one(found: tuple[np.ndarray, list[bytes]] | None) -> Grid:
        if found is None:
            return None
        steps, blobs = found
        joined = np.frombuffer(b"".join(blobs), dtype=np.float64)
        return grid_stats(steps, joined.reshape(len(blobs), len(steps)).T.copy())

    cells = sum(len(f[0]) * len(f[1]) for f in grids if f is not None)
    if cells < _PARALLEL_CELLS or len(grids) < 2:
        return [one(found) for found in grids]
    return list(_pool().map(one, grids))


_PARALLEL_CELLS = 2_000_000
_pools: dict[int, ThreadPoolExecutor] = {}  # by process: a forked child's is new


def _pool() -> ThreadPoolExecutor:
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:  # a race makes two; one is kept
        workers = min(4, os.cpu_count() or 1)
        pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="runfold-grid"
        )
        pool = _pools.setdefault(pid, pool)
    return pool


def _points(chunks: Chunks) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Each run's (steps, values), sorted by step, from its stored chunks."""
    out = {}
    for pk, parts in chunks.items():
        cols = Columns.concat(
            [Columns.from_blobs(s, b"", v, first) for first, _, s, v in parts]
        )
        out[pk] = sorted_points(cols.steps, cols.values)
    return out
