"""A chart full screen and as a PNG download (pages/charts.js, lib/chartpng.js)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from runfold.demo import build_demo
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.test_charts import _open, _plotted
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

METRIC = "train/loss"
TITLE, ROW, PAD = 30, 18, 8  # lib/chartpng.js PNG_LAYOUT


@pytest.fixture
def demo(live_server: LiveServer) -> LiveServer:
    build_demo(live_server.store_dir, "demo", steps=50)
    return live_server


def _size(page: Any) -> dict[str, int]:
    return page.evaluate("m => window.__runfoldCharts[m].size", METRIC)


def test_full_screen_redraws_larger_and_escape_closes_it(
    page: Any, demo: LiveServer
) -> None:
    _open(page, demo)
    panel = page.locator(f"[data-metric='{METRIC}']")
    small = _size(page)
    assert small["height"] == 220
    button = panel.locator("[data-testid=chart-fullscreen]")
    button.click()
    page.wait_for_function(
        "m => window.__runfoldCharts[m].size.height > 220", arg=METRIC
    )
    box = panel.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 1280, 800)
    big = _size(page)
    assert big["height"] == 800 - 200 and big["width"] > small["width"] + 400
    canvas = panel.locator("canvas").bounding_box()
    assert canvas["height"] >= big["height"] - 1
    assert button.inner_text() == "✕ Close"
    assert page.evaluate("document.activeElement.dataset.testid") == "chart-fullscreen"
    # the same numbers, drawn bigger
    assert _plotted(page)["data"] == page.evaluate(
        "m => window.__runfoldCharts[m].data", METRIC
    )
    screenshot(page, "charts-fullscreen")
    page.set_viewport_size({"width": 1000, "height": 700})  # follows the window
    page.wait_for_function(
        "m => window.__runfoldCharts[m].size.height === 500", arg=METRIC
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function(
        "m => window.__runfoldCharts[m].size.height === 600", arg=METRIC
    )
    page.keyboard.press("Escape")
    page.wait_for_function(
        "m => window.__runfoldCharts[m].size.height === 220", arg=METRIC
    )
    assert "rf-fullscreen" not in (panel.get_attribute("class") or "")
    assert _size(page) == small


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    out, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        out.append((kind, body))
        at += 12 + length
    return out


def test_png_export_is_the_chart_under_its_title_with_a_legend(
    page: Any, demo: LiveServer
) -> None:
    _open(page, demo)
    panel = page.locator(f"[data-metric='{METRIC}']")
    canvas = page.evaluate(
        "m => { const c = document.querySelector(`[data-metric='${m}'] canvas`);"
        " return [c.width, c.height]; }",
        METRIC,
    )
    lines = len(_plotted(page)["groups"])
    with page.expect_download() as info:
        panel.locator("[data-testid=chart-png]").click()
    download = info.value
    assert download.suggested_filename == "train_loss.png"
    data = Path(download.path()).read_bytes()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "charts-export.png").write_bytes(data)  # for a person to look at
    chunks = _chunks(data)
    kinds = [k for k, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height) == (canvas[0], TITLE + canvas[1] + 2 * PAD + lines * ROW)
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    pixels = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    assert len(pixels) == height * (1 + width * 4)
    # The first pixel (row 0 needs no unfiltering): the page's white background.
    assert tuple(pixels[1:5]) == (255, 255, 255, 255)
    # Not a blank image: the title's row holds more than the background (even
    # filtered, a row of one colour is at most two distinct byte values per channel).
    stride = 1 + width * 4
    row = pixels[stride * (TITLE // 2) : stride * (TITLE // 2 + 1)]
    assert len(set(row[1:])) > 4
