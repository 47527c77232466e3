"""``init()``'s W&B arguments beyond Runfold's own.

- ``settings=`` (``runfold.Settings`` or a dict; ``wandbsettings``);
- ``config=`` as W&B takes it (a dataclass, an OmegaConf config, any object
  with attributes, a YAML/JSON file) with ``config_include_keys`` /
  ``config_exclude_keys``; ``allow_val_change`` for the whole run;
- ``dir=``: W&B's folder for its local files. Runfold keeps a run's files with
  the run, in the store's folder (``RUNFOLD_DIR``), so ``dir`` never moves the
  store: it is created if missing, and it is the directory ``resume="auto"``
  remembers runs for;
- ``resume=True`` / ``"auto"`` without an id: resume the last run started from
  this directory (on this host, in this project) that did not finish, as W&B
  does with its ``wandb-resume.json``; otherwise start a new run and remember it;
- ``save_code=False``: no copy of the script; ``sync_tensorboard``,
  ``monitor_gym``: warned about (Runfold records neither); ``resume_from``,
  ``fork_from``: ``NotSupported``; ``anonymous``, ``force``, ``magic``: ignored;
  any other keyword: ``UsageError``, as W&B's ``TypeError``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotSupported, UsageError
from .configvalues import as_mapping
from .wandbsettings import read_settings
from .warn import warn

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["WandbInit", "read_init_arguments", "resume_auto"]

IGNORED = ("anonymous", "force", "magic", "job_name")
WARNED = {
    "sync_tensorboard": "TensorBoard logs are not copied into the run; log the "
    "metrics with runfold.log() (or import the TensorBoard files later)",
    "tensorboard": "TensorBoard logs are not copied into the run; log the metrics "
    "with runfold.log()",
    "monitor_gym": "Gym videos are not recorded; log them with runfold.Video",
}
REFUSED = {
    "resume_from": "init(resume_from=...) rewinds a run, which Runfold does not do; "
    "resume it with init(id=..., resume='allow') to append to it",
    "fork_from": "init(fork_from=...) forks a run, which Runfold does not do; start "
    "a new run and put the source run's id in its config",
}
NAMED = (
    "project", "entity", "name", "id", "group", "job_type", "tags", "notes",
    "mode", "resume", "reinit", "dir",
)  # fmt: skip


class WandbInit:
    """What ``read_init_arguments`` found: the arguments for ``resolve``, the
    variables over the environment, the config, and W&B's extras."""

    def __init__(self) -> None:
        self.arguments: dict[str, Any] = {}
        self.environ: dict[str, str] = {}
        self.config: Any = None
        self.allow_val_change = False
        self.workdir: str | None = None  # dir=, else the working directory
        self.auto_resume = False


def read_init_arguments(
    given: dict[str, Any], extra: dict[str, Any], config: Any
) -> WandbInit:
    """``given``: init's named arguments; ``extra``: its other keywords."""
    out = WandbInit()
    extra = dict(extra)
    from_settings, variables = read_settings(extra.pop("settings", None))
    for key in REFUSED:
        if extra.pop(key, None) is not None:
            raise NotSupported(REFUSED[key] + ".")
    for key, why in WARNED.items():
        if extra.pop(key, None):
            warn(f"runfold.init({key}=True): {why}.")
    include = extra.pop("config_include_keys", None)
    exclude = extra.pop("config_exclude_keys", None)
    allow = extra.pop("allow_val_change", None)
    save_code = extra.pop("save_code", None)
    for key in IGNORED:
        extra.pop(key, None)
    if extra:
        raise UsageError(
            f"runfold.init() got an unexpected keyword argument {next(iter(extra))!r}."
        )
    arguments = {k: v for k, v in given.items() if v is not None}
    for key, value in from_settings.items():
        arguments.setdefault(key, value)
    allow = allow if allow is not None else arguments.pop("allow_val_change", None)
    save_code = save_code if save_code is not None else arguments.pop("save_code", None)
    if save_code is False:
        variables["RUNFOLD_DISABLE_CODE"] = "1"
    out.allow_val_change = bool(allow)
    out.config = _config(config, include, exclude)
    directory = arguments.pop("dir", None)
    if directory is not None:
        out.workdir = os.path.abspath(os.path.expanduser(os.fspath(directory)))
        os.makedirs(out.workdir, exist_ok=True)
    resume = arguments.get("resume")
    if resume is None:  # RUNFOLD_RESUME, else WANDB_RESUME, as resolve() reads it
        resume = os.environ.get("RUNFOLD_RESUME") or os.environ.get("WANDB_RESUME")
    if resume is True or str(resume).lower() in ("auto", "true"):
        out.auto_resume = True
    out.arguments = {k: v for k, v in arguments.items() if k in NAMED}
    out.environ = {**os.environ, **variables}
    return out


def _config(config: Any, include: Any, exclude: Any) -> Any:
    if include and exclude:
        raise UsageError(
            "Pass config_include_keys or config_exclude_keys to runfold.init(), "
            "not both."
        )
    if config is None:
        return None
    found = dict(as_mapping(config, "runfold.init(config=...)"))
    if include:
        found = {k: v for k, v in found.items() if k in set(include)}
    if exclude:
        found = {k: v for k, v in found.items() if k not in set(exclude)}
    return found


def _resume_file(settings: Settings, workdir: str) -> Path:
    """Where ``resume="auto"`` remembers the run of a directory: one small file
    per (host, directory, project) in the store's folder, so nothing is written
    into the user's directory."""
    key = json.dumps([socket.gethostname(), workdir, settings.project])
    name = hashlib.sha256(key.encode()).hexdigest()[:24] + ".json"
    return settings.dir / "resume" / name


def resume_auto(settings: Settings, workdir: str | None) -> None:
    """``resume="auto"`` (or True): with no run id given, take the id of the last
    run started here that did not finish; then remember this run's id."""
    path = _resume_file(settings, workdir or os.getcwd())
    if settings.run_id is None:
        previous = _read_id(path)
        if previous is not None and not _finished(settings, previous):
            settings.run_id = previous
    if settings.run_id is None:
        from ..util import generate_id

        settings.run_id = generate_id()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"run_id": settings.run_id}), "utf-8")
    except OSError:
        pass  # a read-only store folder: resume="auto" cannot remember, the run goes on


def _read_id(path: Path) -> str | None:
    try:
        found = json.loads(path.read_text("utf-8")).get("run_id")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) and found else None


def _finished(settings: Settings, run_id: str) -> bool:
    """Whether the run ended as ``finished`` (then auto-resume starts a new run;
    a failed, crashed or still running one is resumed). Read from the run's log,
    which every mode writes first; a run with no log here is not resumed."""
    from ..model import RecordKind
    from .runlog import RUNLOG_NAME, scan

    log = settings.runs_dir / settings.project / run_id / RUNLOG_NAME
    if not log.exists():
        return True
    state = None
    for _, kind, body in scan(log, markers=False):
        if kind == RecordKind.FINISH and isinstance(body, dict):
            state = body.get("state")
        elif kind == RecordKind.RUN:
            state = None  # resumed after a finish: running again
    return state == "finished"
