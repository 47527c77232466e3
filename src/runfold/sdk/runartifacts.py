"""``run.log_artifact``, ``use_artifact``, ``link_artifact`` and the model
shortcuts (W&B's names): a mixin of ``Run``.

Logging returns at once: the run's stager (``artifactstage``) stores the files
by content and queues the ``artifact`` record, which the writer carries like
any other (run log first, then the store or server; ``runfold sync`` for an
offline run). ``artifact.wait()`` returns once the store or server has the
version. Using a version resolves ``name:alias`` now, where the run's records
go (the local store, or the server), and records the version used; an offline
run records the name and alias, resolved when it is synced.
"""

from __future__ import annotations

import os
import re
import time
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import NotFound, RunfoldError, UsageError

__all__ = ["ArtifactLogging", "log_artifact", "use_artifact", "log_model", "use_model"]

OTHER_PROJECT = (
    "use_artifact({text!r}): Runfold's artifacts belong to one project, and this "
    "run is in {project!r}. Log the artifact in this project, or start the run "
    "in {other!r}."
)
OTHER_TYPE = "use_artifact({text!r}): it is a {had!r}, not a {wanted!r}."
NOT_STORED = (
    "artifact {name!r} was not stored by {where} (see the message above); it is "
    "kept in the run log {log}."
)


