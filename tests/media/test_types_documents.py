"""runfold.Html, Plotly, Object3D and Molecule: one file each, read back whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from runfold.errors import UsageError
from runfold.media import Html, MemoryFiles, Molecule, Object3D, Plotly


def _file_ref(ref: dict, kind: str, files: MemoryFiles) -> bytes:
    data = files.read(ref["path"])
    assert ref["_type"] == kind and ref["size"] == len(data)
    assert set(ref) >= {"_type", "path", "sha256", "size"}
    return data


def test_html_strings_files_and_injection(tmp_path: Path) -> None:
    files = MemoryFiles()
    ref = Html("<html><head><title>t</title></head><body>hi</body></html>").to_ref(
        files
    )
    data = _file_ref(ref, "html-file", files).decode()
    assert set(ref) == {"_type", "path", "sha256", "size"}
    assert ref["path"].startswith("media/html/") and ref["path"].endswith(".html")
    assert data == (
        '<html><head><base target="_blank"><title>t</title></head>'
        "<body>hi</body></html>"
    )
    ref = Html("<p>bare</p>").to_ref(files)
    assert files.read(ref["path"]) == b'<head><base target="_blank"></head><p>bare</p>'
    ref = Html("<p>as is</p>", inject=False).to_ref(files)
    assert files.read(ref["path"]) == b"<p>as is</p>"
    page = tmp_path / "page.html"
    page.write_text("<HTML lang='en'><p>file</p></HTML>")
    for source in (str(page), page, io.StringIO(page.read_text())):
        ref = Html(source).to_ref(files)
        assert files.read(ref["path"]) == (
            b"<HTML lang='en'><head><base target=\"_blank\"></head><p>file</p></HTML>"
        )
    with pytest.raises(UsageError, match="got a int; it takes an HTML string"):
        Html(3)


def test_plotly_json_loads_back_to_the_same_traces() -> None:
    figure = go.Figure(
        data=[go.Scatter(x=[1, 2, 3], y=[3, 1, 2], name="loss")],
        layout={"title": {"text": "curves"}},
    )
    files = MemoryFiles()
    plot = Plotly(figure)
    figure.add_trace(go.Bar(x=[1], y=[1]))  # changed after: not in the log
    ref = plot.to_ref(files)
    assert ref["path"].startswith("media/plotly/")
    assert ref["path"].endswith(".plotly.json")
    back = pio.from_json(_file_ref(ref, "plotly-file", files).decode())
    assert len(back.data) == 1
    assert back.data[0].type == "scatter" and back.data[0].name == "loss"
    assert list(back.data[0].x) == [1, 2, 3] and list(back.data[0].y) == [3, 1, 2]
    assert back.layout.title.text == "curves"


def test_plotly_dicts_and_refusals() -> None:
    files = MemoryFiles()
    ref = Plotly({"data": [{"type": "bar", "y": np.array([1, 2])}]}).to_ref(files)
    assert json.loads(files.read(ref["path"])) == {
        "data": [{"type": "bar", "y": [1, 2]}]
    }
    from matplotlib.figure import Figure

    with pytest.raises(UsageError, match=r"runfold.Image\(fig\)"):
        Plotly(Figure())
    with pytest.raises(UsageError, match="got a str; it takes a plotly figure"):
        Plotly("fig")


def test_point_clouds_are_pts_json() -> None:
    files = MemoryFiles()
    for width in (3, 4, 6):
        points = np.random.default_rng(width).random((5, width))
        ref = Object3D(points, caption="scan").to_ref(files)
        assert ref["path"].endswith(".pts.json") and ref["caption"] == "scan"
        back = json.loads(_file_ref(ref, "object3D-file", files))
        np.testing.assert_array_equal(np.array(back), points)
    with pytest.raises(UsageError, match=r"N×3.*got shape \(5, 5\)"):
        Object3D(np.zeros((5, 5)))
    with pytest.raises(UsageError, match="finite"):
        Object3D(np.full((2, 3), np.nan))


def test_lidar_scenes() -> None:
    scene = {
        "type": "lidar/beta",
        "points": np.array([[0, 0, 0], [1, 1, 1]]),
        "boxes": [{"corners": np.zeros((8, 3)).tolist(), "label": "car"}],
        "vectors": [{"start": [0, 0, 0], "end": [1, 1, 1]}],
    }
    files = MemoryFiles()
    ref = Object3D(scene).to_ref(files)
    back = json.loads(_file_ref(ref, "object3D-file", files))
    assert back["type"] == "lidar/beta"
    assert back["points"] == [[0, 0, 0], [1, 1, 1]]
    assert back["boxes"][0]["label"] == "car" and back["vectors"] == scene["vectors"]
    with pytest.raises(UsageError, match="'type': 'lidar/beta'"):
        Object3D({"points": [[0, 0, 0]]})
    with pytest.raises(UsageError, match="unknown: colour"):
        Object3D({"type": "lidar/beta", "points": [[0, 0, 0]], "colour": 1})


def test_model_and_molecule_files_are_kept(tmp_path: Path) -> None:
    files = MemoryFiles()
    model = tmp_path / "mesh.obj"
    model.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    ref = Object3D(str(model)).to_ref(files)
    assert ref["path"].endswith(".obj")
    assert _file_ref(ref, "object3D-file", files) == model.read_bytes()
    pdb = tmp_path / "water.pdb"
    pdb.write_text("HETATM    1  O   HOH A   1       0.000   0.000   0.000\nEND\n")
    ref = Molecule(pdb, caption="water").to_ref(files)
    assert ref["path"].startswith("media/molecule/") and ref["path"].endswith(".pdb")
    assert _file_ref(ref, "molecule-file", files) == pdb.read_bytes()
    assert ref["caption"] == "water"
    with pytest.raises(UsageError, match="got a bytes; it takes a path to a pdb/pqr"):
        Molecule(b"CCO")
    with pytest.raises(UsageError, match="cannot read 'CCO': the file types"):
        Molecule("CCO")
    with pytest.raises(UsageError, match="file types it takes are pdb"):
        Molecule(tmp_path / "x.xyz")
