"""LightGBM: wandb_callback() records each iteration; log_summary() the result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import runfold

lgb = pytest.importorskip(
    "lightgbm", reason="LightGBM is not installed (pip install lightgbm)"
)
from runfold.integration.lightgbm import log_summary, wandb_callback  # noqa: E402

PARAMS = {
    "objective": "binary",
    "metric": ["binary_logloss", "auc"],
    "learning_rate": 1.0,
    "num_leaves": 8,
    "min_data_in_leaf": 2,
    "verbose": -1,
}


def _data() -> tuple[Any, Any]:
    """A small binary task that overfits after a round or two at learning rate 1:
    the best validation value is not the last one."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    y = (x[:, 0] + rng.normal(size=120) > 0).astype(float)
    train = lgb.Dataset(x[:80], y[:80], feature_name=[f"f{i}" for i in range(5)])
    return train, lgb.Dataset(x[80:], y[80:], reference=train)


def test_each_iteration_is_a_row_equal_to_record_evaluation(api: runfold.Api) -> None:
    train, valid = _data()
    run = runfold.init(project="lgbm")
    recorded: dict[str, Any] = {}
    lgb.train(
        PARAMS, train, 6, valid_sets=[train, valid], valid_names=["train", "valid"],
        callbacks=[wandb_callback(), lgb.record_evaluation(recorded)],
    )  # fmt: skip
    run.finish()
    stored = api.run(f"lgbm/{run.id}")
    rows = stored.history()
    assert (
        [r["_step"] for r in rows] == [r["iteration"] for r in rows] == list(range(6))
    )
    for data in ("train", "valid"):
        for metric in ("binary_logloss", "auc"):
            assert [r[f"{data}_{metric}"] for r in rows] == recorded[data][metric]
    # define_metric from LightGBM's own "higher is better": best, not last
    logloss, auc = recorded["valid"]["binary_logloss"], recorded["valid"]["auc"]
    assert min(logloss) != logloss[-1] and max(auc) != auc[-1]
    assert stored.summary["valid_binary_logloss"] == min(logloss)
    assert stored.summary["valid_auc"] == max(auc)
    assert {k: stored.config[k] for k in PARAMS} == PARAMS


def test_log_summary_records_best_iteration_importance_and_checkpoint(
    api: runfold.Api,
) -> None:
    train, valid = _data()
    run = runfold.init(project="lgbm")
    booster = lgb.train(
        PARAMS, train, 30, valid_sets=[valid],
        callbacks=[wandb_callback(log_params=False), lgb.early_stopping(2, verbose=False)],
    )  # fmt: skip
    log_summary(booster, save_model_checkpoint=True)
    run.finish()
    stored = api.run(f"lgbm/{run.id}")
    assert stored.summary["best_iteration"] == booster.best_iteration > 0
    assert stored.summary["best_score"] == {
        "valid_0": {
            k: pytest.approx(v) for k, v in booster.best_score["valid_0"].items()
        }
    }
    assert stored.summary["feature_importance"] == dict(
        zip(booster.feature_name(), booster.feature_importance().tolist(), strict=True)
    )
    assert "objective" not in stored.config  # log_params=False
    saved = run.dir / "files" / f"model_ckpt_{booster.best_iteration}.txt"
    assert lgb.Booster(model_file=str(saved)).num_trees() == booster.best_iteration


def test_cv_logs_mean_and_stdv(api: runfold.Api) -> None:
    train, _ = _data()
    run = runfold.init(project="lgbm")
    params = {**PARAMS, "metric": "binary_logloss", "learning_rate": 0.1}
    result = lgb.cv(params, train, 3, nfold=3, callbacks=[wandb_callback()], seed=0)
    run.finish()
    rows = api.run(f"lgbm/{run.id}").history()
    assert [r["valid_binary_logloss-mean"] for r in rows] == result[
        "valid binary_logloss-mean"
    ]
    assert [r["valid_binary_logloss-stdv"] for r in rows] == result[
        "valid binary_logloss-stdv"
    ]


def test_log_summary_refuses_what_is_not_a_booster() -> None:
    runfold.init(project="lgbm")
    with pytest.raises(
        runfold.UsageError, match=r"takes a lightgbm.Booster .*, not dict"
    ):
        log_summary({})


def test_log_summary_needs_a_run() -> None:
    with pytest.raises(runfold.UsageError, match=r"Call runfold.init\(\) before"):
        log_summary(None)
