"""GET /api/v1/projects and a project's metric keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..auth import visible_projects
from ..deps import ApiDep
from ..jsonsafe import json_safe

router = APIRouter(tags=["projects"])


@router.get("/projects")
def list_projects(api: ApiDep, request: Request) -> dict[str, Any]:
    """Projects with their run count, group count and last activity (in team
    mode, only the projects of the caller's teams)."""
    return json_safe({
        "projects": [
            {"name": p.name, "runs": p.run_count, "groups": p.group_count,
             "last_activity": p.last_activity}
            for p in visible_projects(request, api.projects())
        ]
    })  # fmt: skip


@router.get("/projects/{project}/metrics")
def list_metrics(project: str, api: ApiDep) -> dict[str, Any]:
    """Every metric key logged in the project (for building charts)."""
    return {"metrics": api.store.metric_keys(project)}
