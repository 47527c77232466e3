"""What the server takes as an artifact (issue 17): a record only once every
file it names is stored, and files only under their content's SHA-256.

An ``artifact`` record names a version by its manifest's digest; the manifest
and each file it lists must be in the project's files (``artifacts.blobs``,
under the server's files folder) before the record is taken, or it is refused
with a 400: the SDK uploads them first (``sdk.artifactship``), so a version is
never visible with a file missing.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ..artifacts.blobs import BlobStore, blob_root
from ..artifacts.records import store_files
from ..model import RecordKind
from ..settings import validate_project

__all__ = ["blobs_of", "check_records"]


def blobs_of(request: Request, project: str) -> BlobStore:
    """The project's artifact files on this server."""
    validate_project(project)
    return BlobStore(blob_root(request.app.state.files_dir, project))


def check_records(request: Request, project: str, records: list[Any]) -> None:
    """Before ingest: every artifact record's files are here (UsageError, a 400,
    for one whose files are not)."""
    if any(kind == RecordKind.ARTIFACT for _, kind, _ in records):
        store_files(records, blobs_of(request, project))
