"""Media references (issue 15): what ``run.log({"k": runfold.Image(...)})`` stored.

One row per (run, key, step): the reference to the media files as JSON (W&B's
shape: ``{"_type": "image-file", "path": "media/images/<sha>.png", ...}``) and its
``_type``. Keys share the ``metrics`` table with scalar series and histograms, as
histograms do, and have no stats, so they never show up as chartable metrics. The
files are the run's own (``files/media/...``), kept beside the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .rows import MediaRef
from .sqlbase import SQLBase

__all__ = ["MediaMixin"]


class MediaMixin(SQLBase):
    """Media rows: written at ingest, read per run, per key and across runs."""

    _metric_ids: Callable[[Any, int, list[str]], dict[str, int]]  # writes.py

    def _ingest_media(self, cur: Any, row: dict[str, Any], rows: list[Any]) -> None:
        keys = sorted({key for _, _, values in rows for key in values})
        metric_ids = self._metric_ids(cur, row["project_id"], keys)
        for step, ts, values in rows:
            for key, ref in values.items():
                self._exec(
                    cur,
                    "INSERT INTO media (run_pk, metric_id, step, logged_at, kind, value)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (row["pk"], metric_ids[key], int(step), float(ts),
                     str(ref.get("_type", "")), json.dumps(ref, sort_keys=True)),
                )  # fmt: skip

    def media_keys(self, run_pk: int) -> list[tuple[str, str, int, int, int]]:
        with self._read() as cur:
            rows = self._all(
                cur,
                "SELECT m.key, (SELECT l.kind FROM media l WHERE l.run_pk = t.run_pk "
                "AND l.metric_id = t.metric_id ORDER BY l.step DESC LIMIT 1), "
                "COUNT(*), MIN(t.step), MAX(t.step) FROM media t "
                "JOIN metrics m ON m.id = t.metric_id WHERE t.run_pk = ? "
                "GROUP BY m.key, t.run_pk, t.metric_id ORDER BY m.key",
                (run_pk,),
            )
        return [
            (key, kind, int(steps), int(first), int(last))
            for key, kind, steps, first, last in rows
        ]

    def media(self, run_pk: int, key: str) -> list[MediaRef]:
        with self._read() as cur:
            rows = self._all(
                cur,
                "SELECT t.step, t.logged_at, t.value FROM media t JOIN metrics m "
                "ON m.id = t.metric_id WHERE t.run_pk = ? AND m.key = ? ORDER BY t.step",
                (run_pk, key),
            )
        return [(int(step), float(ts), json.loads(value)) for step, ts, value in rows]

    def project_media_keys(
        self, project: str, run_pks: list[int] | None = None
    ) -> list[tuple[str, str, int]]:
        sql = (
            "SELECT m.key, MAX(t.kind), COUNT(DISTINCT t.run_pk) FROM media t "
            "JOIN metrics m ON m.id = t.metric_id WHERE m.project_id = ?{runs} "
            "GROUP BY m.key ORDER BY m.key"
        )
        found: dict[str, tuple[str, int]] = {}
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            if run_pks is None:
                rows = self._all(cur, sql.format(runs=""), (project_id,))
            else:  # only these runs (a filter): counted per chunk, then summed
                rows = []
                for ids, params in self._in_ids(run_pks):
                    runs = f" AND t.run_pk {ids}"
                    rows += self._all(cur, sql.format(runs=runs), (project_id, *params))
        for key, kind, runs in rows:
            had = found.get(key, (kind, 0))
            found[key] = (max(had[0], kind), had[1] + int(runs))
        return [(key, kind, runs) for key, (kind, runs) in sorted(found.items())]

    def media_at(
        self, run_pks: list[int], key: str, step: int | None
    ) -> tuple[dict[int, MediaRef], list[int]]:
        """Per run, the value of ``key`` at the largest step ≤ ``step`` (the last
        one when ``step`` is None); and every step any of the runs logged it at."""
        found: dict[int, MediaRef] = {}
        steps: set[int] = set()
        limit = "" if step is None else " AND t.step <= ?"
        with self._read() as cur:
            for ids, pks in self._in_ids(run_pks):
                steps.update(
                    s for (s,) in self._all(
                        cur,
                        "SELECT DISTINCT t.step FROM media t JOIN metrics m ON "
                        f"m.id = t.metric_id WHERE m.key = ? AND t.run_pk {ids}",
                        (key, *pks),
                    )
                )  # fmt: skip
                params = (key, *pks) + (() if step is None else (step,))
                rows = self._all(
                    cur,
                    "SELECT t.run_pk, t.step, t.logged_at, t.value FROM media t "
                    "JOIN (SELECT b.run_pk, b.metric_id, MAX(b.step) AS s FROM media b "
                    "JOIN metrics m ON m.id = b.metric_id WHERE m.key = ? AND "
                    f"b.run_pk {ids}{limit.replace('t.', 'b.')} "
                    "GROUP BY b.run_pk, b.metric_id) last ON t.run_pk = last.run_pk "
                    "AND t.metric_id = last.metric_id AND t.step = last.s",
                    params,
                )
                for run_pk, at, ts, value in rows:
                    found[int(run_pk)] = (int(at), float(ts), json.loads(value))
        return found, sorted(int(s) for s in steps)
