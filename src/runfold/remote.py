"""``runfold.Api(base_url=..., api_key=...)``: read a Runfold server over its HTTP API.

``RemoteApi`` answers with the local ``Api``'s objects (``Run``, ``Group``, series
entries with tuple keys) and the same numbers: JSON floats keep their shortest
round-trip form, so every value that crosses is equal, not close. JSON has no NaN
or infinity and the server sends null for them: where the local Api always has a
float (history, histogram bins and counts, the series arrays but std and stderr,
None there too) null comes back as NaN; so an infinity comes back as NaN, and a
NaN or infinity in config or summary as None.

Failures are ``runfold.errors`` exceptions, never httpx ones, as ``httpclient.Http``
maps them.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np

from .api import Api, Run, Sweep, project_name
from .errors import (
    NotFound,
    ProjectNotFound,
    RunNotFound,
    UsageError,
)
from .httpclient import Http
from .query import Group, SeriesQuery, groups_of
from .query.sweeps import proposal_row, sweep_row
from .remoteartifacts import RemoteArtifactReading
from .settings import resolve
from .store.base import ProjectRow, RunRow, SweepRow
from .store.history import Columns, Reductions

__all__ = ["RemoteApi", "RemoteRun", "ServerRow", "ServerReductions", "Http"]

RUNS_PAGE = 10_000  # the server's largest page of runs
HISTOGRAM_STEPS = 2_000  # the most steps of one histogram the server sends
# Series arrays that are floats locally, NaN included (std and stderr have None).
FLOAT_ARRAYS = ("x", "x_lo", "x_hi", "mean", "median", "min", "max")

BAD_URL = "base_url={url!r} must be a server's address, e.g. 'http://localhost:8000'."
LOCAL_ONLY = (
    "Api(base_url=...) reads a server, so {what} does not apply; use "
    "runfold.Api(dir) or runfold.Api(store=...) for a local store."
)
HISTOGRAM_SAMPLED = (
    "Histogram {key!r} of run {run!r} has {total} steps; the server sends at most "
    "{most}, evenly spaced. Read every step with runfold.Api() on the server's store."
)


def _url(*parts: str) -> str:
    """``/projects/p/runs/r``, each part quoted (a histogram key may hold "/")."""
    return "/" + "/".join(quote(p, safe="") for p in parts)


def _floats(values: Sequence[Any]) -> list[float]:
    """A JSON array of floats as the local Api has it: null back to NaN."""
    return [math.nan if v is None else v for v in values]


def _columns(http: Http, path: str, keys: Sequence[str] | None) -> dict[str, Columns]:
    """A run's history per key as the store's columns (null values back to NaN)."""
    if keys is not None and not keys:
        return {}
    found = http.get(path, None if keys is None else {"keys": list(keys)})["keys"]
    return {
        key: Columns(np.array(c["steps"], dtype=np.int64),
                     np.array(_floats(c["timestamps"]), dtype=np.float64),
                     np.array(_floats(c["values"]), dtype=np.float64))
        for key, c in found.items() if c["steps"]
    }  # fmt: skip


@dataclass
class ServerRow(RunRow):
    """A run as the server sends it, in the store's row shape (``Run`` and
    ``groups_of`` take it). It has no store key (``pk`` 0) and no heartbeat time;
    ``runtime`` is the server's. ``metadata`` and ``metrics`` come with ``run()``."""

    server_runtime: float = 0.0

    @property
    def runtime(self) -> float:
        return self.server_runtime


@dataclass
class ServerReductions(Reductions):
    """A metric's reductions as the server sends them (``run.metrics[key]``): its
    ``mean`` is the server's; ``nans``, ``sum`` and ``first_step`` are not sent."""

    server_mean: float | None = None

    @property
    def mean(self) -> float | None:
        return self.server_mean


