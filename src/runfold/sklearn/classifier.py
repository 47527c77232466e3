"""Classifier plots: W&B's ``wandb.sklearn.plot_classifier`` and its parts,
each logged under W&B's key (``confusion_matrix``, ``roc``, ``precision_recall``,
``feature_importances``, ``class_proportions``, ``calibration_curve``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from ..media.table import Table
from ..plot.chart import CustomChart, make_chart
from ..plot.classification import CONFUSION_FIELDS, confusion_table, pr_curve, roc_curve
from ..sdk.warn import warn
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
    "plot_classifier",
    "plot_confusion_matrix",
    "plot_roc",
    "plot_precision_recall",
    "plot_feature_importances",
    "plot_class_proportions",
    "plot_calibration_curve",
    "confusion_matrix_chart",
    "feature_importances_chart",
    "class_proportions_chart",
    "calibration_curve_chart",
]

IMPORTANCE_ATTRIBUTES = ("feature_importances_", "feature_log_prob_", "coef_")
# The order plot_classifier logs its charts in (one step each), as W&B.
W_AND_B_ORDER = (
    "feature_importances",
    "learning_curve",
    "confusion_matrix",
    "summary_metrics",
    "class_proportions",
    "calibration_curve",
    "roc",
    "precision_recall",
)


def plot_classifier(
    model: Any,
    X_train: Any,
    X_test: Any,
    y_train: Any,
    y_test: Any,
    y_pred: Any,
    y_probas: Any,
    labels: Sequence[str] | None,
    is_binary: bool = False,
    model_name: str = "Classifier",
    feature_names: Sequence[str] | None = None,
    log_learning_curve: bool = False,
) -> None:
    """Log every classifier plot W&B's ``plot_classifier`` logs: feature
    importances (models that have them), the learning curve (if
    ``log_learning_curve``), confusion matrix, summary metrics, class
    proportions, calibration curve (binary 0/1 labels), ROC and precision-recall.

    Each is one ``log()`` call, in W&B's order, made once all are computed:
    bad input logs nothing. What W&B skips is skipped: feature
    importances of a model without one row of them, and importances and
    calibration for MultinomialNB. ``is_binary`` is accepted and unused, as in
    W&B."""
    require_run("plot_classifier")
    import_sklearn("plot_classifier")
    from sklearn.naive_bayes import MultinomialNB

    multinomial = isinstance(model, MultinomialNB)
    # All computed before any is logged, the quick ones first, so that bad
    # input fails fast and logs nothing; then logged in W&B's order.
    charts: dict[str, CustomChart] = {
        "confusion_matrix": confusion_matrix_chart(y_test, y_pred, labels),
        "class_proportions": class_proportions_chart(y_train, y_test, labels),
        "roc": roc_curve(y_test, y_probas, labels),
        "precision_recall": pr_curve(y_test, y_probas, labels),
        "summary_metrics": summary_metrics_chart(
            model, X_train, y_train, X_test, y_test
        ),
    }
    if not multinomial and _has_one_row_of_importances(model):
        charts["feature_importances"] = feature_importances_chart(model, feature_names)
    if log_learning_curve:
        charts["learning_curve"] = learning_curve_chart(model, X_train, y_train)
    if not multinomial and _is_binary_01(y_train):
        charts["calibration_curve"] = calibration_curve_chart(
            model, X_train, y_train, model_name
        )
    for key in W_AND_B_ORDER:
        if key in charts:
            log_chart(key, charts[key])


# -- confusion matrix ---------------------------------------------------------


def confusion_matrix_chart(
    y_true: Any,
    y_pred: Any,
    labels: Sequence[str] | None = None,
    true_labels: Iterable[Any] | None = None,
    pred_labels: Iterable[Any] | None = None,
    normalize: bool = False,
) -> CustomChart:
    """``sklearn.metrics.confusion_matrix`` over the sorted classes of both
    label arrays, as a ``confusion_matrix`` chart (columns ``Actual``,
    ``Predicted``, ``nPredictions``). ``labels`` names integer classes;
    ``true_labels``/``pred_labels`` keep some rows/columns; ``normalize``
    divides each row by its total (a row with no samples is 0)."""
    call = "plot_confusion_matrix"
    import_sklearn(call)
    from sklearn.metrics import confusion_matrix
    from sklearn.utils.multiclass import unique_labels

    y_true = as_array(y_true, "y_true", call, ndim=1)
    y_pred = as_array(y_pred, "y_pred", call, ndim=1)
    check_lengths(call, y_true=y_true, y_pred=y_pred)
    classes = unique_labels(y_true, y_pred)
    matrix = confusion_matrix(y_true, y_pred, labels=classes)
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(
            matrix, totals, out=np.zeros(matrix.shape, dtype=float), where=totals != 0
        )
    rows = _keep(classes, true_labels, "true_labels", call)
    cols = _keep(classes, pred_labels, "pred_labels", call)
    names = [_class_name(c, labels, call) for c in classes.tolist()]
    table = confusion_table(
        [names[i] for i in rows], [names[j] for j in cols], matrix[np.ix_(rows, cols)]
    )
    return make_chart(
        "confusion_matrix",
        table,
        CONFUSION_FIELDS,
        "Confusion Matrix",
        False,
        axes={"x": "Predicted", "y": "Actual"},
    )


def plot_confusion_matrix(
    y_true: Any = None,
    y_pred: Any = None,
    labels: Sequence[str] | None = None,
    true_labels: Iterable[Any] | None = None,
    pred_labels: Iterable[Any] | None = None,
    normalize: bool = False,
) -> None:
    """Log the confusion matrix as ``confusion_matrix``."""
    require_run("plot_confusion_matrix")
    chart = confusion_matrix_chart(
        y_true, y_pred, labels, true_labels, pred_labels, normalize
    )
    log_chart("confusion_matrix", chart)


# -- ROC and precision-recall (runfold.plot's, under W&B's sklearn keys) -------


def plot_roc(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[str] | None = None,
    plot_micro: bool = True,
    plot_macro: bool = True,
    classes_to_plot: Iterable[Any] | None = None,
) -> None:
    """Log the ROC curve of each class as ``roc`` (``runfold.plot.roc_curve``).
    ``plot_micro`` and ``plot_macro`` are accepted and unused, as in W&B."""
    require_run("plot_roc")
    _check_given("plot_roc", y_true=y_true, y_probas=y_probas)
    log_chart("roc", roc_curve(y_true, y_probas, labels, classes_to_plot))


def plot_precision_recall(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[str] | None = None,
    plot_micro: bool = True,
    classes_to_plot: Iterable[Any] | None = None,
) -> None:
    """Log the precision-recall curve of each class as ``precision_recall``
    (``runfold.plot.pr_curve``). ``plot_micro`` is accepted and unused, as in W&B."""
    require_run("plot_precision_recall")
    _check_given("plot_precision_recall", y_true=y_true, y_probas=y_probas)
    chart = pr_curve(y_true, y_probas, labels, classes_to_plot)
    log_chart("precision_recall", chart)


# -- feature importances ------------------------------------------------------


def feature_importances_chart(
    model: Any,
    feature_names: Sequence[str] | None = None,
    title: str = "Feature Importance",
    max_num_features: int | None = 50,
) -> CustomChart:
    """The model's ``feature_importances_`` (or ``coef_``, ``feature_log_prob_``
    where there is one row of them), largest first, at most
    ``max_num_features``. Table: ``feature_names``, ``importances``; a bar chart."""
    call = "plot_feature_importances"
    check_fitted(model, "model", call)
    attribute = _importances_attribute(model)
    if attribute is None:
        raise UsageError(
            f"runfold.sklearn.{call}: {type(model).__name__} has none of "
            f"{', '.join(IMPORTANCE_ATTRIBUTES)}; pass a model with feature "
            "importances (trees, linear models)."
        )
    importances = np.asarray(getattr(model, attribute), dtype=float)
    if sum(n > 1 for n in importances.shape) > 1:
        raise UsageError(
            f"runfold.sklearn.{call}: {type(model).__name__}.{attribute} has shape "
            f"{importances.shape}, one row per class; only one row can be plotted."
        )
    importances = importances.reshape(-1)
    if feature_names is None:
        names: list[Any] = list(range(len(importances)))
    else:
        names = [str(n) for n in feature_names]
        if len(names) < len(importances):
            raise UsageError(
                f"runfold.sklearn.{call}: {len(names)} feature_names for "
                f"{len(importances)} features. Pass one name per feature."
            )
        if len(names) > len(importances):  # W&B takes the first ones, too
            warn(
                f"runfold.sklearn.{call}: {len(names)} feature_names for "
                f"{len(importances)} features; the first {len(importances)} were "
                "used (e.g. a DataFrame's columns with the label). Pass one name "
                "per feature."
            )
            names = names[: len(importances)]
    order = np.argsort(importances, kind="stable")[::-1][:max_num_features]
    table = Table(
        columns=["feature_names", "importances"],
        data=[[names[i], importances[i].item()] for i in order.tolist()],
    )
    fields = {"label": "feature_names", "value": "importances"}
    return make_chart("bar", table, fields, title, False)


def plot_feature_importances(
    model: Any = None,
    feature_names: Sequence[str] | None = None,
    title: str = "Feature Importance",
    max_num_features: int | None = 50,
) -> None:
    """Log the model's feature importances as ``feature_importances``."""
    require_run("plot_feature_importances")
    chart = feature_importances_chart(model, feature_names, title, max_num_features)
    log_chart("feature_importances", chart)


