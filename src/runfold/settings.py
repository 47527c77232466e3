"""Settings resolved once, at ``init()`` time.

Precedence for every field: the ``init()`` argument, then ``RUNFOLD_*``, then the
``WANDB_*`` variable of the same name (so W&B scripts and launchers work unchanged),
then the default. Nothing here is read at import time: ``resolve`` takes the
environment as a mapping, so tests pass their own.

A sweep agent starts each run's process with both names of each sweep variable
set (``RUNFOLD_SWEEP_ID`` and ``WANDB_SWEEP_ID``, ``..._SWEEP_PARAM_PATH``,
``..._RUN_ID``), so the two families always come as a pair (``sweep_role``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .credentials import saved_api_key
from .errors import UsageError

__all__ = [
    "Settings", "ServerOptions", "resolve", "server_options", "server_store",
    "validate_run_id", "validate_project", "sweep_role", "load_sweep_params",
    "validate_text", "text_problem",
]  # fmt: skip

MODES = ("local", "online", "offline", "disabled")
RESUME_CHOICES = ("allow", "must", "never")
DEFAULT_PROJECT = "uncategorized"

# W&B spellings of modes and resume values that old scripts still pass.
_MODE_ALIASES = {"dryrun": "offline", "run": "online"}
_RESUME_ALIASES = {"auto": "allow", "true": "allow", "false": None}

_FORBIDDEN_ID_CHARS = set(":;,#?/'\\")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

BAD_RUN_ID = (
    "Run id {value!r} is not allowed: {why}. Use letters, digits, '-', '_' or '.', "
    "e.g. runfold.util.generate_id()."
)
BAD_SWEEP_ID = (
    "RUNFOLD_SWEEP_ID={value!r} is not a sweep id: {why}. Sweep agents set it; "
    "unset it (and WANDB_SWEEP_ID) to start a run outside the sweep."
)
BAD_PARAMS = (
    "The sweep parameter file {path!r} (RUNFOLD_SWEEP_PARAM_PATH) {why}. The sweep "
    "agent writes it as {{name: {{value: v}}}} or {{name: v}}, in YAML or JSON."
)
BAD_PROJECT = (
    "Project name {value!r} is not allowed: {why}. Use letters, digits, '-', '_' "
    "or '.'."
)


def _name_problem(value: object, max_len: int) -> str | None:
    if not isinstance(value, str):
        return f"it must be a string, not {type(value).__name__}"
    if value == "":
        return "it is empty"
    if value != value.strip():
        return "it has surrounding whitespace"
    bad = sorted(_FORBIDDEN_ID_CHARS.intersection(value))
    if bad:
        return "it contains " + " ".join(repr(c) for c in bad)
    if _CONTROL.search(value):
        return "it contains control characters"
    if value in (".", ".."):
        return "it is a path component"
    if len(value) > max_len:
        return f"it is longer than {max_len} characters"
    return None


# The text a run carries (name, group, job type, tags, notes, host) and metric
# keys: any Unicode but NUL, up to these lengths, the same on SQLite and
# PostgreSQL (issue 18). PostgreSQL cannot hold NUL in text at all, so a NUL is
# refused where it is given (init(), the HTTP API) rather than cleaned: a group
# name silently changed would fold runs into a group nobody named.
# (Not in __all__: tests/test_docs.py reads its upper-case names as variables.)
TEXT_LIMITS = {
    "name": 256, "group": 256, "job_type": 256, "tags": 256, "host": 256,
    "notes": 100_000,
}  # fmt: skip
MAX_METRIC_KEY = 256
BAD_TEXT = "{field}={value!r:.80} is not allowed: {why}."


def text_problem(value: object, max_len: int) -> str | None:
    """Why ``value`` is not text Runfold stores; None when it is."""
    if not isinstance(value, str):
        return f"it must be a string, not {type(value).__name__}"
    if "\x00" in value:
        return (
            "it contains a NUL character ('\\x00'), which Runfold does not store "
            "(PostgreSQL cannot); remove it"
        )
    if len(value) > max_len:
        return f"it is longer than {max_len} characters"
    return None


def validate_text(field: str, value: Any) -> Any:
    """``value`` (None, or text; a number is taken as its text) for the run field
    ``field`` of ``TEXT_LIMITS``; UsageError naming the field when it is not."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    why = text_problem(value, TEXT_LIMITS[field])
    if why:
        raise UsageError(BAD_TEXT.format(field=field, value=value, why=why))
    return value


