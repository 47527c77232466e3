"""Clusterer plots: W&B's ``wandb.sklearn.plot_clusterer`` and its parts,
logged under W&B's keys (``elbow_curve``, ``silhouette_plot``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
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
    log_chart,
    require_run,
)

__all__ = [
    "plot_clusterer",
    "plot_elbow_curve",
    "plot_silhouette",
    "elbow_curve_chart",
    "silhouette_chart",
    "SILHOUETTE_POINTS",
]

# At most this many samples in the silhouette table (W&B's table limit).
SILHOUETTE_POINTS = 10_000


def plot_clusterer(
    model: Any,
    X_train: Any,
    cluster_labels: Any,
    labels: Sequence[str] | None = None,
    model_name: str = "Clusterer",
) -> None:
    """Log what W&B's ``plot_clusterer`` logs: for KMeans the elbow curve and
    the silhouette plot (with the cluster centres), for other clusterers the
    silhouette plot. ``cluster_labels`` is each sample's cluster (what
    ``fit_predict`` returns). ``labels`` and ``model_name`` are accepted and
    unused, as in W&B."""
    require_run("plot_clusterer")
    import_sklearn("plot_clusterer")
    from sklearn.cluster import KMeans

    is_kmeans = isinstance(model, KMeans)
    charts = {}  # all computed before any is logged: bad input logs nothing
    if is_kmeans:
        charts["elbow_curve"] = elbow_curve_chart(model, X_train)
    charts["silhouette_plot"] = silhouette_chart(
        model, X_train, cluster_labels, kmeans=is_kmeans
    )
    for key, chart in charts.items():
        log_chart(key, chart)


def elbow_curve_chart(
    clusterer: Any,
    X: Any,
    cluster_ranges: Iterable[int] | None = None,
    n_jobs: int | None = 1,
    show_cluster_time: bool = True,
) -> CustomChart:
    """For each number of clusters in ``cluster_ranges`` (default 1, 3, 5, 7,
    9), a copy of the clusterer fitted on X: the absolute value of its
    ``score`` (KMeans: the sum of squared distances to the centres) and the
    seconds it took. Table: ``cluster_ranges``, ``errors``,
    ``clustering_time``; a line chart. ``show_cluster_time`` is accepted and
    unused, as in W&B (the time is always in the table)."""
    call = "plot_elbow_curve"
    import_sklearn(call)
    from sklearn.base import clone

    check_fitted(clusterer, "clusterer", call)
    if not hasattr(clusterer, "n_clusters"):
        raise UsageError(
            f"runfold.sklearn.{call}: {type(clusterer).__name__} has no n_clusters; "
            "the elbow curve needs a clusterer such as KMeans."
        )
    X = as_array(X, "X", call, ndim=2)
    ks = list(range(1, 10, 2)) if cluster_ranges is None else sorted(cluster_ranges)
    if not ks:
        raise UsageError(f"runfold.sklearn.{call}: cluster_ranges is empty.")

    def fit(k: int) -> tuple[float, float]:
        start = time.perf_counter()
        model = clone(clusterer).set_params(n_clusters=k).fit(X)
        return abs(float(model.score(X))), time.perf_counter() - start

    if n_jobs == 1:
        results = [fit(k) for k in ks]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs)(delayed(fit)(k) for k in ks)
    data = [
        [k, error, seconds] for k, (error, seconds) in zip(ks, results, strict=True)
    ]
    table = Table(columns=["cluster_ranges", "errors", "clustering_time"], data=data)
    fields = {"x": "cluster_ranges", "y": "errors"}
    return make_chart(
        "line",
        table,
        fields,
        "Elbow curve",
        False,
        axes={"x": "Number of clusters", "y": "Sum of squared errors"},
    )


def plot_elbow_curve(
    clusterer: Any = None,
    X: Any = None,
    cluster_ranges: Iterable[int] | None = None,
    n_jobs: int | None = 1,
    show_cluster_time: bool = True,
) -> None:
    """Log the elbow curve as ``elbow_curve`` (fits copies of the clusterer)."""
    require_run("plot_elbow_curve")
    chart = elbow_curve_chart(clusterer, X, cluster_ranges, n_jobs, show_cluster_time)
    log_chart("elbow_curve", chart)


def silhouette_chart(
    clusterer: Any,
    X: Any,
    cluster_labels: Any = None,
    labels: Sequence[str] | None = None,
    metric: str = "euclidean",
    kmeans: bool = True,
) -> CustomChart:
    """Each sample's silhouette coefficient (``sklearn.metrics.silhouette_samples``),
    sorted within its cluster and stacked cluster by cluster with gaps of 10,
    as W&B's silhouette plot; W&B's table also carries the samples' first two
    features and, for KMeans, their cluster's centre. ``cluster_labels`` is
    each sample's cluster (default: the clusterer's ``labels_``). Table: ``x``,
    ``y``, ``colors``, ``centerx``, ``centery``, ``y_sil``, ``x1``, ``x2`` (the
    coefficient), ``color_sil``, ``silhouette_avg``; drawn as points (``x2``,
    ``y_sil``) coloured by ``color_sil``. ``labels`` is unused, as in W&B."""
    call = "plot_silhouette"
    import_sklearn(call)
    from sklearn.metrics import silhouette_samples

    check_fitted(clusterer, "clusterer", call)
    X = as_array(X, "X", call, ndim=2)
    if cluster_labels is None:
        cluster_labels = getattr(clusterer, "labels_", None)
        if cluster_labels is None:
            raise UsageError(
                f"runfold.sklearn.{call}: pass cluster_labels, each sample's "
                "cluster (e.g. model.fit_predict(X))."
            )
    assigned = as_array(cluster_labels, "cluster_labels", call, ndim=1)
    check_lengths(call, X=X, cluster_labels=assigned)
    clusters, codes = np.unique(assigned, return_inverse=True)
    if not 2 <= len(clusters) <= X.shape[0] - 1:
        raise UsageError(
            f"runfold.sklearn.{call}: {len(clusters)} clusters in {X.shape[0]} samples; "
            "silhouette coefficients need 2 to n_samples - 1 clusters."
        )
    samples = silhouette_samples(X, assigned, metric=metric)
    average = float(np.mean(samples))
    y_sil: list[int] = []
    x_sil: list[float] = []
    color_sil: list[Any] = []
    y_lower = 10
    for code, cluster in enumerate(clusters.tolist()):
        values = np.sort(samples[codes == code])
        y_sil += range(y_lower, y_lower + len(values))
        x_sil += values.tolist()
        color_sil += [cluster] * len(values)
        y_lower += len(values) + 10
    centers = _centers(clusterer, assigned, kmeans)
    shown = X[:, :2].toarray() if hasattr(X, "toarray") else np.asarray(X[:, :2])
    first = shown[:, 0].tolist()
    second = shown[:, 1].tolist() if shown.shape[1] > 1 else [0.0] * shown.shape[0]
    data = [
        [
            first[i],
            second[i],
            _plain(assigned[i]),
            *centers[i],
            y_sil[i],
            0,
            x_sil[i],
            color_sil[i],
            average,
        ]
        for i in range(min(X.shape[0], SILHOUETTE_POINTS))
    ]
    columns = ["x", "y", "colors", "centerx", "centery", "y_sil", "x1", "x2"]
    table = Table(columns=[*columns, "color_sil", "silhouette_avg"], data=data)
    fields = {"x": "x2", "y": "y_sil", "series": "color_sil"}
    return make_chart(
        "scatter",
        table,
        fields,
        f"Silhouette plot (average {average:.3f})",
        False,
        axes={"x": "Silhouette coefficient", "y": "Samples, by cluster"},
    )


def plot_silhouette(
    clusterer: Any = None,
    X: Any = None,
    cluster_labels: Any = None,
    labels: Sequence[str] | None = None,
    metric: str = "euclidean",
    kmeans: bool = True,
) -> None:
    """Log the silhouette plot as ``silhouette_plot``."""
    require_run("plot_silhouette")
    chart = silhouette_chart(clusterer, X, cluster_labels, labels, metric, kmeans)
    log_chart("silhouette_plot", chart)


def _centers(clusterer: Any, assigned: Any, kmeans: bool) -> list[tuple[Any, Any]]:
    """(centre x, centre y) of each sample's cluster: KMeans' ``cluster_centers_``
    row for an integer cluster label, else (None, None)."""
    centers = getattr(clusterer, "cluster_centers_", None) if kmeans else None
    if centers is None:
        return [(None, None)] * len(assigned)
    centers = np.asarray(centers, dtype=float)
    out: list[tuple[Any, Any]] = []
    for label in assigned.tolist():
        if isinstance(label, int) and 0 <= label < len(centers):
            row = centers[label]
            out.append((row[0].item(), row[1].item() if len(row) > 1 else 0.0))
        else:
            out.append((None, None))
    return out


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
