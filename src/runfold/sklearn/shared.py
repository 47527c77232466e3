"""What the classifier, regressor and clusterer plots share: importing
scikit-learn, checking the run and the model, logging a chart, and the two
charts every model gets (summary metrics, learning curve).

Each plot is two functions: ``<name>_chart(...)`` computes a ``CustomChart``
(no run needed; tests call it), and ``plot_<name>(...)`` checks that a run is
current, computes, and logs the chart under W&B's key. ``import sklearn`` here
is the real scikit-learn: imports are absolute, and this package is only ever
``runfold.sklearn``.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import UsageError
from ..media.table import Table
from ..plot.chart import CustomChart, make_chart
from ..sdk.context import NO_RUN, current, log

__all__ = [
    "import_sklearn",
    "require_run",
    "log_chart",
    "check_fitted",
    "as_array",
    "summary_metrics_chart",
    "plot_summary_metrics",
    "learning_curve_chart",
    "plot_learning_curve",
]

NO_SKLEARN = (
    "runfold.sklearn.{call} needs scikit-learn, which is not installed: "
    "pip install scikit-learn"
)


def import_sklearn(call: str) -> ModuleType:
    """scikit-learn, or a UsageError that says how to install it."""
    try:
        import sklearn
        import sklearn.base
        import sklearn.metrics
        import sklearn.model_selection
    except ImportError:
        raise UsageError(NO_SKLEARN.format(call=call)) from None
    return sklearn


def require_run(call: str) -> None:
    """Fail before any work (fitting a learning curve can take minutes) when
    there is no run to log to, as W&B does."""
    if current() is None:
        raise UsageError(NO_RUN.format(call=f"sklearn.{call}"))


def log_chart(key: str, chart: CustomChart) -> None:
    log({key: chart})


def check_fitted(model: Any, name: str, call: str) -> None:
    if model is None:
        raise UsageError(f"runfold.sklearn.{call}: pass {name}, a fitted model.")
    import_sklearn(call)
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        raise UsageError(
            f"runfold.sklearn.{call}: {name} ({type(model).__name__}) is not "
            "fitted yet. Call its fit(X, y) first."
        ) from None
    except TypeError:
        raise UsageError(
            f"runfold.sklearn.{call}: {name} is a {type(model).__name__}, not a "
            "scikit-learn estimator."
        ) from None


def as_array(values: Any, name: str, call: str, ndim: int | None = None) -> Any:
    """``values`` as a NumPy array (a DataFrame's values; a sparse matrix as it
    is), checked for its dimensions; None is refused with the argument's name."""
    if values is None:
        raise UsageError(f"runfold.sklearn.{call}: pass {name}.")
    # A SciPy sparse matrix stays sparse (np.asarray would wrap it in a 0-d array).
    array = values if hasattr(values, "tocsr") else np.asarray(values)
    if ndim is not None and array.ndim != ndim:
        shape = "(n_samples,)" if ndim == 1 else "(n_samples, n_features)"
        raise UsageError(
            f"runfold.sklearn.{call}: {name} must be {ndim}-D, {shape}; got "
            f"shape {array.shape}."
        )
    return array


def check_lengths(call: str, **arrays: Any) -> None:
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        said = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise UsageError(
            f"runfold.sklearn.{call}: {said} rows. Pass one row per sample in each."
        )


# -- summary metrics ----------------------------------------------------------


