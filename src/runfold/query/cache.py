"""Answers computed from runs, kept while those runs are unchanged: the one cache
of the read path.

A page asks the same questions again and again (each load, each regrouping, each
5 s poll while nothing runs), and an answer reads and aggregates every point of
every run behind it (1,000 runs × 8 metrics: about 0.5 s). So a ``ReadCache``
keeps answers under ``(question, runs key)``, where the runs key names the runs
as they are now, and a key that matches can only hold what would be computed
now. Two runs keys say what an answer depends on:

* ``rows_key(rows)``, each run's ``(pk, updated_at, last_seq, state)``: for an
  answer that shows anything of a run (group rows, an encoded page). Every write
  to a run moves its ``updated_at`` or ``last_seq``, and its state can change
  alone (a stopped heartbeat turns ``running`` into ``crashed``).
* ``points_key(groups)``, each group's runs' ``(pk, id, created_at, last_seq)``:
  for point arrays, which change only with new points (``last_seq``) or a new
  partition of the runs. Names, states and run ids are not in it: what depends on
  them is added to the kept arrays on every read (``series.entry_meta``). Grouping
  by ``group`` and by ``group, job_type`` share arrays when they fold the same
  runs; ``id`` and ``created_at`` keep a new run that reused a deleted run's pk
  from matching.

The least recently used answers are dropped beyond ``max_bytes`` (each answer's
size is the caller's estimate). The store keeps its own cache of decoded run rows
(``store.reads``), below this one: it saves decoding, not computing.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

__all__ = ["ReadCache", "rows_key", "points_key"]

T = TypeVar("T")
_DEFAULT_SIZE = 4096


def rows_key(rows: Sequence[Any]) -> Hashable:
    """The runs as an answer showing them depends on: the list's own ``key`` when
    it has one (``store.RunList``: the store names its runs in one query), else
    each run's."""
    key = getattr(rows, "key", None)
    if key is not None:
        return key  # type: ignore[no-any-return]
    return tuple((r.pk, r.updated_at, r.last_seq, r.state) for r in rows)


def points_key(groups: Sequence[tuple[tuple, Sequence[Any]]]) -> Hashable:
    """The runs as point arrays depend on: each group's runs and their points."""
    return tuple(
        tuple((r.pk, r.id, r.created_at, r.last_seq) for r in runs)
        for _, runs in groups
    )


class ReadCache:
    """Per ``(question, runs key)``: the answer computed for them, least recently
    used dropped first beyond ``max_bytes``."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        # answers computed, by the kind of question (its first part when it is
        # a tuple: "points", "lines", "groups", "order", "series")
        self.computed: Counter[Hashable] = Counter()

    def get(
        self,
        question: Hashable,
        runs: Hashable,
        compute: Callable[[], T],
        size: Callable[[T], int] | None = None,
    ) -> T:
        """The answer to ``question`` about ``runs`` (a ``rows_key`` or
        ``points_key``): ``compute()`` the first time, the same object while the
        runs are unchanged. A caller must not change it. ``size(answer)``: its
        bytes, roughly (an answer over ``max_bytes`` is not kept)."""
        key = (question, runs)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found[0]  # type: ignore[no-any-return]
            self.misses += 1
            self.computed[question[0] if isinstance(question, tuple) else question] += 1
        answer = compute()
        self._keep(key, answer, _DEFAULT_SIZE if size is None else size(answer))
        return answer

    def _keep(self, key: Hashable, answer: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (answer, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