def validate_run_id(value: object) -> str:
    why = _name_problem(value, 64)
    if why:
        raise UsageError(BAD_RUN_ID.format(value=value, why=why))
    return value  # type: ignore[return-value]


def validate_project(value: object) -> str:
    why = _name_problem(value, 128)
    if why:
        raise UsageError(BAD_PROJECT.format(value=value, why=why))
    return value  # type: ignore[return-value]


@dataclass
class Settings:
    project: str = DEFAULT_PROJECT
    entity: str | None = None
    name: str | None = None
    run_id: str | None = None
    group: str | None = None
    job_type: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    mode: str = "local"
    dir: Path = field(default_factory=lambda: Path("~/.runfold").expanduser())
    resume: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    silent: bool = False
    reinit: bool = False
    # Not W&B settings: how often the writer flushes and beats, and whether the
    # directory is shared between machines (then only the run log is written).
    flush_seconds: float = 0.2
    heartbeat_seconds: float = 10.0
    shared_dir: bool | None = None
    # What a run captures besides what it logs (each can be turned off).
    system_seconds: float = 10.0  # 0: no system metrics
    console: bool = True
    capture_git: bool = True
    capture_code: bool = True
    # Online mode: how long finish() waits for the server before it prints the
    # `runfold sync` command that uploads the rest.
    finish_timeout: float = 30.0
    # The sweep this process's run belongs to, and the file of the parameters its
    # agent chose; init() reads them into sweep_params (load_sweep_params).
    sweep_id: str | None = None
    sweep_param_path: str | None = None
    sweep_params: dict[str, Any] | None = None

    @property
    def store_path(self) -> Path:
        return self.dir / "runfold.db"

    @property
    def runs_dir(self) -> Path:
        return self.dir / "runs"


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get("RUNFOLD_" + name)
    if value is None or value == "":
        value = environ.get("WANDB_" + name)
    return value if value not in (None, "") else None


def _pick(arg: Any, environ: Mapping[str, str], name: str) -> Any:
    return arg if arg is not None else _env(environ, name)


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def mode_source(environ: Mapping[str, str], arg: str | None = None) -> str | None:
    """Where the run's mode was set, as the user wrote it (``mode='offline'``,
    ``RUNFOLD_MODE=offline``, ``WANDB_MODE=offline``); None for the default."""
    if arg is not None:
        return f"mode={arg!r}"
    for prefix in ("RUNFOLD_", "WANDB_"):  # as _env reads them
        value = environ.get(prefix + "MODE")
        if value:
            return f"{prefix}MODE={value}"
    return None


def _mode(
    value: str | None, base_url: str | None = None, *, from_wandb: bool = False
) -> str:
    """The run's mode. ``WANDB_MODE=offline`` (or ``dryrun``) tells W&B "no server":
    with no Runfold server configured that is ``local`` (the embedded store, so
    the run can be seen at once); with one it is ``offline`` (the run log only,
    uploaded by ``runfold sync``). ``RUNFOLD_MODE=offline`` and ``mode="offline"``
    always mean the run log only."""
    if value is None:
        return "online" if base_url else "local"
    mode = _MODE_ALIASES.get(value.lower(), value.lower())
    if mode not in MODES:
        raise UsageError(
            f"mode={value!r} is not a Runfold mode; use one of {', '.join(MODES)}."
        )
    if from_wandb and mode == "offline" and not base_url:
        return "local"
    return mode


def _mode_setting(
    arg: str | None, environ: Mapping[str, str], base_url: str | None
) -> str:
    source = mode_source(environ, arg)
    from_wandb = source is not None and source.startswith("WANDB_")
    return _mode(_pick(arg, environ, "MODE"), base_url, from_wandb=from_wandb)


def _resume(value: object) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "allow"
    text = str(value).lower()
    if text in _RESUME_ALIASES:
        return _RESUME_ALIASES[text]
    if text not in RESUME_CHOICES:
        raise UsageError(
            f"resume={value!r} is not understood; use 'allow', 'must' or 'never'."
        )
    return text


def _tags(arg: Any, environ: Mapping[str, str]) -> list[str]:
    if arg is None:
        raw = _env(environ, "TAGS")
        return [t.strip() for t in raw.split(",") if t.strip()] if raw else []
    if isinstance(arg, str):
        arg = [arg]
    tags = list(arg)
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise UsageError(f"Tag {tag!r} must be a non-empty string.")
        validate_text("tags", tag)
    return tags


