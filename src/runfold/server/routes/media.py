"""Logged media read back (issue 15): a run's media keys and values, and a key
across a project's runs, grouped, at one step.

GET /api/v1/projects/{project}/runs/{run_id}/media             the run's media keys
GET /api/v1/projects/{project}/runs/{run_id}/media/{key}       a key over steps
GET /api/v1/projects/{project}/media-keys                      the project's keys
GET /api/v1/projects/{project}/media?key=K&step=S&by=group     per group, per run

A value is the reference W&B writes (``{"_type": "image-file", "path": ...}``);
its bytes are the run's file ``GET .../runs/{run_id}/files/{path}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ...errors import NotFound, UsageError
from ..deps import ApiDep
from ..schemas import (
    ByQuery,
    FiltersQuery,
    json_response,
    parse_filters,
    reject_unknown_params,
)
from .series import BY_AND_UNGROUPED

router = APIRouter(tags=["media"], dependencies=[Depends(reject_unknown_params)])

MAX_RUNS = 1_000  # runs one grouped answer carries; `total` says how many match


@router.get("/projects/{project}/runs/{run_id}/media")
def run_media_keys(project: str, run_id: str, api: ApiDep) -> Any:
    """``{"keys": [{"key", "type", "steps", "first", "last"}]}``: the run's media
    keys, each with the ``_type`` of its last value and its steps."""
    run = api.run(f"{project}/{run_id}")
    return json_response({"keys": run.media_keys()})


@router.get("/projects/{project}/runs/{run_id}/media/{key:path}")
def run_media(project: str, run_id: str, key: str, api: ApiDep) -> Any:
    """``{"key", "steps": [{"step", "timestamp", "value"}]}`` in step order; 404
    when the run logged no media under ``key``."""
    run = api.run(f"{project}/{run_id}")
    rows = api.store.media(run.pk, key)
    if not rows:
        raise NotFound(
            f"Run {run_id!r} has no media {key!r}. Its media keys are listed by "
            f"GET /api/v1/projects/{project}/runs/{run_id}/media."
        )
    steps = [{"step": s, "timestamp": ts, "value": ref} for s, ts, ref in rows]
    return json_response({"key": key, "steps": steps})


@router.get("/projects/{project}/media-keys")
def project_media_keys(project: str, api: ApiDep, filters: FiltersQuery = None) -> Any:
    """``{"keys": [{"key", "type", "runs"}]}``: every media key of the project (of
    the runs matching ``filters`` when given), with how many runs logged it."""
    parsed = parse_filters(filters)
    run_pks = None if parsed is None else [r.pk for r in api.run_rows(project, parsed)]
    found = api.store.project_media_keys(project, run_pks)
    keys = [{"key": k, "type": t, "runs": n} for k, t, n in found]
    return json_response({"keys": keys})


@router.get("/projects/{project}/media")
def grouped_media(
    project: str,
    api: ApiDep,
    key: Annotated[str, Query(min_length=1, description="The media key.")],
    step: Annotated[
        int | None,
        Query(
            ge=0,
            description="Per run, the value at the largest step ≤ this; "
            "absent: each run's last.",
        ),
    ] = None,
    by: ByQuery = None,
    ungrouped: Annotated[bool, Query(description="One cell per run.")] = False,
    filters: FiltersQuery = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_RUNS, description="At most this many runs.")
    ] = 200,
) -> Any:
    """``{"key", "step", "steps", "groups": [{"key", "name", "index", "runs":
    [{"id", "name", "step", "value"}]}], "total", "shown", "running"}``: the runs
    matching ``filters`` that logged ``key``, folded as ``by`` (default
    ``group``) in the runs table's order, each with its value at ``step``;
    ``steps`` lists every step any of them logged it at; ``index`` is the group's
    place among all the matching runs' groups (its colour); ``running`` counts
    the running runs shown. At most ``limit`` runs are sent (``shown`` of
    ``total``), never silently."""
    if by and ungrouped:
        raise UsageError(BY_AND_UNGROUPED)
    rows = api.run_rows(project, parse_filters(filters))
    found, steps = api.reader.media_at(rows, key, step)
    with_media = [r for r in rows if r.pk in found]
    if ungrouped:
        place = {r.id: i for i, r in enumerate(rows)}
        folds = [([r.id], r.name, [r], place[r.id]) for r in with_media]
    else:
        grouping = tuple(by or ("group",))
        # each group's place among all the page's groups: its colour everywhere
        order = {g.key: i for i, g in enumerate(api.reader.group_rows(rows, grouping))}
        groups = api.reader.group_rows(with_media, grouping)
        folds = [(list(g.key), g.name, g.runs, order[g.key]) for g in groups]
    shown = running = 0
    out = []
    for fold_key, name, members, index in folds:
        runs = []
        for run in members:
            if shown >= limit:
                break
            at, _, ref = found[run.pk]
            runs.append({"id": run.id, "name": run.name, "step": at, "value": ref})
            shown += 1
            running += run.state == "running"
        if runs:
            out.append({"key": fold_key, "name": name, "index": index, "runs": runs})
    body = {"key": key, "step": step, "steps": steps, "groups": out,
            "total": len(with_media), "shown": shown, "running": running}  # fmt: skip
    return json_response(body)
