"""W&B's usual media patterns run with only the import changed
(``import runfold as wandb``), each as a real script in its own process, and read
back with the values a user would check."""

from __future__ import annotations

import numpy as np
import pytest

import runfold
from tests.conftest import run_script

EXAMPLES = """
import numpy as np
import runfold as wandb

wandb.init(project="patterns", config={"epochs": 2})
rng = np.random.default_rng(0)
for epoch in range(2):
    images = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    wandb.log({
        "examples": [wandb.Image(im, caption=f"label {i}") for i, im in enumerate(images)],
        "epoch": epoch,
    })
wandb.finish()
"""

PREDICTIONS = """
import numpy as np
import runfold as wandb

run = wandb.init(project="patterns")
table = wandb.Table(columns=["image", "guess", "truth", "score"])
rng = np.random.default_rng(1)
for i in range(5):
    pixels = rng.random((16, 16, 3))
    table.add_data(wandb.Image(pixels), i % 3, i % 2, float(i) / 10)
run.log({"predictions": table})
run.finish()
"""

CONFUSION = """
import runfold as wandb

run = wandb.init(project="patterns")
y_true = [0, 1, 2, 2, 1, 0, 2, 1]
preds = [0, 2, 2, 2, 1, 0, 1, 1]
run.log({"conf_mat": wandb.plot.confusion_matrix(
    probs=None, y_true=y_true, preds=preds, class_names=["cat", "dog", "bird"])})
run.finish()
"""

SKLEARN = """
import runfold as wandb
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_train, y_train)
wandb.init(project="patterns")
wandb.sklearn.plot_classifier(
    model, X_train, X_test, y_train, y_test, model.predict(X_test),
    model.predict_proba(X_test), ["setosa", "versicolor", "virginica"],
    model_name="RF", feature_names=["a", "b", "c", "d"])
wandb.finish()
"""


def _only_run() -> runfold.api.Run:
    (run,) = runfold.Api().runs("patterns")
    return run


def test_a_gallery_of_examples_per_epoch(runfold_dir: object) -> None:
    run_script(EXAMPLES)
    values = _only_run().media("examples")
    assert [v.step for v in values] == [0, 1]
    rng = np.random.default_rng(0)
    for value in values:
        images = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
        items = value.items
        assert [i.caption for i in items] == [f"label {i}" for i in range(4)]
        for item, pixels in zip(items, images, strict=True):
            assert np.array_equal(item.numpy(), pixels)


def test_a_predictions_table_with_images(runfold_dir: object) -> None:
    run_script(PREDICTIONS)
    frame = _only_run().table("predictions")
    assert frame["guess"].tolist() == [0, 1, 2, 0, 1]
    assert frame["score"].tolist() == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert all(ref["_type"] == "image-file" for ref in frame["image"])
    assert {(ref["width"], ref["height"]) for ref in frame["image"]} == {(16, 16)}


def test_a_confusion_matrix_counts_what_was_predicted(runfold_dir: object) -> None:
    run_script(CONFUSION)
    run = _only_run()
    frame = run.table("conf_mat")
    counts = {
        (a, p): n
        for a, p, n in zip(
            frame["Actual"], frame["Predicted"], frame["nPredictions"], strict=True
        )
    }
    assert counts[("bird", "bird")] == 2 and counts[("bird", "dog")] == 1
    assert counts[("dog", "bird")] == 1 and counts[("cat", "cat")] == 2
    assert sum(counts.values()) == 8
    (value,) = run.media("conf_mat")
    assert value.ref["chart"] == "confusion_matrix"


def test_sklearn_plot_classifier_logs_its_charts(runfold_dir: object) -> None:
    run_script(SKLEARN)
    run = _only_run()
    keys = {k["key"] for k in run.media_keys()}
    assert {"confusion_matrix", "roc", "precision_recall", "class_proportions",
            "summary_metrics", "feature_importances"} <= keys  # fmt: skip
    cm = run.table("confusion_matrix")
    assert cm["nPredictions"].sum() == 38  # the test split of iris
