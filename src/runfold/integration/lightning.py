"""PyTorch Lightning: ``RunfoldLogger``, a ``Logger`` in the shape of Lightning's
``WandbLogger`` (also exported under that name, for an import-line change).

    logger = RunfoldLogger(project="mnist", log_model=True)
    trainer = Trainer(logger=logger, max_epochs=10)
    trainer.fit(model)
    runfold.finish()       # or let the process end: the run finishes at exit

Built on ``lightning.pytorch`` when installed, else on ``pytorch_lightning``.

What it records:

* the run: created at first use (``logger.experiment``) with ``init(project=...,
  name=..., id=..., resume="allow", **kwargs)``, as W&B's logger does; an open
  run (``runfold.init()`` called before) is used as it is. The project defaults
  to RUNFOLD_PROJECT / WANDB_PROJECT, else "lightning_logs". ``id`` (or
  ``version``) of an earlier run appends to it: resume a run by its id.
* config: the hyperparameters Lightning hands over (``save_hyperparameters()``);
* history: each ``log_metrics`` call at Lightning's step: the row's step is the
  trainer's global step, also logged as ``trainer/global_step`` (W&B's key, with
  ``define_metric("*", step_metric="trainer/global_step")``), so training and
  validation metrics of one step share a row. When the run is already past that
  step (the script logged rows of its own with ``runfold.log``), the row goes
  to the run's next step instead, ``trainer/global_step`` still saying Lightning's;
* checkpoints: with ``log_model=True`` the ``ModelCheckpoint`` files when
  training ends, with ``log_model="all"`` each one as it is written, copied into
  the run's files under their folder's name (``checkpoints/epoch=1-step=8.ckpt``);
  the summary's ``best_checkpoint`` names the best one. Rank 0 writes them, so
  its run keeps them. (W&B makes them artifacts; Runfold has no artifacts yet.)
* ``logger.watch(model, log="gradients", log_freq=100)``: ``run.watch``.

Distributed (DDP): only global rank 0 records, into one run; the other ranks get
Lightning's dummy experiment and log nothing, as with W&B. With
``per_rank=True`` every rank records a run of its own, named ``rank<N>`` (or
``<name>-rank<N>``), all in one group: the ``group`` passed, else RUNFOLD_RUN_GROUP,
else the launcher's (torchrun, SLURM), else a new ``lightning-<id>`` that this
logger puts in RUNFOLD_RUN_GROUP, so the rank processes Lightning starts from
this one inherit it.
"""

from __future__ import annotations

import glob
import os
from argparse import Namespace
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..util import generate_id
from . import missing, project_or

try:
    from lightning.pytorch.loggers.logger import DummyExperiment, Logger
    from lightning.pytorch.utilities.rank_zero import rank_zero_only
except ImportError:
    try:  # the older package name, alone
        from pytorch_lightning.loggers.logger import (  # type: ignore[no-redef]
            DummyExperiment,
            Logger,
        )
        from pytorch_lightning.utilities.rank_zero import (  # type: ignore[no-redef]
            rank_zero_only,
        )
    except ImportError as exc:
        raise missing(
            exc, integration="lightning", framework="PyTorch Lightning",
            package="lightning",
        ) from exc  # fmt: skip

__all__ = ["RunfoldLogger", "WandbLogger"]

NO_MEDIA = (
    "RunfoldLogger.{method}() is not supported: Runfold has no {what} yet. Log "
    "numbers with self.log(...) or runfold.log(...)."
)


def _rank() -> int:
    return int(getattr(rank_zero_only, "rank", 0) or 0)


