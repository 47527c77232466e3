"""``runfold.Api``: read runs, groups and grouped series back (W&B's public-API shape).

api = runfold.Api()                                   # the local store
runs = api.runs("mnist", filters={"group": "exp-1", "config.lr": {"$gt": 0.01}})
runs[0].history(keys=["loss"])                        # rows with _step, _timestamp
api.groups("mnist", by=["group", "job_type"])
api.group_series("mnist", "loss", by=["group"])       # mean, median, min, max ...
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import readback
from .apiartifacts import ArtifactReading, RunArtifacts
from .errors import NotFound, RunNotFound, UsageError
from .publicapi import HistoryScan, Project, ProjectLookup
from .query import Group, Reader, SeriesQuery, groups_of
from .readback import File, LoggedMedia
from .settings import resolve
from .store import open_store
from .store.base import RunRow, Store

__all__ = ["Api", "Run", "Group", "Sweep", "groups_of", "project_name", "Project"]


def project_name(path: str) -> str:
    """Accept W&B's "entity/project" as well as "project"."""
    return path.rsplit("/", 1)[-1]


class Run(HistoryScan, RunArtifacts):
    """A run read from the store. Change group, job_type, tags, notes, name or config
    and call ``update()`` to save."""

    _editable = ("name", "group", "job_type", "tags", "notes", "config")

    def __init__(self, api: Api, row: RunRow) -> None:
        self._api = api
        self._row = row
        self._load(row)

    def _load(self, row: RunRow) -> None:
        self._row = row
        self.project, self.id, self.state = row.project, row.id, row.state
        self.name, self.group, self.job_type = row.name, row.group, row.job_type
        self.tags, self.notes = list(row.tags), row.notes
        self.config = dict(row.config)
        self.summary = dict(row.summary)
        self.host = row.host
        self.created_at, self.updated_at = row.created_at, row.updated_at
        self.finished_at, self.heartbeat_at = row.finished_at, row.heartbeat_at
        self.exit_code = row.exit_code

    @property
    def metadata(self) -> dict[str, Any]:
        """Host and process details: pid, user, python, platform, argv, cwd."""
        return self._row.meta

    @property
    def pk(self) -> int:
        return self._row.pk

    @property
    def metrics(self) -> dict[str, Any]:
        return self._row.metrics

    @property
    def summary_metrics(self) -> dict[str, Any]:
        return self.summary

    @property
    def path(self) -> list[str]:
        return [self.project, self.id]

    @property
    def runtime(self) -> float:
        return self._row.runtime

    def __repr__(self) -> str:
        return f"<Run {self.project}/{self.id} {self.name!r} ({self.state})>"

    def history(
        self,
        keys: Sequence[str] | None = None,
        pandas: bool = False,
        samples: int | None = None,
    ) -> Any:
        """Rows ``{"_step", "_timestamp", key: value}`` in step order. With ``keys``,
        only the rows where every key was logged (W&B's rule). ``pandas=True`` returns
        a DataFrame; ``samples`` keeps that many evenly spaced rows."""
        if isinstance(keys, str):
            keys = [keys]
        rows = _rows_from_columns(self._columns(keys), None)
        media = {
            key: self._media_rows(key) for key, *_ in self._media_keys()
            if not keys or key in keys
        }  # fmt: skip
        if media:
            rows = readback.rows_with_media(rows, media)
        if keys:
            rows = [r for r in rows if all(k in r for k in keys)]
        if samples is not None and len(rows) > samples > 0:
            pick = np.linspace(0, len(rows) - 1, samples).round().astype(int)
            rows = [rows[i] for i in pick]
        if not pandas:
            return rows
        try:
            import pandas as pd
        except ImportError:
            raise UsageError(
                "history(pandas=True) needs pandas: pip install pandas"
            ) from None
        return pd.DataFrame(rows)

    def _columns(self, keys: Sequence[str] | None) -> Mapping[str, Any]:
        """The run's history per key (``store.history``): what ``history`` reads."""
        return self._api._store.history(
            self.pk, list(keys) if keys is not None else None
        )

    def histograms(self, key: str) -> list[dict[str, Any]]:
        """A histogram key over steps: ``[{"_step", "_timestamp", "bins", "counts"}]``
        (``bins`` are the len(counts) + 1 edges)."""
        return [
            {
                "_step": step,
                "_timestamp": ts,
                "bins": bins.tolist(),
                "counts": counts.tolist(),
            }
            for step, ts, bins, counts in self._api._store.histograms(self.pk, key)
        ]

    # ---- files and media (readback.py); the hooks below are what RemoteRun swaps

    def files(self, names: Sequence[str] | None = None) -> list[File]:
        """The run's files (saved with run.save, media, the console log), by name."""
        wanted = set(names) if names else None
        return [
            File(name, size, self._read_file)
            for name, size in self._file_sizes()
            if wanted is None or name in wanted
        ]

    def file(self, name: str) -> File:
        for found in self.files([name]):
            return found
        raise readback.missing(name, self.id)

    def media_keys(self) -> list[dict[str, Any]]:
        """The run's media keys: ``{"key", "type", "steps", "first", "last"}``."""
        return [
            {"key": k, "type": t, "steps": n, "first": first, "last": last}
            for k, t, n, first, last in self._media_keys()
        ]

    def media(self, key: str, step: int | None = None) -> Any:
        """Media logged under ``key``: a ``LoggedMedia`` per step, in step order;
        with ``step``, the one at the largest logged step ≤ ``step`` (None if none)."""
        values = [
            LoggedMedia(at, ts, ref, self._read_file)
            for at, ts, ref in self._media_rows(key)
        ]
        if step is None:
            return values
        found = readback.pick([(v.step, v) for v in values], step)
        return None if found is None else found[1]

    def table(self, key: str, step: int | None = None) -> Any:
        """A table logged under ``key`` (runfold.Table, or the table of a
        runfold.plot chart) as a pandas DataFrame: the last one, or the one at the
        largest step ≤ ``step``. Media cells are their reference dicts."""
        found = readback.pick(self._media_rows(key), step)
        if found is None:
            raise NotFound(f"Run {self.id!r} has no table {key!r} at or before step "
                           f"{step}." if step is not None else
                           f"Run {self.id!r} has no table {key!r}.")  # fmt: skip
        ref = readback.table_ref(found[2], key, self.id)
        return readback.table_frame(self._read_file(ref["path"]))

    def _media_keys(self) -> list[tuple[str, str, int, int, int]]:
        return self._api._store.media_keys(self.pk)

    def _media_rows(self, key: str) -> list[tuple[int, float, dict[str, Any]]]:
        return self._api._store.media(self.pk, key)

    def _files_root(self) -> Path:
        return self._api.files_dir / "runs" / self.project / self.id / "files"

    def _read_file(self, path: str) -> bytes:
        return readback.local_file(self._files_root(), path, self.id)

    def _file_sizes(self) -> list[tuple[str, int]]:
        return readback.local_files(self._files_root())

    def update(self) -> None:
        """Save changed name, group, job_type, tags, notes and config."""
        changes = {k: getattr(self, k) for k in self._editable}
        changes["tags"] = list(changes["tags"])
        self._save(changes)
        self._load(self._api._get_row(self.project, self.id))

    def _save(self, changes: dict[str, Any]) -> None:
        self._api._store.update_run(self.project, self.id, changes)


