"""``runfold.init()``: resolve settings, find or create the run, start its writer."""

from __future__ import annotations

import getpass
import os
import platform
import socket
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..settings import Settings, resolve
from ..util import generate_id
from . import context
from .names import generate_name
from .run import Run
from .runlog import RUNLOG_NAME, Record, RunLogWriter, scan
from .sinks import LocalSink, NullSink
from .writer import RunWriter

__all__ = ["init"]

RUN_EXISTS = (
    "Run {run_id!r} already exists in project {project!r}. Pass resume='allow' "
    "(or set RUNFOLD_RESUME=allow) to append to it, or leave id unset for a new run."
)
RUN_MISSING = "resume='must' but run {run_id!r} does not exist in project {project!r}."
ONLINE_LATER = (
    "mode='online' (a Runfold server at {url!r}) is not available in this version; "
    "use mode='local' (the default) or 'offline' and load the runs with runfold sync."
)

_NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "beegfs", "glusterfs",
    "fuse.sshfs", "ceph", "fuse.ceph", "panfs", "9p", "afs", "fuse.gcsfuse",
}  # fmt: skip


def _is_network_fs(path: Path, mounts: str | None = None) -> bool:
    """Whether ``path`` is on a filesystem where SQLite locking is unsafe, judged by
    the longest mount point above it in ``/proc/mounts``."""
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text()
        except OSError:
            return False
    target = str(path.resolve())
    best, best_type = "", ""
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].rstrip("/") or "/"
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, best_type = point, parts[2]
    return best_type in _NETWORK_FS


def _host_meta() -> dict[str, Any]:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        user = None
    return {
        "pid": os.getpid(),
        "user": user,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "argv": list(sys.argv),
        "cwd": os.getcwd(),
    }


def _scan_resume(
    path: Path, after_seq: int
) -> tuple[int, dict[str, Any], list[Record]]:
    """From a run log: the next step, the last config, the records after ``after_seq``."""
    next_step = 0
    config: dict[str, Any] = {}
    backlog: list[Record] = []
    for record in scan(path):
        seq, kind, body = record
        if kind == "history" and body:
            next_step = max(next_step, body[-1][0] + 1)
        elif kind == "config":
            config = body
        if seq > after_seq:
            backlog.append(record)
    return next_step, config, backlog


def init(
    project: str | None = None,
    entity: str | None = None,
    name: str | None = None,
    id: str | None = None,  # noqa: A002 - W&B's parameter name
    group: str | None = None,
    job_type: str | None = None,
    tags: list[str] | None = None,
    notes: str | None = None,
    config: Any = None,
    dir: str | os.PathLike[str] | None = None,  # noqa: A002 - W&B's parameter name
    mode: str | None = None,
    resume: bool | str | None = None,
    reinit: bool | str | None = None,
    **_ignored: Any,
) -> Run:
    """Start a run (or resume one) and make it the current run.

    Returns the Run. Raises UsageError for bad arguments (an id with ``/``, an unknown
    mode, resume='must' for a run that does not exist ...) before anything starts.
    """
    previous = context.current()
    if previous is not None:
        if reinit in (None, False, "return_previous", "default"):
            return previous
        if reinit in (True, "finish_previous"):
            previous.finish()
    settings = resolve(
        project=project, entity=entity, name=name, id=id, group=group,
        job_type=job_type, tags=tags, notes=notes, dir=dir, mode=mode,
        resume=resume, reinit=reinit,
    )  # fmt: skip
    if settings.mode == "online":
        if settings.base_url:
            raise UsageError(ONLINE_LATER.format(url=settings.base_url))
        settings.mode = "local"
    run = _start(settings, config)
    context._push(run)
    return run


def _start(settings: Settings, config: Any) -> Run:
    run_id = settings.run_id or generate_id()
    run_dir = settings.runs_dir / settings.project / run_id
    identity: dict[str, Any] = dict(
        project=settings.project, run_id=run_id, group=settings.group,
        job_type=settings.job_type, tags=settings.tags, notes=settings.notes,
        run_dir=run_dir, mode=settings.mode, silent=settings.silent,
    )  # fmt: skip
    if settings.mode == "disabled":
        run = Run(name=settings.name or generate_name(), **identity)
        if config is not None:
            run.config.update(config)
        return run

    shared = settings.shared_dir
    if shared is None:
        shared = _is_network_fs(settings.dir) if settings.dir.exists() else False
    store = None
    if settings.mode == "local" and not shared:
        from ..store import open_store

        store = open_store(settings.store_path)
    try:
        return _start_writer(settings, identity, store, config)
    except BaseException:
        if store is not None:
            store.close()
        raise


def _start_writer(
    settings: Settings, identity: dict[str, Any], store: Any, config: Any
) -> Run:
    project, run_id, run_dir = (
        identity["project"],
        identity["run_id"],
        identity["run_dir"],
    )
    log_path = run_dir / RUNLOG_NAME
    stored = store.get_run(project, run_id) if store is not None else None
    exists = stored is not None or log_path.exists()
    if exists and settings.resume in (None, "never"):
        raise UsageError(RUN_EXISTS.format(run_id=run_id, project=project))
    if not exists and settings.resume == "must":
        raise UsageError(RUN_MISSING.format(run_id=run_id, project=project))

    runlog = RunLogWriter(log_path)
    start_step = 0
    prior_config: dict[str, Any] = {}
    backlog: list[Record] = []
    stored_seq = stored.last_seq if stored is not None else 0
    if log_path.exists() and runlog.last_seq > 0:
        start_step, prior_config, backlog = _scan_resume(log_path, stored_seq)
    if stored is not None:
        start_step = max(start_step, stored.next_step)
        prior_config = stored.config if stored_seq >= runlog.last_seq else prior_config
    runlog.last_seq = max(runlog.last_seq, stored_seq)
    if store is None:
        backlog = []

    name = settings.name or (stored.name if stored else None) or generate_name()
    run = Run(name=name, start_step=start_step, **identity)
    run.config._load(prior_config)
    if stored is not None:
        run.summary._last.update(stored.summary)
    sink = (
        LocalSink(store, project, run_id) if store is not None else NullSink(log_path)
    )
    writer = RunWriter(
        runlog, sink,
        flush_seconds=settings.flush_seconds,
        heartbeat_seconds=settings.heartbeat_seconds,
        observe_row=run.summary.observe,
        backlog=backlog or None,
    )  # fmt: skip
    run._attach(writer)
    body: dict[str, Any] = {
        "project": project,
        "id": run_id,
        "name": name, "group": settings.group, "job_type": settings.job_type,
        "tags": settings.tags, "notes": settings.notes, "host": socket.gethostname(),
        "created_at": time.time(), "heartbeat_seconds": settings.heartbeat_seconds,
        "meta": {**_host_meta(), "entity": settings.entity}, "resumed": exists,
    }  # fmt: skip
    if exists:  # keep what a resumed run had unless this init() says otherwise
        for key in ("group", "job_type", "notes"):
            if body[key] is None:
                del body[key]
        if not settings.tags:
            del body["tags"]
    run._control("run", body)
    if config is not None:
        run.config.update(config)
    if not settings.silent:
        verb = "resumed" if exists else "started"
        where = settings.dir if store is not None else log_path
        print(
            f"runfold: run {project}/{run_id} ({name}) {verb}; writing to {where}",
            file=sys.stderr,
        )
    return run
