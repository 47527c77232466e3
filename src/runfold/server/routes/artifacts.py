"""Artifacts (issue 17): a project's versioned datasets and models, their files
and their lineage; and the upload of the files a run's artifact records name.

    GET    /projects/{p}/artifacts?type=T                       {"artifacts": [names]}
    GET    /projects/{p}/artifacts/{name}                       {"artifact", "versions"}
    GET    /projects/{p}/artifacts/{name}/versions/{alias}      a version (alias, vN, digest)
    GET    /projects/{p}/artifacts/{name}/versions/{alias}/files  {"files", "total"}
    PATCH  /projects/{p}/artifacts/{name}/versions/{alias}      {"aliases", "description", "metadata"}
    DELETE /projects/{p}/artifacts/{name}/versions/{alias}      forget it (files: runfold artifact gc)
    GET    /projects/{p}/artifacts/{name}/lineage               {"links", "graph"}
    GET    /projects/{p}/lineage?filters=F                      {"links"}: what those runs used and made
    GET    /projects/{p}/runs/{run_id}/artifacts                {"links"}: the run's inputs and outputs
    GET    /projects/{p}/artifact-store/files/{sha256}          one file, by content
    PUT    /projects/{p}/artifact-store/files/{sha256}          upload one (streamed, checked)
    POST   /projects/{p}/artifact-store/missing                 {"sha256": [...]} -> {"missing"}

Files are kept once per project by content (``artifacts.blobs``), under the
server's files folder: a file many runs log is sent and stored once. A file is
kept only when the SHA-256 of what arrived is its name. An ``artifact`` record
is taken (``post_records``) only once every file it names is here
(``server.artifactcheck``). Team mode's gate (server/app.py) guards every route by its
project: another team's artifacts read as missing.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse

from ...artifacts.manifest import Manifest, check_alias, check_metadata, is_sha256
from ...artifacts.records import MAX_DESCRIPTION
from ...errors import NotFound, PayloadTooLarge, UsageError
from ..artifactcheck import blobs_of
from ..deps import ApiDep
from ..openapi import _json_body, answers
from ..schemas import FiltersQuery, json_response, parse_filters, reject_unknown_params
from .ingest import RawBody, _json_object

__all__ = ["router", "MAX_ARTIFACT_FILE_BYTES"]

router = APIRouter(tags=["artifacts"], dependencies=[Depends(reject_unknown_params)])

MAX_ARTIFACT_FILE_BYTES = 1 << 40  # one file (a checkpoint): app.state may lower it
MAX_FILES_PAGE = 10_000
# Path parameters, with the patterns the server checks them with (so a name the
# schema allows is one the server takes).
Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")]
Alias = Annotated[
    str, Path(pattern=r"^(v\d{1,18}|[0-9a-f]{64}|[A-Za-z0-9][A-Za-z0-9_.\-]{0,127})$")
]
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
_WRITE_AT = 1 << 20
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
UPLOAD_BODY = {"requestBody": {
    "required": True,
    "description": "The file's bytes; its name is the SHA-256 of its content.",
    "content": {"application/octet-stream": {"schema": {"type": "string",
                                                         "format": "binary"}}},
}}  # fmt: skip
MISSING_BODY = _json_body(
    {"type": "object", "required": ["sha256"], "properties": {"sha256": {
        "type": "array", "maxItems": 10_000,
        "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}},
    "The SHA-256 of each file the client could send.",
)  # fmt: skip
PATCH_BODY = _json_body(
    {"type": "object", "additionalProperties": False, "properties": {
        "aliases": {"type": "array", "items": {"type": "string"}},
        "description": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "metadata": {"type": "object"},
    }},
    "What to change: the version's aliases (all of them; 'latest' stays where it "
    "is), its description, its metadata.",
)  # fmt: skip


# ---- reading ------------------------------------------------------------------


@router.get("/projects/{project}/artifacts")
def list_artifacts(
    project: str, api: ApiDep,
    type: Annotated[str | None, Query(max_length=128, description="Only this type.")] = None,  # noqa: A002
) -> Any:  # fmt: skip
    """``{"artifacts": [{"name", "type", "versions", "latest", "created_at",
    "updated_at", "size"}]}`` by type and name."""
    return json_response({"artifacts": api.artifact_collections(project, type)})


@router.get("/projects/{project}/artifacts/{name}")
def get_artifact(project: str, name: Name, api: ApiDep) -> Any:
    """``{"artifact": {...}, "versions": [version, ...]}``, v0 first."""
    versions = api._version_list(project, name)
    found = [c for c in api.artifact_collections(project) if c["name"] == name]
    return json_response(
        {"artifact": found[0] if found else None, "versions": versions}
    )


@router.get("/projects/{project}/artifacts/{name}/versions/{alias}")
def get_version(project: str, name: Name, alias: Alias, api: ApiDep) -> Any:
    """One version: ``project, name, type, version, label, digest, description,
    metadata, size, file_count, created_at, logged_by, aliases, used``."""
    return json_response(api._artifact_source(project).version(name, alias))


@router.get("/projects/{project}/artifacts/{name}/versions/{alias}/files")
def version_files(
    project: str, name: Name, alias: Alias, request: Request, api: ApiDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_FILES_PAGE)] = 1000,
    prefix: Annotated[str | None, Query(max_length=1024)] = None,
) -> Any:  # fmt: skip
    """``{"files": [{"path", "size", "digest", "ref"}], "total"}`` in path order
    (``prefix``: only the paths starting with it)."""
    version = api._artifact_source(project).version(name, alias)
    data = blobs_of(request, project).read_bytes(version["digest"])
    entries = [
        e for e in Manifest.parse(data) if not prefix or e.path.startswith(prefix)
    ]
    page = [{"path": e.path, "size": e.size, "digest": e.digest, "ref": e.ref}
            for e in entries[offset : offset + limit]]  # fmt: skip
    return json_response({"files": page, "total": len(entries)})


@router.get("/projects/{project}/artifacts/{name}/lineage")
def artifact_lineage(project: str, name: Name, api: ApiDep) -> Any:
    """``{"links": [...], "graph": {"nodes", "edges", "truncated"}}``: who logged
    and used each version, and what those runs used and made."""
    links = api._links(project, name=name)
    return json_response(
        {"links": links, "graph": api.artifact_lineage(f"{project}/{name}")}
    )


@router.get("/projects/{project}/lineage")
def runs_lineage(project: str, api: ApiDep, filters: FiltersQuery = None) -> Any:
    """``{"links": [...]}``: what the runs matching ``filters`` (a group's, say)
    used and made, oldest first."""
    parsed = parse_filters(filters)
    ids = None if parsed is None else [r.id for r in api.run_rows(project, parsed)]
    return json_response({"links": api._links(project, run_ids=ids)})


@router.get("/projects/{project}/runs/{run_id}/artifacts")
def run_artifacts(project: str, run_id: str, api: ApiDep) -> Any:
    """``{"links": [...]}``: the versions the run used (its inputs) and logged or
    linked (its outputs)."""
    api.run(f"{project}/{run_id}")  # RunNotFound for a run that is not there
    return json_response({"links": api._links(project, run_ids=[run_id])})


# ---- editing ------------------------------------------------------------------


@router.patch(
    "/projects/{project}/artifacts/{name}/versions/{alias}", openapi_extra=PATCH_BODY
)
def patch_version(
    project: str, name: Name, alias: Alias, body: RawBody, api: ApiDep
) -> Any:
    """Set a version's aliases, description or metadata; the version."""
    changes = _json_object(body)
    unknown = set(changes) - {"aliases", "description", "metadata"}
    if unknown:
        raise UsageError(f"Cannot change {sorted(unknown)} of an artifact version.")
    out: dict[str, Any] = {}
    if "aliases" in changes:
        aliases = changes["aliases"]
        if not isinstance(aliases, list):
            raise UsageError("aliases must be a list of names.")
        out["aliases"] = [a if a == "latest" else check_alias(a) for a in aliases]
    if "description" in changes:
        text = changes["description"]
        if text is not None and (
            not isinstance(text, str) or len(text) > MAX_DESCRIPTION or "\x00" in text
        ):
            raise UsageError(
                f"description must be text under {MAX_DESCRIPTION} characters."
            )
        out["description"] = text
    if "metadata" in changes:
        out["metadata"] = check_metadata(changes["metadata"])
    return json_response(api._artifact_source(project).update(name, alias, out))


@router.delete("/projects/{project}/artifacts/{name}/versions/{alias}")
def delete_version(project: str, name: Name, alias: Alias, api: ApiDep) -> Any:
    """Forget a version; its files stay until ``runfold artifact gc``."""
    api._artifact_source(project).delete(name, alias)
    return {"ok": True}


# ---- files ----------------------------------------------------------------------


@router.get("/projects/{project}/artifact-store/files/{sha256}")
def get_file(
    project: str, sha256: Sha256, request: Request,
    name: Annotated[str | None, Query(max_length=255, description="The file name to save as.")] = None,
) -> FileResponse:  # fmt: skip
    """One artifact file of the project, by content, as a download."""
    blobs = blobs_of(request, project)
    if not is_sha256(sha256) or not blobs.has(sha256):
        raise NotFound(f"Project {project!r} has no artifact file {sha256!r}.")
    headers = {"Content-Security-Policy": FILE_CSP, "X-Content-Type-Options": "nosniff",
               "Cache-Control": "private, max-age=31536000, immutable"}  # fmt: skip
    safe = (name or sha256).replace("/", "_").replace("\\", "_")
    return FileResponse(
        blobs.path(sha256), filename=safe, headers=headers,
        media_type="application/octet-stream",
    )  # fmt: skip


@router.post("/projects/{project}/artifact-store/missing", openapi_extra=MISSING_BODY)
def missing_files(project: str, request: Request, body: RawBody) -> Any:
    """``{"missing": [...]}``: which of these files the project lacks."""
    asked = _json_object(body).get("sha256")
    if (
        not isinstance(asked, list)
        or len(asked) > 10_000
        or not all(map(is_sha256, asked))
    ):
        raise UsageError('Send {"sha256": [64 hex digits, ...]} (at most 10,000).')
    blobs = blobs_of(request, project)
    return {"missing": [sha for sha in asked if not blobs.has(sha)]}


@router.put(
    "/projects/{project}/artifact-store/files/{sha256}",
    openapi_extra=UPLOAD_BODY,
    responses=answers(413),
)
async def put_file(project: str, sha256: Sha256, request: Request) -> dict[str, Any]:
    """Stream a file into the project's artifact files; kept only when its
    content's SHA-256 is ``sha256``."""
    if not is_sha256(sha256):
        raise UsageError(f"{sha256!r} is not a SHA-256 (64 lowercase hex digits).")
    blobs = blobs_of(request, project)
    limit = int(
        getattr(request.app.state, "max_artifact_file_bytes", MAX_ARTIFACT_FILE_BYTES)
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"An artifact file is at most {limit} bytes on this server."
        )
    if await anyio.to_thread.run_sync(blobs.has, sha256):
        return {"ok": True, "sha256": sha256, "stored": False}
    writer = await anyio.to_thread.run_sync(blobs.writer, sha256)
    pending: list[bytes] = []  # written (and hashed) a MiB at a time, off the loop
    size = held = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(
                    f"An artifact file is at most {limit} bytes on this server."
                )
            pending.append(chunk)
            held += len(chunk)
            if held >= _WRITE_AT:
                await anyio.to_thread.run_sync(writer.write, b"".join(pending))
                pending, held = [], 0
        if pending:
            await anyio.to_thread.run_sync(writer.write, b"".join(pending))
        await anyio.to_thread.run_sync(writer.commit)
    except BaseException:
        writer.abort()
        raise
    return {"ok": True, "sha256": sha256, "stored": True, "size": writer.size}
