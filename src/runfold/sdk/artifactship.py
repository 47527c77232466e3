"""An artifact's files on their way with its record: into the local store, or up
to a server, before the record itself.

``LocalSink`` and ``runfold sync`` call ``store_locally`` with each batch: the
files a record names move from the run's staging folder into the store's
(``artifacts.records.store_files``). ``HttpSink`` calls ``upload`` before it
posts a batch: it asks the server which of the files the batch's records name
it lacks (``POST .../artifacts/files/missing``) and sends only those
(``PUT .../artifacts/files/<sha256>``, streamed): a file many runs log goes up
once. A failure raises as any sink failure does, so the writer retries the
batch, and a file already sent is not sent again.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..artifacts.blobs import CHUNK, BlobStore, blob_root, staging_root
from ..artifacts.manifest import Manifest, is_sha256
from ..artifacts.records import store_files
from ..errors import UsageError
from ..model import RecordKind

__all__ = ["store_locally", "upload", "has_artifacts"]

_ASK_AT_ONCE = 10_000
_BEAT_S = 5.0  # heartbeats between uploads, at most this often


def has_artifacts(records: Iterable[tuple[int, str, Any]]) -> bool:
    return any(kind == RecordKind.ARTIFACT for _, kind, _ in records)


def store_locally(
    records: list[tuple[int, str, Any]], store: Any, project: str, run_dir: Path | None
) -> None:
    """Before ``store.ingest(records)``: their artifact files into the store's
    folder (UsageError for a record whose files are nowhere: it is refused)."""
    if not has_artifacts(records):
        return
    if getattr(store, "path", None) is None:
        raise UsageError(
            "artifacts need a store with a files folder (SQLite), or a server: "
            "upload this run with runfold sync --base-url URL."
        )
    target = BlobStore(blob_root(Path(store.path).parent, project))
    staged = [BlobStore(staging_root(run_dir))] if run_dir is not None else []
    store_files(records, target, staged)


def _sources(run_dir: Path, project: str) -> list[BlobStore]:
    """Where a run's artifact files may be: its staging folder, and (a local
    run synced to a server) the store its directory belongs to."""
    found = [BlobStore(staging_root(run_dir))]
    store_dir = run_dir.parent.parent.parent
    if (store_dir / "runfold.db").exists():
        found.append(BlobStore(blob_root(store_dir, project)))
    return found


def _find(sources: list[BlobStore], sha: str) -> Path | None:
    for blobs in sources:
        if blobs.has(sha):
            return blobs.path(sha)
    return None


def needed_files(
    records: Iterable[tuple[int, str, Any]], run_dir: Path, project: str
) -> dict[str, Path]:
    """SHA-256 -> the local file, for every file the artifact records name that
    is here (a file that is not is left to the server, which then refuses the
    record)."""
    sources = _sources(run_dir, project)
    out: dict[str, Path] = {}
    for _, kind, body in records:
        if kind != RecordKind.ARTIFACT or not isinstance(body, dict):
            continue
        digest = body.get("digest")
        if not isinstance(digest, str) or not is_sha256(digest):
            continue
        manifest_path = _find(sources, digest)
        if manifest_path is None:
            continue
        out[digest] = manifest_path
        try:
            manifest = Manifest.parse(manifest_path.read_bytes())
        except UsageError:
            continue
        for entry in manifest.files():
            assert entry.digest is not None
            found = _find(sources, entry.digest)
            if found is not None:
                out[entry.digest] = found
    return out


def upload(sink: Any, records: list[tuple[int, str, Any]]) -> None:
    """Send the server the files of ``records``' artifacts it lacks."""
    needed = needed_files(records, sink.runlog_path.parent, sink.project)
    if not needed:
        return
    shas = sorted(needed)
    missing: list[str] = []
    for start in range(0, len(shas), _ASK_AT_ONCE):
        response = sink._request(
            "POST", "/artifact-store/missing", client=sink._files_client,
            json={"sha256": shas[start : start + _ASK_AT_ONCE]},
        )  # fmt: skip
        if response.status_code != 200:
            raise sink._reject(response, "artifact files")
        missing += [s for s in response.json()["missing"] if s in needed]
    for sha in missing:
        _put(sink, sha, needed[sha])


def _put(sink: Any, sha: str, path: Path) -> None:
    size = path.stat().st_size
    response = sink._request(
        "PUT", f"/artifact-store/files/{sha}", client=sink._files_client,
        content=_pieces(path, size),
        headers={"content-length": str(size), "content-type": "application/octet-stream"},
    )  # fmt: skip
    if response.status_code in (401, 403):
        raise sink._reject(response, f"artifact file {sha}")
    if response.status_code != 200:  # too large, or refused: so is its record
        print(
            f"runfold: the server at {sink.base_url} refused artifact file {path} "
            f"({response.status_code}: {response.text[:300]}); the version that has "
            "it is not stored there.",
            file=sys.stderr,
        )
    now = time.monotonic()
    if now - getattr(sink, "_artifact_beat", 0.0) >= _BEAT_S:  # a long upload lives
        sink._artifact_beat = now
        try:
            sink.heartbeat()
        except Exception:  # noqa: BLE001 - a missed heartbeat is not fatal
            pass


def _pieces(path: Path, size: int) -> Iterator[bytes]:
    """The file in 1 MiB pieces; exactly ``size`` bytes (its length went ahead)."""
    left = size
    with open(path, "rb") as source:
        while left > 0:
            chunk = source.read(min(CHUNK, left))
            if not chunk:
                raise OSError(f"{path} shrank while it was being uploaded")
            left -= len(chunk)
            yield chunk
