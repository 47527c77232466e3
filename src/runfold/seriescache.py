"""Grouped series already computed, kept while the runs behind them are unchanged.

A page of grouped charts asks the same question again and again: each reload,
each time grouping is turned back on, each 5 s poll while nothing is running.
Every answer reads and aggregates every point of every run (1,000 runs × 8
metrics: about 0.5 s), so the ``Api`` keeps the numbers it computed, keyed by
the request and by each run's (pk, id, created_at, last_seq). Every write to a
run's history moves its ``last_seq``, so a key that matches can only hold the
numbers the store would give now; pk, id and created_at keep a new run that
reused a deleted run's pk from matching it.

The key holds the partition of the runs, not the group names: grouping by
``group`` and by ``group, job_type`` share numbers when they fold the same runs.
What depends on more than the points (names, run ids, how many are running) is
recomputed on every read. Entries are evicted least recently used beyond
``max_bytes`` of arrays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Sequence
from typing import Any

__all__ = ["SeriesCache", "META_FIELDS", "ARRAY_FIELDS", "only_fields"]

# The parts of a series entry that come from the runs, not from their points.
META_FIELDS = ("key", "name", "runs", "run_ids", "running")
# The arrays of an entry besides x, which a reader may ask for alone (``fields``).
ARRAY_FIELDS = (
    "x_lo",
    "x_hi",
    "mean",
    "median",
    "min",
    "max",
    "std",
    "stderr",
    "count",
)


def _entry_size(entry: dict[str, Any]) -> int:
    return sum(8 * len(v) + 56 for v in entry.values() if isinstance(v, list))


class SeriesCache:
    """Per key (the request and ``partition(groups)``): the entries' point arrays."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[list[dict[str, Any]], int]] = (
            OrderedDict()
        )
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def partition(groups: Sequence[tuple[tuple, Sequence[Any]]]) -> Hashable:
        """What a key holds of ``groups``: each group's runs as they are now."""
        return tuple(
            tuple((r.pk, r.id, r.created_at, r.last_seq) for r in runs)
            for _, runs in groups
        )

    def entries(
        self,
        key: Hashable,
        groups: Sequence[tuple[tuple, Sequence[Any]]],
        compute: Callable[[], list[dict[str, Any]]],
        meta: Callable[[tuple, Sequence[Any]], dict[str, Any]],
        fields: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        """The entries for ``groups``: computed by ``compute`` the first time, then
        the kept point arrays (copied: a caller may change what it gets) with
        ``meta(key, runs)`` of the groups as they are now. ``fields``: only those
        arrays besides ``x`` (``only_fields``); None: all."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
        if found is None:
            with self._lock:
                self.misses += 1
            computed = compute()
            self._keep(key, computed)
            return [only_fields(e, fields) for e in computed]
        return [
            {**meta(group_key, runs), **_copy(only_fields(points, fields))}
            for (group_key, runs), points in zip(groups, found[0], strict=True)
        ]

    def _keep(self, key: Hashable, entries: list[dict[str, Any]]) -> None:
        points = [
            _copy({k: v for k, v in e.items() if k not in META_FIELDS}) for e in entries
        ]
        size = sum(_entry_size(p) for p in points)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (points, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def only_fields(
    entry: dict[str, Any], fields: Collection[str] | None
) -> dict[str, Any]:
    """``entry`` with only the arrays in ``fields`` besides ``x`` (its other parts
    stay); ``x_lo`` and ``x_hi`` equal ``x`` in exact mode, so they come in buckets
    mode only. ``fields`` None: the entry as it is."""
    if fields is None:
        return entry
    wanted = set(fields)
    if entry.get("mode") == "exact":
        wanted -= {"x_lo", "x_hi"}
    return {k: v for k, v in entry.items() if k not in ARRAY_FIELDS or k in wanted}


def _copy(points: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, list) else v for k, v in points.items()}
