"""Run summary: per key the last logged value, a define_metric reduction, or what
the user set. The store computes the same from its per-metric reductions."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import UsageError
from ..model import SUMMARY_RULES, rule_for
from .config import to_plain

__all__ = ["Summary", "SUMMARY_RULES", "rule_for"]


class _Reducer:
    __slots__ = ("min", "max", "sum", "n")

    def __init__(self) -> None:
        self.min = math.inf
        self.max = -math.inf
        self.sum = 0.0
        self.n = 0

    def add(self, value: float) -> None:
        if value != value:  # NaN is "no value" for reductions
            return
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        self.sum += value
        self.n += 1

    def get(self, rule: str) -> float | None:
        if not self.n:
            return None
        return {"min": self.min, "max": self.max, "mean": self.sum / self.n}[rule]


class Summary:
    """``run.summary["best_acc"] = 0.9``; reads give the rule's value per key."""

    def __init__(
        self,
        on_set: Callable[[dict[str, Any]], None],
        before_read: Callable[[], None],
    ) -> None:
        self._set: dict[str, Any] = {}
        self._last: dict[str, Any] = {}
        self._rules: dict[str, Any] = {}
        self._reducers: dict[str, _Reducer] = {}
        self._on_set = on_set
        self._before_read = before_read

    # Called by the writer thread with each committed row.
    def observe(self, row: Mapping[str, Any]) -> None:
        self._last.update(row)
        if self._rules:
            for key, value in row.items():
                if rule_for(self._rules, key) in ("min", "max", "mean"):
                    self._reducers.setdefault(key, _Reducer()).add(float(value))

    def define(self, name: str, rule: str | None) -> None:
        if rule is not None and rule not in SUMMARY_RULES:
            raise UsageError(
                f"define_metric summary={rule!r} is not supported; use one of "
                f"{', '.join(SUMMARY_RULES)}."
            )
        self._rules[name] = {"summary": rule}

    def _computed(self) -> dict[str, Any]:
        self._before_read()
        out = {}
        for key, value in self._last.items():
            rule = rule_for(self._rules, key)
            reducer = self._reducers.get(key)
            out[key] = reducer.get(rule) if reducer and rule != "last" else value
        out.update(self._set)
        return out

    def __getitem__(self, key: str) -> Any:
        return self._computed()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def update(self, data: Mapping[str, Any]) -> None:
        plain = {str(k): to_plain(v) for k, v in data.items()}
        self._set.update(plain)
        self._on_set(plain)

    def __delitem__(self, key: str) -> None:
        self._set.pop(key, None)
        self._last.pop(key, None)
        self._on_set({key: None})

    def get(self, key: str, default: Any = None) -> Any:
        return self._computed().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._computed()

    def __iter__(self) -> Iterator[str]:
        return iter(self._computed())

    def keys(self) -> Any:
        return self._computed().keys()

    def items(self) -> Any:
        return self._computed().items()

    def as_dict(self) -> dict[str, Any]:
        return self._computed()

    def __repr__(self) -> str:
        return f"Summary({self._computed()!r})"
