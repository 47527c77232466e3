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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..artifacts.records import check_body as check_artifact
from ..errors import RunNotFound, UsageError
from ..model import EDITABLE_FIELDS, STATE_ORDER, GilShare, RecordKind, RowColumns
from .sqlbase import SQLBase

if TYPE_CHECKING:
    from .history import Reductions

__all__ = ["RunWritesMixin"]


def _dumps(value: Any) -> str:
    # allow_nan: a NaN a user put in config or summary is kept as NaN (read back by
    # json.loads); the HTTP edge turns it into JSON null.
    return json.dumps(value, separators=(",", ":"), allow_nan=True, default=str)


# ---- what the store can hold, the same on SQLite and PostgreSQL (issue 18) ----
#
# PostgreSQL's text cannot hold NUL (a run named "a\0b" answered 500, and the SDK
# resent it for ever), and a number column takes no text. Both backends refuse
# such values alike, with UsageError (400 at the server) before any SQL runs, so
# a run is never stored on one backend and refused by the other. Config, summary
# and meta are JSON, where NUL is escaped: they take any text.

_TEXT_FIELDS = ("name", "group", "job_type", "notes", "host")
NUL_TEXT = (
    "{where} has a NUL character in {field} ({value!r:.60}): Runfold's text cannot "
    "hold NUL (PostgreSQL cannot store it); remove it."
)


def check_text(where: str, field: str, value: Any) -> None:
    """UsageError unless ``value`` is None or text without NUL."""
    if value is None:
        return
    if type(value) is not str:
        raise UsageError(f"{where}: {field} must be text, not {type(value).__name__}.")
    if "\x00" in value:
        raise UsageError(NUL_TEXT.format(where=where, field=field, value=value))


def _check_number(where: str, field: str, value: Any, kind: type = float) -> None:
    """UsageError unless ``value`` is None or a number the column holds (a
    PostgreSQL BIGINT for ``int``)."""
    if kind is int:
        ok = isinstance(value, int) and -(1 << 63) <= value < (1 << 63)
    else:
        ok = isinstance(value, (int, float)) and value == value
    if value is not None and not ok:
        raise UsageError(f"{where}: {field} must be a number, not {value!r:.40}.")


def _check_record(where: str, kind: str, body: Any) -> None:
    """Refuse a run, update or finish record whose fields the store cannot hold."""
    if kind in (RecordKind.RUN, RecordKind.UPDATE):
        if "name" in body and not body["name"]:
            raise UsageError(f"{where}: name must be non-empty text.")
        for field in _TEXT_FIELDS:
            check_text(where, field, body.get(field))
        tags = body.get("tags")
        if tags is not None and not isinstance(tags, (list, tuple)):
            raise UsageError(f"{where}: tags must be a list of text.")
        for tag in tags or ():
            if type(tag) is not str:
                raise UsageError(f"{where}: tags must be text, not {tag!r:.40}.")
            check_text(where, "tags", tag)
        for field in ("heartbeat_seconds", "created_at"):
            _check_number(where, field, body.get(field))
    elif kind == RecordKind.FINISH:
        state = body.get("state", "finished")
        if state not in STATE_ORDER:
            raise UsageError(
                f"{where}: state {state!r:.40} is not one of {', '.join(STATE_ORDER)}."
            )
        _check_number(where, "exit_code", body.get("exit_code"), int)
        _check_number(where, "at", body.get("at"))


def check_metric_keys(keys: list[str]) -> None:
    for key in keys:
        check_text("A metric key", "its name", key)


# The run-log reader's marker for records that damage took (``sdk.runlog.LOST``):
# ``[last lost seq, "lost", {"first": first lost seq, ...}]``. Never written by a
# run, so not a ``RecordKind``.
LOST = "lost"


def lost_first(seq: int, body: Any) -> int | None:
    """The first seq a ``lost`` marker at ``seq`` stands for; None if malformed."""
    first = body.get("first") if isinstance(body, dict) else None
    if type(first) is not int or not 1 <= first <= seq:
        return None
    return first


