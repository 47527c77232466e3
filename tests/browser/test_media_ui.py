"""Media, tables and custom charts in a real browser over a real server, for runs
logged through the SDK: the run page's panels (an image's pixels at the step the
slider picks, its masks and boxes toggled by class, a table sorted as pandas sorts
the API's DataFrame, a confusion matrix's counts, a plotly figure, audio, HTML, a
gallery and a point cloud), and the workspace's grouped panels (one image per run
of each group, all at the step picked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest

import runfold
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

STEPS = 4
W, H = 20, 12
PALETTE = ["#2563eb", "#dc2626", "#059669"]  # lib/colors.js colorFor(0..2)
CLASSES = {1: "cat", 2: "dog"}


def colour(run: int, step: int) -> tuple[int, int, int]:
    return (40 * step + 10, 30 * run + 5, 200 - 20 * step)


def solid(rgb: tuple[int, int, int], w: int = W, h: int = H) -> np.ndarray:
    a = np.zeros((h, w, 3), dtype=np.uint8)
    a[:] = rgb
    return a


def mask() -> np.ndarray:
    m = np.zeros((H, W), dtype=np.uint8)
    m[0:4, 0:6] = 1  # cat, top left
    m[8:12, 14:20] = 2  # dog, bottom right
    return m


BOXES = {
    "gt": {
        "box_data": [
            {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.6},
             "class_id": 1, "box_caption": "cat", "scores": {"acc": 0.9}},
            {"position": {"middle": [15, 6], "width": 6, "height": 4},
             "domain": "pixel", "class_id": 2},
        ],
        "class_labels": CLASSES,
    }
}  # fmt: skip
Y_TRUE = [0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1]
Y_PRED = [0, 2, 2, 2, 1, 0, 1, 1, 2, 0, 1]
NAMES = ["cat", "dog", "cow"]
ROWS = [[i, f"item-{i % 4}", float(np.sin(i) * 10), None if i == 3 else i % 3]
        for i in range(14)]  # fmt: skip


@pytest.fixture
def one_run(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """One run with every kind of media; yields (server, api run)."""
    import plotly.graph_objects as go

    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    run = runfold.init(project="one", name="solo", reinit=True)
    for step in range(STEPS):
        image = runfold.Image(
            solid(colour(0, step)), caption=f"step {step}", boxes=BOXES,
            masks={"pred": {"mask_data": mask(), "class_labels": CLASSES}},
        )  # fmt: skip
        row: dict[str, Any] = {"examples": image, "loss": 1 / (step + 1)}
        if step == 1:
            cells = [[*r[:3], runfold.Image(solid((r[0] * 15, 0, 0), 4, 4)), r[3]]
                     for r in ROWS]  # fmt: skip
            row["preds"] = runfold.Table(
                columns=["id", "label", "score", "image", "bucket"], data=cells,
                allow_mixed_types=True,
            )  # fmt: skip
        run.log(row, step=step)
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], mode="lines+markers"))
    tone = np.sin(np.linspace(0, 440 * 2 * np.pi, 8000)).astype(np.float32)
    cloud = np.random.default_rng(0).normal(size=(300, 3))
    run.log({
        "cm": runfold.plot.confusion_matrix(y_true=Y_TRUE, preds=Y_PRED, class_names=NAMES),
        "roc": runfold.plot.roc_curve(Y_TRUE, np.eye(3)[Y_PRED] * 0.8 + 0.1, labels=NAMES),
        "fig": fig,
        "sound": runfold.Audio(tone, sample_rate=8000, caption="a tone"),
        "page": runfold.Html("<h1>Hello media</h1><p>no script here</p>"),
        "cloud": runfold.Object3D(cloud),
        "strip": [runfold.Image(solid((0, 255, 0), 8, 8)), runfold.Image(solid((255, 0, 0), 8, 8))],
        "gif": runfold.Video(np.full((3, 3, 8, 8), 200, dtype=np.uint8), fps=4, format="gif"),
        "clip": runfold.Video(np.full((8, 3, 16, 16), 90, dtype=np.uint8), fps=4, format="webm"),
    }, step=STEPS)  # fmt: skip
    run.finish()
    api = runfold.Api(live_server.store_dir)
    yield live_server, api.run(f"one/{run.id}")
    api.close()


def _open_run(page: Any, server: LiveServer, run_id: str) -> None:
    page.goto(f"{server.url}/projects/one/runs/{run_id}")
    page.locator("[data-testid=media-panel]").first.wait_for()


def _panel(page: Any, key: str, testid: str = "media-panel") -> Any:
    return page.locator(f"[data-testid={testid}][data-key='{key}']")


def _shown(page: Any, key: str) -> Any:
    """The run page's panel of ``key`` once it shows a value."""
    page.wait_for_function("k => (window.__runfoldMedia || {})[k]", arg=key)
    return _panel(page, key)