class Sweep:
    """A sweep read back (W&B's public-API shape): ``id``, ``name``, ``state``,
    ``config`` (its definition), ``project``, ``runs`` (the sweep's runs, in the
    order they were handed out), ``proposals`` (each with its state and reason,
    e.g. why hyperband stopped it) and ``best_run()``."""

    def __init__(
        self, api: Api, row: Any, runs: list[Run], proposals: list[Any]
    ) -> None:
        self.id, self.name, self.state = row.id, row.name, row.state
        self.project, self.config = row.project, row.definition
        self.agents = row.agents
        self.runs, self.proposals = runs, proposals
        self._row = row

    def __repr__(self) -> str:
        return f"<Sweep {self.project}/{self.id} ({self.state})>"

    def page(self) -> dict[str, Any]:
        """The sweep page's JSON (``GET /api/v1/projects/P/sweeps/ID``): the sweep
        with ``metric``, ``runs`` (index order: params, value, best_so_far) and
        ``parameters`` (importance, correlation); see ``runfold.query.sweeps``."""
        from .query.sweeps import sweep_page

        return sweep_page(self._row, self.proposals, self.runs)

    @property
    def metric(self) -> dict[str, Any] | None:
        found = self.config.get("metric")
        return dict(found) if found else None

    def best_run(self, order: str | None = None) -> Run | None:
        """The run with the best value of the sweep's metric (its goal), or by
        ``order`` (``"-summary.acc"``: highest first); None when no run has one."""
        from .query import ordered

        if order is None:
            if self.metric is None:
                return None
            sign = "-" if self.metric.get("goal") == "maximize" else ""
            order = f"{sign}summary.{self.metric['name']}"
        found = ordered(self.runs, order)
        key = order.lstrip("+-").removeprefix("summary.")
        return next((r for r in found if r.summary.get(key) is not None), None)