# -- class proportions --------------------------------------------------------


def class_proportions_chart(
    y_train: Any, y_test: Any, labels: Sequence[str] | None = None
) -> CustomChart:
    """How many samples of each class the train and test sets hold. Table:
    ``class``, ``dataset`` (train/test), ``count``; bars grouped by class."""
    call = "plot_class_proportions"
    import_sklearn(call)
    from sklearn.utils.multiclass import unique_labels

    y_train = as_array(y_train, "y_train", call, ndim=1)
    y_test = as_array(y_test, "y_test", call, ndim=1)
    data = []
    for c in unique_labels(y_train, y_test).tolist():
        name = _class_name(c, labels, call)
        data.append([name, "train", int((y_train == c).sum())])
        data.append([name, "test", int((y_test == c).sum())])
    table = Table(columns=["class", "dataset", "count"], data=data)
    fields = {"label": "class", "value": "count", "series": "dataset"}
    return make_chart("bar", table, fields, "Class proportions", False)


def plot_class_proportions(
    y_train: Any = None, y_test: Any = None, labels: Sequence[str] | None = None
) -> None:
    """Log the class counts of the train and test sets as ``class_proportions``."""
    require_run("plot_class_proportions")
    log_chart("class_proportions", class_proportions_chart(y_train, y_test, labels))