PIXEL = """(img, [x, y]) => {
  const c = document.createElement("canvas");
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)];
}"""


def _pixel(img: Any, x: int = W // 2, y: int = H // 2) -> tuple[int, ...]:
    """The colour of pixel (x, y) of a displayed <img>'s own picture."""
    img.evaluate("i => i.decode()")  # loaded and decoded
    return tuple(img.evaluate(PIXEL, [x, y]))


def _hex(rgb: str) -> list[int]:
    return [int(rgb[i : i + 2], 16) for i in (1, 3, 5)]


def test_image_panel_follows_the_step_slider(page: Any, one_run: Any) -> None:
    server, run = one_run
    _open_run(page, server, run.id)
    panel = _shown(page, "examples")
    img = panel.locator("[data-testid=media-image] img")
    # the last step first: its file, its size, its pixels, its caption
    last = run.media("examples")[-1]
    assert panel.get_attribute("data-step") == str(STEPS - 1)
    assert img.get_attribute("src").endswith(last.path)
    img.evaluate("i => i.decode()")  # loaded: its size is known only then
    assert img.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [W, H]
    assert _pixel(img) == colour(0, STEPS - 1)
    assert (
        panel.locator("[data-testid=media-caption]").inner_text() == f"step {STEPS - 1}"
    )

    slider = panel.locator("[data-testid=media-step]")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.__runfoldMedia.examples.step === 1")
    assert panel.locator("[data-testid=media-step-value]").inner_text() == "1"
    assert img.get_attribute("src").endswith(run.media("examples", 1).path)
    assert _pixel(img) == colour(0, 1)
    assert panel.locator("[data-testid=media-caption]").inner_text() == "step 1"
    screenshot(page, "media-run-page")


def test_masks_and_boxes_toggle_by_class(page: Any, one_run: Any) -> None:
    server, run = one_run
    _open_run(page, server, run.id)
    panel = _shown(page, "examples")
    labels = panel.locator("[data-testid=media-box] .md-box-label").all_inner_texts()
    assert labels == ["cat acc 0.9", "dog"]
    # the box of class 1 spans x 10%..50%, y 10%..60% of the image
    box = panel.locator("[data-testid=media-box][data-class='1']").bounding_box()
    shown = panel.locator("[data-testid=media-image] img").bounding_box()
    assert box["x"] - shown["x"] == pytest.approx(0.1 * shown["width"], abs=1.5)
    assert box["width"] == pytest.approx(0.4 * shown["width"], abs=1.5)
    assert box["height"] == pytest.approx(0.5 * shown["height"], abs=1.5)

    read_mask = """(c) => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      return [[...d.slice(0, 4)], [...d.slice((11 * c.width + 19) * 4, (11 * c.width + 19) * 4 + 4)],
              [...d.slice((6 * c.width + 10) * 4, (6 * c.width + 10) * 4 + 4)]]; }"""
    canvas = panel.locator("[data-testid=media-mask]")
    page.wait_for_function(
        "c => c.width > 0 && c.getContext('2d').getImageData(0, 0, 1, 1).data[3] > 0",
        arg=canvas.element_handle(),
    )
    cat, dog, background = canvas.evaluate(read_mask)
    # a translucent canvas stores premultiplied colour: read back within 2 levels
    assert cat[:3] == pytest.approx(_hex(PALETTE[1]), abs=2) and cat[3] > 0
    assert dog[:3] == pytest.approx(_hex(PALETTE[2]), abs=2) and dog[3] > 0
    assert background[3] == 0

    legend = panel.locator("[data-testid=media-legend]")
    legend.locator("label[data-set=pred][data-class='1'] input").uncheck()
    page.wait_for_function(
        "c => c.getContext('2d').getImageData(0, 0, 1, 1).data[3] === 0",
        arg=canvas.element_handle(),
    )
    assert canvas.evaluate(read_mask)[1][3] > 0  # dog still drawn
    legend.locator("label[data-set=gt][data-class='2'] input").uncheck()
    assert panel.locator("[data-testid=media-box]").count() == 1
    # the choice holds at another step
    slider = panel.locator("[data-testid=media-step]")
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("() => window.__runfoldMedia.examples.step === 0")
    assert panel.locator("[data-testid=media-box]").count() == 1
    assert not legend.locator("label[data-set=pred][data-class='1'] input").is_checked()


def _column(table: Any, name: str) -> list[str]:
    return table.locator(f"tbody td[data-column='{name}']").all_inner_texts()


def test_table_sorts_filters_and_picks_columns_like_the_api(
    page: Any, one_run: Any
) -> None:
    server, run = one_run
    frame = run.table("preds")
    _open_run(page, server, run.id)
    table = _shown(page, "preds").locator("[data-testid=media-table]")
    table.locator("tbody tr").first.wait_for()
    assert _column(table, "id") == [str(i) for i in frame["id"]]
    assert table.locator("tbody td[data-column=image] img").count() == len(ROWS)

    table.locator("th[data-column=score]").click()
    expected = frame.sort_values("score", kind="stable")["id"].tolist()
    assert _column(table, "id") == [str(i) for i in expected]
    table.locator("th[data-column=score]").click()
    expected = frame.sort_values("score", ascending=False, kind="stable")["id"].tolist()
    assert _column(table, "id") == [str(i) for i in expected]
    # a column with an empty cell: the empty one last, either way
    table.locator("th[data-column=bucket]").click()
    by_bucket = frame.sort_values("bucket", kind="stable", na_position="last")
    assert _column(table, "id") == [str(i) for i in by_bucket["id"]]

    table.locator("[data-testid=media-table-filter]").fill("item-2")
    matching = frame[frame["label"] == "item-2"].sort_values("bucket", kind="stable")
    assert _column(table, "id") == [str(i) for i in matching["id"]]
    assert table.locator("[data-testid=media-table-count]").inner_text() == (
        f"{len(matching)} of {len(ROWS)} rows match"
    )
    table.locator("[data-testid=media-table-columns] summary").click()
    table.locator(
        "[data-testid=media-table-columns] input[data-column=label]"
    ).uncheck()
    headers = table.locator("thead th").all_inner_texts()
    assert [h.split(" ")[0] for h in headers] == ["id", "score", "image", "bucket"]


def test_confusion_matrix_shows_its_counts(page: Any, one_run: Any) -> None:
    server, run = one_run
    _open_run(page, server, run.id)
    matrix = _panel(page, "cm").locator("[data-testid=media-matrix]")
    matrix.wait_for()
    counts = np.zeros((3, 3), dtype=int)
    for t, p in zip(Y_TRUE, Y_PRED, strict=True):
        counts[t, p] += 1
    for i, actual in enumerate(NAMES):
        cells = matrix.locator(f"tr[data-actual={actual}] td").all_inner_texts()
        assert cells == [str(n) for n in counts[i]]
    # the ROC curve: one line per class, drawn by uPlot
    roc = _panel(page, "roc")
    roc.locator(".md-plot canvas").first.wait_for()
    drawn = page.evaluate("() => window.__runfoldMediaCharts.roc")
    assert [s["name"] for s in drawn["series"]] == NAMES
    assert drawn["xLabel"] == "False positive rate" or drawn["xLabel"] == "fpr"


def test_plotly_figure_audio_video_html_gallery_and_points(
    page: Any, one_run: Any
) -> None:
    server, run = one_run
    _open_run(page, server, run.id)
    # plotly.js loads only when a figure comes into view
    fig = _panel(page, "fig")
    assert (
        fig.locator("[data-testid=media-plotly]").get_attribute("data-state")
        == "waiting"
    )
    assert page.evaluate(
        "() => [typeof window.Plotly, document.querySelectorAll('script[src*=plotly]').length]"
    ) == ["undefined", 0]
    fig.scroll_into_view_if_needed()
    fig.locator(
        "[data-testid=media-plotly][data-state=drawn] svg.main-svg"
    ).first.wait_for()
    assert fig.locator("g.scatterlayer .trace").count() == 1
    assert fig.locator("g.scatterlayer path.js-line").count() == 1

    sound = _panel(page, "sound").locator("audio")
    assert sound.get_attribute("src").endswith(run.media("sound")[-1].path)
    assert page.wait_for_function(
        "a => a.readyState >= 1 && a.duration > 0.9", arg=sound.element_handle()
    )

    gif = _panel(page, "gif").locator("[data-testid=media-video] img")
    assert gif.get_attribute("src").endswith(run.media("gif")[-1].path)
    assert gif.evaluate(
        "i => i.decode().then(() => [i.naturalWidth, i.naturalHeight])"
    ) == [8, 8]
    clip = _panel(page, "clip").locator("video")
    page.wait_for_function(
        "v => v.readyState >= 1 && v.videoWidth === 16 && v.duration > 1.5",
        arg=clip.element_handle(),
    )

    frame = _panel(page, "page").locator("iframe")
    assert frame.get_attribute("sandbox") == ""
    body = page.frame_locator("[data-key=page] iframe").locator("h1")
    assert body.inner_text() == "Hello media"

    strip = _shown(page, "strip").locator("[data-testid=media-gallery] img")
    assert strip.count() == 2
    assert [_pixel(strip.nth(i), 4, 4) for i in range(2)] == [(0, 255, 0), (255, 0, 0)]

    cloud = _panel(page, "cloud").locator("[data-testid=media-object3d]")
    cloud.locator("figcaption", has_text="300 points").wait_for()
    lit = cloud.locator("canvas").evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
        ".filter((v, i) => i % 4 === 3 && v > 0).length"
    )
    assert lit > 100