class ArtifactLogging:
    """The artifact half of ``Run`` (a mixin: ``Run`` owns the state it uses)."""

    project: str
    id: str
    dir: Path
    mode: str
    _writer: Any
    _enqueue: Any
    _is_finished: bool
    _stager: Any = None
    _artifact_source: Any = None

    # ---- where the records go, and where versions are read -------------------

    def _store_dir(self) -> Path:
        return self.dir.parent.parent.parent  # RUNFOLD_DIR/runs/<project>/<id>

    def _staging(self) -> Any:
        if self._stager is None:
            from ..artifacts.blobs import BlobStore, blob_root, staging_root
            from ..model import RecordKind
            from .artifactstage import ArtifactStager
            from .sinks import LocalSink
            from .writer import Control

            local = isinstance(self._writer.sink, LocalSink)
            root = (
                blob_root(Path(self._writer.sink.store.path).parent, self.project)
                if local else staging_root(self.dir)
            )  # fmt: skip
            writer = self._writer

            def put_record(body: dict[str, Any]) -> None:
                writer.items.append(Control(RecordKind.ARTIFACT, body))
                writer.wake()

            self._stager = ArtifactStager(
                BlobStore(root), dedup=local, put_record=put_record
            )
        return self._stager

    def _source(self) -> Any:
        """Where this run reads versions: its store, its server, or (offline, or
        a shared directory) nowhere: None."""
        if self._artifact_source is None and self._writer is not None:
            from .sinks import HttpSink, LocalSink

            sink = self._writer.sink
            if isinstance(sink, LocalSink):
                from ..artifacts.sources import LocalSource

                path = Path(sink.store.path)
                self._artifact_source = LocalSource(
                    _Opened(path), path.parent, self.project,
                    partial(_local_run, path.parent, self.project),
                )  # fmt: skip
            elif isinstance(sink, HttpSink):
                from ..artifacts.sources import HttpSource

                auth = sink._client.headers.get("authorization", "")
                key = auth.split(" ", 1)[1] if " " in auth else None
                self._artifact_source = HttpSource(
                    _Opened(sink.base_url, key), self.project,
                    partial(_remote_run, sink.base_url, key, self.project),
                )  # fmt: skip
        return self._artifact_source

    def _submit(self, artifact: Any, body: dict[str, Any], stage: bool) -> Any:
        from .artifactstage import StageJob

        job = StageJob(artifact, body, stage)
        self._staging().submit(job)
        return job

    def _settle_artifacts(self) -> None:
        """At finish: every artifact handed to the run is staged and queued, and
        the stager's thread has ended."""
        if self._stager is not None:
            self._stager.close()
            self._stager = None

    def _wait_for(
        self, job: Any, name: str, timeout: float | None
    ) -> tuple[dict[str, Any] | None, Any]:
        if not job.done.wait(timeout):
            raise UsageError(
                f"artifact {name!r} is still being staged after {timeout} s."
            )
        if job.error is not None:
            raise UsageError(f"artifact {name!r} was not logged: {job.error}")
        if not self._is_finished:
            self._writer.flush(timeout if timeout is not None else 120.0)
        source = self._source()
        if source is None:
            return None, None  # offline: numbered when synced
        try:
            return source.version(name, job.body["digest"]), source
        except NotFound:
            where = "the server" if self.mode == "online" else "the store"
            log = self._writer.runlog.path
            raise UsageError(
                NOT_STORED.format(name=name, where=where, log=log)
            ) from None

    # ---- W&B's calls ------------------------------------------------------------

    def log_artifact(
        self, artifact_or_path: Any, name: str | None = None, type: str | None = None,  # noqa: A002
        aliases: list[str] | None = None, tags: list[str] | None = None,
    ) -> Any:  # fmt: skip
        """Log a version: an ``Artifact``, or a file or folder's path (then
        ``name`` defaults to its base name and ``type`` to ``unspecified``).
        Returns the artifact; ``artifact.wait()`` blocks until it is stored."""
        from ..artifacts.artifact import Artifact
        from ..artifacts.manifest import check_alias

        artifact = _as_artifact(artifact_or_path, name, type or "unspecified")
        extra = [check_alias(a) for a in (aliases or []) if a != "latest"]
        if self._writer is None:  # disabled: nothing is kept
            return artifact
        self._check_type(artifact._name, artifact.type)
        body = {
            "action": "log", "name": artifact._name, "type": artifact.type,
            "description": artifact.description, "metadata": dict(artifact.metadata),
            "aliases": sorted(set(extra) | set(a for a in artifact.aliases if a != "latest")),
            "at": time.time(),
        }  # fmt: skip
        stage = artifact._info is None and artifact._waiter is None
        if not stage and artifact.digest is not None:
            body.update(
                digest=artifact.digest, size=artifact.size, files=artifact.file_count
            )
        artifact._final = True
        job = self._submit(artifact, body, stage)
        if stage or artifact._info is None:
            artifact._waiter = partial(self._wait_for, job, artifact._name)
        assert isinstance(artifact, Artifact)
        return artifact

    def _check_type(self, name: str, kind: str) -> None:
        """A name keeps its type: say so now rather than at ingest."""
        try:
            source = self._source()
            if source is None:
                return
            had = source.version(name, "latest")["type"]
        except RunfoldError:  # not there yet, or the server is down: ingest checks
            return
        if had != kind:
            raise UsageError(
                f"artifact {name!r} of project {self.project!r} is a {had!r}, not a "
                f"{kind!r}: a name keeps its type. Give the {kind} another name."
            )

    def use_artifact(
        self, artifact_or_name: Any, type: str | None = None,  # noqa: A002
        aliases: list[str] | None = None, use_as: str | None = None,
    ) -> Any:  # fmt: skip
        """Record that this run uses a version (``"name:alias"``, ``"name:v3"``,
        or an ``Artifact``) and return it, ready to ``download()``."""
        from ..artifacts.artifact import Artifact
        from ..artifacts.manifest import parse_ref

        if isinstance(artifact_or_name, Artifact):
            return self._use_object(artifact_or_name, aliases)
        text = str(artifact_or_name)
        project, name, alias = parse_ref(text)
        if project is not None and project != self.project:
            raise UsageError(
                OTHER_PROJECT.format(text=text, project=self.project, other=project)
            )
        if self._writer is None:
            return Artifact(name, type or "unspecified")
        source = self._source()
        body: dict[str, Any] = {"action": "use", "name": name, "at": time.time()}
        if source is None:  # offline: resolved when synced
            artifact = Artifact(name, type or "unspecified")
            artifact._final = True
            body.update(alias=alias, type=type)
            self._submit(artifact, body, False)
            return artifact
        info = source.version(name, alias)
        if type is not None and info["type"] != type:
            raise UsageError(
                OTHER_TYPE.format(text=text, had=info["type"], wanted=type)
            )
        body.update(type=info["type"], digest=info["digest"], size=info["size"],
                    files=info["file_count"])  # fmt: skip
        self._submit(None, body, False)
        return Artifact._read(info, source)

    def _use_object(self, artifact: Any, aliases: list[str] | None) -> Any:
        if self._writer is None:
            return artifact
        body: dict[str, Any] = {
            "action": "use", "name": artifact._name, "type": artifact.type,
            "description": artifact.description, "metadata": dict(artifact.metadata),
            "aliases": list(aliases or []), "at": time.time(),
        }  # fmt: skip
        stage = not artifact._final  # a draft used as an input: stored as one
        if artifact._info is not None:
            body.update(
                digest=artifact.digest, size=artifact.size, files=artifact.file_count
            )
        artifact._final = True
        job = self._submit(artifact, body, stage)
        if stage:
            artifact._waiter = partial(self._wait_for, job, artifact._name)
        return artifact

    def link_artifact(
        self, artifact: Any, target_path: str, aliases: list[str] | None = None
    ) -> None:
        """Add the version to another name of this project (``target_path``'s
        last part; W&B's registry paths "entity/registry/name" are taken)."""
        from ..artifacts.manifest import check_alias, check_name

        target = check_name(str(target_path).rstrip("/").rsplit("/", 1)[-1])
        if self._writer is None:
            return
        if artifact.is_draft():
            self.log_artifact(artifact)
        body: dict[str, Any] = {
            "action": "link", "name": target, "type": artifact.type,
            "aliases": [check_alias(a) for a in aliases or [] if a != "latest"],
            "description": artifact.description, "metadata": dict(artifact.metadata),
            "at": time.time(),
        }  # fmt: skip
        if artifact._info is not None:
            body.update(
                digest=artifact.digest, size=artifact.size, files=artifact.file_count
            )
        self._submit(artifact, body, False)

    def log_model(
        self, path: str | os.PathLike[str], name: str | None = None,
        aliases: list[str] | None = None,
    ) -> Any:  # fmt: skip
        """Log a model file or folder as a ``model`` artifact (name: W&B's
        default ``run-<id>-<file name>``)."""
        from ..artifacts.artifact import Artifact

        source = Path(path)
        default = re.sub(r"[^A-Za-z0-9_.\-]", "-", f"run-{self.id}-{source.name}")
        artifact = Artifact(name or default, "model")
        if source.is_dir():
            artifact.add_dir(source)
        else:
            artifact.add_file(source)
        return self.log_artifact(artifact, aliases=aliases)

    def use_model(self, name: str) -> str:
        """Use a model version and download it; the folder it is in."""
        return str(self.use_artifact(name).download())

    def link_model(
        self, path: str | os.PathLike[str], registered_model_name: str,
        name: str | None = None, aliases: list[str] | None = None,
    ) -> None:  # fmt: skip
        self.link_artifact(self.log_model(path, name), registered_model_name, aliases)


