"""Grouped charts on the project page: settings in the address, hidden groups,
metric keys given by the page, the legend and the keyboard (pages/charts.js)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest

from runfold.demo import build_demo
from tests.browser.conftest import screenshot
from tests.browser.test_charts import _api, _close
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

METRIC = "train/loss"
BY = ["group", "job_type"]


@pytest.fixture
def demo(live_server: LiveServer) -> LiveServer:
    build_demo(live_server.store_dir, "demo", steps=50)
    return live_server


def _wait(page: Any, condition: str = "true") -> Any:
    page.wait_for_function(
        f"m => window.__runfoldCharts && window.__runfoldCharts[m] && "
        f"(c => {condition})(window.__runfoldCharts[m])",
        arg=METRIC,
    )
    return page.evaluate(
        "m => JSON.parse(JSON.stringify(window.__runfoldCharts[m]))", METRIC
    )


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _project(page: Any, server: LiveServer, query: str = "") -> None:
    page.goto(f"{server.url}/projects/demo?by=group&by=job_type{query}")


def test_chart_settings_live_in_the_url_and_a_reload_draws_them(
    page: Any, demo: LiveServer
) -> None:
    _project(page, demo)
    _wait(page)
    panel = page.locator(f"[data-metric='{METRIC}']")
    panel.locator("summary").click()
    panel.locator("select[name=line]").select_option("median")
    panel.locator("select[name=shading]").select_option("std")
    panel.locator("select[name=x]").select_option("_runtime")
    panel.locator("input[name=log]").check()
    panel.locator("input[name=max]").fill("5")
    panel.locator("input[name=max]").press("Enter")
    _wait(page, "c.settings.max === 5 && c.settings.x === '_runtime'")
    query = _query(page)
    assert query[f"chart.{METRIC}"] == [
        "line:median;shading:std;x:_runtime;log:1;max:5"
    ]
    assert query["by"] == BY  # the table's parameters stay
    assert "chart.train/acc" not in query  # a chart at its defaults adds nothing

    page.reload()
    plotted = _wait(page, "c.settings.x === '_runtime'")
    assert plotted["settings"] == {
        "line": "median", "shading": "std", "x": "_runtime", "smoothing": 0,
        "log": True, "max": 5,
    }  # fmt: skip
    api = _api(
        demo, "/projects/demo/series", {"metric": METRIC, "by": BY, "x": "_runtime"}
    )["series"][METRIC]
    assert plotted["drawnGroups"] == 5 and plotted["total"] == len(api)
    assert plotted["x"] == sorted({x for e in api[:5] for x in e["x"]})
    at = {x: j for j, x in enumerate(plotted["x"])}
    for entry, group in zip(api, plotted["groups"], strict=False):
        assert group["name"] == entry["name"]
        for i, x in enumerate(entry["x"]):
            assert _close(group["line"][at[x]], entry["median"][i])
            if entry["count"][i] > 1:
                assert _close(group["hi"][at[x]], entry["mean"][i] + entry["std"][i])
    panel.locator("summary").click()
    assert panel.locator("select[name=line]").input_value() == "median"
    assert panel.locator("select[name=shading]").input_value() == "std"
    assert panel.locator("input[name=log]").is_checked()
    assert panel.locator("input[name=max]").input_value() == "5"
    assert "Showing 5 of" in panel.locator("[data-testid=chart-capped]").inner_text()

    # Back to the defaults: the parameter goes.
    panel.locator("select[name=line]").select_option("mean")
    panel.locator("select[name=shading]").select_option("minmax")
    panel.locator("select[name=x]").select_option("_step")
    panel.locator("input[name=log]").uncheck()
    panel.locator("input[name=max]").fill("20")
    panel.locator("input[name=max]").press("Enter")
    _wait(page, "c.settings.max === 20 && c.settings.x === '_step'")
    assert f"chart.{METRIC}" not in _query(page)


def test_a_link_with_a_zoom_draws_the_api_numbers_of_that_range(
    page: Any, demo: LiveServer
) -> None:
    _project(page, demo, f"&{quote(f'chart.{METRIC}')}={quote('zoom:10..30;line:max')}")
    plotted = _wait(page, "c.zoom")
    assert plotted["zoom"] == [10, 30]
    api = _api(
        demo, "/projects/demo/series",
        {"metric": METRIC, "by": BY, "x_min": 10, "x_max": 30},
    )["series"][METRIC]  # fmt: skip
    assert plotted["x"] == list(range(10, 31))
    for entry, group in zip(api, plotted["groups"], strict=True):
        assert [group["line"][plotted["x"].index(x)] for x in entry["x"]] == entry[
            "max"
        ]
    note = page.locator(f"[data-metric='{METRIC}'] [data-testid=chart-zoom]")
    assert "Zoomed to 10 – 30" in note.inner_text()
    note.locator("button").click()
    plotted = _wait(page, "!c.zoom")
    assert plotted["x"] == list(range(50))

    # A link zoomed where nothing was logged says so, and offers the way back.
    _project(page, demo, f"&{quote(f'chart.{METRIC}')}={quote('zoom:900..990')}")
    panel = page.locator(f"[data-metric='{METRIC}']")
    empty = panel.locator(".rf-chart-placeholder")
    empty.get_by_text("No points between 900 and 990.").wait_for()
    empty.get_by_role("button", name="Reset zoom").click()
    plotted = _wait(page, "!c.zoom")
    assert plotted["x"] == list(range(50))
    assert f"chart.{METRIC}" not in _query(page)


def test_hidden_groups_are_not_drawn_and_the_others_keep_their_colour(
    page: Any, demo: LiveServer
) -> None:
    _project(page, demo)
    before = {g["name"]: g["color"] for g in _wait(page)["groups"]}
    hidden = json.dumps(["cv-resnet18", "fold"], separators=(",", ":"))
    _project(page, demo, f"&hide={quote(hidden)}")
    plotted = _wait(page)
    after = {g["name"]: g["color"] for g in plotted["groups"]}
    assert "cv-resnet18 / fold" in before and "cv-resnet18 / fold" not in after
    assert after == {k: v for k, v in before.items() if k != "cv-resnet18 / fold"}
    legend = page.locator(f"[data-metric='{METRIC}'] [data-testid=chart-legend] li")
    assert [li.get_attribute("data-group") for li in legend.all()] == list(after)


def test_metric_keys_given_by_the_page_are_charted_without_asking_the_project(
    page: Any, demo: LiveServer
) -> None:
    page.goto(f"{demo.url}/static/dev/charts.html?project=demo&by=group")
    _wait(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.evaluate(
        """async () => {
          const { mountCharts } = await import("/static/pages/charts.js");
          const el = document.createElement("div");
          el.id = "mine";
          document.body.appendChild(el);
          mountCharts(el, { project: "demo", by: ["group"], metricKeys: ["train/acc"] });
        }"""
    )
    page.wait_for_function("() => document.querySelector('#mine [data-metric] canvas')")
    mine = page.locator("#mine [data-testid=chart-panel]")
    assert [p.get_attribute("data-metric") for p in mine.all()] == ["train/acc"]
    assert not [u for u in asked if "/metrics" in u]
    assert [u for u in asked if "/series" in u and "train%2Facc" in u]

    # A page's own starting settings (a report block's) apply and stay out of the URL.
    page.evaluate(
        """async () => {
          const { mountCharts } = await import("/static/pages/charts.js");
          const el = document.createElement("div");
          el.id = "block";
          document.body.appendChild(el);
          mountCharts(el, { project: "demo", by: ["group"], metricKeys: ["lr"],
            settings: { line: "max", shading: "none" } });
        }"""
    )
    page.wait_for_function("() => window.__runfoldCharts.lr?.settings.line === 'max'")
    block = page.locator("#block [data-metric=lr]")
    block.locator("summary").click()
    block.locator("input[name=log]").check()
    page.wait_for_function("() => window.__runfoldCharts.lr.settings.log")
    assert window_settings(page, "lr")["shading"] == "none"
    assert "chart.lr" not in page.url


def test_the_legend_names_each_line_and_the_keyboard_reaches_every_control(
    page: Any, demo: LiveServer
) -> None:
    _project(page, demo)
    plotted = _wait(page)
    api = _api(demo, "/projects/demo/series", {"metric": METRIC, "by": BY})
    panel = page.locator(f"[data-metric='{METRIC}']")
    items = panel.locator("[data-testid=chart-legend] li")
    assert items.count() == len(plotted["groups"])
    for item, group, entry in zip(
        items.all(), plotted["groups"], api["series"][METRIC], strict=True
    ):
        assert item.locator(".rf-legend-name").inner_text() == entry["name"]
        runs = entry["runs"]
        assert (
            item.locator(".rf-legend-n").inner_text()
            == f"{runs} run{'s' * (runs != 1)}"
        )
        swatch = item.locator(".swatch").evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        assert swatch == _rgb(group["color"])

    # Tab from the chart's title through its controls: each shows a focus ring.
    panel.locator("h3").click()
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """m => { const e = document.activeElement;
              const inPanel = !!e.closest(`[data-metric='${m}']`);
              const s = getComputedStyle(e);
              return [inPanel, e.textContent.trim(), s.outlineStyle, s.outlineWidth]; }""",
            METRIC,
        )
        if not focused[0]:
            break
        seen.append(focused[1])
        assert focused[2] == "solid" and focused[3] == "2px", focused
    assert seen == ["⚙ Advanced", "⤢ Full screen", "JSON", "CSV", "PNG"]
    # The settings open from the keyboard, and their fields come next.
    panel.locator("h3").click()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "line"
    page.keyboard.press("ArrowDown")  # a select changes from the keyboard
    _wait(page, "c.settings.line === 'median'")
    screenshot(page, "charts-legend-focus")


def window_settings(page: Any, metric: str) -> Any:
    return page.evaluate("m => window.__runfoldCharts[m].settings", metric)


def _rgb(hex_color: str) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"
