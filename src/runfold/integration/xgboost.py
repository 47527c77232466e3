"""XGBoost: ``WandbCallback``, the shape of W&B's ``wandb.integration.xgboost``.

    run = runfold.init(project="xgb")
    booster = xgb.train(params, dtrain, evals=[(dvalid, "validation")],
                        callbacks=[WandbCallback()])

What it records, as W&B does:

* config: the booster's whole configuration (``Booster.save_config()``), nested
  as XGBoost writes it (``config["learner"]["gradient_booster"]`` ...);
* history: one row per boosting iteration, ``<data>-<metric>`` for every eval set
  and metric (``validation-rmse``, ``train-logloss`` ...) and ``epoch`` (the
  iteration). With ``define_metric=True`` a metric whose direction is known keeps
  its best value in the summary (min of rmse, logloss, error, any ``*loss*`` ...;
  max of auc, aucpr, ndcg, map), not its last;
* summary: ``best_score`` and ``best_iteration`` when early stopping set them,
  and, with ``log_feature_importance=True``, ``feature_importance``: a dict
  ``{feature: importance}`` of ``importance_type`` (W&B logs a bar chart of a
  table; Runfold has no tables yet) with ``feature_importance_type`` beside it;
* files: with ``log_model=True``, the model as ``<run id>_model.json`` in the
  run's files (W&B makes it an artifact; Runfold has no artifacts yet).

``xgb.cv`` reports a (mean, std) pair per metric: the mean is logged under the
key, the std under ``<key>-std``.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from ..sdk.run import RunfoldWarning
from . import current_run, missing, save_run_file

try:
    import xgboost as xgb
    from xgboost.callback import TrainingCallback
except ImportError as exc:
    raise missing(
        exc, integration="xgboost", framework="XGBoost", package="xgboost"
    ) from exc

__all__ = ["WandbCallback", "RunfoldCallback"]

# Metrics whose best value is the lowest / highest (matched on the part before
# "@", so "error@0.7" and "ndcg@5" count); any name with "loss" is minimised.
MINIMIZE = {
    "rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror",
    "poisson-nloglik", "gamma-nloglik", "cox-nloglik", "gamma-deviance",
    "tweedie-nloglik", "aft-nloglik",
}  # fmt: skip
MAXIMIZE = {"auc", "aucpr", "pre", "ndcg", "map", "interval-regression-accuracy"}


def metric_goal(metric: str) -> str | None:
    """The summary rule for an XGBoost metric: min, max, or None (direction
    unknown: the summary keeps the last value)."""
    name = metric.lower().split("@")[0]
    if "loss" in name or name in MINIMIZE:
        return "min"
    if name in MAXIMIZE:
        return "max"
    return None


class WandbCallback(TrainingCallback):
    """Log an XGBoost training to the current run (see the module docstring).

    Raises UsageError when there is no current run (call ``runfold.init()``
    first). The run is looked up at each call, never kept: scikit-learn copies
    callbacks with the estimator."""

    def __init__(
        self,
        log_model: bool = False,
        log_feature_importance: bool = True,
        importance_type: str = "gain",
        define_metric: bool = True,
    ) -> None:
        super().__init__()
        current_run("WandbCallback()")
        self.log_model = log_model
        self.log_feature_importance = log_feature_importance
        self.importance_type = importance_type
        self.define_metric = define_metric
        self._defined: set[str] = set()

    def before_training(self, model: Any) -> Any:
        if isinstance(model, xgb.Booster):  # xgb.cv passes its folds instead
            run = current_run("WandbCallback.before_training")
            run.config.update(json.loads(model.save_config()), allow_val_change=True)
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        run = current_run("WandbCallback.after_iteration")
        row: dict[str, Any] = {}
        for data, metrics in evals_log.items():
            for metric, values in metrics.items():
                key = f"{data}-{metric}"
                if self.define_metric and key not in self._defined:
                    self._define(run, key, metric)
                last = values[-1]
                if isinstance(last, tuple):  # xgb.cv: (mean, std)
                    row[key], row[f"{key}-std"] = last
                else:
                    row[key] = last
        row["epoch"] = epoch
        run.log(row)
        return False  # never ask XGBoost to stop

    def _define(self, run: Any, key: str, metric: str) -> None:
        self._defined.add(key)
        goal = metric_goal(metric)
        if goal is not None:
            run.define_metric(key, summary=goal)

    def after_training(self, model: Any) -> Any:
        if not isinstance(model, xgb.Booster):
            return model
        run = current_run("WandbCallback.after_training")
        if self.log_model:
            save_run_file(run, f"{run.id}_model.json", lambda p: model.save_model(p))
        if self.log_feature_importance:
            self._log_feature_importance(run, model)
        if model.attr("best_score") is not None:
            run.summary.update(
                {
                    "best_score": float(model.attr("best_score")),
                    "best_iteration": int(model.attr("best_iteration")),
                }
            )
        return model

    def _log_feature_importance(self, run: Any, model: Any) -> None:
        try:
            scores = model.get_score(importance_type=self.importance_type)
        except (xgb.core.XGBoostError, ValueError) as exc:
            warnings.warn(
                f"WandbCallback: no feature importance of type "
                f"{self.importance_type!r} for this booster ({exc}); none was logged.",
                RunfoldWarning,
                stacklevel=2,
            )
            return
        run.summary.update(
            {
                "feature_importance": {k: float(v) for k, v in scores.items()},
                "feature_importance_type": self.importance_type,
            }
        )


RunfoldCallback = WandbCallback
