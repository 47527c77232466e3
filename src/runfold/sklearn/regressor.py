"""Regressor plots: W&B's ``wandb.sklearn.plot_regressor`` and its parts,
logged under W&B's keys (``summary_metrics``, ``learning_curve``,
``outlier_candidates``, ``residuals``). Where W&B refits the regressor passed,
these fit a copy (``sklearn.base.clone``): the user's model is left as it was."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UsageError
from ..media.table import Table
from ..plot.chart import CustomChart, make_chart
from .shared import (
    as_array,
    check_fitted,
    check_lengths,
    import_sklearn,
    learning_curve_chart,
    log_chart,
    require_run,
    summary_metrics_chart,
)

__all__ = [
    "plot_regressor",
    "plot_residuals",
    "plot_outlier_candidates",
    "residuals_chart",
    "outlier_candidates_chart",
    "RESIDUAL_POINTS",
    "OUTLIER_POINTS",
]

# At most this many points per dataset (train, test) in the residuals chart;
# W&B keeps 100.
RESIDUAL_POINTS = 1000
# At most this many instances in the outlier chart (W&B's table limit).
OUTLIER_POINTS = 10_000


def plot_regressor(
    model: Any,
    X_train: Any,
    X_test: Any,
    y_train: Any,
    y_test: Any,
    model_name: str = "Regressor",
) -> None:
    """Log every regressor plot W&B's ``plot_regressor`` logs: summary metrics,
    learning curve, outlier candidates and residuals, one ``log()`` each.
    ``model_name`` is accepted and unused (W&B prints it)."""
    require_run("plot_regressor")
    charts = {  # all computed before any is logged: bad input logs nothing
        "summary_metrics": summary_metrics_chart(
            model, X_train, y_train, X_test, y_test
        ),
        "learning_curve": learning_curve_chart(model, X_train, y_train),
        "outlier_candidates": outlier_candidates_chart(model, X_train, y_train),
        "residuals": residuals_chart(model, X_train, y_train),
    }
    for key, chart in charts.items():
        log_chart(key, chart)


def residuals_chart(regressor: Any, X: Any, y: Any) -> CustomChart:
    """A copy of the regressor fitted on 80 % of (X, y) (split with
    ``random_state=42``): its prediction against its residual (prediction minus
    truth) on the train and test parts, at most ``RESIDUAL_POINTS`` of each,
    with each part's R² (``score``). Table: ``dataset``, ``y_pred``,
    ``residuals``, ``train_score``, ``test_score``; a scatter chart."""
    call = "plot_residuals"
    import_sklearn(call)
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    check_fitted(regressor, "regressor", call)
    X = as_array(X, "X", call, ndim=2)
    y = as_array(y, "y", call, ndim=1)
    check_lengths(call, X=X, y=y)
    x_train, x_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=42
    )
    model = clone(regressor).fit(x_train, y_train)
    train_score = float(model.score(x_train, y_train))
    test_score = float(model.score(x_test, y_test))
    data = []
    for dataset, features, truth in (
        ("train", x_train, y_train),
        ("test", x_test, y_test),
    ):
        features, truth = features[:RESIDUAL_POINTS], truth[:RESIDUAL_POINTS]
        predicted = np.asarray(model.predict(features), dtype=float).reshape(-1)
        residual = predicted - truth
        data += [
            [dataset, p, r, train_score, test_score]
            for p, r in zip(predicted.tolist(), residual.tolist(), strict=True)
        ]
    columns = ["dataset", "y_pred", "residuals", "train_score", "test_score"]
    fields = {"x": "y_pred", "y": "residuals", "series": "dataset"}
    return make_chart(
        "scatter",
        Table(columns=columns, data=data),
        fields,
        "Residuals",
        False,
        axes={"x": "Predicted value", "y": "Residual"},
    )


def plot_residuals(
    regressor: Any = None,
    X: Any = None,
    y: Any = None,
) -> None:
    """Log the residuals plot as ``residuals``."""
    require_run("plot_residuals")
    log_chart("residuals", residuals_chart(regressor, X, y))


def outlier_candidates_chart(regressor: Any, X: Any, y: Any) -> CustomChart:
    """Each instance's influence on a copy of the regressor fitted on (X, y):
    Cook's distance, with the rule-of-thumb threshold 4 / n and the percentage
    of instances at or above it (W&B's computation, at most ``OUTLIER_POINTS``
    instances shown). Table: ``distance``, ``instance_indicies`` (W&B's
    spelling), ``outlier_percentage``, ``influence_threshold``; a bar chart."""
    call = "plot_outlier_candidates"
    import_sklearn(call)
    from sklearn.base import clone

    check_fitted(regressor, "regressor", call)
    X = as_array(X, "X", call, ndim=2)
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=float)
    y = np.asarray(as_array(y, "y", call, ndim=1), dtype=float)
    check_lengths(call, X=X, y=y)
    n, features = X.shape
    rank = np.linalg.matrix_rank(X)
    if n <= rank:
        raise UsageError(
            f"runfold.sklearn.{call}: X has {n} rows and rank {rank}; Cook's "
            "distance needs more rows than that."
        )
    model = clone(regressor).fit(X, y)
    leverage = (X * np.linalg.pinv(X).T).sum(axis=1)
    residuals = y - np.asarray(model.predict(X), dtype=float).reshape(-1)
    mse = float(residuals @ residuals) / (n - rank)
    with np.errstate(divide="ignore", invalid="ignore"):
        studentized = residuals / np.sqrt(mse) / np.sqrt(1 - leverage)
        distance = studentized**2 / features * (leverage / (1 - leverage))
    threshold = 4 / n
    percentage = float((distance >= threshold).sum() / n * 100.0)
    data = [
        [d, i, percentage, threshold]
        for i, d in enumerate(distance[:OUTLIER_POINTS].tolist())
    ]
    columns = [
        "distance",
        "instance_indicies",
        "outlier_percentage",
        "influence_threshold",
    ]
    fields = {"label": "instance_indicies", "value": "distance"}
    return make_chart(
        "bar",
        Table(columns=columns, data=data),
        fields,
        "Outlier candidates (Cook's distance)",
        False,
    )


def plot_outlier_candidates(
    regressor: Any = None,
    X: Any = None,
    y: Any = None,
) -> None:
    """Log each instance's Cook's distance as ``outlier_candidates``."""
    require_run("plot_outlier_candidates")
    log_chart("outlier_candidates", outlier_candidates_chart(regressor, X, y))
