"""Runfold inside other frameworks' training loops, in W&B's shapes.

=====================================  ============================================
module                                 what it gives
=====================================  ============================================
``runfold.integration.xgboost``        ``WandbCallback`` (alias ``RunfoldCallback``)
``runfold.integration.lightgbm``       ``wandb_callback()``, ``log_summary()``
``runfold.integration.keras``          ``WandbMetricsLogger``, ``WandbCallback``
                                       (also importable from ``runfold.keras``)
``runfold.integration.lightning``      ``RunfoldLogger`` (alias ``WandbLogger``)
``runfold.integration.huggingface``    ``RunfoldCallback`` for ``transformers.Trainer``
=====================================  ============================================

Runfold never installs a framework, and nothing here is imported by ``import
runfold``: each module imports its framework when it is imported itself, and
raises ``MissingFramework`` (a ``RunfoldError`` and an ``ImportError``) saying
what to ``pip install`` when the framework is absent. This package's own
``__init__`` holds only what the modules share and imports nothing heavy.
See docs/integrations.md.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RunfoldError, UsageError
from ..sdk.context import current

if TYPE_CHECKING:
    from ..sdk.run import Run

__all__ = [
    "MissingFramework",
    "current_run",
    "missing",
    "project_or",
    "save_run_file",
]

MISSING = (
    "runfold.integration.{integration} needs {framework}, which is not installed "
    "or failed to import ({why}). Install it with: pip install {package}"
)
NO_RUN = "Call runfold.init() before {caller}."


class MissingFramework(RunfoldError, ImportError):
    """An integration's framework is not installed (or does not import)."""


def missing(
    exc: ImportError, *, integration: str, framework: str, package: str
) -> MissingFramework:
    """The error to raise, from ``exc``, when an integration's framework did not
    import (each integration module imports its framework in a try block)."""
    return MissingFramework(
        MISSING.format(
            integration=integration, framework=framework, why=exc, package=package
        )
    )


def current_run(caller: str) -> Run:
    """The current run; UsageError naming ``caller`` when there is none."""
    run = current()
    if run is None:
        raise UsageError(NO_RUN.format(caller=caller))
    return run  # type: ignore[return-value]  # current runs come from init()


def project_or(fallback: str) -> str:
    """The project ``init()`` would take from RUNFOLD_PROJECT / WANDB_PROJECT, else
    ``fallback``: the framework's own W&B default ("lightning_logs",
    "huggingface"), so runs land where a W&B user looks for them."""
    from ..settings import DEFAULT_PROJECT, resolve

    project = resolve().project
    return fallback if project == DEFAULT_PROJECT else project


def save_run_file(run: Run, name: str, write: Callable[[Path], object]) -> str | None:
    """Have ``write(path)`` write a file, and keep it as the run's file ``name``
    (``run.save(..., policy="now")``, so it lands in the run's ``files/`` as
    ``runfold.save`` puts any file there). Returns the name in ``files/``; None in
    disabled mode, where nothing is written."""
    if run.mode == "disabled":
        return None
    staging = Path(tempfile.mkdtemp(prefix="runfold-"))
    try:
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write(target)
        pattern = glob.escape(str(target))
        if target.is_dir():
            pattern = os.path.join(pattern, "**")
        saved = run.save(pattern, base_path=str(staging), policy="now")
        return name if saved else None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
