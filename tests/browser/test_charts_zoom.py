"""Zoom by dragging along x: the chart asks the server for just that range and
gets finer points (exact ones once they fit); double-click resets."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

import runfold
from tests.browser.conftest import screenshot
from tests.browser.test_charts import _api, _close
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

STEPS = 3000


@pytest.fixture
def long_runs(live_server: LiveServer) -> LiveServer:
    for seed in range(3):
        run = runfold.init(
            project="long", settings={"runfold_dir": str(live_server.store_dir)}, group="g",
            reinit=True,
        )  # fmt: skip
        for step in range(STEPS - 300 * seed):
            run.log({"loss": 1.0 / (1 + step) + ((step * 7919 + seed) % 13) / 100})
        run.finish()
    return live_server


def _chart(page: Any) -> Any:
    return page.evaluate(
        "() => JSON.parse(JSON.stringify(window.__runfoldCharts.loss))"
    )


def _drag(page: Any, start: float, end: float) -> None:
    box = page.locator("[data-metric=loss] .u-over").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=8)
    page.mouse.up()


def test_dragging_zooms_into_finer_api_points_and_double_click_resets(
    page: Any, long_runs: LiveServer
) -> None:
    page.goto(f"{long_runs.url}/static/dev/charts.html?project=long&by=group")
    page.wait_for_function(
        "() => window.__runfoldCharts && window.__runfoldCharts.loss"
    )
    before = _chart(page)
    whole = _api(long_runs, "/projects/long/series", {"metric": "loss", "by": "group"})
    assert whole["series"]["loss"][0]["mode"] == "buckets"  # 3000 steps, 1000 buckets
    assert before["x"] == whole["series"]["loss"][0]["x"]

    _drag(page, 0.40, 0.52)
    page.wait_for_function("() => window.__runfoldCharts.loss.zoom")
    zoom = _chart(page)
    lo, hi = zoom["zoom"]
    assert all(isinstance(v, int) for v in (lo, hi)) and 0 < lo < hi < STEPS
    assert 250 < hi - lo < 500  # about 12 % of the axis
    (entry,) = _api(
        long_runs, "/projects/long/series",
        {"metric": "loss", "by": "group", "x_min": lo, "x_max": hi},
    )["series"]["loss"]  # fmt: skip
    assert entry["mode"] == "exact"
    assert zoom["x"] == entry["x"] == list(range(lo, hi + 1))
    (group,) = zoom["groups"]
    assert all(_close(a, b) for a, b in zip(group["line"], entry["mean"], strict=True))
    assert group["n"] == entry["count"]
    inside = [x for x in before["x"] if lo <= x <= hi]
    assert len(zoom["x"]) > 2 * len(inside)  # finer than before
    query = parse_qs(urlparse(page.url).query)
    assert query["chart.loss"] == [f"zoom:{lo}..{hi}"] and query["by"] == ["group"]
    screenshot(page, "charts-zoomed")

    # A zoom inside the zoom narrows on.
    _drag(page, 0.2, 0.3)
    page.wait_for_function(
        f"() => window.__runfoldCharts.loss.zoom && window.__runfoldCharts.loss.zoom[0] > {lo}"
    )
    inner = _chart(page)["zoom"]
    assert lo <= inner[0] < inner[1] <= hi

    box = page.locator("[data-metric=loss] .u-over").bounding_box()
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => !window.__runfoldCharts.loss.zoom")
    assert _chart(page)["x"] == before["x"]
    assert "chart.loss" not in parse_qs(urlparse(page.url).query)
