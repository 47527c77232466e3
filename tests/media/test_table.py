"""runfold.Table: what is logged is what a reader gets back."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image as PILImage

from runfold.errors import UsageError
from runfold.media import MemoryFiles, table_dataframe, table_from_bytes
from runfold.media.image import Image
from runfold.media.table import Table


def _strict(data: bytes) -> dict:
    """The file as strict JSON (NaN or Infinity in it fail)."""

    def refuse(name: str) -> None:
        raise AssertionError(f"non-strict JSON constant {name}")

    return json.loads(data, parse_constant=refuse)


def test_cells_round_trip_with_none_bools_strings_and_numpy_scalars() -> None:
    table = Table(columns=["id", "name", "ok", "score"])
    table.add_data(1, "a", True, 0.5)
    table.add_data(np.int64(2), np.str_("b"), np.bool_(False), np.float32(0.25))
    table.add_row(3, None, None, None)
    files = MemoryFiles()
    ref = table.to_ref(files)
    body = files.read(ref["path"])
    assert ref == {
        "_type": "table-file",
        "path": ref["path"],
        "sha256": ref["sha256"],
        "size": len(body),
        "ncols": 4,
        "nrows": 3,
    }
    assert ref["path"].startswith("media/tables/") and ref["path"].endswith(
        ".table.json"
    )
    expected = [[1, "a", True, 0.5], [2, "b", False, 0.25], [3, None, None, None]]
    doc = _strict(body)
    assert doc["columns"] == ["id", "name", "ok", "score"]
    assert doc["data"] == expected
    # types survive: bools stay bools, numpy ints become ints
    assert [type(v) for v in doc["data"][1]] == [int, str, bool, float]
    assert doc["column_types"] == {
        "id": "number",
        "name": "string",
        "ok": "bool",
        "score": "number",
    }
    back = table_from_bytes(body)
    assert back.columns == table.columns and back.data == expected
    frame = table_dataframe(body)
    assert list(frame.columns) == ["id", "name", "ok", "score"]
    assert frame["name"].tolist()[:2] == ["a", "b"] and pd.isna(frame["name"][2])
    assert frame["ok"].tolist() == [True, False, None]


def test_a_row_of_the_wrong_width_names_both_widths() -> None:
    table = Table(columns=["a", "b", "c"])
    with pytest.raises(UsageError, match=r"2 values for 3 columns \(a, b, c\)"):
        table.add_data(1, 2)
    with pytest.raises(UsageError, match="4 values for 3 columns"):
        Table(columns=["a", "b", "c"], data=[[1, 2, 3], [1, 2, 3, 4]])
    assert table.data == []


def test_a_row_made_wrong_after_adding_is_refused_when_logged() -> None:
    table = Table(columns=["a", "b"], data=[[1, 2]])
    table.data[0].append(3)
    with pytest.raises(UsageError, match="row 0 has 3 values for 2 columns"):
        table.to_ref(MemoryFiles())


def test_one_kind_per_column_unless_mixed_types_are_allowed() -> None:
    table = Table(columns=["x"], data=[[1], [None]])
    with pytest.raises(UsageError, match=r"'x' holds number values.*allow_mixed"):
        table.add_data("one")
    mixed = Table(columns=["x"], data=[[1], ["one"]], allow_mixed_types=True)
    files = MemoryFiles()
    doc = _strict(files.read(mixed.to_ref(files)["path"]))
    assert doc["data"] == [[1], ["one"]]
    assert doc["column_types"] == {"x": "mixed"}


def test_non_finite_floats_are_written_as_null() -> None:
    table = Table(columns=["v"], data=[[math.nan], [math.inf], [1.5]])
    files = MemoryFiles()
    doc = _strict(files.read(table.to_ref(files)["path"]))
    assert doc["data"] == [[None], [None], [1.5]]


def test_image_cells_write_their_files_and_become_references() -> None:
    red = np.zeros((4, 5, 3), dtype=np.uint8)
    red[..., 0] = 255
    blue = np.zeros((4, 5, 3), dtype=np.uint8)
    blue[..., 2] = 255
    table = Table(columns=["i", "image"])
    table.add_data(0, Image(red, caption="red"))
    table.add_data(1, Image(blue))
    files = MemoryFiles()
    ref = table.to_ref(files)
    doc = _strict(files.read(ref["path"]))
    cells = [row[1] for row in doc["data"]]
    assert [c["_type"] for c in cells] == ["image-file", "image-file"]
    assert cells[0]["caption"] == "red" and "caption" not in cells[1]
    assert doc["column_types"]["image"] == "image-file"
    # two image files and the table file, each image readable as logged
    assert len(files.files) == 3
    for cell, pixels in zip(cells, (red, blue), strict=True):
        decoded = np.asarray(PILImage.open(io.BytesIO(files.read(cell["path"]))))
        np.testing.assert_array_equal(decoded, pixels)
    # read back, a media cell stays its reference dict
    frame = table_dataframe(files.read(ref["path"]))
    assert frame["image"][0] == cells[0]


def test_the_same_table_twice_is_one_file() -> None:
    files = MemoryFiles()
    first = Table(columns=["a"], data=[[1], [2]]).to_ref(files)
    second = Table(columns=["a"], data=[[1], [2]]).to_ref(files)
    assert first["path"] == second["path"] and len(files.files) == 1


def test_dataframe_in_and_out() -> None:
    frame = pd.DataFrame(
        {"x": [1, 2, 3], "label": ["a", "b", None], "p": [0.1, 0.2, 0.3]}
    )
    table = Table(dataframe=frame)
    assert table.columns == ["x", "label", "p"]
    assert table.data == [[1, "a", 0.1], [2, "b", 0.2], [3, None, 0.3]]
    pd.testing.assert_frame_equal(table.get_dataframe(), frame)
    same = Table(data=frame)
    assert same.data == table.data


def test_numpy_data_and_default_column_names() -> None:
    table = Table(data=np.arange(6).reshape(2, 3))
    assert table.columns == ["Input", "Output", "Expected"]
    assert table.data == [[0, 1, 2], [3, 4, 5]]
    assert Table(data=[[1, 2]]).columns == ["Column 1", "Column 2"]
    assert Table().columns == ["Input", "Output", "Expected"] and len(Table()) == 0


def test_columns_added_and_read() -> None:
    table = Table(columns=["a"], data=[[1], [2]])
    table.add_column("b", np.array([0.5, 1.5]))
    assert table.columns == ["a", "b"] and table.data == [[1, 0.5], [2, 1.5]]
    assert table.get_column("b") == [0.5, 1.5]
    np.testing.assert_array_equal(table.get_column("a", convert_to="numpy"), [1, 2])
    with pytest.raises(UsageError, match="3 values for a table of 2 rows"):
        table.add_column("c", [1, 2, 3])
    with pytest.raises(UsageError, match="already has a column 'a'"):
        table.add_column("a", [1, 2])
    with pytest.raises(UsageError, match="no column 'z'; its columns: a, b"):
        table.get_column("z")
    empty = Table(columns=["a"])
    empty.add_column("b", ["x", "y"])
    assert empty.data == [[None, "x"], [None, "y"]]
    assert list(empty.iterrows()) == [(0, [None, "x"]), (1, [None, "y"])]


def test_unsupported_cells_and_columns_say_what_is_supported() -> None:
    with pytest.raises(UsageError, match="cannot hold a object; cells take numbers"):
        Table(columns=["a"], data=[[object()]])
    with pytest.raises(UsageError, match="cannot hold a Table"):
        Table(columns=["a"], data=[[Table()]])
    with pytest.raises(UsageError, match="repeated: a"):
        Table(columns=["a", "a"])
    with pytest.raises(UsageError, match="list of names"):
        Table(columns="a")


def test_lists_dicts_and_arrays_in_cells_are_plain_json() -> None:
    table = Table(columns=["v", "d"], data=[[np.array([1, 2]), {"k": np.float64(0.5)}]])
    files = MemoryFiles()
    doc = _strict(files.read(table.to_ref(files)["path"]))
    assert doc["data"] == [[[1, 2], {"k": 0.5}]]


def test_reading_something_that_is_not_a_table() -> None:
    with pytest.raises(UsageError, match="invalid JSON"):
        table_from_bytes(b"not json")
    with pytest.raises(UsageError, match="no 'columns' and 'data'"):
        table_dataframe(b"{}")