# -- calibration curve --------------------------------------------------------


def calibration_curve_chart(
    clf: Any, X: Any, y: Any, clf_name: str = "Classifier"
) -> CustomChart:
    """W&B's calibration plot: the fraction of positives against the mean
    predicted probability, in 10 bins, for a logistic regression baseline and
    the classifier calibrated isotonically and with a sigmoid, each fitted on
    10 % of (X, y) and scored on the rest (split with ``random_state=42``), plus
    the diagonal "Perfectly calibrated". Binary 0/1 labels only. Table:
    ``model``, ``fraction_of_positives``, ``mean_predicted_value``,
    ``hist_dict``, ``edge_dict`` (the predictions' histogram); a line chart."""
    call = "plot_calibration_curve"
    import_sklearn(call)
    from sklearn.calibration import CalibratedClassifierCV, calibration_curve
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    check_fitted(clf, "clf", call)
    X = as_array(X, "X", call, ndim=2)
    y = as_array(y, "y", call, ndim=1)
    check_lengths(call, X=X, y=y)
    if not _is_binary_01(y):
        raise UsageError(
            f"runfold.sklearn.{call}: y must hold binary labels 0 and 1; the "
            "calibration curve supports binary classification only, as in W&B."
        )
    x_fit, x_score, y_fit, y_score = train_test_split(
        X, y, test_size=0.9, random_state=42
    )
    data: list[list[Any]] = [
        ["Perfectly calibrated", 0.0, 0.0, 0, 0.0],
        ["Perfectly calibrated", 1.0, 1.0, 0, 0.0],
    ]
    models = {
        "Logistic": LogisticRegression(C=1.0),
        f"{clf_name} Isotonic": CalibratedClassifierCV(clf, cv=2, method="isotonic"),
        f"{clf_name} Sigmoid": CalibratedClassifierCV(clf, cv=2, method="sigmoid"),
    }
    for name, model in models.items():
        model.fit(x_fit, y_fit)
        positive = model.predict_proba(x_score)[:, 1]
        hist, edges = np.histogram(positive, bins=10)
        fraction, mean_predicted = calibration_curve(y_score, positive, n_bins=10)
        data += [
            [name, f, m, int(h), e]
            for f, m, h, e in zip(
                fraction.tolist(),
                mean_predicted.tolist(),
                hist,
                edges.tolist(),
                strict=False,
            )
        ]
    columns = [
        "model",
        "fraction_of_positives",
        "mean_predicted_value",
        "hist_dict",
        "edge_dict",
    ]
    fields = {
        "x": "mean_predicted_value",
        "y": "fraction_of_positives",
        "series": "model",
    }
    return make_chart(
        "line",
        Table(columns=columns, data=data),
        fields,
        "Calibration curve",
        False,
        axes={"x": "Mean predicted value", "y": "Fraction of positives"},
    )


