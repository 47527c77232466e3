"""Grouped charts (pages/charts.js), in a real browser over a real server.

The project page mounts ChartsSection; until it does, the developer page
/static/dev/charts.html mounts it for the project in its query string.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from runfold.demo import build_demo
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

METRIC = "train/loss"


@pytest.fixture
def demo(live_server: LiveServer) -> LiveServer:
    build_demo(live_server.store_dir, "demo", steps=50)
    return live_server


def _api(server: LiveServer, path: str, params: dict[str, Any]) -> Any:
    import httpx

    response = httpx.get(f"{server.url}/api/v1{path}", params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _open(
    page: Any, server: LiveServer, query: str = "project=demo&by=group&by=job_type"
) -> None:
    page.goto(f"{server.url}/static/dev/charts.html?{query}")
    page.wait_for_function(  # the chart on screen: its numbers, drawn
        "m => window.__runfoldCharts && window.__runfoldCharts[m]?.painted", arg=METRIC
    )


def _plotted(page: Any) -> Any:
    return page.evaluate(
        "m => JSON.parse(JSON.stringify(window.__runfoldCharts[m]))", METRIC
    )


def test_charts_plot_exactly_the_api_numbers(page: Any, demo: LiveServer) -> None:
    _open(page, demo)
    metrics = _api(demo, "/projects/demo/metrics", {})["metrics"]
    panels = page.locator("[data-testid=chart-panel]")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=chart-panel] canvas').length >= n",
        arg=len(metrics),
    )
    assert panels.count() == len(metrics)  # lr, train/acc, train/loss
    for i in range(panels.count()):
        assert panels.nth(i).locator("canvas").count() == 1
    assert page.locator("[data-section=train] [data-testid=chart-panel]").count() == 2

    api = _api(
        demo, "/projects/demo/series",
        {"metric": METRIC, "by": ["group", "job_type"]},
    )["series"][METRIC]  # fmt: skip
    plotted = _plotted(page)
    assert [g["name"] for g in plotted["groups"]] == [e["name"] for e in api]
    for entry, group in zip(api, plotted["groups"], strict=True):
        at = {x: j for j, x in enumerate(plotted["x"])}
        for i, x in enumerate(entry["x"]):
            j = at[x]
            assert _close(group["line"][j], entry["mean"][i])
            assert group["n"][j] == entry["count"][i]
            if entry["count"][i] > 1:  # default shading: min–max
                assert (group["lo"][j], group["hi"][j]) == (
                    entry["min"][i],
                    entry["max"][i],
                )
            else:
                assert group["lo"][j] is None and group["hi"][j] is None
    # uPlot's own data arrays are the same arrays: [x, line, upper, lower, ...]
    data = plotted["data"]
    assert data[0] == plotted["x"]
    for gi, group in enumerate(plotted["groups"]):
        assert data[1 + 3 * gi] == group["line"]
        assert data[2 + 3 * gi] == group["hi"]
        assert data[3 + 3 * gi] == group["lo"]
    assert all(float(x).is_integer() for x in plotted["x"])  # no fractional steps

    # The tooltip at a hovered point: group names and n as the API counts them.
    panel = page.locator(f"[data-metric='{METRIC}']")
    over = panel.locator(".u-over")
    box = over.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tip = panel.locator("[data-testid=chart-tooltip]")
    tip.wait_for(state="visible")
    idx = page.evaluate(
        "m => document.querySelector(`[data-metric='${m}'] .u-over`) && "
        "window.__runfoldCharts[m].x.indexOf(Number("
        "document.querySelector(`[data-metric='${m}'] .rf-tip-x`).textContent.split(' ').pop()))",
        METRIC,
    )
    assert idx >= 0
    x = plotted["x"][idx]
    rows = tip.locator(".rf-tip-row")
    seen = {}
    for r in range(rows.count()):
        row = rows.nth(r)
        seen[row.get_attribute("data-group")] = int(
            row.locator(".rf-tip-n").get_attribute("data-n")
        )
    expected = {e["name"]: e["count"][e["x"].index(x)] for e in api if x in e["x"]}
    assert seen == expected
    assert "cv-resnet18 / fold" in tip.inner_text()
    screenshot(page, "charts-grouped")


def test_shading_changes_only_the_band(page: Any, demo: LiveServer) -> None:
    _open(page, demo)
    before = _plotted(page)
    api = _api(
        demo, "/projects/demo/series",
        {"metric": METRIC, "by": ["group", "job_type"]},
    )["series"][METRIC]  # fmt: skip
    panel = page.locator(f"[data-metric='{METRIC}']")
    panel.locator("summary").click()
    for shading, stat in (("std", "std"), ("stderr", "stderr"), ("none", None)):
        panel.locator("select[name=shading]").select_option(shading)
        page.wait_for_function(
            "([m, s]) => window.__runfoldCharts[m].settings.shading === s",
            arg=[METRIC, shading],
        )
        after = _plotted(page)
        assert after["x"] == before["x"]
        for g0, g1, entry in zip(before["groups"], after["groups"], api, strict=True):
            assert g1["line"] == g0["line"] and g1["n"] == g0["n"]
            for i, n in enumerate(entry["count"]):
                lo, hi = g1["lo"][i], g1["hi"][i]
                if stat is None or n < 2:
                    assert lo is None and hi is None
                else:
                    m, s = entry["mean"][i], entry[stat][i]
                    assert _close(lo, m - s) and _close(hi, m + s)
        assert (after["bands"] == []) == (shading == "none")
    panel.locator("select[name=line]").select_option("median")
    page.wait_for_function(
        "m => window.__runfoldCharts[m].settings.line === 'median'", arg=METRIC
    )
    after = _plotted(page)
    for g, entry in zip(after["groups"], api, strict=True):
        assert g["line"][: len(entry["median"])] == entry["median"]
    screenshot(page, "charts-settings")


def test_ungrouped_draws_runs_and_says_when_capped(page: Any, demo: LiveServer) -> None:
    _open(page, demo, "project=demo&by=")
    runs = _api(demo, "/projects/demo/series", {"metric": METRIC, "ungrouped": "true"})
    total = len(runs["series"][METRIC])
    assert total > 20
    plotted = _plotted(page)
    assert (plotted["total"], plotted["drawnGroups"], len(plotted["groups"])) == (
        total,
        20,
        20,
    )
    panel = page.locator(f"[data-metric='{METRIC}']")
    assert (
        f"Showing 20 of {total} lines"
        in panel.locator("[data-testid=chart-capped]").inner_text()
    )
    panel.locator("summary").click()
    panel.locator("input[name=max]").fill("3")
    panel.locator("input[name=max]").press("Enter")
    page.wait_for_function(
        "m => window.__runfoldCharts[m].drawnGroups === 3", arg=METRIC
    )
    assert f"Showing 3 of {total} lines" in panel.inner_text()
    panel.locator("input[name=max]").fill("500")
    panel.locator("input[name=max]").press("Enter")
    page.wait_for_function(
        "([m, n]) => window.__runfoldCharts[m].drawnGroups === n", arg=[METRIC, total]
    )
    assert panel.locator("[data-testid=chart-capped]").count() == 0
    # Charts follow their container's width (a chart draws once it is near the view).
    panel.scroll_into_view_if_needed()
    page.wait_for_function("m => window.__runfoldCharts[m].painted", arg=METRIC)
    width = "m => document.querySelector(`[data-metric='${m}'] canvas`).clientWidth"
    before = page.evaluate(width, METRIC)
    page.set_viewport_size({"width": 1000, "height": 800})
    page.wait_for_function(f"m => ({width})(m) < {before} - 50", arg=METRIC)
    screenshot(page, "charts-ungrouped")


def test_x_axis_smoothing_and_log_scale(page: Any, demo: LiveServer) -> None:
    _open(page, demo)
    panel = page.locator(f"[data-metric='{METRIC}']")
    panel.locator("summary").click()
    panel.locator("select[name=x]").select_option("_runtime")
    page.wait_for_function(
        "m => window.__runfoldCharts[m].settings.x === '_runtime'", arg=METRIC
    )
    api = _api(
        demo, "/projects/demo/series",
        {"metric": METRIC, "by": ["group", "job_type"], "x": "_runtime"},
    )["series"][METRIC]  # fmt: skip
    plotted = _plotted(page)
    assert plotted["x"] == sorted({x for e in api for x in e["x"]})
    for entry, group in zip(api, plotted["groups"], strict=True):
        at = {x: j for j, x in enumerate(plotted["x"])}
        assert [group["line"][at[x]] for x in entry["x"]] == entry["mean"]
    assert all(e["mode"] == "buckets" for e in api)  # runs' runtimes differ
    # the tooltip names the bucket's range
    box = panel.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    panel.locator("[data-testid=chart-tooltip]").wait_for(state="visible")
    assert " – " in panel.locator(".rf-tip-x").inner_text()
    screenshot(page, "charts-runtime-buckets")
    panel.locator("select[name=x]").select_option("_step")
    panel.locator("input[name=smoothing]").fill("0.6")
    page.wait_for_function(
        "m => window.__runfoldCharts[m].settings.smoothing === 0.6", arg=METRIC
    )
    smooth = _api(
        demo, "/projects/demo/series",
        {"metric": METRIC, "by": ["group", "job_type"], "smoothing": 0.6},
    )["series"][METRIC]  # fmt: skip
    assert [
        g["line"][: len(e["mean"])]
        for g, e in zip(_plotted(page)["groups"], smooth, strict=True)
    ] == [e["mean"] for e in smooth]
    panel.locator("input[name=log]").check()
    page.wait_for_function(
        "m => window.__runfoldCharts[m].settings.log === true", arg=METRIC
    )
    assert (
        page.evaluate(
            "m => document.querySelectorAll(`[data-metric='${m}'] canvas`).length",
            METRIC,
        )
        == 1
    )
    screenshot(page, "charts-runtime-log")
