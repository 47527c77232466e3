"""``CustomChart``: a table and what to draw from it (the ref shape is in the
package docstring), and W&B's ``plot_table`` for charts named by a Vega spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import UsageError
from ..media.base import Media, Put
from ..media.table import Table

__all__ = [
    "KINDS",
    "ChartSpec",
    "CustomChart",
    "plot_table",
    "make_chart",
    "check_table",
    "check_column",
]

KINDS = (
    "line",
    "scatter",
    "bar",
    "histogram",
    "line_series",
    "confusion_matrix",
    "pr_curve",
    "roc_curve",
    "custom",
)

NOT_A_TABLE = (
    "runfold.plot.{call}: table is a {type}, not a runfold.Table. Pass "
    "runfold.Table(columns=[...], data=[...]) or runfold.Table(dataframe=df)."
)
NOT_A_COLUMN = (
    "runfold.plot.{call}: {role}={column!r} is not a column of the table. "
    "Its columns are: {columns}."
)


@dataclass
class ChartSpec:
    """What to draw: the chart kind, which column plays which role, the title.

    ``spec_name`` and ``string_fields`` are W&B's, kept for ``plot_table``;
    ``axes`` names the axes where the column names would not say enough."""

    kind: str
    fields: dict[str, str]
    title: str | None = None
    axes: dict[str, str] = field(default_factory=dict)
    split_table: bool = False
    spec_name: str | None = None
    string_fields: dict[str, Any] = field(default_factory=dict)


class CustomChart(Media):
    """A ``Table`` and the ``ChartSpec`` that says how to draw it; log it with
    ``run.log({"key": chart})``. ``chart.table`` is the data, as in W&B."""

    _type: ClassVar[str] = "chart"

    def __init__(self, table: Table, spec: ChartSpec) -> None:
        if spec.kind not in KINDS:
            raise UsageError(f"Unknown chart kind {spec.kind!r}; one of {KINDS}.")
        call = "plot_table" if spec.kind == "custom" else spec.kind
        check_table(table, call)
        for role, column in spec.fields.items():
            check_column(table, column, role, call)
        self.table = table
        self.spec = spec

    def to_ref(self, put: Put) -> dict[str, Any]:
        spec = self.spec
        ref: dict[str, Any] = {
            "_type": self._type,
            "chart": spec.kind,
            "fields": dict(spec.fields),
            "title": spec.title,
            "split_table": spec.split_table,
            "table": self.table.to_ref(put),
        }
        if spec.axes:
            ref["axes"] = dict(spec.axes)
        if spec.kind == "custom":
            ref["spec"] = spec.spec_name
            ref["string_fields"] = dict(spec.string_fields)
        return ref

    def __repr__(self) -> str:
        return f"<CustomChart {self.spec.kind} {self.spec.fields}>"


def check_table(table: object, call: str) -> None:
    if not isinstance(table, Table):
        raise UsageError(NOT_A_TABLE.format(call=call, type=type(table).__name__))


def check_column(table: Table, column: object, role: str, call: str) -> None:
    if column not in table.columns:
        columns = ", ".join(repr(c) for c in table.columns) or "(none)"
        raise UsageError(
            NOT_A_COLUMN.format(call=call, role=role, column=column, columns=columns)
        )


def make_chart(
    kind: str,
    table: Table,
    fields: Mapping[str, str | None],
    title: str | None,
    split_table: bool,
    axes: Mapping[str, str | None] | None = None,
) -> CustomChart:
    """A chart of ``kind``; roles given as None (an optional one left out, such
    as line's ``stroke``) are dropped, so the ref never holds null fields."""
    return CustomChart(
        table,
        ChartSpec(
            kind=kind,
            fields={role: col for role, col in fields.items() if col is not None},
            title=title,
            axes={axis: name for axis, name in (axes or {}).items() if name},
            split_table=bool(split_table),
        ),
    )


def plot_table(
    vega_spec_name: str,
    data_table: Table,
    fields: Mapping[str, Any],
    string_fields: Mapping[str, Any] | None = None,
    split_table: bool = False,
) -> CustomChart:
    """W&B's ``wandb.plot_table``: a chart named by a Vega spec (kept in the ref
    as ``spec``). Runfold has no Vega renderer, so the UI shows the table;
    ``fields`` (spec field -> column) must name columns of ``data_table``, and
    ``string_fields["title"]``, if any, titles it."""
    if not isinstance(vega_spec_name, str) or not vega_spec_name:
        raise UsageError(
            "runfold.plot_table: vega_spec_name must be the spec's name, "
            f"e.g. 'wandb/line/v0'; got {vega_spec_name!r}."
        )
    check_table(data_table, "plot_table")
    strings = dict(string_fields or {})
    title = strings.get("title")
    return CustomChart(
        data_table,
        ChartSpec(
            kind="custom",
            fields={k: v for k, v in dict(fields).items() if v is not None},
            title=str(title) if title is not None else None,
            split_table=bool(split_table),
            spec_name=vega_spec_name,
            string_fields=strings,
        ),
    )
