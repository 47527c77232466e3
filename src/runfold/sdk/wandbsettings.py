"""W&B's ``wandb.Settings``, ``wandb.setup()`` and how ``init(settings=...)`` is read.

``runfold.Settings(...)`` takes any of W&B's setting fields (and a plain dict is
taken the same way). The ones Runfold honours are in ``ARGUMENTS`` (they fill in
``init()`` arguments not given) and ``VARIABLES`` (they act as the ``RUNFOLD_*``
variable would, over the environment); every other field is kept and ignored.
``runfold.setup(settings=...)`` sets defaults for each later ``init()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import UsageError

__all__ = ["Settings", "setup", "teardown", "read_settings", "ARGUMENTS", "VARIABLES"]

# W&B setting -> the init() argument it fills in when that is not given.
ARGUMENTS = {
    "project": "project",
    "entity": "entity",
    "run_id": "id",
    "run_name": "name",
    "run_group": "group",
    "run_job_type": "job_type",
    "run_tags": "tags",
    "run_notes": "notes",
    "run_mode": "mode",
    "mode": "mode",
    "resume": "resume",
    "reinit": "reinit",
    "root_dir": "dir",
    "allow_val_change": "allow_val_change",
    "save_code": "save_code",
}
# W&B setting -> the Runfold variable it sets for this run (value -> text).
VARIABLES = {
    "silent": "SILENT",
    "quiet": "SILENT",
    "console": "CONSOLE",
    "disable_git": "DISABLE_GIT",
    "disable_code": "DISABLE_CODE",
    "x_disable_stats": "SYSTEM_SECONDS",
    "_disable_stats": "SYSTEM_SECONDS",
    "x_stats_sampling_interval": "SYSTEM_SECONDS",
    "_stats_sample_rate_seconds": "SYSTEM_SECONDS",
    "heartbeat_seconds": "HEARTBEAT_SECONDS",
    "base_url": "BASE_URL",
    "api_key": "API_KEY",
    # Runfold's own: the store's folder for this run (init's dir= is W&B's).
    "runfold_dir": "DIR",
}

_defaults: dict[str, Any] = {}  # what setup(settings=...) gave


class Settings:
    """W&B's ``wandb.Settings(**fields)``: pass it as ``init(settings=...)`` or
    ``setup(settings=...)``. Unset fields read as None."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def update(self, settings: Any = None, **fields: Any) -> None:
        self.__dict__.update({**_fields(settings), **fields})

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


def _fields(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    if isinstance(settings, Settings):
        return settings.to_dict()
    if isinstance(settings, Mapping):
        return dict(settings)
    found = getattr(settings, "model_dump", None) or getattr(settings, "to_dict", None)
    if callable(found):  # the real wandb.Settings (pydantic)
        return {k: v for k, v in found().items() if v is not None}
    raise UsageError(
        f"settings= takes runfold.Settings(...) (W&B's wandb.Settings) or a dict, "
        f"not {type(settings).__name__}."
    )


def setup(settings: Any = None) -> None:
    """W&B's ``wandb.setup()``: nothing to start in Runfold; ``settings`` become
    the defaults of every later ``init()`` in this process."""
    _defaults.update(_fields(settings))


def teardown(exit_code: int | None = None) -> None:
    """W&B's ``wandb.teardown()``: finish the current run, if any."""
    from .context import finish

    finish(exit_code)


def _variable(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if name == "SYSTEM_SECONDS" and isinstance(value, bool):
        return "0" if value else None  # x_disable_stats=True
    if name == "CONSOLE":
        return "off" if str(value).lower() in ("off", "false", "0") else "wrap"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def read_settings(settings: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """(init arguments, ``RUNFOLD_*`` variables) from ``setup``'s defaults and
    ``init(settings=...)``, the latter winning."""
    fields = {**_defaults, **_fields(settings)}
    if fields.get("disabled") is True:
        fields.setdefault("mode", "disabled")
    arguments: dict[str, Any] = {}
    for field, argument in ARGUMENTS.items():
        if fields.get(field) is not None:
            arguments.setdefault(argument, fields[field])
    variables: dict[str, str] = {}
    for field, variable in VARIABLES.items():
        text = _variable(variable, fields.get(field))
        if text is not None:
            variables["RUNFOLD_" + variable] = text
    return arguments, variables