class _Opened:
    """A store (a path) or a server's client (a URL and key), opened for each
    call and closed after it: the artifacts a run hands out outlive the run,
    and hold no connection meanwhile."""

    def __init__(self, where: Any, key: str | None = None) -> None:
        self._where = where
        self._key = key

    def _open(self) -> Any:
        if isinstance(self._where, Path):
            from ..store import open_store

            return open_store(self._where)
        from ..httpclient import Http

        return Http(self._where, self._key)

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            opened = self._open()
            try:
                return getattr(opened, name)(*args, **kwargs)
            finally:
                opened.close()

        return call


def _as_artifact(value: Any, name: str | None, kind: str) -> Any:
    from ..artifacts.artifact import Artifact

    if isinstance(value, Artifact):
        return value
    path = Path(os.fspath(value))
    if not path.exists():
        raise UsageError(
            f"log_artifact({str(value)!r}): no such file or folder; pass a path or a "
            "runfold.Artifact."
        )
    artifact = Artifact(name or re.sub(r"[^A-Za-z0-9_.\-]", "-", path.name), kind)
    if path.is_dir():
        artifact.add_dir(path)
    else:
        artifact.add_file(path)
    return artifact


def _local_run(files_dir: Path, project: str, run_id: str) -> Any:
    import runfold  # the reader, loaded when a script asks who made a version

    return runfold.Api(files_dir).run(f"{project}/{run_id}")


def _remote_run(base_url: str, key: str | None, project: str, run_id: str) -> Any:
    import runfold

    return runfold.Api(base_url=base_url, api_key=key).run(f"{project}/{run_id}")


# ---- module-level calls on the current run (runfold.log_artifact ...) -------


def _current(call: str) -> Any:
    from .context import _require

    return _require(call)


def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None,  # noqa: A002
                 aliases: list[str] | None = None, tags: list[str] | None = None) -> Any:  # fmt: skip
    return _current("log_artifact").log_artifact(
        artifact_or_path, name, type, aliases, tags
    )


def use_artifact(artifact_or_name: Any, type: str | None = None,  # noqa: A002
                 aliases: list[str] | None = None, use_as: str | None = None) -> Any:  # fmt: skip
    return _current("use_artifact").use_artifact(
        artifact_or_name, type, aliases, use_as
    )


def log_model(
    path: Any, name: str | None = None, aliases: list[str] | None = None
) -> Any:
    return _current("log_model").log_model(path, name, aliases)


def use_model(name: str) -> str:
    return str(_current("use_model").use_model(name))


def link_model(path: Any, registered_model_name: str, name: str | None = None,
               aliases: list[str] | None = None) -> None:  # fmt: skip
    _current("link_model").link_model(path, registered_model_name, name, aliases)
