"""Shading "member runs drawn faintly": each group's runs as thin lines in its
colour behind its line, capped and saying so (pages/charts.js, lib/members.js)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import runfold
from runfold.demo import build_demo
from tests.browser.conftest import screenshot
from tests.browser.test_charts import _api, _open, _plotted
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

METRIC = "train/loss"


@pytest.fixture
def demo(live_server: LiveServer) -> LiveServer:
    build_demo(live_server.store_dir, "demo", steps=50)
    return live_server


def _members(page: Any, metric: str = METRIC) -> Any:
    panel = page.locator(f"[data-metric='{metric}']")
    panel.locator("summary").click()
    panel.locator("select[name=shading]").select_option("members")
    page.wait_for_function(
        "m => window.__runfoldCharts[m].members.length > 0", arg=metric
    )
    return page.evaluate(
        "m => JSON.parse(JSON.stringify(window.__runfoldCharts[m]))", metric
    )


def test_member_runs_are_the_api_runs_of_each_group_drawn_behind_it(
    page: Any, demo: LiveServer
) -> None:
    _open(page, demo)
    before = _plotted(page)
    plotted = _members(page)
    groups = _api(
        demo, "/projects/demo/series", {"metric": METRIC, "by": ["group", "job_type"]}
    )["series"][METRIC]
    ids = [i for g in groups for i in g["run_ids"]]
    runs = _api(
        demo, "/projects/demo/series",
        {"metric": METRIC, "ungrouped": "true",
         "filters": json.dumps({"id": {"$in": ids}})},
    )["series"][METRIC]  # fmt: skip
    assert len(ids) == 26 == len(runs) == len(plotted["members"])
    owner = {i: gi for gi, g in enumerate(groups) for i in g["run_ids"]}
    by_id = {e["key"][0]: e for e in runs}
    at = {x: j for j, x in enumerate(plotted["x"])}
    for m in plotted["members"]:
        assert m["group"] == owner[m["id"]]
        entry = by_id[m["id"]]
        assert [m["line"][at[x]] for x in entry["x"]] == entry["mean"]
    # The groups' lines are unchanged; no bands; uPlot draws the runs first (behind).
    assert [g["line"] for g in plotted["groups"]] == [
        g["line"] for g in before["groups"]
    ]
    assert plotted["bands"] == []
    offset = plotted["groupOffset"]
    assert offset == 26
    for i, m in enumerate(plotted["members"]):
        assert plotted["data"][1 + i] == m["line"]
    for gi, g in enumerate(plotted["groups"]):
        assert plotted["data"][1 + offset + 3 * gi] == g["line"]
    note = page.locator(f"[data-metric='{METRIC}'] [data-testid=chart-members]")
    assert note.inner_text() == "Faint lines: the 26 member runs."
    screenshot(page, "charts-members")


def test_member_runs_are_capped_per_group_and_the_chart_says_so(
    page: Any, live_server: LiveServer
) -> None:
    for seed in range(25):
        run = runfold.init(
            project="wide", settings={"runfold_dir": str(live_server.store_dir)}, group="sweep",
            config={"seed": seed}, reinit=True,
        )  # fmt: skip
        for step in range(5):
            run.log({"loss": seed + step / 10})
        run.finish()
    page.goto(f"{live_server.url}/static/dev/charts.html?project=wide&by=group")
    page.wait_for_function(
        "() => window.__runfoldCharts && window.__runfoldCharts.loss"
    )
    plotted = _members(page, "loss")
    (group,) = _api(
        live_server, "/projects/wide/series", {"metric": "loss", "by": "group"}
    )["series"]["loss"]
    assert [m["id"] for m in plotted["members"]] == group["run_ids"][:20]
    assert plotted["memberPlan"]["counts"] == [{"shown": 20, "total": 25}]
    note = page.locator("[data-metric=loss] [data-testid=chart-members]").inner_text()
    assert (
        note == "Faint lines: 20 of 25 member runs (at most 20 per group, 200 in all)."
    )
