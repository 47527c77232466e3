"""A project's workspace views (issue 20).

    GET    /projects/{project}/views              named views (no specs), by name
    POST   /projects/{project}/views              create: {"name", "spec"}
    GET    /projects/{project}/views/{id}         one view with its spec
    PUT    /projects/{project}/views/{id}         rename and/or replace: {"name"?, "spec"?}
    DELETE /projects/{project}/views/{id}
    GET    /projects/{project}/workspace          {"spec": ...}: the caller's own workspace
    PUT    /projects/{project}/workspace          {"spec": {...} | null} (null: automatic)
           ?scope=group:<name>                    ... of a group page instead

A spec is the web UI's JSON object: ``{"layout": {sections, panels ...}, "query":
"by=group&q=..."}``; the server keeps it as given (at most 512 KiB). Named views
are the project's: anyone who may read the project opens, saves and deletes them
(in team mode, its team). The workspace is per user in team mode (the caller's
name), one per project off it, and per page: ``scope`` absent (or empty) is the
project's workspace, ``scope=group:<name>`` the layout of that group's page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ...store.views import view_fields
from ..auth import caller_of
from ..deps import StoreDep
from ..schemas import json_response, reject_unknown_params

__all__ = ["router"]

router = APIRouter(tags=["views"], dependencies=[Depends(reject_unknown_params)])

_SPEC_DOC = (
    "The UI's view: {layout: {sections: [{id, title, collapsed, panels: [{id, type, "
    "metric, w, h, settings}]}]}, query: the address's view parameters}."
)


class ViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    spec: dict[str, Any] = Field(description=_SPEC_DOC)


class ViewUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    spec: dict[str, Any] | None = Field(None, description=_SPEC_DOC)


class WorkspaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: dict[str, Any] | None = Field(description=_SPEC_DOC + " null: automatic.")


class ViewHead(BaseModel):
    id: str
    project: str
    name: str
    author: str | None
    created_at: float
    updated_at: float


class ViewOut(ViewHead):
    spec: dict[str, Any]


class ViewList(BaseModel):
    views: list[ViewHead]


class WorkspaceOut(BaseModel):
    spec: dict[str, Any] | None


ScopeQuery = Annotated[
    str,
    Query(
        max_length=1006,
        description="Which page's workspace: empty for the project's, "
        "'group:<group name>' for a group page's.",
        examples=["group:exp-1"],
    ),
]


def _user(request: Request) -> str | None:
    caller = caller_of(request)
    return None if caller is None else str(caller.user)


@router.get("/projects/{project}/views", response_model=ViewList)
def list_views(project: str, store: StoreDep) -> JSONResponse:
    """The project's named views without their specs, by name."""
    return json_response({"views": [view_fields(v) for v in store.list_views(project)]})


@router.post("/projects/{project}/views", response_model=ViewOut)
def create_view(
    project: str, body: ViewIn, store: StoreDep, request: Request
) -> JSONResponse:
    """A new named view (in team mode, its author is the caller)."""
    view = store.create_view(project, body.name, body.spec, author=_user(request))
    return json_response(view_fields(view))


@router.get("/projects/{project}/views/{view_id}", response_model=ViewOut)
def get_view(project: str, view_id: str, store: StoreDep) -> JSONResponse:
    """One named view with its spec."""
    return json_response(view_fields(store.get_view(project, view_id)))


@router.put("/projects/{project}/views/{view_id}", response_model=ViewOut)
def update_view(
    project: str, view_id: str, body: ViewUpdate, store: StoreDep
) -> JSONResponse:
    """Rename the view and/or replace its spec (its author stays who made it)."""
    view = store.update_view(project, view_id, name=body.name, spec=body.spec)
    return json_response(view_fields(view))


@router.delete("/projects/{project}/views/{view_id}")
def delete_view(project: str, view_id: str, store: StoreDep) -> dict[str, bool]:
    """Delete the named view."""
    store.delete_view(project, view_id)
    return {"ok": True}


@router.get("/projects/{project}/workspace", response_model=WorkspaceOut)
def get_workspace(
    project: str, store: StoreDep, request: Request, scope: ScopeQuery = ""
) -> JSONResponse:
    """The caller's own workspace in the project (of the page ``scope``); ``spec``
    null: the automatic one."""
    spec = store.get_workspace(project, _user(request) or "", scope)
    return json_response({"spec": spec})


@router.put("/projects/{project}/workspace", response_model=WorkspaceOut)
def save_workspace(
    project: str,
    body: WorkspaceIn,
    store: StoreDep,
    request: Request,
    scope: ScopeQuery = "",
) -> JSONResponse:
    """Keep the caller's workspace (of the page ``scope``); ``spec`` null returns
    to the automatic one."""
    store.save_workspace(project, _user(request) or "", body.spec, scope)
    return json_response({"spec": body.spec})
