"""A run's files (download) and console log (with search).

Both read through ``file_in``, the one path check: the file must resolve (after
every symlink) to a regular file inside its folder of the run (issue 18: a
symlinked ``output.log`` served /etc/passwd). Files go out as downloads
(``Content-Disposition: attachment``), sandboxed by their own CSP, and with a
type a browser will not run as a script or a page: only images keep theirs, for
report blocks that show them.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from ...errors import NotFound
from ..deps import ApiDep, run_dir

router = APIRouter(tags=["files"])

MAX_LINES = 10_000
# Types shown inline by the UI (an <img> in a report, the media panels' <audio>
# and <video>). SVG is not among them: it can carry scripts.
_INLINE_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
    "audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg", "audio/flac",
    "video/mp4", "video/webm", "application/json",
})  # fmt: skip
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
# A logged runfold.Html, shown by the UI in a sandboxed frame of its own page: no
# script runs (sandbox without allow-scripts), nothing is fetched but inline
# styles and data: images.
HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
    "frame-ancestors 'self'"
)
# Media files are named by their content: the same path never changes.
MEDIA_CACHE = "private, max-age=31536000, immutable"


def _run_dir(request: Request, api: Any, project: str, run_id: str) -> Path:
    api.run(f"{project}/{run_id}")  # RunNotFound (404) for a run that is not there
    directory = run_dir(request, project, run_id)
    if directory is None:
        raise NotFound(f"Run {run_id!r} has no directory here.")
    return directory


def file_in(directory: Path, folder: str, path: str) -> Path | None:
    """``directory/folder/path`` resolved, if it is a regular file inside
    ``directory/folder`` (itself inside ``directory``); None otherwise."""
    try:
        root = (directory / folder).resolve()  # a `files` symlink must not lead out
        if not root.is_relative_to(directory.resolve()):
            return None
        target = (root / path).resolve()
        return target if target.is_relative_to(root) and target.is_file() else None
    except (OSError, ValueError):  # a name no filesystem holds (too long, a NUL)
        return None


@router.get("/projects/{project}/runs/{run_id}/files/{path:path}")
def download_file(
    project: str, run_id: str, path: str, request: Request, api: ApiDep
) -> FileResponse:
    """One of the run's saved files, as a download. Paths cannot leave the run."""
    directory = _run_dir(request, api, project, run_id)
    target = file_in(directory, "files", path)
    if target is None:
        raise NotFound(
            f"Run {run_id!r} has no file {path!r}. Its files are listed by "
            f"GET /api/v1/projects/{project}/runs/{run_id}."
        )
    guessed = mimetypes.guess_type(target.name)[0]
    kind = guessed if guessed in _INLINE_TYPES else "application/octet-stream"
    headers = {"Content-Security-Policy": FILE_CSP, "X-Content-Type-Options": "nosniff"}
    media = path.startswith("media/")
    if media:
        headers["Cache-Control"] = MEDIA_CACHE
        if target.suffix == ".html":
            kind, headers["Content-Security-Policy"] = "text/html", HTML_CSP
            headers["X-Frame-Options"] = "SAMEORIGIN"  # shown in the UI's frame
    return FileResponse(
        target, filename=target.name, media_type=kind, headers=headers,
        content_disposition_type="inline" if media else "attachment",
    )  # fmt: skip


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
    log = file_in(directory, ".", "output.log") or file_in(
        directory, "files", "output.log"
    )
    lines = log.read_text("utf-8", errors="replace").splitlines() if log else []
    total = len(lines)
    if q:
        needle = q.lower()
        lines = [line for line in lines if needle in line.lower()]
    return {"lines": lines[-limit:], "total": total, "matched": len(lines)}
