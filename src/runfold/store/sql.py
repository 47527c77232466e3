"""The store's logic in portable SQL, shared by the SQLite and PostgreSQL backends.

A backend supplies a connection and transactions (``_write``, ``_read``) and its
placeholder style; everything else — ingest, reductions, reads — lives here once.
SQL uses ``?`` placeholders; a backend with another style rewrites them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from ..errors import ProjectNotFound, RunNotFound, UsageError
from .accounts import AccountsMixin
from ..model import EDITABLE_FIELDS, effective_state, rule_for
from .base import ProjectRow, RunRow
from .reports import ReportsMixin

__all__ = ["SQLStore"]

_RUN_COLUMNS = (
    'r.pk, r.id, r.name, r."group", r.job_type, r.tags, r.notes, r.state, '
    "r.exit_code, r.config, r.summary_set, r.summary_rules, r.host, r.meta, "
    "r.created_at, r.updated_at, r.finished_at, r.heartbeat_at, "
    "r.heartbeat_seconds, r.last_seq, r.next_step"
)
_STAT_COLUMNS = (
    "count, nans, sum, first, last, min, max, min_step, max_step, first_step, last_step"
)
_IN_CHUNK = 500
SYSTEM_PREFIX = "system/"  # keys of the system series (sdk/system.py)
_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version BIGINT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
)


def _dumps(value: Any) -> str:
    # allow_nan: a NaN a user put in config or summary is kept as NaN (read back by
    # json.loads); the HTTP edge turns it into JSON null.
    return json.dumps(value, separators=(",", ":"), allow_nan=True, default=str)


def _loads(text: str) -> Any:
    # Most runs have no tags, rules or set summary: skip the decoder for those.
    if text == "{}":
        return {}
    if text == "[]":
        return []
    return json.loads(text)


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
        if kind == "history":
            self.rows.extend(body)
        elif kind == "system":
            self.system_rows.extend(body)
        elif kind == "histogram":
            self.histograms.extend(body)
        elif kind == "meta":
            meta = json.loads(self.fields.get("meta", self.row["meta"]))
            meta.update(body)
            self.fields["meta"] = _dumps(meta)
        elif kind == "config":
            self.fields["config"] = _dumps(body)
        elif kind == "summary":
            merged = json.loads(self.fields.get("summary_set", self.row["summary_set"]))
            merged.update(body)
            merged = {k: v for k, v in merged.items() if v is not None}
            self.fields["summary_set"] = _dumps(merged)
        elif kind == "define":
            rules = json.loads(
                self.fields.get("summary_rules", self.row["summary_rules"])
            )
            rules.update(body)
            self.fields["summary_rules"] = _dumps(rules)
        elif kind in ("run", "update"):
            self._apply_identity(kind, body)
        elif kind == "finish":
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
        if kind == "run":
            self.fields.update(state="running", exit_code=None, finished_at=None)
            self.fields["heartbeat_seconds"] = body.get("heartbeat_seconds", 10.0)
            if "meta" in body:
                self.fields["meta"] = _dumps(body["meta"])


class SQLStore(AccountsMixin, ReportsMixin):
    """Shared implementation of the Store protocol over a DB-API connection."""

    dialect = "sql"
    # Lock the run's row while ingesting (PostgreSQL); SQLite's BEGIN IMMEDIATE
    # already serialises writers.
    _for_update = ""

    def _write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _lock_migrations(self, cur: Any) -> None:
        """Keep two processes opening a new store from migrating it at once."""

    def _migrate(self) -> None:
        """Apply the dialect's numbered migrations this store has not had yet."""
        from .migrations import load_migrations

        with self._write() as cur:
            self._lock_migrations(cur)
            self._exec(cur, _MIGRATIONS_TABLE, ())
            done = {
                r[0]
                for r in self._all(cur, "SELECT version FROM schema_migrations", ())
            }
            for version, statements in load_migrations(self.dialect):
                if version in done:
                    continue
                for statement in statements:
                    self._exec(cur, statement, ())
                self._exec(
                    cur,
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, time.time()),
                )

    def _read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _blob(self, value: Any) -> bytes:
        return bytes(value)

    # ---- ingest -------------------------------------------------------------

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
        sql = (
            "SELECT pk, last_seq, next_step, summary_set, summary_rules, meta FROM runs "
            f"WHERE project_id = ? AND id = ?{self._for_update}"
        )
        found = self._one(cur, sql, (project_id, run_id))
        if found is None:
            first: dict[str, Any] = next(
                (body for _, kind, body in records if kind == "run"), {}
            )
            created = first.get("created_at", now)
            self._exec(
                cur,
                "INSERT INTO runs (project_id, id, name, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (project_id, run_id, first.get("name") or run_id, created, now),
            )
            found = self._one(cur, sql, (project_id, run_id))
        pk, last_seq, next_step, summary_set, rules, meta = found
        return {
            "meta": meta,
            "pk": pk,
            "last_seq": last_seq,
            "next_step": next_step,
            "summary_set": summary_set,
            "summary_rules": rules,
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

    def histograms(self, run_pk: int, key: str) -> list[tuple[int, float, Any, Any]]:
        """``[(step, timestamp, bin edges, counts)]`` of one histogram key, by step."""
        import numpy as np

        with self._read() as cur:
            rows = self._all(
                cur,
                "SELECT h.step, h.logged_at, h.bins, h.counts FROM histograms h "
                "JOIN metrics m ON m.id = h.metric_id WHERE h.run_pk = ? AND m.key = ? "
                "ORDER BY h.step",
                (run_pk, key),
            )
        return [
            (step, ts, np.frombuffer(self._blob(b)), np.frombuffer(self._blob(c)))
            for step, ts, b, c in rows
        ]

    def _ingest_history(
        self, cur: Any, row: dict[str, Any], rows: list[Any], first_seq: int
    ) -> int:
        from .history import Lod, Reductions, pivot_rows

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
                (
                    pk,
                    mid,
                    first_seq,
                    len(cols.steps),
                    int(cols.steps[0]),
                    int(cols.steps[-1]),
                    steps,
                    times,
                    values,
                ),
            )
            old = self._one(
                cur,
                f"SELECT {_STAT_COLUMNS} FROM metric_stats WHERE run_pk = ? AND metric_id = ?",
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

    def _upsert_stats(self, cur: Any, pk: int, mid: int, s: Any) -> None:
        names = _STAT_COLUMNS.split(", ")
        updates = ", ".join(f"{n} = excluded.{n}" for n in names)
        self._exec(
            cur,
            f"INSERT INTO metric_stats (run_pk, metric_id, {_STAT_COLUMNS}) VALUES "
            f"(?, ?, {', '.join('?' * len(names))}) "
            f"ON CONFLICT (run_pk, metric_id) DO UPDATE SET {updates}",
            (pk, mid, *(getattr(s, n) for n in names)),
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

    def _project_id(self, cur: Any, project: str, *, create: bool) -> int:
        sql = "SELECT id FROM projects WHERE name = ?"
        found = self._one(cur, sql, (project,))
        if found is None:
            if not create:
                raise ProjectNotFound(project)
            self._exec(
                cur,
                "INSERT INTO projects (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (project, time.time()),
            )
            found = self._one(cur, sql, (project,))
        return found[0]

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

    # ---- reads --------------------------------------------------------------

    def list_projects(self) -> list[ProjectRow]:
        with self._read() as cur:
            rows = self._all(
                cur,
                'SELECT p.name, COUNT(r.pk), COUNT(DISTINCT r."group"), MAX(r.updated_at) '
                "FROM projects p LEFT JOIN runs r ON r.project_id = p.id "
                "GROUP BY p.name ORDER BY p.name",
                (),
            )
        return [ProjectRow(*row) for row in rows]

    def list_runs(self, project: str) -> list[RunRow]:
        # Decoded rows are cached per run and reused while (updated_at, last_seq)
        # is unchanged: every change to a run moves one of them. The state is
        # recomputed on each read, since a stopped heartbeat changes it alone.
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            heads = self._all(
                cur,
                "SELECT pk, updated_at, last_seq, heartbeat_at FROM runs "
                "WHERE project_id = ? ORDER BY created_at, pk",
                (project_id,),
            )
            cache = self._row_cache
            stale = [h[0] for h in heads if cache.get(h[0], (None,))[0] != h[1:3]]
            if stale:
                self._decode_runs(cur, project, project_id, stale)
        now = time.time()
        return [self._fresh(cache[pk][1], beat, now) for pk, _, _, beat in heads]

    @property
    def _row_cache(self) -> dict[int, tuple[Any, RunRow]]:
        cache = self.__dict__.get("_rows_by_pk")
        if cache is None:
            cache = self.__dict__["_rows_by_pk"] = {}
        return cache

    def _decode_runs(
        self, cur: Any, project: str, project_id: int, pks: list[int]
    ) -> None:
        wanted = set(pks)
        sql = f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.project_id = ?"
        rows = [r for r in self._all(cur, sql, (project_id,)) if r[0] in wanted]
        stats = self._stats_by_run(cur, project_id)
        for row in rows:
            decoded = self._run_row(project, row, stats.get(row[0], {}))
            self._row_cache[row[0]] = ((row[15], row[19]), decoded)

    def _fresh(self, row: RunRow, heartbeat_at: float | None, now: float) -> RunRow:
        state = effective_state(
            row.stored_state, heartbeat_at, row.heartbeat_seconds, now
        )
        if state == row.state and heartbeat_at == row.heartbeat_at:
            return row
        return replace(row, state=state, heartbeat_at=heartbeat_at)

    def get_run(self, project: str, run_id: str) -> RunRow | None:
        with self._read() as cur:
            try:
                project_id = self._project_id(cur, project, create=False)
            except ProjectNotFound:
                return None
            row = self._one(
                cur,
                f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.project_id = ? AND r.id = ?",
                (project_id, run_id),
            )
            if row is None:
                return None
            stats = self._stats_by_run(cur, project_id, run_pk=row[0])
        return self._run_row(project, row, stats.get(row[0], {}))

    def _stats_by_run(
        self, cur: Any, project_id: int, run_pk: int | None = None
    ) -> dict[int, dict[str, Any]]:
        from .history import Reductions

        sql = (
            f"SELECT s.run_pk, m.key, {', '.join('s.' + c for c in _STAT_COLUMNS.split(', '))} "
            "FROM metric_stats s JOIN metrics m ON m.id = s.metric_id WHERE m.project_id = ?"
        )
        params: tuple[Any, ...] = (project_id,)
        if run_pk is not None:
            sql += " AND s.run_pk = ?"
            params += (run_pk,)
        out: dict[int, dict[str, Any]] = {}
        for pk, key, *values in self._all(cur, sql, params):
            out.setdefault(pk, {})[key] = Reductions(*values)
        return out

    def _run_row(self, project: str, row: Any, metrics: dict[str, Any]) -> RunRow:
        (pk, run_id, name, group, job_type, tags, notes, state, exit_code, config,
         summary_set, rules, host, meta, created, updated, finished, beat, beat_s,
         last_seq, next_step) = row  # fmt: skip
        rule_map = _loads(rules)
        summary: dict[str, Any] = {
            key: stats.reduce(rule_for(rule_map, key))
            for key, stats in metrics.items()
            if not key.startswith(SYSTEM_PREFIX)  # system metrics are not results
        }
        summary.update(_loads(summary_set))
        return RunRow(
            pk=pk, project=project, id=run_id, name=name, group=group,
            job_type=job_type, tags=_loads(tags), notes=notes,
            state=effective_state(state, beat, beat_s, time.time()),
            exit_code=exit_code, config=_loads(config), summary=summary,
            host=host, meta_json=meta, created_at=created,
            updated_at=updated, finished_at=finished, heartbeat_at=beat,
            last_seq=last_seq, next_step=next_step, metrics=metrics,
            stored_state=state, heartbeat_seconds=beat_s,
        )  # fmt: skip

    def metric_keys(self, project: str) -> list[str]:
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            rows = self._all(  # scalar series only: histogram keys have no stats
                cur,
                "SELECT m.key FROM metrics m WHERE m.project_id = ? AND EXISTS "
                "(SELECT 1 FROM metric_stats s WHERE s.metric_id = m.id) ORDER BY m.key",
                (project_id,),
            )
        return [r[0] for r in rows]

    def histogram_keys(self, run_pk: int) -> list[tuple[str, int, int, int]]:
        """The run's histogram keys: (key, steps, first step, last step), by key."""
        with self._read() as cur:
            rows = self._all(
                cur,
                "SELECT m.key, COUNT(*), MIN(h.step), MAX(h.step) FROM histograms h "
                "JOIN metrics m ON m.id = h.metric_id WHERE h.run_pk = ? "
                "GROUP BY m.key ORDER BY m.key",
                (run_pk,),
            )
        return [(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]

    def _pk_chunks(self, run_pks: list[int]) -> Iterator[list[int]]:
        for i in range(0, len(run_pks), _IN_CHUNK):
            yield run_pks[i : i + _IN_CHUNK]

    def history(self, run_pk: int, keys: list[str] | None) -> dict[str, Any]:
        from .history import Columns

        sql = (
            "SELECT m.key, c.steps, c.timestamps, c.vals FROM history_chunks c "
            "JOIN metrics m ON m.id = c.metric_id WHERE c.run_pk = ?"
        )
        params: list[Any] = [run_pk]
        if keys is not None:
            sql += f" AND m.key IN ({', '.join('?' * len(keys))})"
            params += keys
        parts: dict[str, list[Any]] = {}
        with self._read() as cur:
            for key, s, t, v in self._all(
                cur, sql + " ORDER BY c.first_seq", tuple(params)
            ):
                parts.setdefault(key, []).append(
                    Columns.from_blobs(self._blob(s), self._blob(t), self._blob(v))
                )
        return {key: Columns.concat(p) for key, p in parts.items()}

    def _per_run(
        self, table: str, columns: str, key: str, run_pks: list[int], order: str = ""
    ) -> list[Any]:
        """Rows of ``table`` for metric ``key`` of the runs ``run_pks`` (in chunks of
        at most _IN_CHUNK ids, under SQL's parameter limits)."""
        rows: list[Any] = []
        with self._read() as cur:
            for chunk in self._pk_chunks(run_pks):
                sql = (
                    f"SELECT t.run_pk, {columns} FROM {table} t JOIN metrics m "
                    "ON m.id = t.metric_id WHERE m.key = ? AND t.run_pk IN "
                    f"({', '.join('?' * len(chunk))}){order}"
                )
                rows.extend(self._all(cur, sql, (key, *chunk)))
        return rows

    def series(self, run_pks: list[int], key: str) -> dict[int, Any]:
        from .history import Columns

        parts: dict[int, list[Any]] = {}
        rows = self._per_run(
            "history_chunks", "t.steps, t.timestamps, t.vals", key, run_pks,
            " ORDER BY t.run_pk, t.first_seq",
        )  # fmt: skip
        for pk, s, t, v in rows:
            parts.setdefault(pk, []).append(
                Columns.from_blobs(self._blob(s), self._blob(t), self._blob(v))
            )
        return {pk: Columns.concat(p) for pk, p in parts.items()}

    def lods(self, run_pks: list[int], key: str) -> dict[int, Any]:
        from .history import Lod

        rows = self._per_run("history_lod", "t.width, t.sums, t.counts", key, run_pks)
        return {
            pk: Lod.from_blobs(width, self._blob(sums), self._blob(counts), copy=False)
            for pk, width, sums, counts in rows
        }

    # ---- dialect hooks ------------------------------------------------------

    def _exec(self, cur: Any, sql: str, params: tuple[Any, ...]) -> None:
        cur.execute(sql, params)

    def _one(self, cur: Any, sql: str, params: tuple[Any, ...]) -> Any:
        cur.execute(sql, params)
        return cur.fetchone()

    def _all(self, cur: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
        cur.execute(sql, params)
        return cur.fetchall()
