"""The question a grouped chart asks, as one frozen, validated value.

``SeriesQuery`` holds what decides a page of grouped series besides which runs
it reads: the metrics, the grouping keys, the x axis, the buckets, the smoothing,
the zoom range, how many lines and which arrays. ``runfold.Api``, the HTTP route
and the CLI each build one and call the same functions with it; it validates
itself once, on construction, and is hashable, so it is also the cache's key.
Its ``params()`` are the HTTP API's query parameters (docs/api.md), the one shape
the web UI and ``Api(base_url=...)`` send.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import UsageError

__all__ = ["SeriesQuery", "ARRAY_FIELDS", "META_FIELDS", "MAX_BUCKETS"]

MAX_BUCKETS = 10_000
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


def _texts(name: str, value: Any, *, empty_ok: bool) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    if not items and not empty_ok:
        raise UsageError(f"{name} must name at least one key, e.g. ['loss'].")
    for item in items:
        if not isinstance(item, str) or not item:
            raise UsageError(f"{name} must be non-empty strings, not {item!r:.60}.")
    return tuple(dict.fromkeys(items))


def _number(name: str, value: Any) -> float | None:
    """A finite number as given (5 stays 5 in messages; 5 == 5.0 as a key)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{name}={value!r:.40} must be a number, e.g. 100.")
    if not math.isfinite(value):
        raise UsageError(f"{name}={value!r} must be a finite number, e.g. 100.")
    return value


def _count(name: str, value: Any, example: int, top: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(
            f"{name}={value!r:.40} must be a positive integer, e.g. {example}."
        )
    if top is not None and value > top:
        raise UsageError(f"{name}={value!r} is above {top}; ask for {top} or fewer.")


@dataclass(frozen=True)
class SeriesQuery:
    """Grouped series of ``metrics``: one line per group of ``by`` (``()``: one
    per run) over ``x``, aligned exactly or in at most ``buckets`` buckets, each
    run EMA-smoothed by ``smoothing`` first, only points with x in
    [``x_min``, ``x_max``], at most ``limit`` lines, only the arrays ``fields``
    (None: all). Raises UsageError, saying what to give, for any bad part."""

    metrics: tuple[str, ...]
    by: tuple[str, ...] = ("group",)
    x: str = "_step"
    buckets: int = 1000
    smoothing: float | None = None
    x_min: float | None = None
    x_max: float | None = None
    limit: int | None = None
    fields: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "metrics", _texts("metric", self.metrics, empty_ok=False))
        put(self, "by", _texts("by", self.by, empty_ok=True))
        if not isinstance(self.x, str) or not self.x:
            raise UsageError(f"x={self.x!r:.40} must name an axis, e.g. '_step'.")
        _count("buckets", self.buckets, 1000, MAX_BUCKETS)
        put(self, "smoothing", self._weight())
        put(self, "x_min", _number("x_min", self.x_min))
        put(self, "x_max", _number("x_max", self.x_max))
        if (
            self.x_min is not None
            and self.x_max is not None
            and self.x_min > self.x_max
        ):
            raise UsageError(
                f"x_min={self.x_min!r} is above x_max={self.x_max!r}: give the range "
                "low to high."
            )
        if self.limit is not None:
            _count("limit", self.limit, 20)
        if self.fields is not None:
            put(self, "fields", self._fields())

    def _weight(self) -> float | None:
        weight = _number("smoothing", self.smoothing)
        if weight is not None and not 0 <= weight < 1:
            raise UsageError(f"smoothing={weight!r} must be in [0, 1), e.g. 0.6.")
        return weight or None  # 0 smooths nothing: the same question as None

    def _fields(self) -> tuple[str, ...]:
        asked = _texts("fields", self.fields or (), empty_ok=True)
        unknown = [f for f in asked if f not in ARRAY_FIELDS]
        if unknown:
            raise UsageError(
                f"fields {unknown} are not series arrays; use some of "
                f"{', '.join(ARRAY_FIELDS)}."
            )
        return tuple(f for f in ARRAY_FIELDS if f in asked)

    @classmethod
    def of(cls, metrics: str | Iterable[str], **options: Any) -> SeriesQuery:
        """A query from keyword options; an unknown option is a UsageError that
        lists the known ones (rather than a TypeError)."""
        known = {f.name for f in dataclasses.fields(cls)} - {"metrics"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise UsageError(
                f"Unknown series option(s) {unknown}; use {', '.join(sorted(known))}."
            )
        if options.get("by") is None:
            options.pop("by", None)
        return cls(metrics=metrics, **options)  # type: ignore[arg-type]

    def points_question(self, metric: str) -> Hashable:
        """What decides one metric's point arrays, besides the runs' points: the
        cache keeps the arrays under it (grouping is in the partition of runs)."""
        return ("points", metric, self.x, self.buckets, self.smoothing, self.x_min,
                self.x_max)  # fmt: skip

    def with_metrics(self, metrics: Iterable[str]) -> SeriesQuery:
        return replace(self, metrics=tuple(metrics))

    def params(self) -> dict[str, Any]:
        """The HTTP API's query parameters for this question (repeated keys as
        lists): what ``GET /api/v1/projects/{project}/series`` takes."""
        out: dict[str, Any] = {"metric": list(self.metrics), "x": self.x}
        if self.by:
            out["by"] = list(self.by)
        else:
            out["ungrouped"] = "true"
        out["buckets"] = self.buckets
        optional: Mapping[str, Any] = {
            "smoothing": self.smoothing, "x_min": self.x_min, "x_max": self.x_max,
            "limit": self.limit,
        }  # fmt: skip
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.fields is not None:
            out["fields"] = list(self.fields)
        return out
