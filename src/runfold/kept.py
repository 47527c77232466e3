"""Answers computed from a project's runs, kept while those runs are unchanged.

A page asks the same questions again and again (each load, each regrouping, each
5 s poll while nothing runs). Every change to a run moves its ``updated_at`` or its
``last_seq`` (the store's row cache relies on the same), and its state can change
alone (a stopped heartbeat), so the runs' ``(pk, updated_at, last_seq, state)``
together with the question name an answer: a key that matches can only hold what
would be computed now. The least recently used answers go beyond ``max_items``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

__all__ = ["KeptAnswers"]

T = TypeVar("T")


class KeptAnswers:
    """Per (question, runs as they are now): the answer computed for them."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, question: Hashable, rows: Sequence[Any], compute: Callable[[], T]
    ) -> T:
        """The answer to ``question`` about ``rows``: ``compute()`` the first time,
        the same object while the rows are unchanged. A caller must not change it."""
        key = (
            question,
            tuple((r.pk, r.updated_at, r.last_seq, r.state) for r in rows),
        )
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        answer = compute()
        with self._lock:
            self._items[key] = answer
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return answer
