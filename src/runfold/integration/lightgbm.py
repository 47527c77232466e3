"""LightGBM: ``wandb_callback()`` and ``log_summary()``, the shapes of W&B's
``wandb.integration.lightgbm``.

    run = runfold.init(project="lgbm")
    booster = lgb.train(params, train_set, valid_sets=[valid_set],
                        callbacks=[wandb_callback()])
    log_summary(booster, save_model_checkpoint=True)

What ``wandb_callback(log_params=True, define_metric=True)`` records, as W&B does:

* config: the parameters passed to ``lgb.train`` (``log_params=True``);
* history: one row per iteration, ``<data>_<metric>`` for every validation set and
  metric (``valid_0_l2``, ``training_binary_logloss`` ...) and ``iteration``;
  ``lgb.cv`` gives ``<data>_<metric>-mean`` and ``<data>_<metric>-stdv``. With
  ``define_metric=True`` each metric's summary keeps its best value (min, or max
  where LightGBM says higher is better: auc, ndcg, map ...), not its last.

``log_summary(model, feature_importance=True, save_model_checkpoint=False)`` puts
``best_iteration`` and ``best_score`` (LightGBM's ``{data: {metric: value}}``) in
the summary, ``feature_importance`` (a dict ``{feature: importance}``, LightGBM's
default "split" importance; W&B logs a bar chart of a table, Runfold has no
tables yet), and with ``save_model_checkpoint=True`` the model at its best
iteration as the run's file ``model_ckpt_<best_iteration>.txt`` (W&B makes it an
artifact; Runfold has no artifacts yet).
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from . import current_run, missing, save_run_file

try:
    import lightgbm as lgb
except ImportError as exc:
    raise missing(
        exc, integration="lightgbm", framework="LightGBM", package="lightgbm"
    ) from exc

__all__ = ["wandb_callback", "log_summary"]

NOT_A_BOOSTER = (
    "log_summary() takes a lightgbm.Booster (what lgb.train returns, or "
    "LGBMModel.booster_), not {kind}."
)


class _Callback:
    """What ``wandb_callback()`` returns: LightGBM calls it after each iteration."""

    # LightGBM's callback protocol: run after the iteration, after its own
    # recording callbacks (order 20, as W&B's).
    order = 20
    before_iteration = False

    def __init__(self, log_params: bool, define_metric: bool) -> None:
        self.log_params = log_params
        self.define_metric = define_metric

    def _start(self, run: Any, env: Any) -> None:
        if self.log_params:
            run.config.update(env.params, allow_val_change=True)
        if not self.define_metric:
            return
        for item in env.evaluation_result_list or ():
            goal = "max" if item[3] else "min"  # LightGBM's is_higher_better
            for key, _ in _entries(item):
                if not key.endswith("-stdv"):
                    run.define_metric(key, summary=goal)

    def __call__(self, env: Any) -> None:
        run = current_run("the LightGBM wandb_callback()")
        if env.iteration == env.begin_iteration:
            self._start(run, env)
        row = dict(
            entry
            for item in env.evaluation_result_list or ()
            for entry in _entries(item)
        )
        row["iteration"] = env.iteration
        run.log(row)


def _entries(item: tuple[Any, ...]) -> list[tuple[str, float]]:
    """The history keys and values of one of LightGBM's evaluation results:
    (data, metric, value, higher_is_better) from ``train``;
    (data, metric, mean, higher_is_better, stdv) from ``cv``, where LightGBM
    before 4.7 gave ("cv_agg", "data metric", ...)."""
    data, metric, value = item[:3]
    if len(item) == 4:
        return [(f"{data}_{metric}", value)]
    if data == "cv_agg" and " " in metric:
        data, metric = metric.split(" ", 1)
    return [(f"{data}_{metric}-mean", value), (f"{data}_{metric}-stdv", item[4])]


def wandb_callback(log_params: bool = True, define_metric: bool = True) -> _Callback:
    """A LightGBM callback that logs to the current run (see the module docstring).
    Call ``runfold.init()`` before training starts."""
    return _Callback(log_params, define_metric)


def log_summary(
    model: Any, feature_importance: bool = True, save_model_checkpoint: bool = False
) -> None:
    """Put the trained booster's best iteration and score (and its feature
    importance, and with ``save_model_checkpoint`` the model file) in the current
    run. Raises UsageError without a current run or a Booster."""
    run = current_run("log_summary()")
    if not isinstance(model, lgb.Booster):
        raise UsageError(NOT_A_BOOSTER.format(kind=type(model).__name__))
    summary: dict[str, Any] = {
        "best_iteration": model.best_iteration,
        "best_score": model.best_score,
    }
    if feature_importance:
        values = model.feature_importance()
        summary["feature_importance"] = {
            name: float(v) for name, v in zip(model.feature_name(), values, strict=True)
        }
        summary["feature_importance_type"] = "split"
    run.summary.update(summary)
    if save_model_checkpoint:
        best = model.best_iteration
        save_run_file(
            run,
            f"model_ckpt_{best}.txt",
            lambda path: model.save_model(str(path), num_iteration=best),
        )
