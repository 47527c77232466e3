"""The workspace's rough edges (issue 20): the first row of charts in view at
1280×800 with 32 runs; the sidebar collapses, resizes and opens into the full table
(its name column pinned at 1024 px); a skip link reaches the charts from the
keyboard in a few presses; charts below the fold are drawn for a whole-page capture;
unknown addresses say "not found" with a way back; /api/docs works offline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

import runfold
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

P = "wide"
METRICS = [f"{part}/m{i}" for part in ("train", "eval") for i in range(4)]


@pytest.fixture
def server(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """32 runs without a group (one line each), 8 metrics in two sections."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    monkeypatch.setenv("RUNFOLD_SILENT", "1")
    for i in range(32):
        run = runfold.init(project=P, config={"lr": 0.001 * (i + 1)}, reinit=True)
        for step in range(5):
            run.log({m: (i + 1) / (step + 1) for m in METRICS}, step=step)
        run.finish()
    yield live_server


def test_the_first_charts_are_in_view_at_1280_by_800(
    page: Any, server: LiveServer
) -> None:
    page.goto(f"{server.url}/projects/{P}")
    first = page.locator("[data-testid=chart-panel]").first
    first.locator("canvas").first.wait_for()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= 800, box  # the whole first panel shows
    assert page.locator("[data-testid=run-row]").count() == 32  # every run, beside
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workspace-1280.png"))

    # every chart is drawn, also far below the fold, without scrolling to it: a
    # whole-page capture (or a print) shows them all
    page.wait_for_function(
        "(n) => Object.values(window.__runfoldCharts || {}).filter((c) => c.painted).length >= n",
        arg=len(METRICS),
        timeout=20000,
    )


def test_the_sidebar_collapses_resizes_and_opens_into_the_full_table(
    page: Any, server: LiveServer
) -> None:
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{server.url}/projects/{P}")
    page.locator("[data-testid=chart-panel] canvas").first.wait_for()
    side = page.locator("[data-testid=group-sidebar]")
    width = side.bounding_box()["width"]
    # resize from the keyboard (or by dragging the edge)
    page.locator("[data-testid=side-resize]").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert side.bounding_box()["width"] > width + 40
    chart = page.locator("[data-testid=chart-panel]").first
    before = chart.bounding_box()["width"]
    page.locator("[data-testid=side-collapse]").click()
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=chart-panel]').getBoundingClientRect().width > {before + 50}"
    )
    screenshot(page, "workspace-1024-collapsed")
    page.reload()  # kept in this browser
    page.locator("[data-testid=side-expand]").click()
    page.locator("[data-testid=filter]").wait_for()

    # the full table: every column, the name column pinned while it scrolls sideways
    page.locator("[data-testid=table-toggle]").click()
    page.wait_for_function("() => location.search.includes('table=1')")
    page.locator("th[data-col='config.lr']").wait_for()
    assert page.locator("[data-testid=chart-panel]").first.is_hidden()
    wrap = page.locator(".table-wrap")
    wrap.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    name = page.locator("[data-testid=run-row] td.first").first
    assert name.bounding_box()["x"] < 120  # still in view at the left
    screenshot(page, "workspace-1024-table")
    page.locator("[data-testid=table-toggle]").click()
    page.locator("[data-testid=chart-panel] canvas").first.wait_for()

    page.set_viewport_size({"width": 1440, "height": 900})
    page.wait_for_timeout(300)
    screenshot(page, "workspace-1440")


def test_the_keyboard_reaches_a_chart_in_a_few_presses(
    page: Any, server: LiveServer
) -> None:
    page.goto(f"{server.url}/projects/{P}")
    page.locator("[data-testid=chart-panel] canvas").first.wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "skip-to-panels"
    page.keyboard.press("Enter")
    presses = 0
    while not page.evaluate(
        "!!document.activeElement.closest('[data-testid=chart-panel]')"
    ):
        presses += 1
        assert presses <= 5, "no chart within 5 presses after the skip link"
        page.keyboard.press("Tab")
    # the section's toggle, its menu, + Panel, then the chart's first tool
    assert page.evaluate("document.activeElement.textContent.trim()") == "⚙ Advanced"
    page.keyboard.press("Enter")  # its settings open beside it
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "line"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.textContent.trim()") == "⚙ Advanced"
    landmarks = page.evaluate(
        "() => [...document.querySelectorAll('header, main, aside')].map((e) => e.tagName)"
    )
    assert landmarks == ["HEADER", "ASIDE", "MAIN"]


def test_unknown_addresses_say_not_found_with_a_way_back(
    browser: Any, server: LiveServer
) -> None:
    # (a page of its own: the 404 answers are logged by the browser, as they should)
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    response = page.goto(f"{server.url}/no/such/page")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    page.get_by_role("link", name="All projects").wait_for()

    page.goto(f"{server.url}/projects/{P}/groups/nope")
    page.locator("[data-testid=no-group]").wait_for()
    assert page.locator("h1").inner_text() == "Group not found"
    page.get_by_role("link", name=f"Back to {P}").click()
    page.wait_for_url(f"**/projects/{P}")
    page.context.close()


def test_an_unknown_project_says_so_once(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/projects/nope")
    alert = page.get_by_role("alert")
    alert.first.wait_for()
    page.wait_for_timeout(500)
    assert alert.count() == 1
    assert "Project 'nope' not found" in alert.inner_text()
    context.close()


def test_api_docs_render_with_the_network_cut_off(
    page: Any, live_server: LiveServer
) -> None:
    asked_elsewhere: list[str] = []

    def only_this_server(route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            asked_elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    response = page.goto(f"{live_server.url}/api/docs")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert (
        "/api/v1/projects/{project}/views" in page.locator(".swagger-ui").inner_text()
    )
    assert asked_elsewhere == []
    screenshot(page, "api-docs-offline")