class RunfoldLogger(Logger):
    """Record a Lightning training into a Runfold run (see the module docstring)."""

    LOGGER_JOIN_CHAR = "-"

    def __init__(
        self,
        name: str | None = None,
        save_dir: str | os.PathLike[str] | None = ".",
        version: str | None = None,
        offline: bool = False,
        dir: str | os.PathLike[str] | None = None,  # noqa: A002 - W&B's name
        id: str | None = None,  # noqa: A002 - W&B's name
        anonymous: bool | None = None,
        project: str | None = None,
        log_model: bool | str = False,
        experiment: Any = None,
        prefix: str = "",
        checkpoint_name: str | None = None,
        per_rank: bool = False,
        **kwargs: Any,
    ) -> None:
        # anonymous and checkpoint_name (the name of W&B's model artifact) are
        # accepted for W&B's signature and unused.
        super().__init__()
        if log_model not in (True, False, "all"):
            raise UsageError(
                f"RunfoldLogger(log_model={log_model!r}): use True, False or 'all'."
            )
        self._log_model = log_model
        self._prefix = prefix
        self._experiment = experiment
        self._per_rank = per_rank
        # Where Lightning puts checkpoints (save_dir/name/version/checkpoints);
        # not passed to init() (W&B's dir=, which Runfold only creates).
        folder = save_dir if save_dir is not None else dir
        self._save_dir = os.fspath(folder) if folder is not None else None
        self._init: dict[str, Any] = {
            "project": project or project_or("lightning_logs"),
            "name": name,
            "id": version or id,
            "resume": "allow",
            **kwargs,
        }
        if offline:
            self._init["mode"] = "offline"
        self._checkpoint_callbacks: dict[int, Any] = {}
        self._saved_checkpoints: dict[str, float] = {}  # path -> mtime saved
        if per_rank:
            _share_group(self._init)

    # ---- what Lightning asks of a logger --------------------------------------

    @property
    def name(self) -> str | None:
        """The project (W&B's logger answers the same)."""
        if self._experiment is not None:
            return str(self._experiment.project)
        return self._init["project"]

    @property
    def version(self) -> str | None:
        """The run's id."""
        if self._experiment is not None:
            return str(self._experiment.id)
        return self._init["id"]

    @property
    def save_dir(self) -> str | None:
        return self._save_dir

    @property
    def experiment(self) -> Any:
        """The run (``runfold.Run``); Lightning's dummy on ranks that do not record."""
        if self._experiment is None:
            if not self._records():
                return DummyExperiment()
            self._experiment = self._start()
        return self._experiment

    def _records(self) -> bool:
        return self._per_rank or _rank() == 0

    def _start(self) -> Any:
        import runfold

        if runfold.run is not None:
            return runfold.run
        options = dict(self._init)
        if self._per_rank:
            rank = _rank()
            options["name"] = (
                f"{options['name']}-rank{rank}" if options["name"] else f"rank{rank}"
            )
        run = runfold.init(**options)
        run.define_metric("trainer/global_step")
        run.define_metric("*", step_metric="trainer/global_step")
        return run

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        if not self._records():
            return
        if isinstance(params, Namespace):
            params = vars(params)
        plain = {
            str(k): getattr(v, "__name__", repr(v)) if callable(v) else v
            for k, v in dict(params or {}).items()
        }
        self.experiment.config.update(plain, allow_val_change=True)

    def log_metrics(
        self, metrics: Mapping[str, float], step: int | None = None
    ) -> None:
        if not self._records():
            return
        join = self.LOGGER_JOIN_CHAR
        row = {
            f"{self._prefix}{join}{k}" if self._prefix else k: v
            for k, v in metrics.items()
        }
        run = self.experiment
        if step is None:
            run.log(row)
            return
        row["trainer/global_step"] = step
        if step >= run.step:
            run.log(row, step=step)
        else:  # the run moved past Lightning's step: keep the row, at the run's
            run.log(row)

    def watch(
        self, model: Any, log: str | None = "gradients", log_freq: int = 100,
        log_graph: bool = True,
    ) -> None:  # fmt: skip
        """Histograms of the model's gradients (and/or parameters): ``run.watch``."""
        if self._records():
            self.experiment.watch(
                model, log=log, log_freq=log_freq, log_graph=log_graph
            )

    # ---- checkpoints ----------------------------------------------------------

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        # Rank 0 writes the checkpoint files; with per_rank, its run keeps them.
        if _rank() != 0 or not self._log_model:
            return
        if self._log_model == "all" or checkpoint_callback.save_top_k == -1:
            self._save_checkpoints(checkpoint_callback)
        else:
            self._checkpoint_callbacks[id(checkpoint_callback)] = checkpoint_callback

    def finalize(self, status: str) -> None:
        """At the end of ``fit``/``test``: with ``log_model=True``, save the
        checkpoints. The run stays open (a ``test`` may follow), as W&B's does."""
        if status != "success" or self._experiment is None or _rank() != 0:
            return
        for callback in self._checkpoint_callbacks.values():
            self._save_checkpoints(callback)

    def _save_checkpoints(self, callback: Any) -> None:
        run = self.experiment
        if run.mode == "disabled":
            return
        paths = {callback.last_model_path, callback.best_model_path}
        paths.update(getattr(callback, "best_k_models", {}))
        found = sorted(
            (Path(p).stat().st_mtime, p) for p in paths if p and Path(p).is_file()
        )
        for mtime, path in found:
            if self._saved_checkpoints.get(path, -1.0) >= mtime:
                continue
            # Keep the checkpoint's folder in its name: checkpoints/epoch=1-step=8.ckpt
            folder = str(Path(path).parent.parent)
            run.save(glob.escape(path), base_path=folder, policy="now")
            self._saved_checkpoints[path] = mtime
        best = callback.best_model_path
        if best in self._saved_checkpoints:
            run.summary["best_checkpoint"] = (
                f"{Path(best).parent.name}/{Path(best).name}"
            )

    # ---- W&B logger calls Runfold cannot do yet -------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # A run holds threads and files: a copy sent to another process (ddp_spawn)
        # starts its own run there.
        state = self.__dict__.copy()
        state["_experiment"] = None
        return state

    def log_table(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(NO_MEDIA.format(method="log_table", what="tables"))

    def log_text(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(NO_MEDIA.format(method="log_text", what="tables"))

    def log_image(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(NO_MEDIA.format(method="log_image", what="images"))

    def log_audio(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(NO_MEDIA.format(method="log_audio", what="audio"))

    def log_video(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(NO_MEDIA.format(method="log_video", what="video"))

    def use_artifact(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(NO_MEDIA.format(method="use_artifact", what="artifacts"))


def _share_group(options: dict[str, Any]) -> None:
    """Per-rank runs need one group. Unless one is passed, set, or comes from the
    launcher, make one and export it, so the ranks Lightning starts from this
    process (which inherit its environment) fold into it."""
    from ..settings import resolve

    if options.get("group") or resolve().group is not None:
        return
    group = f"lightning-{generate_id()}"
    os.environ["RUNFOLD_RUN_GROUP"] = group


WandbLogger = RunfoldLogger
