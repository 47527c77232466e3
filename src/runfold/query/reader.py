"""The read path's one entry: runs of a project, ordered, folded into group rows
grouped series and media across runs, every answer kept in one ``ReadCache`` while its runs are
unchanged. ``runfold.Api``, the server's routes and the CLI read through it."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..store.base import RunList, RunRow, Store
from .cache import ReadCache, points_key, rows_key
from .filters import compile_filters
from .grouping import group_runs
from .groups import Group, groups_of, ordered
from .series import entry_meta, group_series
from .spec import ARRAY_FIELDS, META_FIELDS, SeriesQuery

__all__ = ["Reader", "only_fields"]

Groups = list[tuple[tuple, list[Any]]]


class Reader:
    """Reads over one store, answers kept in ``cache`` (64 MiB unless given)."""

    def __init__(self, store: Store, cache: ReadCache | None = None) -> None:
        self.store = store
        self.cache = cache if cache is not None else ReadCache()

    def rows(
        self, project: str, filters: Mapping[str, Any] | None = None,
        order: str | None = None,
    ) -> RunList:  # fmt: skip
        """The project's runs matching ``filters`` (``query.filters``), sorted by
        ``order`` (a field, ``-`` for descending) if given; raises ProjectNotFound.
        Read-only rows, shared with the store's cache."""
        keep = compile_filters(filters)
        listed = self.store.list_runs(project)
        if not filters:
            rows = listed
        else:
            key = _filtered_key(listed.key, filters) if listed.key is not None else None
            if key is None:
                rows = RunList(r for r in listed if keep(r))
            else:
                # a page asks with one filter several times at once (its runs, its
                # groups, each section's series): 1,000 runs through a filter box's
                # text took ~15 ms of each
                matching: list[RunRow] = self.cache.get(
                    ("filter", key[2]), listed.key, lambda: [r for r in listed if keep(r)],
                    size=lambda answer: 8 * len(answer) + 64,
                )  # fmt: skip
                rows = RunList(matching)
                rows.key = key
        if not order:
            return rows
        # sorting 10,000 runs by a summary key takes 0.15 s: kept while unchanged
        kept: list[RunRow] = self.cache.get(
            ("order", order), rows_key(rows), lambda: ordered(rows, order),
            size=lambda answer: 8 * len(answer) + 64,
        )  # fmt: skip
        sorted_rows = RunList(kept)
        if rows.key is not None:
            sorted_rows.key = ("ordered", rows.key, order)
        return sorted_rows

    def group_rows(self, rows: Sequence[RunRow], by: Sequence[str]) -> list[Group]:
        """``groups_of(rows, by)``, kept while the rows are unchanged: a page asking
        again (each load, each regrouping) is not aggregated again. Read-only."""
        return self.cache.get(
            ("groups", tuple(by)), rows_key(rows), lambda: groups_of(rows, by),
            size=lambda answer: 64 * len(rows) + 2048 * len(answer),
        )  # fmt: skip

    def media_at(
        self, rows: Sequence[RunRow], key: str, step: int | None
    ) -> tuple[dict[int, Any], list[int]]:
        """Per run pk, media ``key``'s (step, timestamp, reference) at the largest
        step ≤ ``step`` (each run's last when None), and every step the runs logged
        it at (``store.media_at``); kept while the rows are unchanged."""
        return self.cache.get(
            ("media", key, step), rows_key(rows),
            lambda: self.store.media_at([r.pk for r in rows], key, step),
            size=lambda answer: 512 * len(answer[0]) + 8 * len(answer[1]) + 64,
        )  # fmt: skip

    def series(self, rows: Sequence[RunRow], query: SeriesQuery) -> dict[str, Any]:
        """``{"series": {metric: entries}, "total": lines}`` for ``query`` over
        ``rows``: the runs are grouped once for every metric, and only the first
        ``query.limit`` lines are computed (``total`` says how many there are)."""
        groups, total, runs = self._lines(rows, query.by, query.limit)
        series = {m: self._entries(groups, runs, query, m) for m in query.metrics}
        return {"series": series, "total": total}

    def _lines(
        self, rows: Sequence[RunRow], by: tuple[str, ...], limit: int | None
    ) -> tuple[Groups, int, Any]:
        """The first ``limit`` lines' groups, how many lines there are, and the
        groups' ``points_key``: kept while the rows are unchanged (folding 10,000
        runs and naming their points took 75 ms of a 100 ms warm read)."""

        def fold() -> tuple[Groups, int, Any]:
            groups: Groups = (
                group_runs(rows, by) if by else [((r.id,), [r]) for r in rows]
            )
            shown = groups if limit is None else groups[:limit]
            return shown, len(groups), points_key(shown)

        return self.cache.get(
            ("lines", by, limit), rows_key(rows), fold,
            size=lambda _: 128 * len(rows) + 4096,
        )  # fmt: skip

    def _entries(
        self, groups: Groups, runs: Any, query: SeriesQuery, metric: str
    ) -> list[dict[str, Any]]:
        """A metric's entries: the kept point arrays (copied: a caller may change
        what it gets) with the parts that come from the runs as they are now."""

        def compute() -> list[dict[str, Any]]:
            entries = group_series(self.store, groups, metric, query)
            return [
                {k: v for k, v in e.items() if k not in META_FIELDS} for e in entries
            ]

        points = self.cache.get(
            query.points_question(metric), runs, compute, size=_points_size
        )
        return [
            {**entry_meta(key, members), **_copy(only_fields(p, query.fields))}
            for (key, members), p in zip(groups, points, strict=True)
        ]


def _filtered_key(key: Any, filters: Mapping[str, Any]) -> Any:
    """The key of the runs ``filters`` keep of runs named ``key`` (None when the
    filters cannot be written as JSON: then each run names them)."""
    try:
        return ("filtered", key, json.dumps(filters, sort_keys=True))
    except (TypeError, ValueError):
        return None


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


def _points_size(points: list[dict[str, Any]]) -> int:
    return sum(
        8 * len(v) + 56 for p in points for v in p.values() if isinstance(v, list)
    )


def _copy(points: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, list) else v for k, v in points.items()}