def _rows_from_columns(
    cols: Mapping[str, Any], keys: Sequence[str] | None
) -> list[dict]:
    by_step: dict[int, dict[str, Any]] = {}
    for key, c in cols.items():
        for step, ts, value in zip(
            c.steps.tolist(), c.timestamps.tolist(), c.values.tolist(), strict=True
        ):
            row = by_step.get(step)
            if row is None:
                row = by_step[step] = {"_step": step, "_timestamp": ts}
            row[key] = value
    rows = [by_step[s] for s in sorted(by_step)]
    if keys:
        rows = [r for r in rows if all(k in r for k in keys)]
    return rows


def _reads_a_server(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``Api()`` with no store named reads where runs go: the server, when
    ``RUNFOLD_BASE_URL`` (or ``WANDB_BASE_URL``) sends them there in online mode."""
    if args or kwargs.get("dir") is not None or kwargs.get("store") is not None:
        return False
    settings = resolve()
    return settings.mode == "online" and bool(settings.base_url)


class Api(ProjectLookup, ArtifactReading):
    """Read access to the local store (``dir``, default ``RUNFOLD_DIR`` or ~/.runfold)."""

    def __new__(cls, *args: Any, base_url: str | None = None, **kwargs: Any) -> Api:
        """``Api(base_url=..., api_key=...)`` reads a Runfold server over its HTTP
        API (``runfold.remote.RemoteApi``), with the same objects and numbers."""
        if cls is Api and (base_url is not None or _reads_a_server(args, kwargs)):
            from .remote import RemoteApi

            return super().__new__(RemoteApi)
        return super().__new__(cls)

    def __init__(
        self,
        dir: str | os.PathLike[str] | None = None,  # noqa: A002
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        store: Store | None = None,
    ) -> None:
        settings = None
        if store is None:
            settings = resolve(dir=os.fspath(dir) if dir is not None else None)
            store = open_store(settings.store_path)
        self._store = store
        # where runs' files are: beside an embedded store, else RUNFOLD_DIR's
        store_path = getattr(store, "path", None)
        self.files_dir = (
            Path(store_path).parent if isinstance(store_path, (str, Path))
            else (settings or resolve()).dir
        )  # fmt: skip
        # the read path: runs, group rows and grouped series, with one cache
        self.reader = Reader(store)

    @property
    def store(self) -> Store:
        return self._store

    def projects(self) -> list[Any]:
        return self._store.list_projects()

    def _get_row(self, project: str, run_id: str) -> RunRow:
        row = self._store.get_run(project, run_id)
        if row is None:
            raise RunNotFound(project, run_id)
        return row

    def runs(
        self, path: str, filters: Mapping[str, Any] | None = None, order: str | None = None,
        per_page: int | None = None,
    ) -> list[Run]:  # fmt: skip
        """Runs of a project matching ``filters`` (see ``query.filters``); raises
        ProjectNotFound. ``order`` is a field like ``"-created_at"`` or ``"summary.loss"``."""
        return [Run(self, row) for row in self.run_rows(path, filters, order)]

    def run_rows(
        self, path: str, filters: Mapping[str, Any] | None = None,
        order: str | None = None,
    ) -> list[RunRow]:  # fmt: skip
        """What ``runs()`` returns, as the store's rows: read-only (shared with the
        store's cache), without the per-run copies an editable ``Run`` makes. For
        readers of many runs (the server's runs table); ``groups_of`` takes them."""
        return self.reader.rows(project_name(path), filters, order)

    def run(self, path: str) -> Run:
        """``api.run("project/run_id")`` (or "entity/project/run_id")."""
        parts = path.strip("/").split("/")
        if len(parts) < 2:
            raise UsageError(f"Run path {path!r} must be 'project/run_id'.")
        return Run(self, self._get_row(parts[-2], parts[-1]))

    def groups(
        self, project: str, by: Sequence[str] = ("group",),
        filters: Mapping[str, Any] | None = None,
    ) -> list[Group]:  # fmt: skip
        """Group rows for ``by`` (run fields or config paths, in order): runs, count,
        state counts and roll-up, shared config, and per summary key mean, median,
        min, max, std, stderr, count."""
        return groups_of(self.runs(project, filters), by)

    def group_rows(
        self, project: str, by: Sequence[str] = ("group",),
        filters: Mapping[str, Any] | None = None,
    ) -> list[Group]:  # fmt: skip
        """What ``groups()`` returns, read-only (shared): made of the store's rows
        (``run_rows``) and kept while those runs are unchanged (``query.cache``),
        so a page asking again is not aggregated again."""
        return self.reader.group_rows(self.run_rows(project, filters), by)

    def group_series(
        self, project: str, metric: str, by: Sequence[str] = ("group",), x: str = "_step",
        buckets: int = 1000, smoothing: float | None = None,
        filters: Mapping[str, Any] | None = None,
        x_min: float | None = None, x_max: float | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Per group: key, name, x, x_lo, x_hi, mean, median, min, max, std (ddof=1),
        stderr, count (lists of equal length), runs, run_ids, running (how many of
        them are running) and mode. ``by=[]`` gives one entry per run.
        ``x_min``/``x_max`` zoom: only points in that x range, with
        ``buckets`` buckets covering just it."""
        query = SeriesQuery(
            (metric,), tuple(by), x=x, buckets=buckets, smoothing=smoothing,
            x_min=x_min, x_max=x_max,
        )  # fmt: skip
        return self.series(project, query, filters)["series"][query.metrics[0]]  # type: ignore[no-any-return]

    def group_series_of(
        self, project: str, metrics: Sequence[str], by: Sequence[str] = ("group",),
        filters: Mapping[str, Any] | None = None, **options: Any,
    ) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
        """``group_series`` for several metrics at once (one chart page), with the
        same options: the runs are listed, filtered and grouped once. Returns
        ``{metric: entries}``."""
        query = SeriesQuery.of(metrics, by=tuple(by), **options)
        return self.series(project, query, filters)["series"]  # type: ignore[no-any-return]

    def series_page(
        self, project: str, metrics: Sequence[str], by: Sequence[str] = ("group",),
        filters: Mapping[str, Any] | None = None, **options: Any,
    ) -> dict[str, Any]:  # fmt: skip
        """``{"series": {metric: entries}, "total": lines}``: ``group_series_of``
        with ``limit`` (at most that many groups, or runs with ``by=[]``, the first
        in order; ``total`` says how many there are) and ``fields`` (only those
        arrays besides ``x``, e.g. the ones a chart draws) among the options."""
        query = SeriesQuery.of(metrics, by=tuple(by), **options)
        return self.series(project, query, filters)

    def series(
        self, project: str, query: SeriesQuery,
        filters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The page of grouped series ``query`` asks for, over the project's runs
        matching ``filters``: what every method above returns a part of."""
        return self.reader.series(self.run_rows(project, filters), query)

    def sweep(self, path: str) -> Sweep:
        """``api.sweep("project/sweep_id")`` (or "entity/project/sweep_id")."""
        parts = path.strip("/").split("/")
        if len(parts) < 2:
            raise UsageError(f"Sweep path {path!r} must be 'project/sweep_id'.")
        project, sweep_id = parts[-2], parts[-1]
        row = self._store.get_sweep(project, sweep_id)
        proposals = [p for p in self._store.sweep_runs(project, sweep_id)
                     if p.state != "replaced"]  # fmt: skip
        by_id = {r.id: r for r in self.run_rows(project)} if proposals else {}
        runs = [Run(self, by_id[p.run_id]) for p in proposals if p.run_id in by_id]
        return Sweep(self, row, runs, proposals)

    def sweeps(self, project: str) -> list[Any]:
        """The project's sweeps (id, name, state, definition, run count, agents)."""
        return list(self._store.list_sweeps(project_name(project)))

    def close(self) -> None:
        self._store.close()

    # ---- reports (issue 8): dicts shaped as the HTTP API's report JSON ----------

    def reports(self, project: str, group: str | None = None) -> list[dict[str, Any]]:
        """The project's reports (no blocks), newest updated first; with
        ``group``, only the reports about that experiment."""
        from .store.reports import report_fields

        found = self._store.list_reports(project_name(project), group=group)
        return [report_fields(r) for r in found]

    def report(
        self, project: str, report_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """One report with its blocks: the latest version, or ``version``."""
        from .store.reports import report_fields

        found = self._store.get_report(project_name(project), report_id, version)
        return report_fields(found)

    def create_report(
        self, project: str, title: str, blocks: Sequence[Mapping[str, Any]] = (),
        group: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Publish a report (version 1), e.g. from a notebook: ``blocks`` as in
        the reports API (markdown, chart, runs, group, file); UsageError says
        which block is wrong."""
        from .reports import validate_blocks
        from .store.reports import report_fields

        found = self._store.create_report(
            project_name(project), title, group=group,
            blocks=validate_blocks(list(blocks)),
        )  # fmt: skip
        return report_fields(found)

    def update_report(
        self, project: str, report_id: str, *, title: str | None = None,
        blocks: Sequence[Mapping[str, Any]] | None = None, group: Any = ...,
        base_version: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Save a new version with the fields given (``group=None`` detaches the
        report from its group); every earlier version is kept. With
        ``base_version``, Conflict when a newer version was saved meanwhile."""
        from .reports import validate_blocks
        from .store.reports import report_fields

        changes: dict[str, Any] = {} if group is ... else {"group": group}
        found = self._store.update_report(
            project_name(project), report_id, title=title,
            blocks=None if blocks is None else validate_blocks(list(blocks)),
            base_version=base_version, **changes,
        )  # fmt: skip
        return report_fields(found)