def summary_metrics_chart(
    model: Any, X: Any, y: Any, X_test: Any, y_test: Any
) -> CustomChart:
    """The model's scores on the test set: accuracy, precision, recall and F1
    (weighted by class) for a classifier; MAE, MSE and R² for a regressor.
    Table: ``metric_name``, ``metric_value``, ``model_name``; a bar chart."""
    call = "plot_summary_metrics"
    sklearn = import_sklearn(call)
    check_fitted(model, "model", call)
    X_test = as_array(X_test, "X_test", call)
    y_test = as_array(y_test, "y_test", call, ndim=1)
    check_lengths(call, X_test=X_test, y_test=y_test)
    m = sklearn.metrics
    y_pred = model.predict(X_test)
    if sklearn.base.is_classifier(model):
        scores = {
            "accuracy_score": m.accuracy_score(y_test, y_pred),
            "precision": m.precision_score(
                y_test, y_pred, average="weighted", zero_division=0
            ),
            "recall": m.recall_score(
                y_test, y_pred, average="weighted", zero_division=0
            ),
            "f1_score": m.f1_score(y_test, y_pred, average="weighted", zero_division=0),
        }
    elif sklearn.base.is_regressor(model):
        scores = {
            "mae": m.mean_absolute_error(y_test, y_pred),
            "mse": m.mean_squared_error(y_test, y_pred),
            "r2_score": m.r2_score(y_test, y_pred),
        }
    else:
        raise UsageError(
            f"runfold.sklearn.{call}: model is a {type(model).__name__}, neither "
            "a classifier nor a regressor."
        )
    name = type(model).__name__
    table = Table(
        columns=["metric_name", "metric_value", "model_name"],
        data=[[key, float(value), name] for key, value in scores.items()],
    )
    fields = {"label": "metric_name", "value": "metric_value"}
    return make_chart("bar", table, fields, f"Summary metrics ({name})", False)


def plot_summary_metrics(
    model: Any = None,
    X: Any = None,
    y: Any = None,
    X_test: Any = None,
    y_test: Any = None,
) -> None:
    """Log the model's test-set scores as ``summary_metrics`` (a bar chart).
    ``X`` and ``y`` (the training set) are accepted as in W&B, and not used."""
    require_run("plot_summary_metrics")
    log_chart("summary_metrics", summary_metrics_chart(model, X, y, X_test, y_test))


# -- learning curve -----------------------------------------------------------


def learning_curve_chart(
    model: Any,
    X: Any,
    y: Any,
    cv: Any = None,
    shuffle: bool = False,
    random_state: Any = None,
    train_sizes: Sequence[float] | None = None,
    n_jobs: int | None = 1,
    scoring: Any = None,
) -> CustomChart:
    """The model's mean train and cross-validation score against the training
    set's size (``sklearn.model_selection.learning_curve``, which fits copies
    of the model). Table: ``dataset`` (train/test), ``score``, ``train_size``."""
    call = "plot_learning_curve"
    sklearn = import_sklearn(call)
    if model is None:
        raise UsageError(f"runfold.sklearn.{call}: pass model, an estimator.")
    X = as_array(X, "X", call)
    y = as_array(y, "y", call)
    check_lengths(call, X=X, y=y)
    sizes, train_scores, test_scores = sklearn.model_selection.learning_curve(
        model,
        X,
        y,
        cv=cv,
        n_jobs=n_jobs,
        train_sizes=np.linspace(0.1, 1.0, 5) if train_sizes is None else train_sizes,
        scoring=scoring,
        shuffle=shuffle,
        random_state=random_state,
    )
    data = []
    for size, train, test in zip(
        sizes.tolist(),
        np.mean(train_scores, axis=1).tolist(),
        np.mean(test_scores, axis=1).tolist(),
        strict=True,
    ):
        data += [["train", train, size], ["test", test, size]]
    table = Table(columns=["dataset", "score", "train_size"], data=data)
    fields = {"x": "train_size", "y": "score", "series": "dataset"}
    return make_chart("line", table, fields, "Learning curve", False)


def plot_learning_curve(
    model: Any = None,
    X: Any = None,
    y: Any = None,
    cv: Any = None,
    shuffle: bool = False,
    random_state: Any = None,
    train_sizes: Sequence[float] | None = None,
    n_jobs: int | None = 1,
    scoring: Any = None,
) -> None:
    """Log the learning curve as ``learning_curve``; the arguments after ``y``
    are ``sklearn.model_selection.learning_curve``'s."""
    require_run("plot_learning_curve")
    chart = learning_curve_chart(
        model, X, y, cv, shuffle, random_state, train_sizes, n_jobs, scoring
    )
    log_chart("learning_curve", chart)
