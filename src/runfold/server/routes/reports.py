"""A project's reports: write-ups mixing markdown with live panels (issue 8).

    GET    /projects/{project}/reports[?group=G]          list (no blocks), newest first
    POST   /projects/{project}/reports                    create: {"title", "group"?, "blocks"?}
    GET    /projects/{project}/reports/{id}[?version=N]   the latest version, or version N
    PUT    /projects/{project}/reports/{id}               save a new version
    DELETE /projects/{project}/reports/{id}
    GET    /projects/{project}/reports/{id}/versions      every saved version, newest first
    POST   /projects/{project}/reports/{id}/restore       {"version": N}: a new latest version

Blocks are checked by ``runfold.reports.validate_blocks`` (a 400 says which block
and field is wrong, and what is allowed). User text is stored verbatim; the UI and
the exports render it as text. In team mode a save records the caller as its
author.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ...reports import validate_blocks
from ...store.reports import report_fields
from ..auth import caller_of
from ..deps import StoreDep
from ..openapi import answers
from ..schemas import json_response, reject_unknown_params

__all__ = ["router"]

router = APIRouter(tags=["reports"], dependencies=[Depends(reject_unknown_params)])

MAX_VERSION = 2**31 - 1
_BLOCKS_DOC = (
    "Blocks in order, each {type, ...}: markdown {text}; chart {metrics, by, filters, "
    "settings {line, shading, x, smoothing, log, max}}; runs {filters, q, by, "
    "columns}; group {group}; file {run, path}."
)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    group: str | None = None
    # Any: the blocks' own check names the block and field that is wrong
    blocks: Any = Field(None, description=_BLOCKS_DOC)


class ReportUpdate(BaseModel):
    """Only the fields given change; ``group: null`` detaches the report."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    group: str | None = None
    blocks: Any = Field(None, description=_BLOCKS_DOC)
    base_version: int | None = Field(
        None, ge=1, le=MAX_VERSION,
        description="The version the edit started from: 409 if a newer one exists.",
    )  # fmt: skip


class RestoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=MAX_VERSION)


class ReportHead(BaseModel):
    id: str
    project: str
    group: str | None
    title: str
    author: str | None
    created_at: float
    updated_at: float
    version: int


class ReportOut(ReportHead):
    blocks: list[dict[str, Any]]


class ReportList(BaseModel):
    reports: list[ReportHead]


class VersionOut(BaseModel):
    version: int
    updated_at: float
    author: str | None
    title: str


class VersionList(BaseModel):
    versions: list[VersionOut]


def _author(request: Request) -> str | None:
    caller = caller_of(request)
    return None if caller is None else str(caller.user)


@router.get("/projects/{project}/reports", response_model=ReportList)
def list_reports(
    project: str,
    store: StoreDep,
    group: Annotated[
        str | None, Query(description="Only the reports about this group.")
    ] = None,
) -> JSONResponse:
    """The project's reports without their blocks, the latest updated first."""
    found = store.list_reports(project, group=group)
    return json_response({"reports": [report_fields(r) for r in found]})


@router.post("/projects/{project}/reports", response_model=ReportOut)
def create_report(
    project: str, body: ReportIn, store: StoreDep, request: Request
) -> JSONResponse:
    """A new report, version 1. 404 when the project does not exist."""
    report = store.create_report(
        project, body.title, group=body.group, blocks=validate_blocks(body.blocks),
        author=_author(request),
    )  # fmt: skip
    return json_response(report_fields(report))


@router.get("/projects/{project}/reports/{report_id}", response_model=ReportOut)
def get_report(
    project: str,
    report_id: str,
    store: StoreDep,
    version: Annotated[
        int | None,
        Query(ge=1, le=MAX_VERSION, description="An older version (default: latest)."),
    ] = None,
) -> JSONResponse:
    """The report with its blocks: the latest version, or ``version``."""
    return json_response(report_fields(store.get_report(project, report_id, version)))


@router.put(
    "/projects/{project}/reports/{report_id}", response_model=ReportOut,
    responses=answers(409),
)  # fmt: skip
def update_report(
    project: str, report_id: str, body: ReportUpdate, store: StoreDep,
    request: Request,
) -> JSONResponse:  # fmt: skip
    """Save a new version with the fields given. With ``base_version``, 409 when
    the report changed since that version (someone else saved meanwhile)."""
    changes: dict[str, Any] = {}
    if "group" in body.model_fields_set:
        changes["group"] = body.group
    report = store.update_report(
        project, report_id, title=body.title,
        blocks=None if body.blocks is None else validate_blocks(body.blocks),
        base_version=body.base_version, author=_author(request), **changes,
    )  # fmt: skip
    return json_response(report_fields(report))


@router.delete("/projects/{project}/reports/{report_id}")
def delete_report(project: str, report_id: str, store: StoreDep) -> dict[str, bool]:
    """Delete the report and every version of it."""
    store.delete_report(project, report_id)
    return {"ok": True}


@router.get(
    "/projects/{project}/reports/{report_id}/versions", response_model=VersionList
)
def list_versions(project: str, report_id: str, store: StoreDep) -> JSONResponse:
    """Every saved version (number, time, author, title), newest first."""
    found = store.report_versions(project, report_id)
    return json_response({"versions": [
        {"version": v.version, "updated_at": v.updated_at, "author": v.author,
         "title": v.title}
        for v in found
    ]})  # fmt: skip


@router.post(
    "/projects/{project}/reports/{report_id}/restore", response_model=ReportOut
)
def restore_report(
    project: str, report_id: str, body: RestoreIn, store: StoreDep, request: Request
) -> JSONResponse:
    """A new latest version equal to ``version`` (title, group and blocks); the
    versions in between are kept."""
    report = store.restore_report(
        project, report_id, body.version, author=_author(request)
    )
    return json_response(report_fields(report))
