"""The names W&B's ``wandb.sdk`` modules hold that libraries import: ``Run``
(Lightning's ``from wandb.wandb_run import Run``), ``RunDisabled``,
``ConfigError`` (transformers' ``wandb.sdk.lib.config_util``), ``Settings``,
``Config``, ``Summary``. Zero-change mode serves them as ``wandb.sdk.*``."""

from __future__ import annotations

from ..errors import ConfigError
from ..sdk.config import Config
from ..sdk.run import Run
from ..sdk.summary import Summary
from ..sdk.wandbsettings import Settings, setup

__all__ = [
    "Config", "ConfigError", "Run", "RunDisabled", "Settings", "Summary",
    "SummaryDisabled", "setup",
]  # fmt: skip


class RunDisabled:
    """W&B's class of a disabled run. Runfold's disabled runs are ``Run``s
    (``run.disabled`` is True), so nothing is ever an instance of this."""


class SummaryDisabled(dict):  # type: ignore[type-arg]
    """W&B's summary of a disabled run; never made by Runfold."""
