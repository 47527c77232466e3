"""Where a version read back comes from: a local store, or a server.

An ``Artifact`` read back (``Api().artifact(...)``, ``run.use_artifact(...)``)
asks its source for its version's fields (the HTTP API's JSON shape, a dict),
its manifest, its files, its lineage and the runs in it, and sends edits
(aliases, description, metadata) and deletion there. ``LocalSource`` reads a
store and the files beside it; ``HttpSource`` a server's ``/api/v1`` (files kept
in the download cache, ``cache.py``). Neither imports the store or the HTTP
client: the caller hands them in.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from ..errors import NotFound
from .blobs import BlobStore, blob_root
from .cache import cache_blobs

__all__ = ["Source", "LocalSource", "HttpSource", "copy_file", "as_fields"]

MakeRun = Callable[[str], Any]  # run id -> the reader's Run


class Source(Protocol):
    project: str

    def version(self, name: str, alias: str) -> dict[str, Any]: ...

    def read(self, sha: str) -> bytes: ...

    def copy_to(self, sha: str, size: int | None, target: Path) -> None: ...

    def links(self, name: str) -> list[dict[str, Any]]: ...

    def run(self, run_id: str) -> Any: ...

    def update(
        self, name: str, version: str, changes: dict[str, Any]
    ) -> dict[str, Any]: ...

    def delete(self, name: str, version: str) -> None: ...


def as_fields(row: Any) -> dict[str, Any]:
    """A store's ``ArtifactVersionRow`` as the HTTP API's fields."""
    out = dataclasses.asdict(row)
    out["label"] = f"v{out['version']}"
    return out


def copy_file(source: Path, target: Path) -> None:
    """Copy through a part file, so ``target`` is never seen half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.runfold-part")
    try:
        shutil.copyfile(source, part)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _missing_file(sha: str, project: str) -> NotFound:
    return NotFound(
        f"Artifact file {sha[:12]}… is not in project {project!r}'s store (deleted "
        "by `runfold artifact gc`, or the store was copied without its artifacts/)."
    )


class LocalSource:
    """A store (SQLite or PostgreSQL) and its files folder."""

    def __init__(
        self, store: Any, files_dir: Path, project: str, make_run: MakeRun | None = None
    ) -> None:
        self.store = store
        self.project = project
        self.blobs = BlobStore(blob_root(files_dir, project))
        self._make_run = make_run

    def version(self, name: str, alias: str) -> dict[str, Any]:
        return as_fields(self.store.get_artifact_version(self.project, name, alias))

    def read(self, sha: str) -> bytes:
        try:
            return self.blobs.read_bytes(sha)
        except OSError:
            raise _missing_file(sha, self.project) from None

    def copy_to(self, sha: str, size: int | None, target: Path) -> None:
        if not self.blobs.has(sha, size):
            raise _missing_file(sha, self.project)
        copy_file(self.blobs.path(sha), target)

    def links(self, name: str) -> list[dict[str, Any]]:
        return [
            {"role": link.role, "at": link.at, "run_id": link.run_id,
             "run_name": link.run_name, "run_group": link.run_group,
             "run_state": link.run_state, "version": as_fields(link.version)}
            for link in self.store.artifact_links(self.project, name=name)
        ]  # fmt: skip

    def run(self, run_id: str) -> Any:
        return self._make_run(run_id) if self._make_run is not None else run_id

    def update(
        self, name: str, version: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        row = self.store.update_artifact_version(self.project, name, version, **changes)
        return as_fields(row)

    def delete(self, name: str, version: str) -> None:
        self.store.delete_artifact_version(self.project, name, version)


class HttpSource:
    """A server's ``/api/v1`` through an ``httpclient.Http``; files are fetched
    once into the download cache and copied from there."""

    def __init__(
        self, http: Any, project: str, make_run: MakeRun | None = None,
        cache: BlobStore | None = None,
    ) -> None:  # fmt: skip
        self.http = http
        self.project = project
        self._make_run = make_run
        self.cache = cache if cache is not None else cache_blobs()

    def _path(self, *parts: str) -> str:
        return "/" + "/".join(
            quote(p, safe="") for p in ("projects", self.project, "artifacts", *parts)
        )

    def _store_path(self, *parts: str) -> str:
        return "/" + "/".join(
            quote(p, safe="")
            for p in ("projects", self.project, "artifact-store", *parts)
        )

    def version(self, name: str, alias: str) -> dict[str, Any]:
        return dict(self.http.get(self._path(name, "versions", alias)))

    def _cached(self, sha: str, size: int | None) -> Path:
        """The file in the cache, fetched (streamed, checked) when it is not."""
        if self.cache.has(sha, size):
            self.cache.touch(sha)
        else:
            writer = self.cache.writer(expected=sha)
            try:
                self.http.download(self._store_path("files", sha), writer.write)
                writer.commit()
            except BaseException:
                writer.abort()
                raise
        return self.cache.path(sha)

    def read(self, sha: str) -> bytes:
        return self._cached(sha, None).read_bytes()

    def copy_to(self, sha: str, size: int | None, target: Path) -> None:
        copy_file(self._cached(sha, size), target)

    def links(self, name: str) -> list[dict[str, Any]]:
        return list(self.http.get(self._path(name, "lineage"))["links"])

    def run(self, run_id: str) -> Any:
        return self._make_run(run_id) if self._make_run is not None else run_id

    def update(
        self, name: str, version: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        return dict(
            self.http.send("PATCH", self._path(name, "versions", version), json=changes)
        )

    def delete(self, name: str, version: str) -> None:
        self.http.send("DELETE", self._path(name, "versions", version))
