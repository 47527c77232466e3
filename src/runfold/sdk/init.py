"""``runfold.init()``: resolve settings, find or create the run, start its writer."""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ServerRejected, ServerUnavailable, UsageError
from ..model import RecordKind
from . import context
from .run import Run

if TYPE_CHECKING:
    from ..settings import Settings
    from .runlog import Record
    from .sinks import HttpSink

# What only a started run needs (settings, the run log, sinks, the writer,
# capture; getpass, platform and socket) is imported by init(), not by
# ``import runfold`` (issue 19: the import's budget is 50 ms).

__all__ = ["init"]

RUN_EXISTS = (
    "Run {run_id!r} already exists in project {project!r}. Pass resume='allow' "
    "(or set RUNFOLD_RESUME=allow) to append to it, or leave id unset for a new run."
)
RUN_MISSING = "resume='must' but run {run_id!r} does not exist in project {project!r}."
SERVER_DOWN = (
    "runfold: the server at {url} is unreachable ({why}); run {project}/{run_id} "
    "goes on, kept in {path}, and is uploaded when the server is back."
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
    import getpass
    import platform

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
    from .runlog import scan

    next_step = 0
    config: dict[str, Any] = {}
    backlog: list[Record] = []
    for record in scan(path):
        seq, kind, body = record
        if kind == RecordKind.HISTORY and body:
            next_step = max(next_step, body[-1][0] + 1)
        elif kind == RecordKind.CONFIG:
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
    W&B's other arguments (``settings``, ``config_include_keys`` ...) and what
    ``dir`` and ``resume="auto"`` mean: ``wandbinit``.
    """
    previous = context.current()  # never a run of the process this one forked from
    if previous is not None:
        if reinit in (None, False, "return_previous", "default"):
            assert isinstance(previous, Run)  # current runs come from init() alone
            return previous
        if reinit in (True, "finish_previous"):
            previous.finish()
    from ..settings import load_sweep_params, mode_source, resolve
    from .wandbinit import read_init_arguments, resume_auto

    wb = read_init_arguments(
        dict(project=project, entity=entity, name=name, id=id, group=group,
             job_type=job_type, tags=tags, notes=notes, dir=dir, mode=mode,
             resume=resume, reinit=reinit),
        _ignored, config,
    )  # fmt: skip
    settings = resolve(wb.environ, **wb.arguments)
    if wb.auto_resume:
        resume_auto(settings, wb.workdir)
    mode = wb.arguments.get("mode")
    source = mode_source(wb.environ, mode)
    why = f" ({source})" if source else ""
    if settings.mode == "online" and not settings.base_url:
        settings.mode = "local"  # W&B scripts pass mode="online"; no server: local
        why = f" ({source}, but no server is set in RUNFOLD_BASE_URL)"
    elif source and source.startswith("WANDB_") and settings.mode == "local":
        why = f" ({source}: no server, so the local store)"
    if settings.sweep_param_path:
        settings.sweep_params = load_sweep_params(settings.sweep_param_path)
    run = _start(settings, wb.config, why)
    run._entity = settings.entity
    run.config._allow_changes_always(wb.allow_val_change)
    context._push(run)
    # Importing and starting the run's parts left thousands of objects waiting
    # for the collector's oldest generation: its full collection (7-20 ms here)
    # would come in the training loop's first seconds and pause a log() call.
    # Run it now, inside init() (issue 19).
    gc.collect()
    return run


def _start(settings: Settings, config: Any, why: str) -> Run:
    from ..util import generate_id
    from .names import generate_name

    run_id = settings.run_id or generate_id()
    run_dir = settings.runs_dir / settings.project / run_id
    identity: dict[str, Any] = dict(
        project=settings.project, run_id=run_id, group=settings.group,
        job_type=settings.job_type, tags=settings.tags, notes=settings.notes,
        run_dir=run_dir, mode=settings.mode, silent=settings.silent,
        sweep_id=settings.sweep_id, base_url=settings.base_url,
    )  # fmt: skip
    if settings.mode == "disabled":
        run = Run(name=settings.name or generate_name(), **identity)
        _set_config(run, settings, config)
        _say_mode(run, settings, why, "started", "nothing is recorded")
        return run

    shared = settings.shared_dir
    if shared is None:
        shared = _is_network_fs(settings.dir) if settings.dir.exists() else False
    store = None
    if settings.mode == "local" and not shared:
        # history (and NumPy with it) is imported here, on the caller's thread:
        # else the first ingest imports it on the ship thread, inside finish()
        # for a short run (~0.1 s, issue 19), and a fork while that thread holds
        # an import lock leaves the child hanging on it.
        from ..store import history, open_store  # noqa: F401

        store = open_store(settings.store_path)
    try:
        return _start_writer(settings, identity, store, config, why)
    except BaseException:
        if store is not None:
            store.close()
        raise


class _Known:
    """What the store or the server already has of a run.

    A plain class: a dataclass here made ``import runfold`` load dataclasses and
    inspect (~5 ms)."""

    def __init__(
        self,
        last_seq: int = 0,
        next_step: int = 0,
        config: dict[str, Any] | None = None,
        name: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.last_seq = last_seq
        self.next_step = next_step
        self.config = config if config is not None else {}
        self.name = name
        self.summary = summary if summary is not None else {}


def _known_in_store(store: Any, project: str, run_id: str) -> _Known | None:
    row = store.get_run(project, run_id)
    if row is None:
        return None
    return _Known(row.last_seq, row.next_step, row.config, row.name, row.summary)


def _known_on_server(
    sink: HttpSink, settings: Settings, project: str, run_id: str, log_path: Path
) -> tuple[_Known | None, bool]:
    """(what the server has, whether it could be asked). A refusal (the id is
    taken, resume='must' for a missing run, a bad key) raises UsageError before
    training starts; an unreachable server does not stop the run."""
    try:
        info = sink.register(settings.resume)
    except ServerRejected as exc:
        raise UsageError(f"{exc}.") from None
    except ServerUnavailable as exc:
        print(
            SERVER_DOWN.format(url=settings.base_url, why=exc, project=project,
                               run_id=run_id, path=log_path),
            file=sys.stderr,
        )  # fmt: skip
        return None, False
    if not info["exists"]:
        return None, True
    known = _Known(info["last_seq"], info["next_step"], info["config"] or {})
    known.name = info["name"]
    return known, True


def _where(identity: dict[str, Any]) -> tuple[str, str, Path, Path]:
    """The run's project, id, directory and run-log path."""
    from .runlog import RUNLOG_NAME

    run_dir: Path = identity["run_dir"]
    return identity["project"], identity["run_id"], run_dir, run_dir / RUNLOG_NAME


def _start_writer(
    settings: Settings, identity: dict[str, Any], store: Any, config: Any, why: str
) -> Run:
    project, run_id, run_dir, log_path = _where(identity)
    http: HttpSink | None = None
    stored: _Known | None = None
    if store is not None:
        stored = _known_in_store(store, project, run_id)
    elif settings.mode == "online":
        from .sinks import HttpSink

        assert settings.base_url is not None
        http = HttpSink(
            settings.base_url, project, run_id, log_path,
            api_key=settings.api_key, resume=settings.resume,
        )  # fmt: skip
        try:
            stored, _ = _known_on_server(http, settings, project, run_id, log_path)
        except BaseException:
            http.close()
            raise
    try:
        return _attach_writer(settings, identity, store, http, stored, config, why)
    except BaseException:
        if http is not None:
            http.close()
        raise


def _attach_writer(
    settings: Settings,
    identity: dict[str, Any],
    store: Any,
    http: HttpSink | None,
    stored: _Known | None,
    config: Any,
    why: str,
) -> Run:
    from .capture import RunCapture
    from .names import generate_name
    from .runlog import RunLogWriter
    from .sinks import LocalSink, NullSink
    from .writer import RunWriter

    project, run_id, run_dir, log_path = _where(identity)
    exists = stored is not None or log_path.exists()
    if exists and settings.resume in (None, "never"):
        raise UsageError(RUN_EXISTS.format(run_id=run_id, project=project))
    if not exists and settings.resume == "must" and not _unknown(http):
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
    # Past what the store or server has, so a run resumed on another machine
    # never reuses a seq (ingest would take it for a replay).
    runlog.last_seq = max(runlog.last_seq, stored_seq)
    if store is None:
        backlog = []  # offline: nothing to ship; online: HttpSink resends gaps
    if http is not None:
        http.local_seq_at_start = runlog.last_seq

    name = settings.name or (stored.name if stored else None) or generate_name()
    run = Run(name=name, start_step=start_step, **identity)
    run.config._load(prior_config)
    if stored is not None:
        run.summary._last.update(stored.summary)
    sink: Any = http
    if sink is None:
        sink = (
            LocalSink(store, project, run_id, log_path)
            if store is not None
            else NullSink(log_path)
        )
    writer = RunWriter(
        runlog, sink,
        flush_seconds=settings.flush_seconds,
        heartbeat_seconds=settings.heartbeat_seconds,
        observe_row=run.summary.observe,
        backlog=backlog or None,
        close_timeout=settings.finish_timeout if http is not None else 120.0,
        uploader=http,
    )  # fmt: skip
    run._attach(writer)
    run._resumed = exists
    _log_identity(run, settings, exists)
    _set_config(run, settings, config)
    verb = "resumed" if exists else "started"
    _say_mode(run, settings, why, verb, _destination(settings, store, log_path))
    run._capture = RunCapture(run.dir, run._control, settings).start()
    return run


def _destination(settings: Settings, store: Any, log_path: Path) -> str:
    if settings.mode == "online":
        return f"streaming to {settings.base_url}"
    if store is not None:
        return f"writing to {settings.dir}; see it with: runfold ui"
    if settings.mode == "local":
        return (
            f"a shared directory, so only the run log {log_path}; runfold ui loads it"
        )
    upload = f" --base-url {settings.base_url}" if settings.base_url else ""
    return (
        f"only the run log {log_path}; load it with: runfold sync {log_path.parent}"
        f"{upload}"
    )


def _say_mode(run: Run, settings: Settings, why: str, verb: str, what: str) -> None:
    """The one line init() prints (unless silent): which mode, why, and where to."""
    if not settings.silent:
        print(
            f"runfold: run {run.project}/{run.id} ({run.name}) {verb} in "
            f"{run.mode} mode{why}: {what}",
            file=sys.stderr,
        )


def _set_config(run: Run, settings: Settings, config: Any) -> None:
    """The script's config, under the sweep's parameters: those win (W&B's rule)."""
    if settings.sweep_params is not None:
        run.config._lock(settings.sweep_params)
    if config is not None:
        run.config._update(config, {}, tell=False)
    elif settings.sweep_params is not None:
        run.config._changed()


def _unknown(http: HttpSink | None) -> bool:
    """Online with the server down at init: whether the run exists is not known
    (the sink checks when the server is back)."""
    return http is not None and http.server_seq is None


def _log_identity(run: Run, settings: Settings, exists: bool) -> None:
    import socket

    body: dict[str, Any] = {
        "project": run.project,
        "id": run.id,
        "name": run.name, "group": settings.group, "job_type": settings.job_type,
        "tags": settings.tags, "notes": settings.notes, "host": socket.gethostname(),
        "created_at": time.time(), "heartbeat_seconds": settings.heartbeat_seconds,
        "meta": {**_host_meta(), "entity": settings.entity}, "resumed": exists,
        "sweep_id": settings.sweep_id,
    }  # fmt: skip
    if settings.sweep_id is not None:
        body["meta"]["sweep_id"] = settings.sweep_id
    if exists:  # keep what a resumed run had unless this init() says otherwise
        for key in ("group", "job_type", "notes", "sweep_id"):
            if body[key] is None:
                del body[key]
        if not settings.tags:
            del body["tags"]
    run._control(RecordKind.RUN, body)
