"""GET a project's runs (a table page, optionally with its groups), one run, and
one run's history.

    GET /api/v1/projects/{project}/runs?filters=...&order=-summary.loss&limit=100&by=group
    GET /api/v1/projects/{project}/runs/{run_id}
    GET /api/v1/projects/{project}/runs/{run_id}/history?keys=loss&min_step=0&samples=500
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ...errors import NotFound
from ..deps import ApiDep, run_dir
from ..schemas import (
    ByQuery,
    FiltersQuery,
    HistoryOut,
    RunDetail,
    RunsPage,
    group_fields,
    json_response,
    parse_filters,
    reject_unknown_params,
    run_fields,
)

router = APIRouter(tags=["runs"], dependencies=[Depends(reject_unknown_params)])

MAX_LIMIT = 10_000
_INDEX_FILE = ".saved.json"  # run.save()'s own bookkeeping, not a user file

OrderQuery = Annotated[
    str | None,
    Query(
        description="Sort by a run field, config.<path> or summary.<path>; a leading "
        "'-' sorts descending. Runs without the value come last.",
        examples=["-summary.loss", "config.lr", "created_at"],
    ),
]


@router.get("/projects/{project}/runs", response_model=RunsPage)
def list_runs(
    project: str,
    api: ApiDep,
    filters: FiltersQuery = None,
    order: OrderQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    by: ByQuery = None,
) -> JSONResponse:
    """A page of the project's runs (``limit`` from ``offset``) and ``total``, the
    number of runs matching ``filters``. With ``by``, also ``groups``: the group
    rows of every matching run (not only this page), as GET .../groups returns
    them, so a grouped runs table is one request."""
    runs = api.run_rows(project, parse_filters(filters), order)
    body: dict[str, Any] = {
        "runs": [run_fields(r) for r in runs[offset : offset + limit]],
        "total": len(runs),
        "limit": limit,
        "offset": offset,
    }
    if by:
        body["groups"] = [group_fields(g) for g in api.reader.group_rows(runs, by)]
    return json_response(body)


@router.get("/projects/{project}/runs/{run_id}", response_model=RunDetail)
def get_run(project: str, run_id: str, api: ApiDep, request: Request) -> JSONResponse:
    """One run: its table fields, ``metadata`` (host and process details), per
    metric reductions (count, first, last, min, max, mean, min_step, max_step,
    last_step) and ``files`` saved with ``run.save()`` (path and size in bytes).
    404 when the project or run does not exist."""
    run = api.run(f"{project}/{run_id}")
    body = run_fields(run)
    body.update(
        project=run.project,
        metadata=run.metadata,
        metrics={key: _reductions(s) for key, s in sorted(run.metrics.items())},
        files=_files(run_dir(request, project, run_id)),
    )
    return json_response(body)


def _reductions(stats: Any) -> dict[str, Any]:
    names = ("count", "first", "last", "min", "max", "mean", "min_step", "max_step")
    return {**{n: getattr(stats, n) for n in names}, "last_step": stats.last_step}


_PARTIAL = (".part", ".runfold-part")  # the server's and the SDK's files in progress


def _files(directory: Path | None) -> list[dict[str, Any]]:
    """Files under the run's ``files/``, sorted by path, less run.save()'s index
    and copies or uploads still in progress."""
    if directory is None:
        return []
    files_dir = (directory / "files").resolve()
    if not files_dir.is_relative_to(directory) or not files_dir.is_dir():
        return []
    out = []
    for item in sorted(files_dir.rglob("*")):
        if (
            item.name == _INDEX_FILE
            or item.name.endswith(_PARTIAL)
            or item.is_symlink()
            or not item.is_file()
        ):
            continue
        rel = item.relative_to(files_dir).as_posix()
        out.append({"path": rel, "size": item.stat().st_size})
    return out


@router.get("/projects/{project}/runs/{run_id}/history", response_model=HistoryOut)
def get_history(
    project: str,
    run_id: str,
    api: ApiDep,
    keys: Annotated[
        list[str] | None, Query(description="Metric keys (repeat); default all.")
    ] = None,
    min_step: Annotated[int | None, Query(description="First step, inclusive.")] = None,
    max_step: Annotated[int | None, Query(description="Last step, inclusive.")] = None,
    samples: Annotated[
        int | None,
        Query(
            ge=2,
            le=1_000_000,
            description="At most this many points per key: the first and last, and "
            "per equal slice of the rest its lowest and highest value.",
        ),
    ] = None,
) -> JSONResponse:
    """One run's history, columnar per key: ``steps``, ``timestamps``, ``values``
    in step order, within ``min_step``..``max_step``. ``total`` (per key and over
    all) counts the points in the range before downsampling.

    Downsampling keeps extremes: the points in range, less the first and last, are
    cut into ``(samples - 2) // 2`` equal slices by index, and each slice keeps its
    minimum and its maximum (in step order). A loss spike or a divergence survives
    any zoom level, which evenly spaced picks would step over."""
    run = api.run(f"{project}/{run_id}")
    columns = api.store.history(run.pk, list(keys) if keys else None)
    out: dict[str, Any] = {}
    total = 0
    for key in keys or sorted(columns):
        cols = columns.get(key)
        steps = cols.steps if cols is not None else np.zeros(0, dtype=np.int64)
        keep = np.ones(len(steps), dtype=bool)
        if min_step is not None:
            keep &= steps >= min_step
        if max_step is not None:
            keep &= steps <= max_step
        picked = np.flatnonzero(keep)
        total += len(picked)
        if cols is not None and samples is not None and len(picked) > samples:
            picked = picked[extreme_samples(cols.values[picked], samples)]
        out[key] = _key_history(cols, picked, int(keep.sum()))
    return json_response({"keys": out, "total": total, "samples": samples})


def _key_history(cols: Any, picked: np.ndarray, total: int) -> dict[str, Any]:
    if cols is None:
        return {"steps": [], "timestamps": [], "values": [], "total": 0}
    return {
        "steps": cols.steps[picked].tolist(),
        "timestamps": cols.timestamps[picked].tolist(),
        "values": cols.values[picked].tolist(),
        "total": total,
    }


def extreme_samples(values: np.ndarray, samples: int) -> np.ndarray:
    """Indices (sorted) of at most ``samples`` points: the first, the last, and the
    min and max of each of ``(samples - 2) // 2`` equal index slices between. NaN
    is picked only from a slice holding nothing else."""
    n = len(values)
    if n <= samples:
        return np.arange(n)
    slices = (samples - 2) // 2
    if slices == 0:
        return np.array([0, n - 1])
    inner = np.arange(1, n - 1)
    slice_of = (inner - 1) * slices // (n - 2)
    lows = np.where(np.isnan(values[inner]), np.inf, values[inner])
    highs = np.where(np.isnan(values[inner]), -np.inf, values[inner])
    picks = [np.array([0, n - 1])]
    for ranked in (lows, -highs):
        order = np.lexsort((ranked, slice_of))
        _, first = np.unique(slice_of[order], return_index=True)
        picks.append(inner[order[first]])
    return np.unique(np.concatenate(picks))


# ---- histograms -------------------------------------------------------------
#
#     GET /api/v1/projects/{project}/runs/{run_id}/histograms
#     GET /api/v1/projects/{project}/runs/{run_id}/histograms/{key}?samples=200

MAX_HISTOGRAM_STEPS = 2_000


class HistogramKeyOut(BaseModel):
    key: str
    steps: int
    first_step: int
    last_step: int


class HistogramKeysOut(BaseModel):
    keys: list[HistogramKeyOut]


class HistogramOut(BaseModel):
    key: str
    total: int
    sampled: bool
    samples: int
    steps: list[int]
    timestamps: list[float]
    bins: list[list[float | None]]
    counts: list[list[float | None]]


@router.get(
    "/projects/{project}/runs/{run_id}/histograms", response_model=HistogramKeysOut
)
def list_histograms(project: str, run_id: str, api: ApiDep) -> JSONResponse:
    """The run's histogram keys (logged with ``runfold.Histogram``), each with its
    number of steps and its first and last step, sorted by key."""
    run = api.run(f"{project}/{run_id}")
    out = [
        {"key": key, "steps": steps, "first_step": first, "last_step": last}
        for key, steps, first, last in api.store.histogram_keys(run.pk)
    ]
    return json_response({"keys": out})


@router.get(
    "/projects/{project}/runs/{run_id}/histograms/{key:path}",
    response_model=HistogramOut,
)
def get_histogram(
    project: str,
    run_id: str,
    key: str,
    api: ApiDep,
    samples: Annotated[
        int,
        Query(
            ge=2,
            le=MAX_HISTOGRAM_STEPS,
            description="At most this many steps, evenly spaced by index (the first "
            "and last always in); ``sampled`` says whether any were left out.",
        ),
    ] = 200,
) -> JSONResponse:
    """One histogram key over steps, in step order: per step its bin ``edges``
    (``bins``, len(counts) + 1 of them) and ``counts``, as logged. ``total`` is the
    number of steps logged; 404 when the run has no histogram ``key``."""
    run = api.run(f"{project}/{run_id}")
    rows = api.store.histograms(run.pk, key)  # decoded to lists below, once sampled
    if not rows:
        raise NotFound(
            f"Run {run_id!r} has no histogram {key!r}. Its histogram keys are "
            f"listed by GET /api/v1/projects/{project}/runs/{run_id}/histograms."
        )
    picked = even_samples(len(rows), samples)
    chosen = [rows[i] for i in picked]
    return json_response({
        "key": key, "total": len(rows), "sampled": len(chosen) < len(rows),
        "samples": samples,
        "steps": [step for step, _, _, _ in chosen],
        "timestamps": [ts for _, ts, _, _ in chosen],
        "bins": [bins.tolist() for _, _, bins, _ in chosen],
        "counts": [counts.tolist() for _, _, _, counts in chosen],
    })  # fmt: skip


def even_samples(n: int, samples: int) -> list[int]:
    """At most ``samples`` indices of ``0..n-1``, evenly spaced, first and last in."""
    if n <= samples:
        return list(range(n))
    return sorted({int(i) for i in np.linspace(0, n - 1, samples).round()})
