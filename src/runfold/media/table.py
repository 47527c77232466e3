"""``runfold.Table``: rows of values and media, logged as one JSON file.

The file (folder ``tables``, ``<sha>.table.json``) is W&B's shape::

    {"columns": ["id", "image", "label"],
     "data": [[0, {"_type": "image-file", "path": ...}, "cat"], ...],
     "column_types": {"id": "number", "image": "image-file", "label": "string"}}

A media cell (an Image in a row) is written through the same ``put`` as the
table and becomes its reference dict. Non-finite floats are written as ``null``
(the file is strict JSON, readable by a browser). ``table_from_bytes`` and
``table_dataframe`` read such a file back; media cells stay reference dicts.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import UsageError
from .base import Media, Put, file_ref

__all__ = ["Table", "table_from_bytes", "table_dataframe", "is_dataframe", "CELL_TYPES"]

CELL_TYPES = (
    "numbers, strings, bools, None, NumPy scalars, lists and dicts of those, "
    "and media (runfold.Image, Audio, Video, Html, Object3D, Molecule, Plotly)"
)
# W&B's names for the columns of a Table made without any.
DEFAULT_COLUMNS = ["Input", "Output", "Expected"]


class Table(Media):
    """W&B's ``Table(columns=None, data=None, rows=None, dataframe=None, ...)``.

    ``data`` (or its alias ``rows``) is a list of rows, a 2-D NumPy array or a
    pandas DataFrame. Unless ``allow_mixed_types``, each column keeps to one
    kind of value (number, string, bool, one media type ...); None fits any.
    ``dtype``, ``optional`` and ``log_mode`` are accepted for W&B scripts and
    not used.
    """

    _type = "table-file"

    def __init__(
        self,
        columns: Sequence[Any] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: bool = True,
        allow_mixed_types: bool = False,
        log_mode: str | None = None,
    ) -> None:
        self.allow_mixed_types = bool(allow_mixed_types)
        source = rows if rows is not None else data
        if source is None and dataframe is not None:
            source = dataframe
        if is_dataframe(source):
            columns = [str(c) for c in source.columns] if columns is None else columns
            source = _frame_rows(source)
        elif _is_ndarray(source):
            source = source.tolist()
        source = list(source) if source is not None else []
        if columns is None:
            width = len(_as_row(source[0])) if source else len(DEFAULT_COLUMNS)
            columns = DEFAULT_COLUMNS if width == 3 else _numbered(width)
        self.columns: list[str] = _column_names(columns)
        self.data: list[list[Any]] = []
        self._kinds: list[str | None] = [None] * len(self.columns)
        for row in source:
            self.add_data(*_as_row(row))

    # -- writing -----------------------------------------------------------

    def add_data(self, *data: Any) -> None:
        """Append one row: one value per column."""
        if len(data) != len(self.columns):
            raise UsageError(
                f"Table.add_data got {len(data)} values for {len(self.columns)} "
                f"columns ({', '.join(self.columns)}); pass one value per column."
            )
        row = [_cell(value) for value in data]
        for index, cell in enumerate(row):
            self._check_kind(index, cell, len(self.data))
        self.data.append(row)

    add_row = add_data

    def add_column(self, name: str, data: Any, optional: bool = False) -> None:
        """Append a column: one value per row (or the first values of an empty table)."""
        name = str(name)
        if name in self.columns:
            raise UsageError(f"Table already has a column {name!r}; pick another name.")
        values = [_cell(v) for v in (data.tolist() if _is_ndarray(data) else data)]
        if self.data and len(values) != len(self.data):
            raise UsageError(
                f"Table.add_column({name!r}) got {len(values)} values for a table "
                f"of {len(self.data)} rows; pass one value per row."
            )
        if not self.data:
            self.data = [[None] * len(self.columns) for _ in values]
        self.columns.append(name)
        self._kinds.append(None)
        for index, (row, value) in enumerate(zip(self.data, values, strict=True)):
            self._check_kind(len(self.columns) - 1, value, index)
            row.append(value)

    def _check_kind(self, column: int, cell: Any, row: int) -> None:
        kind = _kind(cell)
        if kind is None or self.allow_mixed_types:
            return
        known = self._kinds[column]
        if known is None:
            self._kinds[column] = kind
        elif known != kind:
            raise UsageError(
                f"Table column {self.columns[column]!r} holds {known} values; row "
                f"{row} has a {kind} ({cell!r:.60}). Log one kind per column, or "
                "pass Table(..., allow_mixed_types=True)."
            )

    # -- reading -----------------------------------------------------------

    def get_column(self, name: str, convert_to: str | None = None) -> Any:
        """The column's values as a list, or a NumPy array with ``convert_to="numpy"``."""
        if name not in self.columns:
            raise UsageError(
                f"Table has no column {name!r}; its columns: {', '.join(self.columns)}."
            )
        index = self.columns.index(name)
        values = [row[index] for row in self.data]
        if convert_to is None:
            return values
        if convert_to != "numpy":
            raise UsageError(
                f"get_column(convert_to={convert_to!r}): use None or 'numpy'."
            )
        import numpy as np

        return np.array(values)

    def get_dataframe(self) -> Any:
        """The table as a pandas DataFrame (media cells stay media objects)."""
        return _dataframe(self.columns, self.data)

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """(index, row) for each row, as W&B's ``Table.iterrows``."""
        yield from enumerate(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"Table({len(self.columns)} columns, {len(self.data)} rows)"

    # -- logging -----------------------------------------------------------

    def to_ref(self, put: Put) -> dict[str, Any]:
        for index, row in enumerate(self.data):
            if len(row) != len(self.columns):
                raise UsageError(
                    f"Table row {index} has {len(row)} values for "
                    f"{len(self.columns)} columns; every row needs one per column."
                )
        rows = [[_encode(cell, put) for cell in row] for row in self.data]
        doc = {
            "columns": self.columns,
            "data": rows,
            "column_types": _column_types(self.columns, self.data),
        }
        body = json.dumps(
            doc, allow_nan=False, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8", "replace")  # a lone surrogate in a str: "?", not a crash
        return file_ref(
            put, self._type, body, "tables", ".table.json",
            ncols=len(self.columns), nrows=len(rows),
        )  # fmt: skip


# -- reading a logged table back ----------------------------------------------


def table_from_bytes(data: bytes) -> Table:
    """A logged table file as a Table; media cells are their reference dicts."""
    doc = _load(data)
    return Table(columns=doc["columns"], data=doc["data"], allow_mixed_types=True)


def table_dataframe(data: bytes) -> Any:
    """A logged table file as a pandas DataFrame; media cells are reference dicts."""
    doc = _load(data)
    return _dataframe(doc["columns"], doc["data"])


def _load(data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise UsageError(f"Not a logged table file (invalid JSON: {e}).") from None
    if not isinstance(doc, dict) or not {"columns", "data"} <= doc.keys():
        raise UsageError("Not a logged table file (no 'columns' and 'data').")
    return doc


def _dataframe(columns: list[str], rows: list[list[Any]]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise UsageError(
            "A table as a DataFrame needs pandas: pip install pandas."
        ) from None
    return pd.DataFrame(rows, columns=columns)


# -- cells --------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """``value`` as a table keeps it: plain Python values and Media objects."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Media):
        if isinstance(value, Table):
            raise UsageError("A Table cannot hold a Table; log them side by side.")
        return value
    module = type(value).__module__.split(".")[0]
    if module == "numpy" and hasattr(value, "tolist"):
        return _cell(value.tolist())
    if callable(getattr(value, "detach", None)):  # a torch tensor
        return _cell(value.detach().cpu().numpy())
    if isinstance(value, list | tuple):
        return [_cell(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _cell(v) for k, v in value.items()}
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    raise UsageError(
        f"A Table cell cannot hold a {type(value).__name__}; cells take {CELL_TYPES}."
    )


def _kind(cell: Any) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "bool"
    if isinstance(cell, int | float):
        return "number"
    if isinstance(cell, str):
        return "string"
    if isinstance(cell, Media):
        return cell._type
    if isinstance(cell, dict) and isinstance(cell.get("_type"), str):
        return str(cell["_type"])  # a media reference read back
    return "list" if isinstance(cell, list) else "dict"


def _column_types(columns: list[str], rows: list[list[Any]]) -> dict[str, str | None]:
    types: dict[str, str | None] = {}
    for index, name in enumerate(columns):
        kinds = {k for row in rows if (k := _kind(row[index])) is not None}
        types[name] = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else None)
    return types


def _encode(cell: Any, put: Put) -> Any:
    if isinstance(cell, float) and not math.isfinite(cell):
        return None
    if isinstance(cell, Media):
        return cell.to_ref(put)
    if isinstance(cell, list):
        return [_encode(v, put) for v in cell]
    if isinstance(cell, dict) and not isinstance(cell.get("_type"), str):
        return {k: _encode(v, put) for k, v in cell.items()}
    return cell


# -- construction helpers -----------------------------------------------------


def _column_names(columns: Sequence[Any]) -> list[str]:
    if isinstance(columns, str):
        raise UsageError(
            f"Table(columns={columns!r}) takes a list of names, e.g. [{columns!r}]."
        )
    names = [str(c) for c in columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(
            f"Table columns must have distinct names; repeated: {', '.join(duplicates)}."
        )
    return names


def _as_row(row: Any) -> Sequence[Any]:
    if isinstance(row, list | tuple):
        return row
    if _is_ndarray(row):
        return list(row.tolist())
    raise UsageError(
        f"Table rows are lists (or tuples) of values; got a {type(row).__name__}."
    )


def _frame_rows(frame: Any) -> list[tuple[Any, ...]]:
    """A DataFrame's rows, with its missing values (NaN, None, NA) as None."""
    plain = frame.astype(object).where(frame.notna(), None)
    return list(plain.itertuples(index=False, name=None))


def _numbered(width: int) -> list[str]:
    return [f"Column {i + 1}" for i in range(width)]


def _is_ndarray(value: Any) -> bool:
    return type(value).__module__ == "numpy" and type(value).__name__ == "ndarray"


def is_dataframe(value: Any) -> bool:
    cls = type(value)
    return cls.__module__.split(".")[0] == "pandas" and cls.__name__ == "DataFrame"
