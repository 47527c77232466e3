"""The read side of the run store: projects, runs (with summaries), history.

Run rows are selected by column name (``_StoredRun``) and decoded into ``RunRow``s,
whose summary is computed from the stored reductions and summary rules. Decoding
is most of the cost of listing 10,000 runs, so decoded rows are cached per run
(see ``RunReadsMixin._row_cache``). History is read as packed column chunks.
"""

from __future__ import annotations

import json
import time
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from ..errors import ProjectNotFound
from ..model import effective_state, rule_for
from .rows import ProjectRow, RunList, RunRow
from .sqlbase import SQLBase, id_chunks

if TYPE_CHECKING:
    import numpy as np

    from .history import Columns, Lod, Reductions

__all__ = ["RunReadsMixin"]

SYSTEM_PREFIX = "system/"  # keys of the system series (sdk/system.py)


class _StoredRun(NamedTuple):
    """A ``runs`` row as stored; its fields name the columns that are selected."""

    pk: int
    id: str
    name: str
    group: str | None
    job_type: str | None
    tags: str  # JSON, as the next three
    config: str
    summary_set: str
    summary_rules: str
    notes: str | None
    state: str
    exit_code: int | None
    host: str | None
    meta: str
    created_at: float
    updated_at: float
    finished_at: float | None
    heartbeat_at: float | None
    heartbeat_seconds: float
    last_seq: int
    next_step: int


_PK, _UPDATED, _BEAT, _SEQ = (
    _StoredRun._fields.index(f)
    for f in ("pk", "updated_at", "heartbeat_at", "last_seq")
)
_RUN_SELECT = "SELECT " + ", ".join(f'r."{c}"' for c in _StoredRun._fields)
_RUNS_IN_ORDER = (
    f"{_RUN_SELECT} FROM runs r WHERE r.project_id = ? ORDER BY r.created_at, r.pk"
)


def _loads(text: str) -> Any:
    # Most runs have no tags, rules or set summary: skip the decoder for those.
    if text == "{}":
        return {}
    if text == "[]":
        return []
    try:  # 5x faster than json's: 40,000 of these for 10,000 runs (issue 19)
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, Infinity or an int past 64 bits
        return json.loads(text)


# One row that moves with every change to a project's runs but a heartbeat.
_MARK = (
    "SELECT COUNT(*), SUM(pk), SUM(last_seq), SUM(updated_at) FROM runs "
    "WHERE project_id = ?"
)
_BEATS = "SELECT pk, heartbeat_at FROM runs WHERE project_id = ? AND state = 'running'"
_HEADS = (
    "SELECT pk, updated_at, last_seq, heartbeat_at FROM runs "
    "WHERE project_id = ? ORDER BY created_at, pk"
)


class _StoredRow(RunRow):
    """A ``RunRow`` read from the store, whose tags, config and summary are
    decoded when first read: a chart grouped by a run field reads none of them,
    and decoding them was a third of listing 10,000 runs cold (issue 19). Made
    by ``_run_row``; anything else about it is a ``RunRow``'s."""

    def __getattr__(self, name: str) -> Any:
        # Only for attributes not set yet: once decoded, they are plain fields.
        # All three at once: a reader of one (a table, a group's row) reads the
        # others too, and a call here per run costs more than decoding them.
        found = self.__dict__
        encoded = found.get("_encoded")
        if encoded is None or name not in _DECODED:
            raise AttributeError(name)
        tags, config, summary_set, summary_rules = encoded
        found["tags"] = _loads(tags)
        found["config"] = _loads(config)
        found["summary"] = _summary(found["metrics"], summary_rules, summary_set)
        found.pop("_encoded", None)  # another thread may have been first
        return found[name]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunRow):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    __hash__ = None  # type: ignore[assignment]  # as RunRow's


_DECODED = frozenset({"tags", "config", "summary"})
_FIELDS = tuple(f.name for f in fields(RunRow))


def _summary(
    metrics: dict[str, Reductions], summary_rules: str, summary_set: str
) -> dict[str, Any]:
    """A run's summary: each metric's value by its rule, then the values set."""
    rules = _loads(summary_rules)
    summary: dict[str, Any] = {
        # rule_for with no rules is "last": skip the call for most runs.
        key: stats.reduce(rule_for(rules, key) if rules else "last")
        for key, stats in metrics.items()
        if not key.startswith(SYSTEM_PREFIX)  # system metrics are not results
    }
    summary.update(_loads(summary_set))
    return summary