GROUPS = {"exp-a": ["a0", "a1", "a2"], "exp-b": ["b0", "b1", "b2"]}


@pytest.fixture
def grouped(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Two groups of three runs each logging an image per step; b2 stops after
    step 1. Yields (server, {name: run id}, {name: index})."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    ids: dict[str, str] = {}
    index: dict[str, int] = {}
    for group, names in GROUPS.items():
        for name in names:
            index[name] = len(index)
            run = runfold.init(project="m", name=name, group=group, reinit=True)
            for step in range(2 if name == "b2" else STEPS):
                run.log({"examples": runfold.Image(solid(colour(index[name], step))),
                         "acc": step / 10}, step=step)  # fmt: skip
            run.finish()
            ids[name] = run.id
    yield live_server, ids, index


def _cells(panel: Any) -> dict[str, Any]:
    out = {}
    for cell in panel.locator("[data-testid=media-run]").all():
        out[cell.locator(".md-run-name a").inner_text()] = cell
    return out


def test_grouped_panel_shows_each_groups_runs_at_one_step(
    page: Any, grouped: Any
) -> None:
    server, ids, index = grouped
    page.goto(f"{server.url}/projects/m")
    panel = _panel(page, "examples", "media-group-panel")
    panel.locator("[data-testid=media-run] img").first.wait_for()
    rows = panel.locator("[data-testid=media-group]")
    assert rows.count() == 2
    for row, (group, names) in zip(rows.all(), GROUPS.items(), strict=True):
        assert group in row.locator(".md-group-name").inner_text()
        assert [c.locator(".md-run-name a").inner_text()
                for c in row.locator("[data-testid=media-run]").all()] == names  # fmt: skip
        assert row.locator("img").count() == len(names)
    # each run's last image; b2's is from step 1
    cells = _cells(panel)
    for name, cell in cells.items():
        last = 1 if name == "b2" else STEPS - 1
        assert cell.get_attribute("data-step") == str(last)
        assert _pixel(cell.locator("img")) == colour(index[name], last)
    assert "step 1" in cells["b2"].locator(".md-run-name").inner_text()

    slider = panel.locator("[data-testid=media-step]")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        '() => document.querySelector("[data-testid=media-group-panel][data-key=examples]")'
        ".dataset.step === '1'"
    )
    cells = _cells(panel)
    assert len(cells) == 6
    for name, cell in cells.items():
        assert cell.get_attribute("data-step") == "1"
        assert _pixel(cell.locator("img")) == colour(index[name], 1)
    assert "step" not in cells["b2"].locator(".md-run-name").inner_text()
    screenshot(page, "media-grouped")


