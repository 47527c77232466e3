"""runfold.sklearn (W&B's wandb.sklearn): the plots logged under W&B's keys and
read back as tables whose numbers equal scikit-learn's; no run, an unfitted
model, bad input or a missing scikit-learn give a UsageError that says what to do."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

import runfold
from runfold.errors import UsageError

sklearn = pytest.importorskip("sklearn")

from sklearn import metrics  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import make_blobs, make_classification, make_regression  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.model_selection import learning_curve, train_test_split  # noqa: E402

from runfold.sklearn import classifier, clusterer, regressor, shared  # noqa: E402

P = "sk"
CLASSIFIER_KEYS = {
    "feature_importances",
    "learning_curve",
    "confusion_matrix",
    "summary_metrics",
    "class_proportions",
    "calibration_curve",
    "roc",
    "precision_recall",
}


def _binary() -> tuple[Any, ...]:
    X, y = make_classification(240, 5, n_informative=3, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(
        X_train, y_train
    )
    return model, X_train, X_test, y_train, y_test


def _logged(run: Any) -> Any:
    run.finish()
    return runfold.Api().run(f"{P}/{run.id}")


# -- end to end ---------------------------------------------------------------


def test_plot_classifier_logs_w_and_b_keys_with_sklearns_numbers() -> None:
    model, X_train, X_test, y_train, y_test = _binary()
    y_pred, y_probas = model.predict(X_test), model.predict_proba(X_test)
    run = runfold.init(project=P)
    runfold.sklearn.plot_classifier(
        model, X_train, X_test, y_train, y_test, y_pred, y_probas,
        ["no", "yes"], model_name="Forest", feature_names=list("abcde"),
        log_learning_curve=True,
    )  # fmt: skip
    logged = _logged(run)
    by_step = sorted(logged.media_keys(), key=lambda m: m["first"])
    assert tuple(m["key"] for m in by_step) == classifier.W_AND_B_ORDER

    cm = logged.table("confusion_matrix")
    expected = metrics.confusion_matrix(y_test, y_pred)
    for i, actual in enumerate(["no", "yes"]):
        for j, predicted in enumerate(["no", "yes"]):
            cell = cm[(cm["Actual"] == actual) & (cm["Predicted"] == predicted)]
            assert cell["nPredictions"].tolist() == [expected[i, j]]

    roc = logged.table("roc")
    fpr, tpr, _ = metrics.roc_curve(y_test, y_probas[:, 1])
    assert np.allclose(roc[roc["class"] == "yes"]["fpr"], fpr)
    assert np.allclose(roc[roc["class"] == "yes"]["tpr"], tpr)

    summary = dict(
        logged.table("summary_metrics")[["metric_name", "metric_value"]].values
    )
    assert summary["accuracy_score"] == pytest.approx(
        metrics.accuracy_score(y_test, y_pred)
    )
    assert summary["f1_score"] == pytest.approx(
        metrics.f1_score(y_test, y_pred, average="weighted")
    )

    importances = logged.table("feature_importances")
    order = np.argsort(model.feature_importances_)[::-1]
    assert importances["feature_names"].tolist() == [list("abcde")[i] for i in order]
    assert np.allclose(importances["importances"], model.feature_importances_[order])

    charts = {m.ref["chart"] for k in CLASSIFIER_KEYS for m in logged.media(k)}
    assert charts == {"bar", "line", "confusion_matrix", "roc_curve", "pr_curve"}


def test_plot_regressor_logs_metrics_outliers_and_residuals() -> None:
    X, y = make_regression(120, 3, noise=5.0, random_state=1)
    y[7] += 400.0  # a planted outlier
    model = LinearRegression().fit(X[:100], y[:100])
    coef = model.coef_.copy()
    run = runfold.init(project=P)
    runfold.sklearn.plot_regressor(model, X[:100], X[100:], y[:100], y[100:])
    logged = _logged(run)
    assert {m["key"] for m in logged.media_keys()} == {
        "summary_metrics",
        "learning_curve",
        "outlier_candidates",
        "residuals",
    }
    summary = dict(
        logged.table("summary_metrics")[["metric_name", "metric_value"]].values
    )
    y_pred = model.predict(X[100:])
    assert summary["mse"] == pytest.approx(metrics.mean_squared_error(y[100:], y_pred))
    assert summary["r2_score"] == pytest.approx(metrics.r2_score(y[100:], y_pred))
    outliers = logged.table("outlier_candidates")
    assert outliers["distance"].idxmax() == 7
    assert outliers["influence_threshold"].iloc[0] == pytest.approx(4 / 100)
    share = (outliers["distance"] >= 4 / 100).mean() * 100
    assert outliers["outlier_percentage"].iloc[0] == pytest.approx(share)
    assert set(logged.table("residuals")["dataset"]) == {"train", "test"}
    assert np.array_equal(model.coef_, coef)  # the user's model was not refitted


def test_plot_clusterer_logs_elbow_and_silhouette_for_kmeans() -> None:
    X, _ = make_blobs(90, 2, centers=3, random_state=2)
    model = KMeans(3, n_init=3, random_state=0).fit(X)
    run = runfold.init(project=P)
    runfold.sklearn.plot_clusterer(model, X, model.labels_)
    logged = _logged(run)
    elbow = logged.table("elbow_curve")
    assert elbow["cluster_ranges"].tolist() == [1, 3, 5, 7, 9]
    for k, error in zip(elbow["cluster_ranges"], elbow["errors"], strict=True):
        inertia = KMeans(int(k), n_init=3, random_state=0).fit(X).inertia_
        assert error == pytest.approx(inertia)
    sil = logged.table("silhouette_plot")
    assert sil["x2"].mean() == pytest.approx(metrics.silhouette_score(X, model.labels_))
    assert sil["silhouette_avg"].iloc[0] == pytest.approx(sil["x2"].mean())
    for cluster in range(3):
        values = sil[sil["color_sil"] == cluster]["x2"].tolist()
        assert (
            values == sorted(values) and len(values) == (model.labels_ == cluster).sum()
        )
    centers = sil[["colors", "centerx"]].drop_duplicates().sort_values("colors")
    assert np.allclose(centers["centerx"], model.cluster_centers_[:, 0])


def test_single_plots_log_under_w_and_b_keys() -> None:
    model, X_train, X_test, y_train, y_test = _binary()
    run = runfold.init(project=P)
    runfold.sklearn.plot_roc(y_test, model.predict_proba(X_test))
    runfold.sklearn.plot_precision_recall(y_test, model.predict_proba(X_test))
    runfold.sklearn.plot_confusion_matrix(y_test, model.predict(X_test))
    runfold.sklearn.plot_class_proportions(y_train, y_test, ["no", "yes"])
    runfold.sklearn.plot_calibration_curve(model, X_train, y_train, "Forest")
    runfold.sklearn.plot_feature_importances(model)
    runfold.sklearn.plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    logged = _logged(run)
    assert {m["key"] for m in logged.media_keys()} == CLASSIFIER_KEYS - {
        "learning_curve"
    }
    proportions = logged.table("class_proportions")
    train = proportions[proportions["dataset"] == "train"]
    assert dict(train[["class", "count"]].values) == {
        "no": (y_train == 0).sum(),
        "yes": (y_train == 1).sum(),
    }
    calibration = logged.table("calibration_curve")
    assert set(calibration["model"]) == {
        "Perfectly calibrated",
        "Logistic",
        "Forest Isotonic",
        "Forest Sigmoid",
    }


# -- the computing alone ----------------------------------------------------------


def test_confusion_matrix_chart_normalizes_and_keeps_chosen_rows() -> None:
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 2]
    chart = classifier.confusion_matrix_chart(
        y_true, y_pred, labels=["a", "b", "c"], true_labels=[1], normalize=True
    )
    frame = chart.table.get_dataframe()
    assert frame["Actual"].tolist() == ["b", "b", "b"]
    assert frame["Predicted"].tolist() == ["a", "b", "c"]
    assert np.allclose(frame["nPredictions"], [0, 2 / 3, 1 / 3])


def test_learning_curve_chart_is_sklearns_mean_scores() -> None:
    X, y = make_classification(150, 4, random_state=3)
    model = LogisticRegression()
    chart = shared.learning_curve_chart(model, X, y, cv=3)
    frame = chart.table.get_dataframe()
    sizes, train, test = learning_curve(
        model, X, y, cv=3, train_sizes=np.linspace(0.1, 1.0, 5)
    )
    assert frame[frame["dataset"] == "test"]["train_size"].tolist() == sizes.tolist()
    assert np.allclose(frame[frame["dataset"] == "train"]["score"], train.mean(axis=1))
    assert np.allclose(frame[frame["dataset"] == "test"]["score"], test.mean(axis=1))
    assert chart.spec.fields == {"x": "train_size", "y": "score", "series": "dataset"}


def test_feature_importances_chart_keeps_the_largest() -> None:
    model, *_ = _binary()
    chart = classifier.feature_importances_chart(model, max_num_features=2)
    frame = chart.table.get_dataframe()
    top = np.argsort(model.feature_importances_)[::-1][:2]
    assert frame["feature_names"].tolist() == top.tolist()


def test_plot_classifier_skips_what_w_and_b_skips_for_multiclass() -> None:
    X, y = make_classification(180, 5, n_informative=3, n_classes=3, random_state=4)
    model = LogisticRegression().fit(X, y)  # coef_ has a row per class
    run = runfold.init(project=P)
    runfold.sklearn.plot_classifier(
        model, X, X, y, y, model.predict(X), model.predict_proba(X), None
    )
    keys = {m["key"] for m in _logged(run).media_keys()}
    assert keys == CLASSIFIER_KEYS - {
        "feature_importances",
        "learning_curve",
        "calibration_curve",
    }


def test_sparse_features_are_taken_as_they_are() -> None:
    sparse = pytest.importorskip("scipy.sparse")
    X, y = make_regression(60, 3, random_state=5)
    model = LinearRegression().fit(sparse.csr_matrix(X), y)
    residuals = regressor.residuals_chart(model, sparse.csr_matrix(X), y)
    assert len(residuals.table.data) == 60
    outliers = regressor.outlier_candidates_chart(model, sparse.csr_matrix(X), y)
    assert len(outliers.table.data) == 60
    blobs, _ = make_blobs(40, 2, centers=2, random_state=5)
    kmeans = KMeans(2, n_init=2, random_state=0).fit(blobs)
    sil = clusterer.silhouette_chart(kmeans, sparse.csr_matrix(blobs), kmeans.labels_)
    assert sil.table.get_column("x") == blobs[:, 0].tolist()


# -- errors ---------------------------------------------------------------------


def test_a_plot_without_a_run_says_call_init_first() -> None:
    model, X_train, X_test, y_train, y_test = _binary()
    with pytest.raises(UsageError) as e:
        runfold.sklearn.plot_learning_curve(model, X_train, y_train)
    assert (
        str(e.value)
        == "Call runfold.init() before runfold.sklearn.plot_learning_curve()."
    )


def test_an_unfitted_model_is_refused() -> None:
    runfold.init(project=P)
    X, y = make_regression(20, 2, random_state=0)
    with pytest.raises(UsageError, match=r"LinearRegression\) is not fitted yet"):
        runfold.sklearn.plot_residuals(LinearRegression(), X, y)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: classifier.confusion_matrix_chart([0, 1, 1], [0, 1]), "y_true has 3, y_pred has 2 rows"),
        (lambda: classifier.calibration_curve_chart(_binary()[0], np.ones((4, 5)), [0, 2, 1, 0]), "binary labels 0 and 1"),
        (lambda: classifier.feature_importances_chart(_binary()[0], ["a"]), "1 feature_names for 5 features"),
        (lambda: clusterer.silhouette_chart(KMeans(2, n_init=1).fit(np.eye(4)), np.eye(4), [0, 0, 0, 0]), "1 clusters in 4 samples"),
        (lambda: regressor.residuals_chart(LinearRegression().fit([[0], [1]], [0, 1]), [1, 2], [1, 2]), "X must be 2-D"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_what_to_pass(call: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call()


def test_plot_classifier_with_bad_input_logs_nothing() -> None:
    model, X_train, X_test, y_train, y_test = _binary()
    run = runfold.init(project=P)
    with pytest.raises(UsageError, match=r"y_probas must be 2-D"):
        runfold.sklearn.plot_classifier(
            model, X_train, X_test, y_train, y_test, model.predict(X_test),
            model.predict_proba(X_test)[:, 1], None,
        )  # fmt: skip
    assert _logged(run).media_keys() == []


def test_without_scikit_learn_the_message_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(UsageError, match="pip install scikit-learn"):
        classifier.confusion_matrix_chart([0, 1], [0, 1])


def test_import_sklearn_inside_runfold_sklearn_is_scikit_learn() -> None:
    found = shared.import_sklearn("test")
    assert found is sys.modules["sklearn"] is sklearn
    assert "runfold" not in found.__file__
