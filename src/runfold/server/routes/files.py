"""A run's files (download) and console log (with search)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from ...errors import NotFound
from ..deps import ApiDep, run_dir

router = APIRouter(tags=["files"])

MAX_LINES = 10_000


def _run_dir(request: Request, api: Any, project: str, run_id: str) -> Path:
    api.run(f"{project}/{run_id}")  # RunNotFound (404) for a run that is not there
    directory = run_dir(request, project, run_id)
    if directory is None:
        raise NotFound(f"Run {run_id!r} has no directory here.")
    return directory


@router.get("/projects/{project}/runs/{run_id}/files/{path:path}")
def download_file(
    project: str, run_id: str, path: str, request: Request, api: ApiDep
) -> FileResponse:
    """One of the run's saved files, as a download. Paths cannot leave the run."""
    directory = _run_dir(request, api, project, run_id)
    root = (directory / "files").resolve()  # a `files` symlink must not lead out
    try:
        target = (root / path).resolve()
        found = target.is_relative_to(root) and target.is_file()
    except OSError:  # a name the filesystem cannot hold (too long, ...): not there
        found = False
    if not root.is_relative_to(directory) or not found:
        raise NotFound(
            f"Run {run_id!r} has no file {path!r}. Its files are listed by "
            f"GET /api/v1/projects/{project}/runs/{run_id}."
        )
    return FileResponse(target, filename=target.name)


@router.get("/projects/{project}/runs/{run_id}/output")
def console_output(
    project: str,
    run_id: str,
    request: Request,
    api: ApiDep,
    q: str | None = Query(
        None, max_length=200, description="Only lines containing this."
    ),
    limit: int = Query(2000, ge=1, le=MAX_LINES, description="The last N lines."),
) -> dict[str, Any]:
    """The run's console output (output.log): the last ``limit`` lines, optionally
    only those containing ``q`` (case-insensitive). An online run uploads it as one
    of its files, so that copy is read where the run wrote none here."""
    directory = _run_dir(request, api, project, run_id)
    log = directory / "output.log"
    if not log.is_file():
        log = directory / "files" / "output.log"
    lines = (
        log.read_text("utf-8", errors="replace").splitlines() if log.is_file() else []
    )
    total = len(lines)
    if q:
        needle = q.lower()
        lines = [line for line in lines if needle in line.lower()]
    return {"lines": lines[-limit:], "total": total, "matched": len(lines)}
