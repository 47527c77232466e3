"""coerce(): what log() stores for figures, DataFrames and lists of media."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image as PILImage

import runfold.media
from runfold.errors import UsageError
from runfold.media import (
    SUPPORTED,
    Audio,
    Gallery,
    Html,
    Image,
    MemoryFiles,
    Plotly,
    Table,
    coerce,
)
from runfold.media.convert import MediaList


def test_matplotlib_figures_and_pyplot_become_images() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, 1), dpi=40)
    try:
        plt.plot([0, 1], [1, 0])
        for value in (figure, plt):
            image = coerce(value)
            assert isinstance(image, Image)
            files = MemoryFiles()
            ref = image.to_ref(files)
            assert (ref["width"], ref["height"]) == (80, 40)
            assert PILImage.open(io.BytesIO(files.read(ref["path"]))).size == (80, 40)
    finally:
        plt.close(figure)


def test_plotly_figures_and_dataframes() -> None:
    plot = coerce(go.Figure(go.Scatter(y=[1, 2])))
    assert isinstance(plot, Plotly) and '"scatter"' in plot.json
    table = coerce(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert isinstance(table, Table)
    assert table.columns == ["a", "b"] and table.data == [[1, "x"], [2, "y"]]


def test_media_pass_and_other_values_are_not_media() -> None:
    image = Image(np.zeros((2, 2), dtype=np.uint8))
    assert coerce(image) is image
    for value in (
        "text",
        1.5,
        None,
        [1, 2, 3],
        [],
        (),
        {"a": 1},
        np.zeros(3),
        object(),
    ):
        assert coerce(value) is None, value
    assert coerce([image, 3]) is None


def test_a_list_of_images_is_a_gallery() -> None:
    images = [
        Image(np.full((2, 3), 10, dtype=np.uint8), caption="first"),
        Image(np.full((4, 1), 20, dtype=np.uint8)),
    ]
    gallery = coerce(images)
    assert isinstance(gallery, Gallery)
    files = MemoryFiles()
    ref = gallery.to_ref(files)
    items = [image.to_ref(MemoryFiles()) for image in images]
    assert ref == {
        "_type": "images/separated",
        "count": 2,
        "format": "png",
        "width": 3,
        "height": 4,
        "filenames": [items[0]["path"], items[1]["path"]],
        "captions": ["first", None],
        "items": items,
    }
    assert sorted(files.files) == sorted(item["path"] for item in items)
    assert coerce(tuple(images)).to_ref(MemoryFiles()) == ref  # type: ignore[union-attr]


def test_a_list_of_figures_is_a_gallery_too() -> None:
    from matplotlib.figure import Figure

    gallery = coerce([Figure(figsize=(1, 1), dpi=10), Figure(figsize=(1, 1), dpi=10)])
    assert isinstance(gallery, Gallery)
    assert gallery.to_ref(MemoryFiles())["count"] == 2


def test_other_media_lists() -> None:
    clips = [Audio(np.zeros(4), sample_rate=8), Audio(np.ones(4) / 2, sample_rate=8)]
    media = coerce(clips)
    assert isinstance(media, MediaList) and not isinstance(media, Gallery)
    files = MemoryFiles()
    ref = media.to_ref(files)
    assert ref["_type"] == "media-list" and ref["count"] == 2
    assert [item["_type"] for item in ref["items"]] == ["audio-file", "audio-file"]
    assert len(files.files) == 2


def test_a_list_mixing_media_types_is_refused() -> None:
    with pytest.raises(UsageError, match="one type; got Html, Image"):
        coerce([Image(np.zeros((2, 2))), Html("<p>")])


def test_supported_names_every_type() -> None:
    for name in ("Image", "Audio", "Video", "Html", "Object3D", "Molecule",
                 "Plotly", "Table", "matplotlib", "plotly", "DataFrame", "lists"):  # fmt: skip
        assert name in SUPPORTED


def test_importing_the_package_loads_no_optional_module() -> None:
    code = (
        "import sys, runfold.media, runfold.media.convert\n"
        "heavy = ('numpy', 'PIL', 'matplotlib', 'plotly', 'pandas', 'imageio')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    # the same runfold as this process imports, wherever the suite runs from
    source = str(Path(runfold.media.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": source}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert out.stdout.strip() == "[]"
