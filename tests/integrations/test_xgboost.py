"""XGBoost: WandbCallback records each boosting iteration as XGBoost reports it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import runfold

xgb = pytest.importorskip(
    "xgboost", reason="XGBoost is not installed (pip install xgboost-cpu)"
)
from runfold.integration.xgboost import RunfoldCallback, WandbCallback  # noqa: E402


def _data() -> tuple[Any, Any]:
    """A small binary task that overfits after one round at eta=1: the best
    validation value is not the last one."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    y = (x[:, 0] + rng.normal(size=120) > 0).astype(float)
    names = ["f0", "f1", "f2", "f3", "f4"]
    return (
        xgb.DMatrix(x[:80], y[:80], feature_names=names),
        xgb.DMatrix(x[80:], y[80:], feature_names=names),
    )


PARAMS = {
    "objective": "binary:logistic",
    "max_depth": 4,
    "eta": 1.0,
    "eval_metric": ["logloss", "auc"],
}


def test_each_iteration_is_a_row_equal_to_evals_result(api: runfold.Api) -> None:
    train, valid = _data()
    run = runfold.init(project="xgb")
    evals: dict[str, Any] = {}
    booster = xgb.train(
        PARAMS, train, 6, evals=[(train, "train"), (valid, "validation")],
        evals_result=evals, callbacks=[WandbCallback()], verbose_eval=False,
    )  # fmt: skip
    run.finish()
    stored = api.run(f"xgb/{run.id}")
    rows = stored.history()
    assert [r["_step"] for r in rows] == [r["epoch"] for r in rows] == list(range(6))
    for data in ("train", "validation"):
        for metric in ("logloss", "auc"):
            assert [r[f"{data}-{metric}"] for r in rows] == evals[data][metric]
    # define_metric: the best value, not the last (this data overfits)
    logloss, auc = evals["validation"]["logloss"], evals["validation"]["auc"]
    assert min(logloss) != logloss[-1] and max(auc) != auc[-1]
    assert stored.summary["validation-logloss"] == min(logloss)
    assert stored.summary["validation-auc"] == max(auc)
    assert stored.config["learner"]["objective"]["name"] == "binary:logistic"
    assert stored.summary["feature_importance"] == booster.get_score(
        importance_type="gain"
    )
    assert stored.summary["feature_importance_type"] == "gain"
    assert "best_iteration" not in stored.summary  # no early stopping


def test_early_stopping_puts_best_iteration_in_summary_and_saves_model(
    api: runfold.Api,
) -> None:
    train, valid = _data()
    run = runfold.init(project="xgb")
    callback = WandbCallback(
        log_model=True, importance_type="weight", define_metric=False
    )
    booster = xgb.train(
        PARAMS, train, 20, evals=[(valid, "validation")], early_stopping_rounds=2,
        callbacks=[callback], verbose_eval=False,
    )  # fmt: skip
    run.finish()
    stored = api.run(f"xgb/{run.id}")
    assert stored.summary["best_iteration"] == booster.best_iteration
    assert stored.summary["best_score"] == pytest.approx(booster.best_score)
    assert stored.summary["feature_importance"] == booster.get_score(
        importance_type="weight"
    )
    assert len(stored.history()) == booster.num_boosted_rounds()
    saved = run.dir / "files" / f"{run.id}_model.json"
    assert xgb.Booster(model_file=str(saved)).num_boosted_rounds() == (
        booster.num_boosted_rounds()
    )


def test_sklearn_estimator_with_the_callback(api: runfold.Api) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(100, 3))
    y = (x[:, 1] > 0).astype(int)
    run = runfold.init(project="xgb")
    model = xgb.XGBClassifier(
        n_estimators=4, max_depth=2, eval_metric="auc", callbacks=[RunfoldCallback()]
    )
    model.fit(x[:70], y[:70], eval_set=[(x[70:], y[70:])], verbose=False)
    run.finish()
    rows = api.run(f"xgb/{run.id}").history(keys=["validation_0-auc"])
    assert [r["validation_0-auc"] for r in rows] == (
        model.evals_result()["validation_0"]["auc"]
    )


def test_cv_logs_mean_and_std(api: runfold.Api) -> None:
    train, _ = _data()
    run = runfold.init(project="xgb")
    result = xgb.cv(
        {"objective": "binary:logistic", "max_depth": 2, "eval_metric": "logloss"},
        train, 3, nfold=3, callbacks=[WandbCallback()], as_pandas=False, seed=0,
    )  # fmt: skip
    run.finish()
    rows = api.run(f"xgb/{run.id}").history()
    assert [r["test-logloss"] for r in rows] == pytest.approx(
        result["test-logloss-mean"]
    )
    assert [r["test-logloss-std"] for r in rows] == pytest.approx(
        result["test-logloss-std"]
    )


def test_the_callback_needs_a_run() -> None:
    with pytest.raises(runfold.UsageError, match=r"Call runfold.init\(\) before"):
        WandbCallback()
