"""Media logged with ``run.log`` and read back through ``runfold.Api``: images at
steps (pixels equal), galleries, tables by version, history's W&B references,
dedup by content, bad media dropping its key alone, files listed and downloaded."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runfold
import runfold.readback
from runfold.media import Media
from runfold.sdk.run import RunfoldWarning

P = "media"


def _pixels(seed: int, h: int = 12, w: int = 16) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _media_files(runfold_dir: Path, run_id: str) -> list[Path]:
    root = runfold_dir / "runs" / P / run_id / "files" / "media"
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_images_at_steps_read_back_pixel_for_pixel(runfold_dir: Path) -> None:
    run = runfold.init(project=P)
    for step in range(3):
        image = runfold.Image(_pixels(step), caption=f"step {step}")
        run.log({"sample": image, "loss": 1.0 / (step + 1)})
    run.finish()
    logged = runfold.Api().run(f"{P}/{run.id}")
    values = logged.media("sample")
    assert [v.step for v in values] == [0, 1, 2]
    for step, value in enumerate(values):
        assert value.type == "image-file"
        assert value.caption == f"step {step}"
        assert (value.ref["width"], value.ref["height"]) == (16, 12)
        assert np.array_equal(value.numpy(), _pixels(step))
        data = value.read_bytes()
        assert hashlib.sha256(data).hexdigest() == value.ref["sha256"]
    assert logged.media("sample", step=1).step == 1
    assert logged.media("sample", step=99).step == 2
    assert logged.media_keys() == [
        {"key": "sample", "type": "image-file", "steps": 3, "first": 0, "last": 2}
    ]


def test_history_holds_w_and_b_references_beside_the_numbers() -> None:
    run = runfold.init(project=P)
    run.log({"loss": 0.5})
    run.log({"loss": 0.4, "img": runfold.Image(_pixels(1))})
    run.finish()
    rows = runfold.Api().run(f"{P}/{run.id}").history()
    assert [r["_step"] for r in rows] == [0, 1]
    assert "img" not in rows[0]
    ref = rows[1]["img"]
    assert ref["_type"] == "image-file" and ref["format"] == "png"
    assert ref["path"].startswith("media/images/") and len(ref["sha256"]) == 64
    assert rows[1]["loss"] == 0.4
    only = runfold.Api().run(f"{P}/{run.id}").history(keys=["img"])
    assert [r["_step"] for r in only] == [1]


def test_the_same_image_logged_twice_is_stored_once(runfold_dir: Path) -> None:
    run = runfold.init(project=P)
    for _ in range(5):
        run.log({"same": runfold.Image(_pixels(7))})
    run.log({"other": runfold.Image(_pixels(8))})
    run.finish()
    files = _media_files(runfold_dir, run.id)
    assert len(files) == 2
    values = runfold.Api().run(f"{P}/{run.id}").media("same")
    assert len(values) == 5 and len({v.path for v in values}) == 1


def test_a_list_of_images_is_a_gallery() -> None:
    run = runfold.init(project=P)
    images = [runfold.Image(_pixels(i), caption=f"#{i}") for i in range(4)]
    run.log({"examples": images})
    run.finish()
    (value,) = runfold.Api().run(f"{P}/{run.id}").media("examples")
    assert value.type == "images/separated"
    items = value.items
    assert [i.caption for i in items] == ["#0", "#1", "#2", "#3"]
    for i, item in enumerate(items):
        assert np.array_equal(item.numpy(), _pixels(i))


def test_a_table_logged_at_several_steps_keeps_each_version() -> None:
    run = runfold.init(project=P)
    for epoch in range(3):
        table = runfold.Table(columns=["id", "pred", "ok", "note"])
        for i in range(epoch + 2):
            table.add_data(i, i * 0.5 + epoch, i % 2 == 0, None if i else "first")
        run.log({"preds": table, "epoch": epoch})
    run.finish()
    logged = runfold.Api().run(f"{P}/{run.id}")
    frame = logged.table("preds")
    assert list(frame.columns) == ["id", "pred", "ok", "note"]
    assert len(frame) == 4 and frame["pred"].tolist() == [2.0, 2.5, 3.0, 3.5]
    first = logged.table("preds", step=0)
    assert first["id"].tolist() == [0, 1]
    assert first["ok"].tolist() == [True, False]
    assert first["note"][0] == "first" and first["note"].isna().tolist() == [
        False,
        True,
    ]
    assert len(logged.table("preds", step=1)) == 3


def test_a_table_with_image_cells_keeps_the_images() -> None:
    run = runfold.init(project=P)
    table = runfold.Table(columns=["image", "label"])
    for i in range(3):
        table.add_data(runfold.Image(_pixels(i)), f"class {i}")
    run.log({"predictions": table})
    run.finish()
    logged = runfold.Api().run(f"{P}/{run.id}")
    frame = logged.table("predictions")
    assert frame["label"].tolist() == ["class 0", "class 1", "class 2"]
    for i, ref in enumerate(frame["image"]):
        assert ref["_type"] == "image-file"
        cell = runfold.readback.LoggedMedia(0, 0.0, ref, logged._read_file)
        assert np.array_equal(cell.numpy(), _pixels(i))


def test_bad_media_drops_its_key_and_keeps_the_rest_of_the_row() -> None:
    run = runfold.init(project=P)
    bad = np.full((4, 4, 3), np.nan)
    with pytest.warns(RunfoldWarning) as said:
        run.log(
            {"loss": 0.25, "broken": _LazyImage(bad), "fine": runfold.Image(_pixels(2))}
        )
    run.finish()
    assert "'broken' was not logged" in str(said[0].message)
    logged = runfold.Api().run(f"{P}/{run.id}")
    assert logged.history(keys=["loss"])[0]["loss"] == 0.25
    assert [k["key"] for k in logged.media_keys()] == ["fine"]


class _LazyImage(Media):
    """An Image built inside log(), so its constructor's error happens there."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data

    def to_ref(self, put: Any) -> dict[str, Any]:
        return runfold.Image(self.data).to_ref(put)