def test_ungrouped_and_hidden_groups_are_said(page: Any, grouped: Any) -> None:
    server, ids, index = grouped
    page.goto(f"{server.url}/projects/m?nogroup=1")
    panel = _panel(page, "examples", "media-group-panel")
    panel.locator("[data-testid=media-run] img").first.wait_for()
    assert panel.locator("[data-testid=media-group]").count() == 0
    assert sorted(_cells(panel)) == sorted(index)
    assert panel.locator("[data-testid=media-left-out]").count() == 0

    hide = quote(json.dumps(["exp-a", None], separators=(",", ":")))
    page.goto(f"{server.url}/projects/m?hide={hide}")
    panel.locator("[data-testid=media-run] img").first.wait_for()
    assert sorted(_cells(panel)) == ["b0", "b1", "b2"]
    note = panel.locator("[data-testid=media-left-out]").inner_text()
    assert note == "1 hidden group not shown."

    # the group page: its own runs only, by job_type
    page.goto(f"{server.url}/projects/m/groups/exp-b")
    panel.locator("[data-testid=media-run] img").first.wait_for()
    assert sorted(_cells(panel)) == ["b0", "b1", "b2"]


def test_runs_past_the_limit_are_said_and_can_be_shown(
    page: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    total = 50  # the panel asks for 48 runs at first
    for i in range(total):
        run = runfold.init(project="many", name=f"r{i:02d}", reinit=True)
        run.log({"examples": runfold.Image(solid((i * 5, 0, 0), 4, 4))}, step=0)
        run.finish()
    page.goto(f"{live_server.url}/projects/many?nogroup=1")
    panel = _panel(page, "examples", "media-group-panel")
    panel.locator("[data-testid=media-run] img").first.wait_for()
    assert panel.locator("[data-testid=media-run]").count() == 48
    note = panel.locator("[data-testid=media-left-out]")
    assert note.inner_text().startswith(f"Showing 48 of {total} runs.")
    note.get_by_role("button", name="Show more").click()
    page.wait_for_function(
        "n => document.querySelectorAll('[data-key=examples] [data-testid=media-run]').length === n",
        arg=total,
    )
    assert panel.locator("[data-testid=media-left-out]").count() == 0
