"""``wandb.env`` in zero-change mode: the names of W&B's variables (Runfold
reads each ``WANDB_*`` one when its ``RUNFOLD_*`` twin is unset) and the
helpers libraries call (transformers' hyperparameter search calls
``set_project``)."""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = [
    "API_KEY", "BASE_URL", "DIR", "DISABLE_CODE", "DISABLE_GIT", "ENTITY",
    "JOB_TYPE", "MODE", "NAME", "NOTES", "PROJECT", "RESUME", "RUN_GROUP",
    "RUN_ID", "SILENT", "SWEEP_ID", "SWEEP_PARAM_PATH", "TAGS", "get_entity",
    "get_project", "set_entity", "set_project",
]  # fmt: skip

API_KEY = "WANDB_API_KEY"
BASE_URL = "WANDB_BASE_URL"
DIR = "WANDB_DIR"
DISABLE_CODE = "WANDB_DISABLE_CODE"
DISABLE_GIT = "WANDB_DISABLE_GIT"
ENTITY = "WANDB_ENTITY"
JOB_TYPE = "WANDB_JOB_TYPE"
MODE = "WANDB_MODE"
NAME = "WANDB_NAME"
NOTES = "WANDB_NOTES"
PROJECT = "WANDB_PROJECT"
RESUME = "WANDB_RESUME"
RUN_GROUP = "WANDB_RUN_GROUP"
RUN_ID = "WANDB_RUN_ID"
SILENT = "WANDB_SILENT"
SWEEP_ID = "WANDB_SWEEP_ID"
SWEEP_PARAM_PATH = "WANDB_SWEEP_PARAM_PATH"
TAGS = "WANDB_TAGS"


def get_project(
    default: str | None = None, env: Mapping[str, str] | None = None
) -> str | None:
    return (env if env is not None else os.environ).get(PROJECT, default)


def get_entity(
    default: str | None = None, env: Mapping[str, str] | None = None
) -> str | None:
    return (env if env is not None else os.environ).get(ENTITY, default)


def set_project(value: str, env: dict[str, str] | None = None) -> None:
    (env if env is not None else os.environ)[PROJECT] = value or "uncategorized"


def set_entity(value: str, env: dict[str, str] | None = None) -> None:
    (env if env is not None else os.environ)[ENTITY] = value
