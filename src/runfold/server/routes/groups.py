"""GET a project's group rows.

GET /api/v1/projects/{project}/groups?by=group&by=job_type&filters=...
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ..deps import ApiDep
from ..schemas import (
    ByQuery,
    FiltersQuery,
    GroupOut,
    group_fields,
    json_response,
    parse_filters,
    reject_unknown_params,
)

router = APIRouter(tags=["groups"], dependencies=[Depends(reject_unknown_params)])


@router.get("/projects/{project}/groups", response_model=dict[str, list[GroupOut]])
def list_groups(
    project: str, api: ApiDep, by: ByQuery = None, filters: FiltersQuery = None
) -> JSONResponse:
    """``{"groups": [...]}``: the group rows of the runs matching ``filters``,
    grouped by ``by`` (default ``group``), as ``runfold.Api.groups`` returns them:
    key (a list, one value per grouping key), name, count, states, state (the
    roll-up: running > crashed > failed > finished), config (shared values, or
    "mixed"), summary (per key mean, median, min, max, std, stderr, count) and
    runs (run ids)."""
    groups = api.group_rows(project, by or ["group"], parse_filters(filters))
    return json_response({"groups": [group_fields(g) for g in groups]})
