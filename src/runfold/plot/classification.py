"""The classifier charts: ``confusion_matrix``, ``pr_curve`` and ``roc_curve``,
with W&B's signatures and tables, computed with NumPy alone. The numbers are
scikit-learn's: ``roc_curve`` gives the points of ``sklearn.metrics.roc_curve``
(intermediate points dropped as there), ``pr_curve`` W&B's interpolation of
``sklearn.metrics.precision_recall_curve``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from ..media.table import Table
from .basic import plain
from .chart import CustomChart, make_chart

__all__ = ["confusion_matrix", "pr_curve", "roc_curve", "confusion_table"]

CONFUSION_COLUMNS = ["Actual", "Predicted", "nPredictions"]
CONFUSION_FIELDS = {
    "actual": "Actual",
    "predicted": "Predicted",
    "count": "nPredictions",
}


def confusion_matrix(
    probs: Sequence[Sequence[float]] | None = None,
    y_true: Sequence[Any] | None = None,
    preds: Sequence[Any] | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """How often each true class was predicted as each class.

    Pass ``y_true`` and either ``preds`` (predicted labels) or ``probs`` (an
    ``(n_samples, n_classes)`` array; the prediction is its row's argmax). With
    ``class_names``, labels are class indices ``0 .. len(class_names) - 1``;
    without, the classes are the sorted labels seen, named ``Class_1`` ... as
    in W&B. The table has a row per (actual, predicted) pair: ``Actual``,
    ``Predicted``, ``nPredictions``."""
    call = "confusion_matrix"
    if y_true is None:
        raise UsageError(f"runfold.plot.{call}: pass y_true, the true labels.")
    if probs is not None and preds is not None:
        raise UsageError(
            f"runfold.plot.{call}: pass probs or preds, not both (the "
            "predictions are the argmax of probs)."
        )
    truth = plain(y_true, "y_true", call)
    if probs is not None:
        predicted = np.argmax(_matrix(probs, "probs", call), axis=1).tolist()
    elif preds is not None:
        predicted = plain(preds, "preds", call)
    else:
        raise UsageError(
            f"runfold.plot.{call}: pass preds (the predicted labels) or probs "
            "(an (n_samples, n_classes) array of class probabilities)."
        )
    if len(predicted) != len(truth):
        raise UsageError(
            f"runfold.plot.{call}: {len(predicted)} predictions for "
            f"{len(truth)} true labels. Pass one prediction per label."
        )
    if class_names is not None:
        names = [str(name) for name in class_names]
        classes: list[Any] = list(range(len(names)))
        for what, values in (("y_true", truth), ("the predictions", predicted)):
            unknown = sorted({repr(v) for v in values if v not in classes})
            if unknown:
                raise UsageError(
                    f"runfold.plot.{call}: {what} holds {', '.join(unknown[:5])}, "
                    f"but with {len(names)} class_names the labels must be class "
                    f"indices 0..{len(names) - 1}."
                )
    else:
        classes = _sorted_labels(set(truth) | set(predicted), call)
        names = [f"Class_{i + 1}" for i in range(len(classes))]
    index = {label: i for i, label in enumerate(classes)}
    counts = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(counts, ([index[v] for v in truth], [index[v] for v in predicted]), 1)
    return make_chart(
        "confusion_matrix",
        confusion_table(names, names, counts),
        CONFUSION_FIELDS,
        title or "Confusion Matrix",
        split_table,
        axes={"x": "Predicted", "y": "Actual"},
    )


def confusion_table(
    actual: Sequence[Any], predicted: Sequence[Any], counts: Any
) -> Table:
    """The confusion matrix ``counts[i, j]`` (true ``actual[i]``, predicted
    ``predicted[j]``) as W&B's table, one row per cell."""
    matrix = np.asarray(counts)
    data = [
        [actual[i], predicted[j], matrix[i, j].item()]
        for i in range(matrix.shape[0])
        for j in range(matrix.shape[1])
    ]
    return Table(columns=list(CONFUSION_COLUMNS), data=data)


def roc_curve(
    y_true: Sequence[Any],
    y_probas: Sequence[Sequence[float]],
    labels: Sequence[str] | None = None,
    classes_to_plot: Iterable[Any] | None = None,
    title: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """The receiver operating characteristic of each class (one against the
    rest): the points of ``sklearn.metrics.roc_curve(y_true == c,
    y_probas[:, i])``. Table: ``class``, ``fpr``, ``tpr``.

    ``y_probas`` is ``(n_samples, n_classes)``, its columns in the sorted order of
    the classes (what ``predict_proba`` gives); ``labels`` names integer classes
    (``labels[c]``); ``classes_to_plot`` keeps some classes only."""
    data = []
    for name, positive, scores in _per_class(
        "roc_curve", y_true, y_probas, labels, classes_to_plot
    ):
        fps, tps = _counts_at_thresholds(positive, scores)
        if len(fps) > 2:  # drop the points on straight stretches, as sklearn does
            corner = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
            keep = np.flatnonzero(np.r_[True, corner, True])
            fps, tps = fps[keep], tps[keep]
        fpr = np.r_[0, fps] / fps[-1]
        tpr = np.r_[0, tps] / tps[-1]
        data += [[name, f, t] for f, t in zip(fpr.tolist(), tpr.tolist(), strict=True)]
    return make_chart(
        "roc_curve",
        Table(columns=["class", "fpr", "tpr"], data=data),
        {"x": "fpr", "y": "tpr", "series": "class"},
        title or "ROC Curve",
        split_table,
        axes={"x": "False positive rate", "y": "True positive rate"},
    )


def pr_curve(
    y_true: Sequence[Any],
    y_probas: Sequence[Sequence[float]],
    labels: Sequence[str] | None = None,
    classes_to_plot: Iterable[Any] | None = None,
    interp_size: int = 21,
    title: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """Precision against recall for each class (one against the rest), at
    ``interp_size`` recall values evenly spaced from 1 down to 0, as W&B: the
    precision at recall r is the best precision of any threshold whose recall
    is at least r (``sklearn.metrics.precision_recall_curve``'s points,
    interpolated). Table: ``class``, ``precision``, ``recall``. The other
    arguments as for ``roc_curve``."""
    if isinstance(interp_size, bool) or not isinstance(interp_size, int):
        raise UsageError(
            f"runfold.plot.pr_curve: interp_size must be an int, e.g. 21; got "
            f"{interp_size!r}."
        )
    if interp_size < 2:
        raise UsageError(
            f"runfold.plot.pr_curve: interp_size must be 2 or more; got {interp_size}."
        )
    grid = np.linspace(0, 1, interp_size)[::-1]
    data = []
    for name, positive, scores in _per_class(
        "pr_curve", y_true, y_probas, labels, classes_to_plot
    ):
        fps, tps = _counts_at_thresholds(positive, scores)
        # Thresholds from high to low: recall rises; (0, 1) is sklearn's end point.
        recall = np.r_[0.0, tps / tps[-1]]
        precision = np.r_[1.0, tps / (tps + fps)]
        best = np.maximum.accumulate(precision[::-1])[::-1]
        at = best[np.searchsorted(recall, grid, side="left")]
        data += [[name, p, r] for p, r in zip(at.tolist(), grid.tolist(), strict=True)]
    return make_chart(
        "pr_curve",
        Table(columns=["class", "precision", "recall"], data=data),
        {"x": "recall", "y": "precision", "series": "class"},
        title or "Precision-Recall Curve",
        split_table,
        axes={"x": "Recall", "y": "Precision"},
    )


def _counts_at_thresholds(positive: Any, scores: Any) -> tuple[Any, Any]:
    """False and true positives when predicting positive at or above each
    distinct score, from the highest down (sklearn's ``_binary_clf_curve``)."""
    order = np.argsort(scores, kind="mergesort")[::-1]
    ordered = scores[order]
    last = np.r_[np.flatnonzero(np.diff(ordered)), ordered.size - 1]
    tps = np.cumsum(positive[order])[last]
    fps = 1 + last - tps
    return fps, tps


def _per_class(
    call: str,
    y_true: Any,
    y_probas: Any,
    labels: Sequence[str] | None,
    classes_to_plot: Iterable[Any] | None,
) -> list[tuple[Any, Any, Any]]:
    """(name, is-this-class mask, this class's scores) for each class to plot."""
    truth = np.asarray(plain(y_true, "y_true", call))
    probas = _matrix(y_probas, "y_probas", call)
    if probas.shape[0] != truth.shape[0]:
        raise UsageError(
            f"runfold.plot.{call}: y_probas has {probas.shape[0]} rows for "
            f"{truth.shape[0]} labels in y_true. Pass one row of class "
            "probabilities per label."
        )
    classes = np.unique(truth)
    if len(classes) < 2:
        seen = [_label(c) for c in classes]
        raise UsageError(
            f"runfold.plot.{call}: y_true holds the classes {seen!r}; a curve "
            "needs examples of two classes or more."
        )
    columns = _probability_columns(call, classes, probas.shape[1])
    if classes_to_plot is not None:
        wanted = list(classes_to_plot)
        keep = np.isin(classes, wanted)
        if not keep.any():
            raise UsageError(
                f"runfold.plot.{call}: none of classes_to_plot {wanted!r} is in "
                f"y_true, whose classes are {[_label(c) for c in classes]!r}."
            )
        classes, columns = classes[keep], columns[keep]
    return [
        (_name(call, c, labels), truth == c, probas[:, column])
        for c, column in zip(classes, columns, strict=True)
    ]


def _probability_columns(call: str, classes: Any, n_columns: int) -> Any:
    """Which column of y_probas scores each class: the i-th sorted class's is
    column i (W&B), or, where the test labels miss a class, column c of an
    integer class c (predict_proba's order when the classes are 0..k-1)."""
    if len(classes) == n_columns:
        return np.arange(n_columns)
    integers = np.issubdtype(classes.dtype, np.integer)
    if integers and classes.min() >= 0 and classes.max() < n_columns:
        return classes.astype(np.int64)
    raise UsageError(
        f"runfold.plot.{call}: y_probas has {n_columns} columns but y_true holds "
        f"{len(classes)} classes {[_label(c) for c in classes]!r}. Pass one "
        "column per class, in sorted class order (what predict_proba gives)."
    )


def _name(call: str, cls: Any, labels: Sequence[str] | None) -> Any:
    value = _label(cls)
    if labels is None or not isinstance(value, int) or isinstance(value, bool):
        return value
    if not 0 <= value < len(labels):
        raise UsageError(
            f"runfold.plot.{call}: y_true holds class {value}, but labels has "
            f"{len(labels)} names. Pass a name for each class index."
        )
    return labels[value]


def _label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _matrix(values: Any, name: str, call: str) -> Any:
    try:
        matrix = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise UsageError(
            f"runfold.plot.{call}: {name} must be an (n_samples, n_classes) array "
            "of numbers, e.g. model.predict_proba(X)."
        ) from None
    if matrix.ndim != 2:
        raise UsageError(
            f"runfold.plot.{call}: {name} must be 2-D, (n_samples, n_classes), "
            f"e.g. model.predict_proba(X); got shape {matrix.shape}."
        )
    return matrix


def _sorted_labels(labels: set[Any], call: str) -> list[Any]:
    try:
        return sorted(labels)
    except TypeError:
        raise UsageError(
            f"runfold.plot.{call}: the labels mix types that cannot be ordered "
            f"({sorted({type(v).__name__ for v in labels})}). Pass labels of one type."
        ) from None