class RunReadsMixin(SQLBase):
    """The run reads of ``SQLStore``: projects, runs, metric keys, history."""

    def list_projects(self) -> list[ProjectRow]:
        with self._read() as cur:
            rows = self._all(
                cur,
                'SELECT p.name, COUNT(r.pk), COUNT(DISTINCT r."group"), MAX(r.updated_at) '
                "FROM projects p LEFT JOIN runs r ON r.project_id = p.id "
                "GROUP BY p.name ORDER BY p.name",
                (),
            )
        return [
            ProjectRow(
                name=name, run_count=runs, group_count=groups, last_activity=last
            )
            for name, runs, groups, last in rows
        ]

    def list_runs(self, project: str) -> RunList:
        """The project's runs, oldest first, with a ``key`` naming them as they are
        now (``RunList``). Warm, this reads one row of sums and the heartbeats of
        running runs, not a row per run (issue 19: checking 10,000 runs cost
        30 ms of every warm read)."""
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            mark = self._one(cur, _MARK, (project_id,))
            kept = self._run_lists.get(project_id)
            if kept is not None and kept[0] == mark:
                beats = dict(self._all(cur, _BEATS, (project_id,))) if kept[2] else {}
            else:
                kept, beats = self._listed(cur, project, project_id, mark)
        _, rows, live = kept
        rows = RunList(rows)
        now = time.time()
        states = []
        for i in live:  # only a running run's state moves by itself
            row = rows[i]
            row = rows[i] = self._fresh(row, beats.get(row.pk, row.heartbeat_at), now)
            states.append((row.pk, row.state))
        rows.key = ("runs", project_id, mark, tuple(states))
        return rows

    def _listed(
        self, cur: Any, project: str, project_id: int, mark: Any
    ) -> tuple[tuple[Any, list[RunRow], list[int]], dict[int, float | None]]:
        """Every run decoded (into the row cache), kept under the project's mark
        with the positions of the runs stored as running; and their heartbeats."""
        cache = self._row_cache
        if project_id not in self._run_lists:  # first listing: read every row once
            stats = self._stats_by_run(cur, project_id)
            heads = []
            for found in self._all(cur, _RUNS_IN_ORDER, (project_id,)):
                self._keep_row(project, found, stats)
                heads.append((found[_PK], found[_UPDATED], found[_SEQ], found[_BEAT]))
        else:
            heads = self._all(cur, _HEADS, (project_id,))
            stale = [
                pk
                for pk, updated_at, last_seq, _ in heads
                if (cached := cache.get(pk)) is None
                or cached[0] != (updated_at, last_seq)
            ]
            if stale:
                self._decode_runs(cur, project, project_id, stale, len(heads))
        rows = [cache[pk][1] for pk, _, _, _ in heads]
        live = [i for i, row in enumerate(rows) if row.stored_state == "running"]
        kept = (mark, rows, live)
        self._run_lists[project_id] = kept
        return kept, {heads[i][0]: heads[i][3] for i in live}

    @property
    def _run_lists(self) -> dict[int, tuple[Any, list[RunRow], list[int]]]:
        """Per project: its ``_MARK`` when last listed, its runs then, and where
        the running ones are. While the mark is the same no run was added, removed
        or written (every write moves a run's updated_at or last_seq, which only
        grow, so their sums move), and the row cache holds every run as it is."""
        lists = self.__dict__.get("_lists_by_project")
        if lists is None:
            lists = self.__dict__["_lists_by_project"] = {}
        return lists

    @property
    def _row_cache(self) -> dict[int, tuple[tuple[float, int], RunRow]]:
        """Decoded runs by pk, each with the ``(updated_at, last_seq)`` it was
        decoded at: an entry is reused while the run's row still has that pair,
        since every write to a run moves one of them (ingest sets both,
        ``update_run`` sets updated_at). A heartbeat moves neither, so the state
        and heartbeat_at are recomputed on each read (``_fresh``)."""
        cache = self.__dict__.get("_rows_by_pk")
        if cache is None:
            cache = self.__dict__["_rows_by_pk"] = {}
        return cache

    def _decode_runs(
        self, cur: Any, project: str, project_id: int, pks: list[int], runs: int
    ) -> None:
        """Decode the runs ``pks`` of the project's ``runs`` into the row cache:
        a few by their keys (a running run's new points: each poll), many by
        reading the project's rows."""
        if len(pks) * 8 < runs:
            for chunk in id_chunks(pks):
                marks = ", ".join("?" * len(chunk))
                stats = self._stats_by_run(cur, project_id, run_pks=chunk)
                sql = f"{_RUN_SELECT} FROM runs r WHERE r.pk IN ({marks})"
                for found in self._all(cur, sql, tuple(chunk)):
                    self._keep_row(project, found, stats)
            return
        wanted = set(pks)
        stats = self._stats_by_run(cur, project_id)
        sql = f"{_RUN_SELECT} FROM runs r WHERE r.project_id = ?"
        for row in self._all(cur, sql, (project_id,)):
            if row[_PK] in wanted:
                self._keep_row(project, row, stats)

    def _keep_row(
        self, project: str, row: tuple[Any, ...], stats: dict[int, dict[str, Any]]
    ) -> None:
        """Decode a selected run row into the row cache, under the
        ``(updated_at, last_seq)`` it was decoded at."""
        pk = row[_PK]
        decoded = self._run_row(project, row, stats.get(pk, {}))
        self._row_cache[pk] = ((row[_UPDATED], row[_SEQ]), decoded)

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
            found = self._one(
                cur,
                f"{_RUN_SELECT} FROM runs r WHERE r.project_id = ? AND r.id = ?",
                (project_id, run_id),
            )
            if found is None:
                return None
            stats = self._stats_by_run(cur, project_id, run_pks=[found[_PK]])
        return self._run_row(project, found, stats.get(found[_PK], {}))

    def _stats_by_run(
        self, cur: Any, project_id: int, run_pks: list[int] | None = None
    ) -> dict[int, dict[str, Reductions]]:
        from .history import STAT_COLUMNS, Reductions

        sql = (
            f"SELECT s.run_pk, m.key, {', '.join('s.' + c for c in STAT_COLUMNS)} "
            "FROM metric_stats s JOIN metrics m ON m.id = s.metric_id WHERE m.project_id = ?"
        )
        params: tuple[Any, ...] = (project_id,)
        if run_pks is not None:
            sql += f" AND s.run_pk IN ({', '.join('?' * len(run_pks))})"
            params += tuple(run_pks)
        out: dict[int, dict[str, Reductions]] = {}
        for pk, key, *values in self._all_binary(cur, sql, params):
            out.setdefault(pk, {})[key] = Reductions(*values)  # STAT_COLUMNS' order
        return out

    def _run_row(
        self, project: str, row: tuple[Any, ...], metrics: dict[str, Reductions]
    ) -> RunRow:
        """A ``RunRow`` from a run's selected row (``_StoredRun``'s columns, in
        order), unpacked rather than made a named tuple first: 10,000 of these
        are decoded for a cold read (issue 19)."""
        (
            pk, run_id, name, group, job_type, tags, config, summary_set,
            summary_rules, notes, state, exit_code, host, meta, created_at,
            updated_at, finished_at, heartbeat_at, heartbeat_seconds, last_seq,
            next_step,
        ) = row  # fmt: skip
        found = _StoredRow.__new__(_StoredRow)
        found.__dict__.update(
            pk=pk, project=project, id=run_id, name=name, group=group,
            job_type=job_type, notes=notes,
            state=effective_state(state, heartbeat_at, heartbeat_seconds, time.time()),
            exit_code=exit_code, host=host, meta_json=meta, created_at=created_at,
            updated_at=updated_at, finished_at=finished_at,
            heartbeat_at=heartbeat_at, last_seq=last_seq,
            next_step=next_step, metrics=metrics, stored_state=state,
            heartbeat_seconds=heartbeat_seconds,
            _encoded=(tags, config, summary_set, summary_rules),
        )  # fmt: skip
        return found

    def metric_keys(self, project: str) -> list[str]:
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            rows = self._all(  # scalar series only: histogram keys have no stats
                cur,
                "SELECT m.key FROM metrics m WHERE m.project_id = ? AND EXISTS "
                "(SELECT 1 FROM metric_stats s WHERE s.metric_id = m.id) ORDER BY m.key",
                (project_id,),
            )
        return [key for (key,) in rows]

    def histogram_keys(self, run_pk: int) -> list[tuple[str, int, int, int]]:
        with self._read() as cur:
            rows = self._all(
                cur,
                "SELECT m.key, COUNT(*), MIN(h.step), MAX(h.step) FROM histograms h "
                "JOIN metrics m ON m.id = h.metric_id WHERE h.run_pk = ? "
                "GROUP BY m.key ORDER BY m.key",
                (run_pk,),
            )
        return [
            (key, int(steps), int(first), int(last)) for key, steps, first, last in rows
        ]

    def histograms(
        self, run_pk: int, key: str
    ) -> list[tuple[int, float, np.ndarray, np.ndarray]]:
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

    def history(self, run_pk: int, keys: list[str] | None) -> dict[str, Columns]:
        from .history import Columns

        sql = (
            "SELECT m.key, c.steps, c.timestamps, c.vals, c.first_step "
            "FROM history_chunks c "
            "JOIN metrics m ON m.id = c.metric_id WHERE c.run_pk = ?"
        )
        params: list[Any] = [run_pk]
        if keys is not None:
            sql += f" AND m.key IN ({', '.join('?' * len(keys))})"
            params += keys
        parts: dict[str, list[Columns]] = {}
        with self._read() as cur:
            for key, s, t, v, first in self._all_binary(
                cur, sql + " ORDER BY c.first_seq", tuple(params)
            ):
                parts.setdefault(key, []).append(
                    Columns.from_blobs(
                        self._blob(s), self._blob(t), self._blob(v), first
                    )
                )
        return {key: Columns.concat(p) for key, p in parts.items()}

    def series(
        self, run_pks: list[int], key: str, times: bool = True
    ) -> dict[int, Columns]:
        from .history import Columns

        parts: dict[int, list[Columns]] = {}
        columns = "t.steps, t.timestamps" if times else "t.steps, NULL"
        rows = self._per_run(
            "history_chunks", f"{columns}, t.vals, t.first_step", key, run_pks,
            " ORDER BY t.run_pk, t.first_seq",
        )  # fmt: skip
        blob = self._blob
        for pk, s, t, v, first in rows:
            parts.setdefault(pk, []).append(
                Columns.from_blobs(
                    blob(s), b"" if t is None else blob(t), blob(v), first
                )
            )
        return {pk: Columns.concat(p) for pk, p in parts.items()}

    def raw_chunks(
        self, run_pks: list[int], key: str
    ) -> dict[int, list[tuple[int, int, bytes, bytes]]]:
        """Each run's chunks of ``key`` as stored, in order: (first step, points,
        step bytes, value bytes); step bytes are empty for consecutive steps
        (``history.Columns.to_blobs``). For reads that stack runs' values."""
        out: dict[int, list[tuple[int, int, bytes, bytes]]] = {}
        for pk, first, n, steps, vals in self._chunk_rows(run_pks, key):
            out.setdefault(pk, []).append((first, n, bytes(steps), vals))
        return out

    def _chunk_rows(self, run_pks: list[int], key: str) -> list[Any]:
        """``raw_chunks``' rows, by run and in order: (run pk, first step, points,
        step bytes, value bytes); the value bytes may be any bytes-like object
        (PostgreSQL reads them by COPY, as views: ``PostgresStore``)."""
        return self._per_run(
            "history_chunks", "t.first_step, t.n, t.steps, t.vals", key, run_pks,
            " ORDER BY t.run_pk, t.first_seq",
        )  # fmt: skip

    def lods(self, run_pks: list[int], key: str) -> dict[int, Lod]:
        from .history import Lod

        rows = self._per_run("history_lod", "t.width, t.sums, t.counts", key, run_pks)
        return {
            pk: Lod.from_blobs(width, self._blob(sums), self._blob(counts), copy=False)
            for pk, width, sums, counts in rows
        }

    def _per_run(
        self, table: str, columns: str, key: str, run_pks: list[int], order: str = ""
    ) -> list[Any]:
        """Rows of ``table`` for metric ``key`` of the runs ``run_pks``."""
        rows: list[Any] = []
        with self._read() as cur:
            for ids, params in self._in_ids(run_pks):
                sql = (
                    f"SELECT t.run_pk, {columns} FROM {table} t JOIN metrics m "
                    f"ON m.id = t.metric_id WHERE m.key = ? AND t.run_pk {ids}{order}"
                )
                rows.extend(self._all_binary(cur, sql, (key, *params)))
        return rows
