"""Hugging Face ``transformers``: ``RunfoldCallback``, a ``TrainerCallback`` that
records what W&B's ``WandbCallback`` (``report_to="wandb"``) records.

    trainer = Trainer(model=model, args=TrainingArguments(..., report_to="none"),
                      callbacks=[RunfoldCallback()])
    trainer.train()
    runfold.finish()       # or let the process end: the run finishes at exit

What it records, on the main process only (``state.is_world_process_zero``):

* the run: the current one, or a new one at ``on_train_begin`` in ``project``
  (default RUNFOLD_PROJECT / WANDB_PROJECT, else "huggingface", as W&B's), named
  ``args.run_name`` when set. Under ``Trainer.hyperparameter_search`` each trial
  finishes the run before it and gets its own, named for the trial and grouped
  under ``run_name`` (or ``output_dir``), as W&B does;
* config: the model's config and the ``TrainingArguments`` (``args.to_dict()``,
  the arguments winning a clash), ``peft_config`` if any, and
  ``model/num_parameters``;
* history: each of the Trainer's logs with W&B's key names (``train/loss``,
  ``train/learning_rate``, ``train/grad_norm``, ``train/epoch``, ``eval/loss``,
  ``eval/runtime`` ..., ``test/...`` from ``predict``) and
  ``train/global_step``, with ``define_metric("*", step_metric=
  "train/global_step")``. The row's step is the global step, so a step's
  training and evaluation logs share a row; a log at a step the run has passed
  (the script's own ``runfold.log`` rows) goes to the run's next step;
* summary: the one-off figures of the end of training (``train_runtime``,
  ``train_samples_per_second``, ``train_steps_per_second``, ``train_loss``,
  ``total_flos``), as W&B puts them there, and with ``metric_for_best_model`` the
  Trainer's ``best_metric`` and ``best_model_checkpoint``;
* ``watch="gradients" | "parameters" | "all"``: ``run.watch(model)`` (W&B's
  WANDB_WATCH), every ``max(100, logging_steps)`` steps;
* ``log_model="end"``: the trained model (``save_pretrained``) as run files under
  ``model/``; ``"checkpoint"``: every checkpoint folder the Trainer writes, as
  run files ``checkpoint-<step>/...`` (W&B's WANDB_LOG_MODEL; W&B makes them
  artifacts, Runfold has no artifacts yet).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError
from . import missing, project_or, save_run_file

try:
    from transformers import TrainerCallback
except ImportError as exc:
    raise missing(
        exc,
        integration="huggingface",
        framework="Hugging Face transformers",
        package="transformers",
    ) from exc

__all__ = ["RunfoldCallback"]

# What W&B puts in the summary instead of the history: one value per training.
SINGLE_VALUES = (
    "train_runtime",
    "train_samples_per_second",
    "train_steps_per_second",
    "train_loss",
    "total_flos",
)
WATCH_CHOICES = (None, "gradients", "parameters", "all")
LOG_MODEL_CHOICES = (None, False, "end", "checkpoint")


def rewrite_logs(logs: dict[str, Any]) -> dict[str, Any]:
    """The Trainer's names to W&B's: ``eval_x`` -> ``eval/x``, ``test_x`` ->
    ``test/x``, anything else -> ``train/x``."""
    out = {}
    for key, value in logs.items():
        if key.startswith("eval_"):
            out["eval/" + key[5:]] = value
        elif key.startswith("test_"):
            out["test/" + key[5:]] = value
        else:
            out["train/" + key] = value
    return out


class RunfoldCallback(TrainerCallback):
    """Record a ``transformers.Trainer`` run (see the module docstring)."""

    def __init__(
        self,
        project: str | None = None,
        watch: str | None = None,
        log_model: str | None = None,
    ) -> None:
        if watch not in WATCH_CHOICES:
            raise UsageError(
                f"RunfoldCallback(watch={watch!r}): use 'gradients', 'parameters', "
                "'all' or None."
            )
        if log_model not in LOG_MODEL_CHOICES:
            raise UsageError(
                f"RunfoldCallback(log_model={log_model!r}): use 'end', 'checkpoint' "
                "or None."
            )
        self.project = project
        self.watch = watch
        self.log_model = log_model or None
        self._run: Any = None

    # ---- setup ----------------------------------------------------------------

    def setup(self, args: Any, state: Any, model: Any) -> None:
        """Find or start the run and record the config (the main process only)."""
        import runfold

        if not state.is_world_process_zero:
            return
        self._run = runfold.run
        if self._run is None:
            self._run = runfold.init(**self._init_options(args, state))
        config = self._config(args, model)
        self._run.config.update(config, allow_val_change=True)
        self._run.define_metric("train/global_step")
        self._run.define_metric("*", step_metric="train/global_step")
        if self.watch is not None and model is not None:
            self._run.watch(
                model, log=self.watch, log_freq=max(100, args.logging_steps)
            )

    def _init_options(self, args: Any, state: Any) -> dict[str, Any]:
        options: dict[str, Any] = {"project": self.project or project_or("huggingface")}
        if state.trial_name is not None:
            options["name"] = state.trial_name
            options["group"] = args.run_name or args.output_dir
        elif args.run_name and args.run_name != args.output_dir:
            options["name"] = args.run_name
        return options

    @staticmethod
    def _config(args: Any, model: Any) -> dict[str, Any]:
        config: dict[str, Any] = {}
        model_config = getattr(model, "config", None)
        if model_config is not None:
            config.update(
                model_config
                if isinstance(model_config, dict)
                else model_config.to_dict()
            )
        config.update(args.to_dict())
        peft = getattr(model, "peft_config", None)
        if peft is not None:
            config["peft_config"] = peft
        if hasattr(model, "num_parameters"):
            config["model/num_parameters"] = model.num_parameters()
        return config

    # ---- the Trainer's events ---------------------------------------------------

    def on_train_begin(
        self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any
    ) -> None:
        if state.is_hyper_param_search and self._run is not None:
            self._run.finish()  # one run per trial, as W&B
            self._run = None
        if self._run is None or self._run.is_finished:
            self.setup(args, state, model)

    def on_log(
        self,
        args: Any,
        state: Any,
        control: Any,
        logs: Any = None,
        model: Any = None,
        **kwargs: Any,
    ) -> None:
        if not state.is_world_process_zero:
            return
        if self._run is None:
            self.setup(args, state, model)
        logs = dict(logs or {})
        once = {k: logs.pop(k) for k in SINGLE_VALUES if k in logs}
        if once:
            self._run.summary.update(once)
        if logs:
            self._log(rewrite_logs(logs), state.global_step)

    def on_predict(
        self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        if self._run is None:
            self.setup(args, state, kwargs.get("model"))
        self._log(rewrite_logs(dict(metrics or {})), state.global_step)

    def _log(self, row: dict[str, Any], global_step: int) -> None:
        row["train/global_step"] = global_step
        if global_step >= self._run.step:
            self._run.log(row, step=global_step)
        else:  # the run moved past the Trainer's step: keep the row, at the run's
            self._run.log(row)

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.log_model != "checkpoint" or self._run is None:
            return
        if not state.is_world_process_zero:
            return
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir() and self._run.mode != "disabled":
            pattern = os.path.join(glob.escape(str(folder)), "**")
            self._run.save(pattern, base_path=args.output_dir, policy="now")

    def on_train_end(
        self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any
    ) -> None:
        if self._run is None or not state.is_world_process_zero:
            return
        if state.best_metric is not None:
            self._run.summary.update(
                {
                    "best_metric": state.best_metric,
                    "best_model_checkpoint": state.best_model_checkpoint,
                }
            )
        if self.log_model == "end" and model is not None:
            self._save_model(model, kwargs.get("processing_class"))

    def _save_model(self, model: Any, processing_class: Any) -> None:
        def write(folder: Path) -> None:
            folder.mkdir(parents=True, exist_ok=True)
            model.save_pretrained(str(folder))
            if processing_class is not None:
                processing_class.save_pretrained(str(folder))

        save_run_file(self._run, "model", write)
