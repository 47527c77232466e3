"""runfold.plot (W&B's wandb.plot): each chart's ref and the numbers in its table,
the curves and confusion matrix checked against scikit-learn, bad input refused
with a message that says what to pass."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import runfold
from runfold import plot
from runfold.errors import UsageError
from runfold.media.base import MemoryFiles
from runfold.media.table import Table

metrics = pytest.importorskip("sklearn.metrics")

REF_KEYS = {"_type", "chart", "fields", "title", "split_table", "table"}


def _ref(chart: plot.CustomChart) -> tuple[dict[str, Any], dict[str, Any]]:
    """The chart's ref and its table's file, decoded."""
    put = MemoryFiles()
    ref = chart.to_ref(put)
    return ref, json.loads(put.read(ref["table"]["path"]))


def _rows(doc: dict[str, Any], **where: Any) -> list[dict[str, Any]]:
    rows = [dict(zip(doc["columns"], row, strict=True)) for row in doc["data"]]
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def _scores(seed: int = 0, n: int = 300, k: int = 3) -> tuple[Any, Any]:
    """Labels and per-class scores with ties (rounded), so thresholds repeat."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    probas = rng.random((n, k)) + np.eye(k)[y] * 0.5
    return y, np.round(probas / probas.sum(axis=1, keepdims=True), 2)


# -- charts over the user's table ---------------------------------------------


def test_line_ref_names_columns_and_keeps_the_table() -> None:
    table = Table(columns=["epoch", "acc", "run"], data=[[1, 0.5, "a"], [2, 0.7, "a"]])
    ref, doc = _ref(plot.line(table, "epoch", "acc", stroke="run", title="Accuracy"))
    assert set(ref) == REF_KEYS
    assert ref["_type"] == "chart" and ref["chart"] == "line"
    assert ref["fields"] == {"x": "epoch", "y": "acc", "series": "run"}
    assert ref["title"] == "Accuracy" and ref["split_table"] is False
    assert ref["table"]["_type"] == "table-file" and ref["table"]["nrows"] == 2
    assert doc["columns"] == ["epoch", "acc", "run"]
    assert doc["data"] == [[1, 0.5, "a"], [2, 0.7, "a"]]


def test_line_without_stroke_has_no_series_role() -> None:
    table = Table(columns=["x", "y"], data=[[0, 1.0]])
    ref, _ = _ref(plot.line(table, "x", "y"))
    assert ref["fields"] == {"x": "x", "y": "y"}
    assert ref["title"] is None


@pytest.mark.parametrize(
    ("make", "kind", "fields"),
    [
        (lambda t: plot.scatter(t, "a", "b"), "scatter", {"x": "a", "y": "b"}),
        (lambda t: plot.bar(t, "name", "b"), "bar", {"label": "name", "value": "b"}),
        (lambda t: plot.histogram(t, "a"), "histogram", {"value": "a"}),
    ],
)
def test_scatter_bar_histogram_read_the_columns_given(
    make: Any, kind: str, fields: dict[str, str]
) -> None:
    data = [[0.1, 2.0, "p"], [0.4, 3.5, "q"], [0.9, -1.0, "r"]]
    ref, doc = _ref(make(Table(columns=["a", "b", "name"], data=data)))
    assert (ref["chart"], ref["fields"]) == (kind, fields)
    for column in fields.values():
        index = doc["columns"].index(column)
        assert [row[index] for row in doc["data"]] == [row[index] for row in data]


def test_split_table_is_kept_in_the_ref() -> None:
    table = Table(columns=["a"], data=[[1]])
    ref, _ = _ref(plot.histogram(table, "a", split_table=True))
    assert ref["split_table"] is True


def test_unknown_column_names_the_column_and_lists_the_table_columns() -> None:
    table = Table(columns=["epoch", "acc"], data=[[1, 0.5]])
    with pytest.raises(UsageError) as e:
        plot.line(table, "step", "acc")
    assert str(e.value) == (
        "runfold.plot.line: x='step' is not a column of the table. "
        "Its columns are: 'epoch', 'acc'."
    )
    with pytest.raises(
        UsageError, match="runfold.plot.line: stroke='run' is not a column"
    ):
        plot.line(table, "epoch", "acc", stroke="run")


def test_a_chart_needs_a_runfold_table() -> None:
    with pytest.raises(UsageError, match=r"table is a list, not a runfold\.Table"):
        plot.scatter([[1, 2]], "x", "y")  # type: ignore[arg-type]


# -- line_series ----------------------------------------------------------------


def test_line_series_shares_one_x_list_across_lines() -> None:
    chart = plot.line_series([1, 2, 3], [[10, 20, 30], [1, 4, 9]], xname="epoch")
    ref, doc = _ref(chart)
    assert ref["chart"] == "line_series"
    assert ref["fields"] == {"x": "step", "y": "lineVal", "series": "lineKey"}
    assert ref["axes"] == {"x": "epoch"}
    assert doc["columns"] == ["step", "lineKey", "lineVal"]
    assert [r[1:] for r in doc["data"] if r[0] == 2] == [["line_0", 20], ["line_1", 4]]
    assert [r["lineVal"] for r in _rows(doc, lineKey="line_1")] == [1, 4, 9]


