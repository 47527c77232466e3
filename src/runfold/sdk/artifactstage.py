"""The run's artifact stager: a logged artifact's files, stored by content before
the record that names them.

``run.log_artifact`` returns at once and hands the artifact here. This thread
reads each file once (hashing while it copies, 1 MiB at a time) into a
``BlobStore`` named by content: the store's own in local mode (where a file it
has already is only hashed, never copied again), the run's staging folder
(``<run_dir>/artifacts/blobs``) offline and online. Then it writes the manifest
the same way and queues the ``artifact`` record with the run's other records;
the writer appends it to the run log and ships it as any record. So a record in
the run log always has its files on disk, and a run killed while staging leaves
no record, only files that no version names (``runfold artifact gc`` removes
them). Staging runs beside the writer, never in its log thread: a 5 GB
checkpoint does not hold up the metrics logged meanwhile. Uses and links go
through the same queue, so they follow the versions they name.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from ..artifacts.blobs import BlobStore, hash_file
from ..artifacts.manifest import Entry, Manifest

__all__ = ["ArtifactStager", "StageJob"]


class StageJob:
    """One artifact record to write: ``body`` is completed here (``digest``,
    ``size``, ``files``) when ``artifact`` is a draft whose files must be staged
    first, or whose digest only staging an earlier job made known."""

    __slots__ = ("artifact", "body", "stage", "done", "error")

    def __init__(self, artifact: Any, body: dict[str, Any], stage: bool) -> None:
        self.artifact = artifact
        self.body = body
        self.stage = stage
        self.done = threading.Event()
        self.error: BaseException | None = None


class ArtifactStager:
    def __init__(
        self,
        blobs: BlobStore,
        *,
        dedup: bool,
        put_record: Callable[[dict[str, Any]], None],
    ) -> None:
        self.blobs = blobs
        self.dedup = dedup  # the store's own folder: a file it has is not copied
        self._put_record = put_record
        self._jobs: deque[StageJob] = deque()
        self._cond = threading.Condition()
        self._busy = 0
        self._closing = False
        self._thread = threading.Thread(
            target=self._loop, name="runfold-artifacts", daemon=True
        )
        self._thread.start()

    def submit(self, job: StageJob) -> None:
        with self._cond:
            self._jobs.append(job)
            self._busy += 1
            self._cond.notify_all()

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until every job submitted so far is staged and queued."""
        with self._cond:
            return self._cond.wait_for(lambda: self._busy == 0, timeout)

    def close(self) -> None:
        """Stage what was submitted, then end the thread (at the run's finish):
        a process that runs many runs keeps no thread per run."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._jobs) or self._closing)
                if not self._jobs:
                    return
                job = self._jobs.popleft()
            try:
                self._run(job)
            except BaseException as exc:  # noqa: BLE001 - said, and raised by wait()
                job.error = exc
                name = job.body.get("name")
                print(
                    f"runfold: artifact {name!r} was not logged: {exc}", file=sys.stderr
                )
            finally:
                job.done.set()
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _run(self, job: StageJob) -> None:
        artifact = job.artifact
        if job.stage:
            manifest = self._stage(artifact._pending)
            digest = self.blobs.put_bytes(manifest.to_bytes())
            artifact._manifest = manifest
            artifact._cleanup()
            job.body.update(digest=digest, size=manifest.size, files=len(manifest))
        elif job.body.get("digest") is None and job.body.get("alias") is None:
            digest = artifact.digest  # staged by an earlier job of this run
            if digest is None:
                raise RuntimeError("its files were never staged")
            manifest = artifact._loaded_manifest()
            job.body.update(digest=digest, size=manifest.size, files=len(manifest))
        self._put_record(job.body)

    def _stage(self, pending: dict[str, tuple[str, Any]]) -> Manifest:
        entries = {}
        for path in sorted(pending):
            kind, item = pending[path]
            if kind == "file":
                sha, size = self._put_file(item)
                entries[path] = Entry(path, sha, size)
            else:  # a reference, or a file of a stored version (new_draft)
                entries[path] = Entry(path, item.digest, item.size, item.ref)
        return Manifest(entries)

    def _put_file(self, source: Any) -> tuple[str, int]:
        if self.dedup:  # read once to name it; copy only what the store lacks
            sha, size = hash_file(source)
            if self.blobs.has(sha, size):
                self.blobs.touch(sha)
                return sha, size
        return self.blobs.copy_in(source)