def _row(project: str, d: Mapping[str, Any]) -> ServerRow:
    return ServerRow(
        pk=0, project=d.get("project", project), id=d["id"], name=d["name"],
        group=d["group"], job_type=d["job_type"], tags=list(d["tags"]),
        notes=d["notes"], state=d["state"], exit_code=d["exit_code"],
        config=d["config"], summary=d["summary"], host=d["host"],
        meta_json=json.dumps(d.get("metadata", {})), created_at=d["created_at"],
        updated_at=d["updated_at"], finished_at=d["finished_at"], heartbeat_at=None,
        last_seq=0, next_step=0, stored_state=d["state"],
        metrics={k: _reductions(m) for k, m in d.get("metrics", {}).items()},
        server_runtime=d["runtime"],
    )  # fmt: skip


def _reductions(m: Mapping[str, Any]) -> ServerReductions:
    names = ("count", "first", "last", "min", "max", "min_step", "max_step")
    fields = {n: m[n] for n in names}
    return ServerReductions(**fields, last_step=m["last_step"], server_mean=m["mean"])


class RemoteRun(Run):
    """A run read from a server: the local ``Run`` with history, histograms and
    ``update()`` over HTTP. ``metadata`` and ``metrics`` are fetched on first use
    (``api.run()`` brings them along)."""

    _api: RemoteApi

    def __init__(self, api: RemoteApi, row: RunRow, detailed: bool = False) -> None:
        super().__init__(api, row)
        self._detailed = detailed

    def _path(self, *more: str) -> str:
        return _url("projects", self.project, "runs", self.id, *more)

    def _detail(self) -> RunRow:
        if not self._detailed:
            self._row = self._api._get_row(self.project, self.id)
            self._detailed = True
        return self._row

    @property
    def metadata(self) -> dict[str, Any]:
        return self._detail().meta

    @property
    def metrics(self) -> dict[str, Any]:
        return self._detail().metrics

    @property
    def pk(self) -> int:
        raise UsageError(LOCAL_ONLY.format(what="a run's store key (pk)"))

    def _columns(self, keys: Sequence[str] | None) -> Mapping[str, Columns]:
        return _columns(self._api._http, self._path("history"), keys)

    def histograms(self, key: str) -> list[dict[str, Any]]:
        """A histogram key over steps: ``[{"_step", "_timestamp", "bins", "counts"}]``,
        ``[]`` when the run has none. Warns when the server sent only some steps."""
        params = {"samples": HISTOGRAM_STEPS}
        try:
            found = self._api._http.get(self._path("histograms", key), params)
        except (ProjectNotFound, RunNotFound):
            raise
        except NotFound:  # the run is there but has no histogram ``key``
            return []
        if found["sampled"]:
            warnings.warn(HISTOGRAM_SAMPLED.format(
                key=key, run=self.id, total=found["total"], most=HISTOGRAM_STEPS,
            ), RuntimeWarning, stacklevel=2)  # fmt: skip
        parts = zip(found["steps"], found["timestamps"], found["bins"],
                    found["counts"], strict=True)  # fmt: skip
        return [
            {"_step": step, "_timestamp": ts, "bins": _floats(b), "counts": _floats(c)}
            for step, ts, b, c in parts
        ]

    def _media_keys(self) -> list[tuple[str, str, int, int, int]]:
        found = self._api._http.get(self._path("media"))["keys"]
        return [(k["key"], k["type"], k["steps"], k["first"], k["last"]) for k in found]

    def _media_rows(self, key: str) -> list[tuple[int, float, dict[str, Any]]]:
        try:
            found = self._api._http.get(self._path("media", key))
        except (ProjectNotFound, RunNotFound):
            raise
        except NotFound:  # the run is there but has no media ``key``
            return []
        return [(s["step"], s["timestamp"], s["value"]) for s in found["steps"]]

    def _read_file(self, path: str) -> bytes:
        return self._api._http.get_bytes(self._path("files") + "/" + quote(path))

    def _file_sizes(self) -> list[tuple[str, int]]:
        files = self._api._http.get(self._path())["files"]
        return [(f["path"], f["size"]) for f in files]

    def update(self) -> None:
        """Save changed name, group, job_type, tags, notes and config on the server."""
        super().update()
        self._detailed = True

    def _save(self, changes: dict[str, Any]) -> None:
        self._api._http.send("PATCH", self._path(), json=changes)