class _RunChanges:
    """What a batch of records does to one run, gathered before the SQL runs."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.fields: dict[str, Any] = {}
        self.rows = RowColumns()  # rows or RowColumns bodies, no tuple per row
        self.system_rows = RowColumns()
        self.histograms: list[Any] = []
        self.media: list[Any] = []
        self.artifacts: list[Any] = []
        self.last_seq = row["last_seq"]
        self.lost = 0

    def take(self, seq: int, kind: str, body: Any) -> bool:
        """Apply the record if it is the next one; False at a gap (stop there)."""
        if seq <= self.last_seq:
            return True  # a replay: already applied
        if kind == LOST:
            # Records first..seq can come from no copy of the run log: move past
            # them once every earlier record is here, and count them in meta.
            first = lost_first(seq, body)
            if first is None or first > self.last_seq + 1:
                return False
            self.lost += seq - self.last_seq
            self.last_seq = seq
            return True
        if seq > self.last_seq + 1:
            return False
        self.apply(seq, kind, body)
        return True

    def lost_meta(self) -> None:
        if self.lost:
            meta = json.loads(self.fields.get("meta", self.row["meta"]))
            meta["lost_records"] = int(meta.get("lost_records") or 0) + self.lost
            self.fields["meta"] = _dumps(meta)

    def apply(self, seq: int, kind: str, body: Any) -> None:
        self.last_seq = seq
        if kind == RecordKind.HISTORY:
            self.rows.extend(body)
        elif kind == RecordKind.SYSTEM:
            self.system_rows.extend(body)
        elif kind == RecordKind.HISTOGRAM:
            self.histograms.extend(body)
        elif kind == RecordKind.MEDIA:
            self.media.extend(body)
        elif kind == RecordKind.ARTIFACT:
            self.artifacts.append(body)
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


_CHECKED_KINDS = frozenset({RecordKind.RUN, RecordKind.UPDATE, RecordKind.FINISH})


class RunWritesMixin(SQLBase):
    """``ingest``, ``heartbeat`` and ``update_run`` of ``SQLStore``."""

    _ingest_media: Callable[[Any, dict[str, Any], list[Any]], None]  # media.py
    _ingest_artifacts: Callable[[Any, dict[str, Any], list[Any], float], None]

    def ingest(
        self,
        project: str,
        run_id: str,
        records: list[tuple[int, str, Any]],
        *,
        heartbeat_at: float | None = None,
    ) -> int:
        now = time.time()
        for seq, kind, body in records:
            if kind in _CHECKED_KINDS:
                _check_record(f"Record {seq} ({kind})", kind, body)
            elif kind == RecordKind.ARTIFACT:
                check_artifact(body)
        with self._write() as cur:
            project_id = self._project_id(cur, project, create=True)
            row = self._run_for_ingest(cur, project_id, run_id, records, now)
            changes = _RunChanges(row)
            for seq, kind, body in records:
                # At a gap, earlier records have not arrived: stop here rather than
                # skip them for good; the caller replays from last_seq + 1.
                if not changes.take(seq, kind, body):
                    break
            changes.lost_meta()
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
            if changes.media:
                self._ingest_media(cur, row, changes.media)
            if changes.artifacts:  # artifacts.py
                self._ingest_artifacts(cur, row, changes.artifacts, now)
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
        self, cur: Any, row: dict[str, Any], rows: RowColumns, first_seq: int
    ) -> int:
        """Store rows as one chunk per key and fold them into the key's reductions
        and downsampled form; return the step after the last one seen."""
        from .history import STAT_COLUMNS, Lod, Reductions, pivot_rows

        columns = pivot_rows(rows)
        metric_ids = self._metric_ids(cur, row["project_id"], list(columns))
        pk = row["pk"]
        top = -1
        share = GilShare()
        for key, cols in columns.items():
            share()
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
            share()
            stats = (Reductions(*old) if old else Reductions()).add(cols)
            self._upsert_stats(cur, pk, mid, stats)
            share()
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
        check_metric_keys(keys)
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
        _check_record(f"Run {run_id!r}", RecordKind.UPDATE, changes)
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
