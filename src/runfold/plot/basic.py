"""The charts drawn from columns of the user's table (``line``, ``scatter``,
``bar``, ``histogram``) and from lists of lines (``line_series``), with W&B's
signatures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import UsageError
from ..media.table import Table
from .chart import CustomChart, check_column, check_table, make_chart

__all__ = ["line", "scatter", "bar", "histogram", "line_series", "plain"]


def line(
    table: Table,
    x: str,
    y: str,
    stroke: str | None = None,
    title: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """A line of column ``y`` against column ``x``; with ``stroke``, one line
    per value of that column."""
    if stroke is not None:  # named as the caller wrote it, not by its role
        check_table(table, "line")
        check_column(table, stroke, "stroke", "line")
    fields = {"x": x, "y": y, "series": stroke}
    return make_chart("line", table, fields, title, split_table)


def scatter(
    table: Table,
    x: str,
    y: str,
    title: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """A point per row at (column ``x``, column ``y``)."""
    return make_chart("scatter", table, {"x": x, "y": y}, title, split_table)


def bar(
    table: Table,
    label: str,
    value: str,
    title: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """A bar per row, named by column ``label``, as high as column ``value``."""
    fields = {"label": label, "value": value}
    return make_chart("bar", table, fields, title, split_table)


def histogram(
    table: Table,
    value: str,
    title: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """A histogram of the numbers in column ``value`` (binned by the UI)."""
    return make_chart("histogram", table, {"value": value}, title, split_table)


def line_series(
    xs: Iterable[Any] | Iterable[Iterable[Any]],
    ys: Iterable[Iterable[Any]],
    keys: Iterable[str] | None = None,
    title: str | None = None,
    xname: str | None = None,
    split_table: bool = False,
) -> CustomChart:
    """Several lines in one chart: ``ys`` holds one list of y values per line;
    ``xs`` one list of x values shared by all, or one per line. ``keys`` names
    the lines (default ``line_0``, ``line_1`` ...); ``xname`` names the x axis.

    The table is W&B's: columns ``step``, ``lineKey``, ``lineVal``."""
    y_items = _items(ys, "ys")
    y_lists = [plain(y, f"ys[{i}]", "line_series") for i, y in enumerate(y_items)]
    if not y_lists:
        raise UsageError(
            "runfold.plot.line_series: ys is empty. Pass one list of y values "
            "per line, e.g. ys=[[1, 2, 3], [2, 4, 6]]."
        )
    x_items = _items(xs, "xs")
    if not x_items or not _is_sequence(x_items[0]):  # one x list for all lines
        x_lists = [plain(x_items, "xs", "line_series")] * len(y_lists)
    else:
        x_lists = [plain(x, f"xs[{i}]", "line_series") for i, x in enumerate(x_items)]
    if len(x_lists) != len(y_lists):
        raise UsageError(
            f"runfold.plot.line_series: {len(x_lists)} lists of x values for "
            f"{len(y_lists)} lines. Pass one x list shared by all lines, or one "
            "per line."
        )
    names = [f"line_{i}" for i in range(len(y_lists))] if keys is None else list(keys)
    if len(names) != len(y_lists):
        raise UsageError(
            f"runfold.plot.line_series: {len(names)} keys for {len(y_lists)} "
            "lines. Pass one key per line, or none."
        )
    data = []
    for name, x_values, y_values in zip(names, x_lists, y_lists, strict=True):
        if len(x_values) != len(y_values):
            raise UsageError(
                f"runfold.plot.line_series: line {name!r} has {len(x_values)} x "
                f"values and {len(y_values)} y values. Pass as many of each."
            )
        data += [[x, name, y] for x, y in zip(x_values, y_values, strict=True)]
    table = Table(columns=["step", "lineKey", "lineVal"], data=data)
    fields = {"x": "step", "y": "lineVal", "series": "lineKey"}
    return make_chart(
        "line_series", table, fields, title, split_table, axes={"x": xname}
    )


def plain(values: Any, name: str, call: str) -> list[Any]:
    """A 1-D list of plain Python values (NumPy scalars unwrapped) from a list,
    an array, a pandas Series or any iterable."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise UsageError(
            f"runfold.plot.{call}: {name} must be a list or array of values, "
            f"not a {type(values).__name__}."
        )
    if hasattr(values, "tolist"):  # NumPy arrays, pandas Series
        values = values.tolist()
    out = [v.item() if isinstance(v, np.generic) else v for v in values]
    if any(_is_sequence(v) for v in out):
        raise UsageError(
            f"runfold.plot.{call}: {name} must be 1-D (one value per point)."
        )
    return out


def _items(values: Any, name: str) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise UsageError(
            f"runfold.plot.line_series: {name} must be a list of lists (or a "
            f"list), not a {type(values).__name__}."
        )
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes))