class RemoteApi(RemoteArtifactReading, Api):
    """``runfold.Api`` over a server's HTTP API. ``api_key`` defaults to
    RUNFOLD_API_KEY, then WANDB_API_KEY, then the key ``runfold login`` saved for
    ``base_url``, and is sent as ``Authorization: Bearer <key>``."""

    def __init__(
        self, dir: str | os.PathLike[str] | None = None,  # noqa: A002
        *, base_url: str | None = None, api_key: str | None = None, store: Any = None,
    ) -> None:  # fmt: skip
        if dir is not None or store is not None:
            raise UsageError(LOCAL_ONLY.format(what="dir= or store="))
        settings = resolve(base_url=base_url, api_key=api_key)
        url = (base_url or settings.base_url or "").strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise UsageError(BAD_URL.format(url=base_url))
        self.base_url = url
        self._http = Http(url, api_key or resolve(base_url=url).api_key)

    def __repr__(self) -> str:
        return f"<RemoteApi {self.base_url}>"

    # What the local Api's own methods reach for: any not overridden here says so.
    @property
    def _store(self) -> Any:  # type: ignore[override]
        raise UsageError(LOCAL_ONLY.format(what="the local store (api.store)"))

    def close(self) -> None:
        self._http.close()

    def _get_row(self, project: str, run_id: str) -> ServerRow:
        return _row(project, self._http.get(_url("projects", project, "runs", run_id)))

    def _run_pages(
        self, path: str, filters: Mapping[str, Any] | None, order: str | None,
        by: Sequence[str] = (),
    ) -> tuple[list[ServerRow], list[dict[str, Any]]]:  # fmt: skip
        """Every matching run (a page at a time) and, with ``by``, the group rows."""
        project = project_name(path)
        url = _url("projects", project, "runs")
        base: dict[str, Any] = {"limit": RUNS_PAGE}
        if filters:
            base["filters"] = json.dumps(dict(filters))
        if order:
            base["order"] = order
        page = self._http.get(url, {**base, "by": list(by)} if by else base)
        runs, groups = list(page["runs"]), page.get("groups") or []
        while page["runs"] and len(runs) < page["total"]:
            page = self._http.get(url, {**base, "offset": len(runs)})
            runs += page["runs"]
        return [_row(project, r) for r in runs], groups

    # ---- runs and groups ----------------------------------------------------

    def projects(self) -> list[ProjectRow]:
        """The server's projects (in team mode, those of the key's teams)."""
        return [
            ProjectRow(p["name"], p["runs"], p["groups"], p["last_activity"])
            for p in self._http.get("/projects")["projects"]
        ]

    def run_rows(
        self, path: str, filters: Mapping[str, Any] | None = None,
        order: str | None = None,
    ) -> list[RunRow]:  # fmt: skip
        """What ``runs()`` returns, as rows (``ServerRow``)."""
        return list(self._run_pages(path, filters, order)[0])

    def runs(
        self, path: str, filters: Mapping[str, Any] | None = None,
        order: str | None = None, per_page: int | None = None,
    ) -> list[Run]:  # fmt: skip
        """Runs of a project matching ``filters``, in ``order``, as ``Api.runs``;
        raises ProjectNotFound."""
        return [RemoteRun(self, row) for row in self.run_rows(path, filters, order)]

    def run(self, path: str) -> Run:
        """``api.run("project/run_id")``, with metadata and metrics; raises
        RunNotFound."""
        parts = path.strip("/").split("/")
        if len(parts) < 2:
            raise UsageError(f"Run path {path!r} must be 'project/run_id'.")
        return RemoteRun(self, self._get_row(parts[-2], parts[-1]), detailed=True)

    def groups(
        self, project: str, by: Sequence[str] = ("group",),
        filters: Mapping[str, Any] | None = None,
    ) -> list[Group]:  # fmt: skip
        """Group rows as ``Api.groups`` gives them, aggregated by the server."""
        by = [by] if isinstance(by, str) else list(by)
        rows, found = self._run_pages(project, filters, None, by)
        runs = {row.id: RemoteRun(self, row) for row in rows}
        if not by:  # one group of every run; the server would group by "group"
            return groups_of(list(runs.values()), by)
        return [
            Group(key=tuple(g["key"]), name=g["name"],
                  runs=[runs[i] for i in g["runs"] if i in runs], count=g["count"],
                  states=g["states"], state=g["state"], config=g["config"],
                  summary=g["summary"])
            for g in found
        ]  # fmt: skip

    group_rows = groups  # the server keeps its answers while the runs are unchanged

    @property
    def reader(self) -> Any:  # type: ignore[override]
        raise UsageError(LOCAL_ONLY.format(what="api.reader"))

    # ---- series ---------------------------------------------------------------

    def series(
        self, project: str, query: SeriesQuery,
        filters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The page of grouped series ``query`` asks for, as ``Api.series``: the
        server groups and aggregates, one request for every metric.
        ``group_series``, ``group_series_of`` and ``series_page`` all come here."""
        params = query.params()
        if filters:
            params["filters"] = json.dumps(dict(filters))
        page = self._http.get(_url("projects", project_name(project), "series"), params)
        series = {
            metric: [_series_entry(e) for e in entries]
            for metric, entries in page["series"].items()
        }
        return {"series": series, "total": page["total"]}

    # ---- sweeps -----------------------------------------------------------------

    def sweep(self, path: str) -> Sweep:
        """``api.sweep("project/sweep_id")`` read from the server, as ``Api.sweep``."""
        parts = path.strip("/").split("/")
        if len(parts) < 2:
            raise UsageError(f"Sweep path {path!r} must be 'project/sweep_id'.")
        url = _url("projects", parts[-2], "sweeps", parts[-1])
        row = sweep_row(self._http.get(url))
        proposals = [proposal_row(p) for p in self._http.get(f"{url}/proposals")
                     ["proposals"] if p["state"] != "replaced"]  # fmt: skip
        by_id = {r.id: r for r in self.run_rows(parts[-2])} if proposals else {}
        runs: list[Run] = [
            RemoteRun(self, by_id[p.run_id]) for p in proposals if p.run_id in by_id
        ]
        return Sweep(self, row, runs, proposals)

    def sweeps(self, project: str) -> list[SweepRow]:
        """The project's sweeps (id, name, state, definition, run count, agents)."""
        found = self._http.get(_url("projects", project_name(project), "sweeps"))
        return [sweep_row(s) for s in found["sweeps"]]

    # ---- reports ----------------------------------------------------------------

    def reports(self, project: str, group: str | None = None) -> list[dict[str, Any]]:
        """The project's reports (no blocks), newest updated first."""
        params = {"group": group} if group is not None else None
        url = _url("projects", project_name(project), "reports")
        return list(self._http.get(url, params)["reports"])

    def report(
        self, project: str, report_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """One report with its blocks: the latest version, or ``version``."""
        params = {"version": version} if version is not None else None
        url = _url("projects", project_name(project), "reports", report_id)
        return dict(self._http.get(url, params))

    def create_report(
        self, project: str, title: str, blocks: Sequence[Mapping[str, Any]] = (),
        group: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Publish a report (version 1) on the server, as ``Api.create_report``."""
        body = {"title": title, "group": group, "blocks": list(blocks)}
        url = _url("projects", project_name(project), "reports")
        return dict(self._http.send("POST", url, json=body))

    def update_report(
        self, project: str, report_id: str, *, title: str | None = None,
        blocks: Sequence[Mapping[str, Any]] | None = None, group: Any = ...,
        base_version: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Save a new version on the server, as ``Api.update_report``."""
        body = {"title": title, "base_version": base_version,
                "blocks": None if blocks is None else list(blocks)}  # fmt: skip
        if group is not ...:
            body["group"] = group
        url = _url("projects", project_name(project), "reports", report_id)
        return dict(self._http.send("PUT", url, json=body))


def _series_entry(entry: dict[str, Any]) -> dict[str, Any]:
    entry["key"] = tuple(entry["key"])
    for name in FLOAT_ARRAYS:
        if name in entry:
            entry[name] = _floats(entry[name])
    return entry