def test_line_series_takes_one_x_list_per_line_and_numpy_arrays() -> None:
    xs = [np.arange(3), np.arange(2) * 10]
    ys = [np.array([0.5, 0.25, 0.125]), [7, 8]]
    _, doc = _ref(plot.line_series(xs, ys, keys=["decay", "flat"]))
    assert _rows(doc, lineKey="flat") == [
        {"step": 0, "lineKey": "flat", "lineVal": 7},
        {"step": 10, "lineKey": "flat", "lineVal": 8},
    ]
    assert [r["lineVal"] for r in _rows(doc, lineKey="decay")] == [0.5, 0.25, 0.125]


@pytest.mark.parametrize(
    ("xs", "ys", "keys", "message"),
    [
        ([1, 2], [[1, 2], [3]], None, "line 'line_1' has 2 x values and 1 y values"),
        ([[1], [2], [3]], [[1], [2]], None, "3 lists of x values for 2 lines"),
        ([1], [[1], [2]], ["only"], "1 keys for 2 lines"),
        ([1], [], None, "ys is empty"),
    ],
)
def test_line_series_refuses_mismatched_lengths(
    xs: Any, ys: Any, keys: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        plot.line_series(xs, ys, keys=keys)


# -- confusion matrix -----------------------------------------------------------


def test_confusion_matrix_counts_equal_sklearn() -> None:
    rng = np.random.default_rng(1)
    y_true = rng.choice(["cat", "dog", "owl"], 200)
    preds = np.where(rng.random(200) < 0.7, y_true, rng.choice(["cat", "owl"], 200))
    ref, doc = _ref(plot.confusion_matrix(y_true=y_true, preds=preds))
    assert ref["chart"] == "confusion_matrix"
    assert ref["fields"] == {
        "actual": "Actual",
        "predicted": "Predicted",
        "count": "nPredictions",
    }
    assert doc["columns"] == ["Actual", "Predicted", "nPredictions"]
    # Classes sorted, named Class_1.. as W&B does without class_names.
    names = {"cat": "Class_1", "dog": "Class_2", "owl": "Class_3"}
    expected = metrics.confusion_matrix(y_true, preds, labels=list(names))
    for i, actual in enumerate(names.values()):
        for j, predicted in enumerate(names.values()):
            (row,) = _rows(doc, Actual=actual, Predicted=predicted)
            assert row["nPredictions"] == expected[i, j]


def test_confusion_matrix_from_probs_uses_the_argmax_and_class_names() -> None:
    y_true, probs = _scores(seed=2, k=3)
    chart = plot.confusion_matrix(probs=probs, y_true=y_true, class_names=list("abc"))
    _, doc = _ref(chart)
    expected = metrics.confusion_matrix(y_true, probs.argmax(axis=1), labels=[0, 1, 2])
    got = np.array([row[2] for row in doc["data"]]).reshape(3, 3)
    assert (got == expected).all()
    assert [row[:2] for row in doc["data"][:3]] == [["a", "a"], ["a", "b"], ["a", "c"]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": [0, 1], "preds": [0, 1], "probs": [[1, 0], [0, 1]]}, "not both"),
        ({"y_true": [0, 1]}, "pass preds"),
        ({"preds": [0, 1]}, "pass y_true"),
        ({"y_true": [0, 1], "preds": [0]}, "1 predictions for 2 true labels"),
        (
            {"y_true": [0, 1], "probs": [0.2, 0.8]},
            r"probs must be 2-D.*got shape \(2,\)",
        ),
        (
            {"y_true": [0, 3], "preds": [0, 1], "class_names": ["a", "b"]},
            "y_true holds 3, but with 2 class_names the labels must be class indices 0..1",
        ),
        ({"y_true": [[0, 1]], "preds": [0]}, "y_true must be 1-D"),
    ],
)
def test_confusion_matrix_refuses_bad_input(kwargs: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        plot.confusion_matrix(**kwargs)


# -- ROC and precision-recall -----------------------------------------------------


def test_roc_curve_points_equal_sklearn_for_each_class() -> None:
    y_true, probas = _scores()
    ref, doc = _ref(plot.roc_curve(y_true, probas, labels=["a", "b", "c"]))
    assert ref["chart"] == "roc_curve"
    assert ref["fields"] == {"x": "fpr", "y": "tpr", "series": "class"}
    assert ref["title"] == "ROC Curve"
    assert doc["columns"] == ["class", "fpr", "tpr"]
    for index, name in enumerate("abc"):
        fpr, tpr, _ = metrics.roc_curve(y_true == index, probas[:, index])
        rows = _rows(doc, **{"class": name})
        assert np.allclose([r["fpr"] for r in rows], fpr, rtol=0, atol=1e-12)
        assert np.allclose([r["tpr"] for r in rows], tpr, rtol=0, atol=1e-12)


def test_roc_curve_classes_to_plot_keeps_those_classes() -> None:
    y_true, probas = _scores(k=4)
    _, doc = _ref(plot.roc_curve(y_true, probas, classes_to_plot=[1, 3]))
    assert sorted({row[0] for row in doc["data"]}) == [1, 3]


def test_roc_curve_reads_the_class_column_when_y_true_misses_a_class() -> None:
    y_true, probas = _scores(seed=3, k=3)
    keep = y_true != 1  # the test labels hold classes 0 and 2; probas has 3 columns
    _, doc = _ref(plot.roc_curve(y_true[keep], probas[keep]))
    fpr, tpr, _ = metrics.roc_curve(y_true[keep] == 2, probas[keep][:, 2])
    rows = _rows(doc, **{"class": 2})
    assert np.allclose([r["fpr"] for r in rows], fpr)
    assert np.allclose([r["tpr"] for r in rows], tpr)


def test_pr_curve_is_sklearns_curve_interpolated_at_the_recall_grid() -> None:
    y_true, probas = _scores(seed=4)
    ref, doc = _ref(plot.pr_curve(y_true, probas, interp_size=11))
    assert ref["chart"] == "pr_curve"
    assert ref["fields"] == {"x": "recall", "y": "precision", "series": "class"}
    assert doc["columns"] == ["class", "precision", "recall"]
    grid = np.linspace(0, 1, 11)[::-1]
    for index in range(3):
        precision, recall, _ = metrics.precision_recall_curve(
            y_true == index, probas[:, index]
        )
        # At recall r: the best precision of any threshold reaching recall >= r.
        expected = [precision[recall >= r - 1e-12].max() for r in grid]
        rows = _rows(doc, **{"class": index})
        assert np.allclose([r["recall"] for r in rows], grid)
        assert np.allclose([r["precision"] for r in rows], expected)


def test_pr_curve_names_classes_with_labels() -> None:
    y_true, probas = _scores(seed=5, k=2)
    _, doc = _ref(plot.pr_curve(y_true, probas, labels=["neg", "pos"]))
    assert sorted({row[0] for row in doc["data"]}) == ["neg", "pos"]
    assert len(doc["data"]) == 2 * 21


@pytest.mark.parametrize("curve", [plot.roc_curve, plot.pr_curve])
@pytest.mark.parametrize(
    ("y_true", "y_probas", "message"),
    [
        ([0, 1, 1], [0.2, 0.7, 0.9], r"y_probas must be 2-D.*predict_proba"),
        ([0, 1], [[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]], "3 rows for 2 labels"),
        ([1, 1], [[0.1, 0.9], [0.2, 0.8]], "a curve needs examples of two classes"),
        ([0, 1, 2], [[0.5, 0.5]] * 3, "2 columns but y_true holds 3 classes"),
        ([0, 1], [["a", "b"], ["c", "d"]], "array of numbers"),
    ],
)
def test_curves_refuse_bad_input(
    curve: Any, y_true: Any, y_probas: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        curve(y_true, y_probas)


def test_curves_refuse_classes_to_plot_that_are_not_in_y_true() -> None:
    y_true, probas = _scores(k=2)
    with pytest.raises(UsageError, match=r"none of classes_to_plot \[7\] is in y_true"):
        plot.roc_curve(y_true, probas, classes_to_plot=[7])


# -- plot_table and logging ---------------------------------------------------------


def test_plot_table_keeps_the_spec_name_and_string_fields() -> None:
    table = Table(columns=["a", "b"], data=[[1, 2]])
    chart = plot.plot_table(
        "me/my-spec/v1", table, {"x": "a", "y": "b"}, {"title": "Mine", "unit": "s"}
    )
    ref, _ = _ref(chart)
    assert set(ref) == REF_KEYS | {"spec", "string_fields"}
    assert ref["chart"] == "custom" and ref["spec"] == "me/my-spec/v1"
    assert ref["title"] == "Mine" and ref["string_fields"] == {
        "title": "Mine",
        "unit": "s",
    }
    with pytest.raises(UsageError, match="plot_table: y='c' is not a column"):
        plot.plot_table("me/my-spec/v1", table, {"x": "a", "y": "c"})
    with pytest.raises(UsageError, match="data_table|not a runfold.Table"):
        plot.plot_table("me/my-spec/v1", {"a": [1]}, {"x": "a"})  # type: ignore[arg-type]


def test_logged_chart_reads_back_as_its_table(api: runfold.Api) -> None:
    y_true, probas = _scores(seed=6)
    run = runfold.init(project="charts")
    run.log({"roc": plot.roc_curve(y_true, probas)})
    run.finish()
    logged = api.run(f"charts/{run.id}")
    (value,) = logged.media("roc")
    assert value.ref["chart"] == "roc_curve"
    frame = logged.table("roc")
    fpr, tpr, _ = metrics.roc_curve(y_true == 1, probas[:, 1])
    assert np.allclose(frame[frame["class"] == 1]["tpr"], tpr)


def test_import_runfold_does_not_load_plot() -> None:
    code = (
        "import runfold, sys; print('runfold.plot' in sys.modules);"
        "runfold.plot.line; print(runfold.plot.__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "runfold.plot"]
