"""The write side of the run store: ingest of run-log records, heartbeats and edits.

A batch of records for one run is applied in one write transaction: the records
are first folded into a ``_RunChanges`` (fields to set, history rows, histograms),
then history is pivoted into per-key chunks while the reductions and the
downsampled form (``history.py``) are brought up to date, and the run's row is
updated once. Not to be confused with ``server/routes/ingest.py``, the HTTP route
that calls this.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..errors import RunNotFound, UsageError
from ..model import EDITABLE_FIELDS, RecordKind
from .sqlbase import SQLBase

if TYPE_CHECKING:
    from .history import Reductions

__all__ = ["RunWritesMixin"]


def _dumps(value: Any) -> str:
    # allow_nan: a NaN a user put in config or summary is kept as NaN (read back by
    # json.loads); the HTTP edge turns it into JSON null.
    return json.dumps(value, separators=(",", ":"), allow_nan=True, default=str)


class _RunChanges:
    """What a batch of records does to one run, gathered before the SQL runs."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.fields: dict[str, Any] = {}
        self.rows: list[Any] = []
        self.system_rows: list[Any] = []
        self.histograms: list[Any] = []
        self.last_seq = row["last_seq"]

    def apply(self, seq: int, kind: str, body: Any) -> None:
        self.last_seq = seq
        if kind == RecordKind.HISTORY:
            self.rows.extend(body)
        elif kind == RecordKind.SYSTEM:
            self.system_rows.extend(body)
        elif kind == RecordKind.HISTOGRAM:
            self.histograms.extend(body)
        elif kind == RecordKind.META:
            meta = json.loads(self.fields.get("meta", self.row["meta"]))
            meta.update(body)
            self.fields["meta"] = _dumps(meta)
        elif kind == RecordKind.CONFIG:
            self.fields["config"] = _dumps(body)
        elif kind == RecordKind.SUMMARY:
            merged = json.loads(self.fields.get("summary_set", self.row["summary_set"]))
            merged.update(body)
            merged = {k: v for k, v in merged.items() if v is not None}
            self.fields["summary_set"] = _dumps(merged)
        elif kind == RecordKind.DEFINE:
            rules = json.loads(
                self.fields.get("summary_rules", self.row["summary_rules"])
            )
            rules.update(body)
            self.fields["summary_rules"] = _dumps(rules)
        elif kind in (RecordKind.RUN, RecordKind.UPDATE):
            self._apply_identity(kind, body)
        elif kind == RecordKind.FINISH:
            self.fields.update(
                state=body.get("state", "finished"),
                exit_code=body.get("exit_code"),
                finished_at=body.get("at"),
            )

    def _apply_identity(self, kind: str, body: dict[str, Any]) -> None:
        for key in ("name", "group", "job_type", "notes", "host"):
            if key in body:
                self.fields[key] = body[key]
        if "tags" in body:
            self.fields["tags"] = _dumps(list(body["tags"] or []))
        if kind == RecordKind.RUN:
            self.fields.update(state="running", exit_code=None, finished_at=None)
            self.fields["heartbeat_seconds"] = body.get("heartbeat_seconds", 10.0)
            if "meta" in body:
                self.fields["meta"] = _dumps(body["meta"])


