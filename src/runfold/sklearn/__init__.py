"""W&B's ``wandb.sklearn``: charts of scikit-learn models, logged to the current
run under W&B's keys::

    run = runfold.init(project="iris")
    model = RandomForestClassifier().fit(X_train, y_train)
    runfold.sklearn.plot_classifier(
        model, X_train, X_test, y_train, y_test,
        model.predict(X_test), model.predict_proba(X_test), labels=["a", "b", "c"],
    )
    runfold.Api().run(f"iris/{run.id}").table("confusion_matrix")  # a DataFrame

| function | key | chart (``runfold.plot``'s kinds) |
| --- | --- | --- |
| ``plot_confusion_matrix`` | ``confusion_matrix`` | confusion_matrix |
| ``plot_roc`` | ``roc`` | roc_curve |
| ``plot_precision_recall`` | ``precision_recall`` | pr_curve |
| ``plot_feature_importances`` | ``feature_importances`` | bar |
| ``plot_class_proportions`` | ``class_proportions`` | bar, by dataset |
| ``plot_calibration_curve`` | ``calibration_curve`` | line, by model |
| ``plot_summary_metrics`` | ``summary_metrics`` | bar |
| ``plot_learning_curve`` | ``learning_curve`` | line, by dataset |
| ``plot_residuals`` | ``residuals`` | scatter, by dataset |
| ``plot_outlier_candidates`` | ``outlier_candidates`` | bar |
| ``plot_elbow_curve`` | ``elbow_curve`` | line |
| ``plot_silhouette`` | ``silhouette_plot`` | scatter, by cluster |

``plot_classifier``, ``plot_regressor`` and ``plot_clusterer`` log the sets W&B
logs. scikit-learn is imported when a function is called, never with this
package; without it a call says ``pip install scikit-learn``. Without a run,
a call fails before computing anything: call ``runfold.init()`` first.
Each ``<name>_chart`` function in the modules computes the chart alone.
"""

from __future__ import annotations

from .classifier import (
    plot_calibration_curve,
    plot_class_proportions,
    plot_classifier,
    plot_confusion_matrix,
    plot_feature_importances,
    plot_precision_recall,
    plot_roc,
)
from .clusterer import plot_clusterer, plot_elbow_curve, plot_silhouette
from .regressor import plot_outlier_candidates, plot_regressor, plot_residuals
from .shared import plot_learning_curve, plot_summary_metrics

__all__ = [
    "plot_calibration_curve",
    "plot_class_proportions",
    "plot_classifier",
    "plot_clusterer",
    "plot_confusion_matrix",
    "plot_elbow_curve",
    "plot_feature_importances",
    "plot_learning_curve",
    "plot_outlier_candidates",
    "plot_precision_recall",
    "plot_regressor",
    "plot_residuals",
    "plot_roc",
    "plot_silhouette",
    "plot_summary_metrics",
]
