"""Custom charts: W&B's ``wandb.plot``. Each function returns a ``CustomChart``, a
``Table`` and what to draw from it, logged like any media value::

    table = runfold.Table(columns=["epoch", "acc"], data=[[1, 0.7], [2, 0.8]])
    run.log({"acc_curve": runfold.plot.line(table, "epoch", "acc")})
    run.log({"cm": runfold.plot.confusion_matrix(y_true=y, preds=p)})

What ``log()`` stores for a chart (``CustomChart.to_ref``) is the contract with
the UI and with readers::

    {"_type": "chart",
     "chart": "line" | "scatter" | "bar" | "histogram" | "line_series"
              | "confusion_matrix" | "pr_curve" | "roc_curve" | "custom",
     "fields": {role: column name},     # which column plays which part
     "title": str | None,               # None: the UI titles it with the key
     "split_table": bool,               # W&B's split_table, kept as given
     "table": {"_type": "table-file", "path", "sha256", "size", "ncols", "nrows"},
     "axes": {"x": str, "y": str},      # only where the axes have names
     "spec": str, "string_fields": {...}}   # only for "custom" (plot_table)

What the UI draws, by ``chart`` and the roles in ``fields`` (a role the chart
does not use is absent, never null):

- ``line``: a line of ``y`` against ``x``, one per value of ``series`` if
  present (W&B's ``stroke``). Rows in the table's order, sorted by x.
- ``line_series``: the same; the table is ``step, lineKey, lineVal`` with
  ``x="step"``, ``y="lineVal"``, ``series="lineKey"``.
- ``pr_curve``: lines ``x="recall"``, ``y="precision"``, ``series="class"``.
- ``roc_curve``: lines ``x="fpr"``, ``y="tpr"``, ``series="class"`` (and the
  diagonal as a reference).
- ``scatter``: points ``x``, ``y``, coloured by ``series`` if present.
- ``bar``: one bar per row, labelled by ``label``, height ``value``; with
  ``series``, the bars of one label side by side, one colour per series.
- ``histogram``: a histogram of the numbers in the ``value`` column.
- ``confusion_matrix``: a heat map, one cell per row of the table: row
  ``actual`` (column ``Actual``), column ``predicted`` (``Predicted``), the
  number in ``count`` (``nPredictions``).
- ``custom`` (``plot_table``): the table itself; ``spec`` is the W&B Vega spec
  name the script asked for, ``fields`` and ``string_fields`` as it gave them.

``runfold.sklearn`` logs these same kinds. Nothing here needs scikit-learn: the
curves and the confusion matrix are computed with NumPy, and their numbers are
scikit-learn's (``sklearn.metrics.roc_curve``, ``precision_recall_curve``,
``confusion_matrix``).
"""

from __future__ import annotations

from .basic import bar, histogram, line, line_series, scatter
from .chart import KINDS, ChartSpec, CustomChart, plot_table
from .classification import confusion_matrix, pr_curve, roc_curve

__all__ = [
    "KINDS",
    "ChartSpec",
    "CustomChart",
    "bar",
    "confusion_matrix",
    "histogram",
    "line",
    "line_series",
    "plot_table",
    "pr_curve",
    "roc_curve",
    "scatter",
]