class RunWritesMixin(SQLBase):
    """``ingest``, ``heartbeat`` and ``update_run`` of ``SQLStore``."""

    def ingest(
        self,
        project: str,
        run_id: str,
        records: list[tuple[int, str, Any]],
        *,
        heartbeat_at: float | None = None,
    ) -> int:
        now = time.time()
        with self._write() as cur:
            project_id = self._project_id(cur, project, create=True)
            row = self._run_for_ingest(cur, project_id, run_id, records, now)
            changes = _RunChanges(row)
            for seq, kind, body in records:
                if seq == changes.last_seq + 1:
                    changes.apply(seq, kind, body)
                elif seq > changes.last_seq + 1:
                    # A gap: earlier records have not arrived. Stop here rather than
                    # skip them for good; the caller replays from last_seq + 1.
                    break
            if changes.last_seq == row["last_seq"]:
                if heartbeat_at is not None:
                    self._set_heartbeat(cur, row["pk"], heartbeat_at)
                return row["last_seq"]
            next_step = row["next_step"]
            if changes.rows:
                top = self._ingest_history(cur, row, changes.rows, changes.last_seq)
                next_step = max(next_step, top)
            if changes.system_rows:  # their own series: they do not move the step
                self._ingest_history(cur, row, changes.system_rows, changes.last_seq)
            if changes.histograms:
                self._ingest_histograms(cur, row, changes.histograms)
            fields = dict(changes.fields)
            fields.update(
                last_seq=changes.last_seq,
                next_step=next_step,
                updated_at=now,
                heartbeat_at=heartbeat_at or now,
            )
            self._update_fields(cur, row["pk"], fields)
            return changes.last_seq

    def _run_for_ingest(
        self, cur: Any, project_id: int, run_id: str, records: list[Any], now: float
    ) -> dict[str, Any]:
        """The run's row as ingest needs it, inserted first when new."""
        sql = (
            "SELECT pk, last_seq, next_step, summary_set, summary_rules, meta FROM runs "
            f"WHERE project_id = ? AND id = ?{self._for_update}"
        )
        found = self._one(cur, sql, (project_id, run_id))
        if found is None:
            first: dict[str, Any] = next(
                (body for _, kind, body in records if kind == RecordKind.RUN), {}
            )
            created = first.get("created_at", now)
            self._exec(
                cur,
                "INSERT INTO runs (project_id, id, name, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (project_id, run_id, first.get("name") or run_id, created, now),
            )
            found = self._one(cur, sql, (project_id, run_id))
        pk, last_seq, next_step, summary_set, summary_rules, meta = found
        return {
            "meta": meta,
            "pk": pk,
            "last_seq": last_seq,
            "next_step": next_step,
            "summary_set": summary_set,
            "summary_rules": summary_rules,
            "project_id": project_id,
        }

    def _ingest_histograms(
        self, cur: Any, row: dict[str, Any], rows: list[Any]
    ) -> None:
        import numpy as np

        keys = sorted({key for _, _, values in rows for key in values})
        metric_ids = self._metric_ids(cur, row["project_id"], keys)
        for step, ts, values in rows:
            for key, hist in values.items():
                self._exec(
                    cur,
                    "INSERT INTO histograms (run_pk, metric_id, step, logged_at, bins, "
                    "counts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (row["pk"], metric_ids[key], int(step), float(ts),
                     np.asarray(hist["bins"], dtype=np.float64).tobytes(),
                     np.asarray(hist["counts"], dtype=np.float64).tobytes()),
                )  # fmt: skip

    def _ingest_history(
        self, cur: Any, row: dict[str, Any], rows: list[Any], first_seq: int
    ) -> int:
        """Store rows as one chunk per key and fold them into the key's reductions
        and downsampled form; return the step after the last one seen."""
        from .history import STAT_COLUMNS, Lod, Reductions, pivot_rows

        columns = pivot_rows(rows)
        metric_ids = self._metric_ids(cur, row["project_id"], list(columns))
        pk = row["pk"]
        top = -1
        for key, cols in columns.items():
            mid = metric_ids[key]
            steps, times, values = cols.to_blobs()
            self._exec(
                cur,
                "INSERT INTO history_chunks (run_pk, metric_id, first_seq, n, first_step,"
                " last_step, steps, timestamps, vals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (pk, mid, first_seq, len(cols.steps), int(cols.steps[0]),
                 int(cols.steps[-1]), steps, times, values),
            )  # fmt: skip
            old = self._one(
                cur,
                f"SELECT {', '.join(STAT_COLUMNS)} FROM metric_stats "
                "WHERE run_pk = ? AND metric_id = ?",
                (pk, mid),
            )
            stats = (Reductions(*old) if old else Reductions()).add(cols)
            self._upsert_stats(cur, pk, mid, stats)
            lod_row = self._one(
                cur,
                "SELECT width, sums, counts FROM history_lod WHERE run_pk = ? AND metric_id = ?",
                (pk, mid),
            )
            lod = Lod.from_blobs(*lod_row) if lod_row else Lod.empty()
            width, sums, counts = lod.add(cols).to_blobs()
            self._exec(
                cur,
                "INSERT INTO history_lod (run_pk, metric_id, width, sums, counts) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_pk, metric_id) DO UPDATE SET "
                "width = excluded.width, sums = excluded.sums, counts = excluded.counts",
                (pk, mid, width, sums, counts),
            )
            top = max(top, int(cols.steps[-1]))
        return top + 1

    def _upsert_stats(self, cur: Any, pk: int, mid: int, stats: Reductions) -> None:
        from .history import STAT_COLUMNS

        updates = ", ".join(f"{name} = excluded.{name}" for name in STAT_COLUMNS)
        self._exec(
            cur,
            f"INSERT INTO metric_stats (run_pk, metric_id, {', '.join(STAT_COLUMNS)}) "
            f"VALUES (?, ?, {', '.join('?' * len(STAT_COLUMNS))}) "
            f"ON CONFLICT (run_pk, metric_id) DO UPDATE SET {updates}",
            (pk, mid, *(getattr(stats, name) for name in STAT_COLUMNS)),
        )

    def _metric_ids(self, cur: Any, project_id: int, keys: list[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for key in keys:
            sql = "SELECT id FROM metrics WHERE project_id = ? AND key = ?"
            found = self._one(cur, sql, (project_id, key))
            if found is None:
                self._exec(
                    cur,
                    "INSERT INTO metrics (project_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (project_id, key),
                )
                found = self._one(cur, sql, (project_id, key))
            ids[key] = found[0]
        return ids

    def _update_fields(self, cur: Any, pk: int, fields: dict[str, Any]) -> None:
        cols = ", ".join(f'"{name}" = ?' for name in fields)
        self._exec(cur, f"UPDATE runs SET {cols} WHERE pk = ?", (*fields.values(), pk))

    def _set_heartbeat(self, cur: Any, pk: int, at: float) -> None:
        self._exec(cur, "UPDATE runs SET heartbeat_at = ? WHERE pk = ?", (at, pk))

    def heartbeat(self, project: str, run_id: str, at: float) -> None:
        with self._write() as cur:
            self._exec(
                cur,
                "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND project_id = "
                "(SELECT id FROM projects WHERE name = ?)",
                (at, run_id, project),
            )

    def update_run(self, project: str, run_id: str, changes: dict[str, Any]) -> None:
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise UsageError(
                f"Cannot change {sorted(unknown)} of a run; editable fields are "
                f"{', '.join(EDITABLE_FIELDS)}."
            )
        fields = {
            k: (_dumps(v) if k in ("tags", "config") else v) for k, v in changes.items()
        }
        fields["updated_at"] = time.time()
        with self._write() as cur:
            project_id = self._project_id(cur, project, create=False)
            found = self._one(
                cur,
                "SELECT pk FROM runs WHERE project_id = ? AND id = ?",
                (project_id, run_id),
            )
            if found is None:
                raise RunNotFound(project, run_id)
            self._update_fields(cur, found[0], fields)