def test_an_unsupported_value_says_what_can_be_logged() -> None:
    run = runfold.init(project=P)
    with pytest.warns(RunfoldWarning, match=r"runfold\.Image") as said:
        run.log({"thing": object(), "loss": 1.0})
    run.finish()
    assert "'thing' is a object" in str(said[0].message)
    assert runfold.Api().run(f"{P}/{run.id}").history()[0]["loss"] == 1.0


def test_files_lists_and_downloads_media_and_saved_files(tmp_path: Path) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"\x00\x01weights")
    run = runfold.init(project=P)
    run.save(str(source), base_path=str(tmp_path), policy="now")
    run.log({"img": runfold.Image(_pixels(3))})
    run.finish()
    logged = runfold.Api().run(f"{P}/{run.id}")
    names = {f.name: f.size for f in logged.files()}
    path = logged.media("img")[0].path
    assert names["weights.bin"] == 9 and path in names
    target = tmp_path / "down"
    with logged.file("weights.bin").download(root=target) as f:
        assert f.read() == b"\x00\x01weights"
    assert (target / "weights.bin").read_bytes() == b"\x00\x01weights"
    with pytest.raises(runfold.UsageError, match="replace=True"):
        logged.file("weights.bin").download(root=target)
    with pytest.raises(runfold.errors.NotFound, match="has no file"):
        logged.file("nope.txt")


def test_a_disabled_run_encodes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNFOLD_MODE", "disabled")
    run = runfold.init(project=P)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.log({"img": _LazyImage(np.full((2, 2), np.nan))})
    run.finish()


def test_a_list_mixing_media_types_drops_its_key_alone() -> None:
    run = runfold.init(project=P)
    mixed = [runfold.Image(_pixels(1)), runfold.Html("<p>hi</p>")]
    with pytest.warns(RunfoldWarning, match="'mixed' was not logged"):
        run.log({"mixed": mixed, "loss": 2.0})
    run.finish()
    logged = runfold.Api().run(f"{P}/{run.id}")
    assert logged.history()[0]["loss"] == 2.0 and logged.media_keys() == []


def test_figures_passed_to_log_become_images_and_plotly_charts() -> None:
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go

    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([0, 1, 2], [2, 1, 3])
    chart = go.Figure(go.Scatter(x=[1, 2, 3], y=[4, 1, 9], name="s"))
    run = runfold.init(project=P)
    run.log({"mpl": fig, "pyplot": plt, "plotly": chart})
    run.finish()
    plt.close("all")
    logged = runfold.Api().run(f"{P}/{run.id}")
    for key in ("mpl", "pyplot"):
        (image,) = logged.media(key)
        assert image.type == "image-file"
        assert image.image().size == (200, 150)  # 4 x 3 inches at 50 dpi
    (plot,) = logged.media("plotly")
    assert plot.type == "plotly-file"
    trace = json.loads(plot.read_bytes())["data"][0]
    assert trace["name"] == "s" and list(trace["y"]) == [4, 1, 9]