def plot_calibration_curve(
    clf: Any = None,
    X: Any = None,
    y: Any = None,
    clf_name: str = "Classifier",
) -> None:
    """Log the calibration curves as ``calibration_curve`` (fits copies of
    ``clf``; the classifier passed is not changed)."""
    require_run("plot_calibration_curve")
    log_chart("calibration_curve", calibration_curve_chart(clf, X, y, clf_name))


# -- helpers ------------------------------------------------------------------


def _importances_attribute(model: Any) -> str | None:
    for attribute in IMPORTANCE_ATTRIBUTES:
        if hasattr(model, attribute):
            return attribute
    return None


def _has_one_row_of_importances(model: Any) -> bool:
    """What plot_classifier plots, skipping the rest as W&B does (a model with
    no importances, a multi-class linear model's one row per class)."""
    attribute = _importances_attribute(model)
    if attribute is None:
        return False
    shape = np.shape(getattr(model, attribute))
    return sum(n > 1 for n in shape) <= 1


def _is_binary_01(y: Any) -> bool:
    values = np.asarray(y)
    if values.dtype.kind not in "biuf":
        return False
    return bool(((values == 0) | (values == 1)).all())


def _class_name(cls: Any, labels: Sequence[str] | None, call: str) -> Any:
    """``labels[c]`` for an integer class c when labels are given, else c."""
    if labels is None or not isinstance(cls, int) or isinstance(cls, bool):
        return cls
    if not 0 <= cls < len(labels):
        raise UsageError(
            f"runfold.sklearn.{call}: the labels hold class {cls}, but labels has "
            f"{len(labels)} names. Pass a name for each class index."
        )
    return labels[cls]


def _keep(
    classes: Any, wanted: Iterable[Any] | None, name: str, call: str
) -> list[int]:
    if wanted is None:
        return list(range(len(classes)))
    wanted = list(wanted)
    keep = np.flatnonzero(np.isin(classes, wanted)).tolist()
    if not keep:
        raise UsageError(
            f"runfold.sklearn.{call}: none of {name}={wanted!r} is a class; the "
            f"classes are {classes.tolist()!r}."
        )
    return keep


def _check_given(call: str, **values: Any) -> None:
    for name, value in values.items():
        if value is None:
            raise UsageError(f"runfold.sklearn.{call}: pass {name}.")
