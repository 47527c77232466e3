"""The report editor's run filter is the workspace's filter box (issue 20): a filter
typed there is saved with the report ({"$text": ...} in the block's run filter),
and after a reload the report's charts and runs table show only the runs it keeps,
with the API's numbers. Reports saved before, with JSON filters, still load: the
box shows what they say, and a part no term says stays, shown. Runs through the
SDK, a real server and browser."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import runfold
from tests.browser.test_workspace_view import _assert_plotted, _chart
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

P = "repf"
STEPS = 12


def _log_runs() -> None:
    """Six runs in two groups; lr 0.1 or 0.01 by seed parity; the last one fails."""
    for i in range(6):
        lr = 0.1 if i % 2 == 0 else 0.01
        run = runfold.init(project=P, group=f"exp-{'ab'[i // 3]}", reinit=True,
                           config={"lr": lr, "seed": i})  # fmt: skip
        for step in range(STEPS):
            run.log({"loss": math.exp(-lr * step) + i / 100}, step=step)
        run.finish(exit_code=1 if i == 5 else 0)


@pytest.fixture
def server(served: LiveServer) -> Iterator[LiveServer]:
    _log_runs()
    yield served


def _http(server: LiveServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{server.url}/api/v1{path}", json=body)
    assert response.status_code < 400, response.text
    return response.json()


CHART = {"type": "chart", "metrics": ["loss"], "by": ["group"], "filters": None,
         "settings": {"shading": "none"}}  # fmt: skip
RUNS = {"type": "runs", "filters": None, "q": "", "by": [], "columns": ["config.lr"]}


def test_a_filter_typed_in_the_editor_is_saved_and_drawn_after_a_reload(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    report = _http(server, "POST", f"/projects/{P}/reports",
                   {"title": "Filtered", "blocks": [CHART, RUNS]})  # fmt: skip
    path = f"/projects/{P}/reports/{report['id']}"
    page.goto(f"{server.url}{path}?edit=1")
    editors = page.locator("[data-testid=block-editor]")
    editors.first.wait_for()
    chart_box = editors.nth(0).locator(".rf-fields input[name=filter]")
    chart_box.fill("config.lr<0.05")
    chart_box.fill("config.lr<0.05 state!=failed")
    editors.nth(1).locator(".rf-fields input[name=filter]").fill("exp-b")
    page.click("[data-testid=save]")
    page.locator("[data-testid=saved]").wait_for()
    saved = _http(server, "GET", path)["blocks"]
    assert saved[0]["filters"] == {"$text": "config.lr<0.05 state!=failed"}
    assert (saved[1]["filters"], saved[1]["q"]) == ({"$text": "exp-b"}, "")

    page.goto(f"{server.url}{path}")
    page.reload()
    # the chart: runs 1 and 3 (lr 0.01, not failed), their groups' means as the API has them
    keep = {"config.lr": {"$lt": 0.05}, "state": {"$ne": "failed"}}
    expected = api.group_series(P, "loss", by=["group"], filters=keep)
    assert [(e["name"], e["runs"]) for e in expected] == [("exp-a", 1), ("exp-b", 1)]
    plotted = _chart(page, "loss", "c.groups.length === 2")
    _assert_plotted(plotted, expected)
    assert expected == api.group_series(
        P, "loss", by=["group"], filters=saved[0]["filters"]
    )
    # the runs table: exp-b's three runs, with the lr the API has
    rows = page.locator("[data-testid=report-run-row]")
    rows.first.wait_for()
    want = api.runs(P, filters={"group": "exp-b"})
    assert [r.locator("a").inner_text() for r in rows.all()] == [r.name for r in want]
    assert rows.locator("td[data-col='config.lr']").all_inner_texts() == [
        str(r.config["lr"]) for r in want
    ]
    assert page.locator("[data-testid=report-runs-count]").inner_text() == "3 runs"
    api.close()


def test_reports_saved_with_json_filters_still_load_and_edit(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    old = [
        {**CHART, "filters": {"group": "exp-a", "config.lr": {"$gt": 0.05}}},
        {**RUNS, "filters": {"state": {"$in": ["failed", "crashed"]}}, "q": "exp"},
    ]
    report = _http(server, "POST", f"/projects/{P}/reports",
                   {"title": "Old", "blocks": old})  # fmt: skip
    path = f"/projects/{P}/reports/{report['id']}"
    page.goto(f"{server.url}{path}")
    expected = api.group_series(P, "loss", by=["group"], filters=old[0]["filters"])
    _assert_plotted(_chart(page, "loss", "c.groups.length === 1"), expected)
    assert page.locator("[data-testid=report-run-row] a").all_inner_texts() == [
        r.name for r in api.runs(P, filters={"state": "failed"})
    ]

    page.goto(f"{server.url}{path}?edit=1")
    editors = page.locator("[data-testid=block-editor]")
    editors.first.wait_for()
    chart_box = editors.nth(0).locator(".rf-fields input[name=filter]")
    assert chart_box.input_value() == "group=exp-a config.lr>0.05"
    runs_fields = editors.nth(1).locator(".rf-fields")
    assert runs_fields.locator("input[name=filter]").input_value() == "exp"
    rest = runs_fields.locator("[data-testid=filter-rest]")
    assert '{"state":{"$in":["failed","crashed"]}}' in rest.inner_text()
    # a title edit leaves the filters as they were stored
    page.fill("[data-testid=report-title-input]", "Old, renamed")
    page.click("[data-testid=save]")
    page.locator("[data-testid=saved]").wait_for()
    assert _http(server, "GET", path)["blocks"] == [
        {**old[0], "settings": _http(server, "GET", path)["blocks"][0]["settings"]},
        old[1],
    ]
    # editing the box keeps the JSON part beside the text, until it is removed
    runs_fields.locator("input[name=filter]").fill("exp-b")
    page.click("[data-testid=save]")
    page.locator("[data-testid=saved]").wait_for()
    stored = _http(server, "GET", path)["blocks"][1]
    assert stored["filters"] == {"$and": [old[1]["filters"], {"$text": "exp-b"}]}
    assert stored["q"] == ""
    runs_fields.locator("[data-testid=filter-rest-remove]").click()
    page.click("[data-testid=save]")
    page.locator("[data-testid=saved]").wait_for()
    assert _http(server, "GET", path)["blocks"][1]["filters"] == {"$text": "exp-b"}
    api.close()
