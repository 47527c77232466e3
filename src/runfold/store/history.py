"""How history is kept: per (run, metric) columns, reductions and a downsampled form.

Rows arrive as ``[step, timestamp, {key: value}]``. Ingest pivots them into one
column set per key, stored as a chunk of three packed arrays (steps int64,
timestamps float64, values float64). Beside the chunks, each (run, metric) keeps:

* its reductions (count, first, last, min, max, sum, the steps of min and max), so
  the runs table and the summary never read history;
* a downsampled form (the "lod"): for buckets of ``width`` steps (a power of two,
  grown so that at most ``LOD_SIZE`` buckets cover the run) the sum and count of the
  finite values. A grouped chart over thousands of runs reads these instead of
  every point, and gets the same per-run bucket means it would get from the raw
  points (``aggregate.step_grid`` uses the same power-of-two widths).

NaN values are stored and counted but left out of sums, means, min and max: a NaN is
"no value here". Infinities are kept everywhere (a diverged run shows as one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from operator import itemgetter
from typing import Any

import numpy as np

from ..model import LOD_SIZE, GilShare, RowColumns

__all__ = ["Columns", "Reductions", "STAT_COLUMNS", "Lod", "pivot_rows"]


@dataclass
class Columns:
    steps: np.ndarray  # int64
    timestamps: np.ndarray  # float64
    values: np.ndarray  # float64

    def to_blobs(self) -> tuple[bytes, bytes, bytes]:
        """The three packed arrays; consecutive steps (``first, first+1, ...``,
        nearly every chunk) are stored as no bytes at all: the chunk's first step
        and length give them back (``from_blobs``), and a grouped read of 10,000
        runs reads a third less (issue 19)."""
        steps = self.steps
        n = len(steps)
        consecutive = (
            n > 0
            and int(steps[-1]) - int(steps[0]) == n - 1
            and (n == 1 or bool((np.diff(steps) == 1).all()))
        )
        packed = b"" if consecutive else steps.tobytes()
        return packed, self.timestamps.tobytes(), self.values.tobytes()

    @classmethod
    def from_blobs(
        cls, steps: bytes, timestamps: bytes, values: bytes, first_step: int = 0
    ) -> Columns:
        """Columns from ``to_blobs``' arrays; empty ``steps`` with values are
        consecutive steps from ``first_step`` (the chunk's)."""
        vals = np.frombuffer(values, dtype=np.float64)
        if steps or not len(vals):
            step_array = np.frombuffer(steps, dtype=np.int64)
        else:
            step_array = np.arange(first_step, first_step + len(vals), dtype=np.int64)
        return cls(step_array, np.frombuffer(timestamps, dtype=np.float64), vals)

    @classmethod
    def concat(cls, parts: list[Columns]) -> Columns:
        if not parts:
            empty = np.empty(0)
            return cls(empty.astype(np.int64), empty, empty)
        if len(parts) == 1:
            return parts[0]
        return cls(
            np.concatenate([p.steps for p in parts]),
            np.concatenate([p.timestamps for p in parts]),
            np.concatenate([p.values for p in parts]),
        )


def pivot_rows(rows: Iterable[Any]) -> dict[str, Columns]:
    """Turn ``[step, timestamp, {key: value}]`` rows into columns per key."""
    if type(rows) is RowColumns:
        same = _pivot_same_keys(rows)
        if same is not None:
            return same
    cols: dict[str, tuple[list, list, list]] = {}
    share = GilShare()  # an SDK's writer thread runs this beside log() (issue 19)
    for n, (step, ts, row) in enumerate(rows):
        if not n & 63:
            share()
        for key, value in row.items():
            col = cols.get(key)
            if col is None:
                col = cols[key] = ([], [], [])
            col[0].append(step)
            col[1].append(ts)
            col[2].append(value)
    return {
        key: Columns(
            np.array(s, dtype=np.int64),
            np.array(t, dtype=np.float64),
            np.array(v, dtype=np.float64),
        )
        for key, (s, t, v) in cols.items()
    }


def _pivot_same_keys(rows: RowColumns) -> dict[str, Columns] | None:
    """``pivot_rows`` of rows that all have the same keys (a training loop's
    usual rows) with no Python step per value: each key's values are read by
    ``itemgetter`` and converted by NumPy in one pass (no tuple per row for the
    garbage collector either), and the keys' columns share one steps and one
    timestamps array. ~4x faster than the general path, which was most of a local
    run's ingest and so of the GIL its writer takes from ``log()`` (issue 19).
    None when the rows' keys differ."""
    values = rows.values
    if not values:
        return {}
    n = len(values)
    first = tuple(values[0])
    if not first or set(map(len, values)) != {len(first)}:
        return None
    steps = np.array(rows.steps, dtype=np.int64)
    times = np.array(rows.times, dtype=np.float64)
    out = {}
    share = GilShare()
    try:  # same length and every key found: the same keys
        for key in first:
            share()
            column = np.fromiter(map(itemgetter(key), values), np.float64, count=n)
            out[key] = Columns(steps, times, column)
    except (KeyError, TypeError, ValueError):  # other keys, or a value NumPy's
        return None  # array() takes and fromiter does not (None): the general path
    return out


@dataclass
class Reductions:
    """Per (run, metric) reductions, stored as columns of ``metric_stats``.

    ``sum`` adds the finite values only: inf + -inf is NaN, which SQLite stores as
    NULL, and the NOT NULL ``sum`` column then refused the whole batch (a run
    that logged inf and later -inf never reached the store). The infinities
    still rule the mean, read off ``min`` and ``max``.
    """

    count: int = 0
    nans: int = 0
    sum: float = 0.0
    first: float | None = None
    last: float | None = None
    min: float | None = None
    max: float | None = None
    min_step: int | None = None
    max_step: int | None = None
    first_step: int | None = None
    last_step: int | None = None

    def __post_init__(self) -> None:
        # With count > 0 first and last were logged values; read back as None they
        # were NaN, which SQLite stores as NULL. Without this a run whose last
        # value is NaN had summary None instead of NaN.
        if self.count:
            if self.first is None:
                self.first = math.nan
            if self.last is None:
                self.last = math.nan

    @property
    def mean(self) -> float | None:
        finite = self.count - self.nans
        if not finite:
            return None
        if self.max == math.inf:
            return math.nan if self.min == -math.inf else math.inf
        if self.min == -math.inf:
            return -math.inf
        return self.sum / finite

    def add(self, cols: Columns) -> Reductions:
        """Fold a column set (later steps than those seen so far) into these."""
        v = cols.values
        if not len(v):
            return self
        out = Reductions(
            count=self.count + len(v),
            first=self.first if self.count else float(v[0]),
            first_step=self.first_step if self.count else int(cols.steps[0]),
            last=float(v[-1]),
            last_step=int(cols.steps[-1]),
            nans=self.nans,
            sum=self.sum,
            min=self.min,
            max=self.max,
            min_step=self.min_step,
            max_step=self.max_step,
        )
        ok = ~np.isnan(v)
        out.nans += int(len(v) - ok.sum())
        if not ok.any():
            return out
        finite = v[ok]
        steps = cols.steps[ok]
        # Finite values only (see the class docstring). An overflowing sum is inf,
        # as NumPy's mean; its RuntimeWarning would raise inside ingest under -W error.
        with np.errstate(over="ignore"):
            out.sum += float(finite[np.isfinite(finite)].sum())
        lo, hi = int(finite.argmin()), int(finite.argmax())
        if out.min is None or finite[lo] < out.min:
            out.min, out.min_step = float(finite[lo]), int(steps[lo])
        if out.max is None or finite[hi] > out.max:
            out.max, out.max_step = float(finite[hi]), int(steps[hi])
        return out

    def reduce(self, rule: str) -> float | None:
        """The value a summary rule picks: min, max, mean, or last (the default).
        Called per run and metric when 10,000 runs are listed: no dict, and the
        mean only when asked for."""
        if rule == "min":
            return self.min
        if rule == "max":
            return self.max
        if rule == "mean":
            return self.mean
        return self.last


# The ``metric_stats`` columns, named and ordered as Reductions' fields: the store
# selects them in this order and builds Reductions(*row) from them.
STAT_COLUMNS = tuple(f.name for f in fields(Reductions))


@dataclass
class Lod:
    """Sum and count of finite values per bucket of ``width`` steps."""

    width: int
    sums: np.ndarray
    counts: np.ndarray

    @classmethod
    def empty(cls) -> Lod:
        return cls(1, np.zeros(LOD_SIZE), np.zeros(LOD_SIZE))

    def to_blobs(self) -> tuple[int, bytes, bytes]:
        """Width, sums and counts, without the empty buckets at the end: a run of
        100 steps stores 100 buckets, not ``LOD_SIZE`` (16 KiB per run and
        metric, most of a short run's bytes; issue 19)."""
        used = np.flatnonzero(self.counts)
        end = int(used[-1]) + 1 if len(used) else 0
        return self.width, self.sums[:end].tobytes(), self.counts[:end].tobytes()

    @classmethod
    def from_blobs(
        cls, width: int, sums: bytes, counts: bytes, *, copy: bool = True
    ) -> Lod:
        """``copy=False`` gives read-only views of the bytes: for reads, where the
        copies were 40 ms of a 4-chart page over 1,000 runs. Arrays stored
        shorter than ``LOD_SIZE`` come back padded with empty buckets."""
        sums_a = np.frombuffer(sums, dtype=np.float64)
        counts_a = np.frombuffer(counts, dtype=np.float64)
        if len(sums_a) < LOD_SIZE:
            pad = np.zeros(LOD_SIZE - len(sums_a))
            return cls(
                width, np.concatenate([sums_a, pad]), np.concatenate([counts_a, pad])
            )
        if copy:
            sums_a, counts_a = sums_a.copy(), counts_a.copy()
        return cls(width, sums_a, counts_a)

    def add(self, cols: Columns) -> Lod:
        if not len(cols.steps):
            return self
        # inf and -inf in one bucket sum to NaN by definition, without a warning.
        with np.errstate(invalid="ignore", over="ignore"):
            return self._add(cols)

    def _add(self, cols: Columns) -> Lod:
        width, sums, counts = self.width, self.sums, self.counts
        top = int(cols.steps.max())
        while top // width >= LOD_SIZE:
            # Double the width: bucket i of the new form is buckets 2i and 2i+1.
            width *= 2
            sums = np.concatenate(
                [sums.reshape(-1, 2).sum(axis=1), np.zeros(LOD_SIZE // 2)]
            )
            counts = np.concatenate(
                [counts.reshape(-1, 2).sum(axis=1), np.zeros(LOD_SIZE // 2)]
            )
        ok = ~np.isnan(cols.values)
        idx = cols.steps[ok] // width
        sums = sums + np.bincount(idx, weights=cols.values[ok], minlength=LOD_SIZE)
        counts = counts + np.bincount(idx, minlength=LOD_SIZE)
        return Lod(width, sums, counts)

    def at_width(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Sums and counts regrouped to a coarser power-of-two ``width``."""
        factor = width // self.width
        if factor <= 1:
            return self.sums, self.counts
        n = -(-LOD_SIZE // factor) * factor
        sums = np.zeros(n)
        counts = np.zeros(n)
        sums[:LOD_SIZE] = self.sums
        counts[:LOD_SIZE] = self.counts
        with np.errstate(invalid="ignore", over="ignore"):  # inf + -inf, as in add
            coarse = sums.reshape(-1, factor).sum(axis=1)
        return coarse, counts.reshape(-1, factor).sum(axis=1)