def _launcher_group(environ: Mapping[str, str]) -> str | None:
    """The group that ranks of one torchrun or multi-task SLURM launch share."""
    if environ.get("TORCHELASTIC_RUN_ID"):
        return "torchrun-" + environ["TORCHELASTIC_RUN_ID"]
    tasks = environ.get("SLURM_NTASKS") or environ.get("SLURM_STEP_NUM_TASKS")
    if environ.get("SLURM_JOB_ID") and tasks and tasks.isdigit() and int(tasks) > 1:
        return "slurm-" + environ["SLURM_JOB_ID"]
    return None


def _float_setting(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get("RUNFOLD_" + name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(
            f"RUNFOLD_{name}={raw!r} must be a number of seconds."
        ) from None
    if value <= 0:
        raise UsageError(f"RUNFOLD_{name}={raw!r} must be greater than 0.")
    return value


def _seconds_or_off(environ: Mapping[str, str], name: str, default: float) -> float:
    """An interval in seconds where 0 turns the feature off."""
    raw = environ.get("RUNFOLD_" + name)
    if raw is not None and raw.strip() in ("0", "0.0", "off"):
        return 0.0
    return _float_setting(environ, name, default)


_FAMILIES = ("RUNFOLD_", "WANDB_")
# Variables that only the process a sweep agent started may use.
_SWEEP_RUN_VARIABLES = frozenset(
    family + name
    for family in _FAMILIES
    for name in ("SWEEP_ID", "SWEEP_PARAM_PATH", "RUN_ID")
)


def sweep_role(environ: Mapping[str, str]) -> str:
    """``"sweep"``: both RUNFOLD_SWEEP_ID and WANDB_SWEEP_ID are set, so this is
    the run the agent started. ``"cleared"``: only one is: the script cleared one
    family (W&B's cross-validation example clears WANDB_* in its fold workers), so
    this process is not the sweep run and must not take its id or parameters.
    ``"none"``: no sweep."""
    ours, theirs = (bool(environ.get(family + "SWEEP_ID")) for family in _FAMILIES)
    if ours and theirs:
        return "sweep"
    return "cleared" if ours or theirs else "none"


def load_sweep_params(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parameters in a sweep agent's file: W&B's ``{name: {"value": v}}`` (a
    config file: ``wandb_version`` and ``desc`` are dropped) or a plain
    ``{name: v}``; JSON, or YAML (read with PyYAML)."""
    where = os.fspath(path)
    try:
        text = Path(where).expanduser().read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad_params(where, f"cannot be read ({exc})") from None
    data = _parse_params(text, where)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _bad_params(
            where, f"holds a {type(data).__name__}, not a mapping of parameters"
        )
    skip = ("wandb_version", "_wandb")
    params = {str(k): v for k, v in data.items() if k not in skip}
    wrapped = all(
        isinstance(v, dict) and "value" in v and set(v) <= {"value", "desc"}
        for v in params.values()
    )
    return {k: v["value"] for k, v in params.items()} if wrapped else params


def _bad_params(where: str, why: str) -> UsageError:
    return UsageError(BAD_PARAMS.format(path=where, why=why))


def _parse_params(text: str, where: str) -> Any:
    """JSON for ``.json``, YAML for ``.yaml``/``.yml``; any other name: JSON if it
    parses, else YAML."""
    if not where.lower().endswith((".yaml", ".yml")):
        try:
            return json.loads(text)
        except ValueError:
            if where.lower().endswith(".json"):
                raise _bad_params(where, "is not valid JSON") from None
    try:
        import yaml  # only sweep runs with a YAML file pay for it
    except ImportError:
        needs = "is YAML, which needs PyYAML: pip install 'runfold[sweeps]'"
        raise _bad_params(where, needs) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _bad_params(where, f"is not valid YAML ({exc})") from None


def _sweep_settings(
    env: Mapping[str, str],
) -> tuple[Mapping[str, str], str | None, str | None]:
    """The environment to read the other settings from, the sweep id, the sweep's
    parameter file (``sweep_role``)."""
    role = sweep_role(env)
    if role == "cleared":
        plain = {k: v for k, v in env.items() if k not in _SWEEP_RUN_VARIABLES}
        return plain, None, None
    if role == "none":
        return env, None, None
    sweep_id = env["RUNFOLD_SWEEP_ID"]
    why = _name_problem(sweep_id, 64)
    if why:
        raise UsageError(BAD_SWEEP_ID.format(value=sweep_id, why=why))
    return env, sweep_id, _env(env, "SWEEP_PARAM_PATH")


def resolve(environ: Mapping[str, str] | None = None, **args: Any) -> Settings:
    """Resolve settings from ``init()`` keyword arguments and the environment."""
    env, sweep_id, sweep_param_path = _sweep_settings(
        os.environ if environ is None else environ
    )
    project = _pick(args.get("project"), env, "PROJECT") or DEFAULT_PROJECT
    run_id = _pick(args.get("id"), env, "RUN_ID")
    directory = _pick(args.get("dir"), env, "DIR")
    group = _pick(args.get("group"), env, "RUN_GROUP") or _launcher_group(env)
    shared = env.get("RUNFOLD_SHARED_DIR")
    base_url = _pick(args.get("base_url"), env, "BASE_URL")
    api_key = _pick(args.get("api_key"), env, "API_KEY") or saved_api_key(base_url, env)
    settings = Settings(
        project=validate_project(project),
        entity=_pick(args.get("entity"), env, "ENTITY"),
        name=validate_text("name", _pick(args.get("name"), env, "NAME")),
        run_id=validate_run_id(run_id) if run_id is not None else None,
        group=validate_text("group", str(group) if group is not None else None),
        job_type=validate_text(
            "job_type", _pick(args.get("job_type"), env, "JOB_TYPE")
        ),
        tags=_tags(args.get("tags"), env),
        notes=validate_text("notes", _pick(args.get("notes"), env, "NOTES")),
        mode=_mode_setting(args.get("mode"), env, base_url),
        # A sweep agent may have made the run before starting its process.
        resume=_resume(_pick(args.get("resume"), env, "RESUME"))
        or ("allow" if sweep_id else None),
        base_url=base_url,
        api_key=api_key,
        silent=_truthy(_env(env, "SILENT")),
        reinit=bool(args.get("reinit") or False),
        flush_seconds=min(_float_setting(env, "FLUSH_SECONDS", 0.2), 1.0),
        heartbeat_seconds=_float_setting(env, "HEARTBEAT_SECONDS", 10.0),
        shared_dir=_truthy(shared) if shared is not None else None,
        system_seconds=_seconds_or_off(env, "SYSTEM_SECONDS", 10.0),
        console=(_env(env, "CONSOLE") or "wrap").lower() not in ("off", "0", "false"),
        capture_git=not _truthy(_env(env, "DISABLE_GIT")),
        capture_code=not _truthy(_env(env, "DISABLE_CODE")),
        finish_timeout=_float_setting(env, "FINISH_TIMEOUT", 30.0),
        sweep_id=sweep_id,
        sweep_param_path=sweep_param_path,
    )
    if directory is not None:
        settings.dir = Path(directory).expanduser().resolve()
    return settings


def server_store(environ: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """What ``runfold server`` hands its worker processes: the database URL (or
    SQLite path) in RUNFOLD_DATABASE and the run-files directory in RUNFOLD_FILES."""
    env = os.environ if environ is None else environ
    database = env.get("RUNFOLD_DATABASE")
    if not database:
        raise UsageError(
            "RUNFOLD_DATABASE is not set: pass --database postgresql://user@host/db "
            "(or a SQLite file) to runfold server."
        )
    return database, env.get("RUNFOLD_FILES") or None


@dataclass(frozen=True)
class ServerOptions:
    """How ``runfold server`` workers run: team mode, the per-key write limit and
    the Host names they answer besides their own address (``--allowed-host``)."""

    team_mode: bool = False
    rate_limit: float = 50.0  # writes per second per key (0: no limit)
    rate_burst: int = 200
    allowed_hosts: tuple[str, ...] = ()


def _rate(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise UsageError(
            f"{name}={raw!r} must be a number ≥ 0 (0 turns the limit off)."
        )
    return value


def server_options(environ: Mapping[str, str] | None = None) -> ServerOptions:
    """RUNFOLD_TEAM_MODE (``runfold server --team``), RUNFOLD_RATE_LIMIT,
    RUNFOLD_RATE_BURST and RUNFOLD_ALLOWED_HOSTS (comma-separated), as the worker
    processes of ``runfold server`` read them."""
    env = os.environ if environ is None else environ
    hosts = env.get("RUNFOLD_ALLOWED_HOSTS") or ""
    return ServerOptions(
        team_mode=_truthy(env.get("RUNFOLD_TEAM_MODE")),
        rate_limit=_rate(env, "RUNFOLD_RATE_LIMIT", 50.0),
        rate_burst=max(1, int(_rate(env, "RUNFOLD_RATE_BURST", 200))),
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
    )
