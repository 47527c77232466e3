"""The sweeps list and the sweep page in a real browser over a real server, on a
sweep run through the SDK (``runfold.sweep`` + ``runfold.agent``): the runs table
equals ``Api().sweep(...)``, the chart draws the route's best-so-far values, the
parallel coordinates' axes are the parameters, the importance table lists each,
a sweep run's k-fold runs are one click away, and Pause changes the sweep."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

import runfold
from runfold.store import open_store
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

PROJECT = "sw"
DEFINITION = {
    "name": "lr and optimizer",
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "lr": {"values": [0.001, 0.01, 0.1]},
        "opt": {"parameters": {"name": {"values": ["adam", "sgd"]}}},
        "seed": {"values": [1, 2]},
    },
}
PARAMS = ["lr", "opt.name", "seed"]
STOP_REASON = "hyperband: loss 0.9 at iteration 3 is above the band's cut 0.5"


def train() -> None:
    run = runfold.init()
    c = run.config
    loss = abs(c["lr"] - 0.01) * 10 + (0.2 if c["opt"]["name"] == "sgd" else 0.0)
    for step in range(3):
        run.log({"loss": loss + 0.01 * c["seed"] + (2 - step) * 0.1})


@pytest.fixture
def sweep(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, Any, str]]:
    """A 12-run grid sweep, its first run with two fold runs (group = the sweep id,
    job_type = the run's name) and its second stopped with a reason."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    monkeypatch.setenv("RUNFOLD_SILENT", "1")
    sweep_id = runfold.sweep(DEFINITION, project=PROJECT)
    runfold.agent(sweep_id, function=train, count=12, project=PROJECT)
    api = runfold.Api(live_server.store_dir)
    first, second = api.sweep(f"{PROJECT}/{sweep_id}").runs[:2]
    for k in range(2):
        fold = runfold.init(project=PROJECT, group=sweep_id, job_type=first.name,
                            name=f"{first.name}-fold{k}", reinit=True)  # fmt: skip
        fold.log({"loss": 0.5 + k})
        fold.finish()
    store = open_store(live_server.store_dir / "runfold.db")
    store.end_sweep_run(PROJECT, sweep_id, second.id, "stopped", STOP_REASON)
    store.close()
    yield live_server, api, sweep_id
    api.close()


def _route(server: LiveServer, sweep_id: str) -> dict[str, Any]:
    url = f"{server.url}/api/v1/projects/{PROJECT}/sweeps/{sweep_id}"
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def _open(page: Any, server: LiveServer, sweep_id: str, query: str = "") -> None:
    page.goto(f"{server.url}/projects/{PROJECT}/sweeps/{sweep_id}{query}")
    page.locator("[data-testid=sweep-runs]").wait_for()


def test_the_sweeps_list_is_reached_from_the_workspace(
    page: Any, sweep: tuple[LiveServer, Any, str]
) -> None:
    server, api, sweep_id = sweep
    page.goto(f"{server.url}/projects/{PROJECT}")
    page.get_by_test_id("sweeps-link").click()
    page.wait_for_url(f"**/projects/{PROJECT}/sweeps")
    row = page.locator(f"[data-testid=sweep-row][data-id='{sweep_id}']")
    row.wait_for()
    assert row.locator("td").all_inner_texts()[:7] == [
        sweep_id, DEFINITION["name"], "running", "grid", "loss (minimize)", "12", "1",
    ]  # fmt: skip
    screenshot(page, "sweeps-list")
    row.get_by_role("link", name=sweep_id).click()
    page.wait_for_url(f"**/sweeps/{sweep_id}")
    assert page.get_by_test_id("sweep-title").inner_text() == DEFINITION["name"]


def test_the_sweep_page_shows_what_the_api_reads(
    page: Any, sweep: tuple[LiveServer, Any, str]
) -> None:
    server, api, sweep_id = sweep
    read = api.sweep(f"{PROJECT}/{sweep_id}")
    route = _route(server, sweep_id)
    _open(page, server, sweep_id)

    # grouped by config.* except seed: 6 groups of the 2 seeds
    groups = api.groups(PROJECT, by=["config.* except seed"],
                        filters={"id": {"$in": [r.id for r in read.runs]}})  # fmt: skip
    names = page.locator("[data-testid=sweep-group-row] .name").all_inner_texts()
    assert sorted(names) == sorted(g.name for g in groups) and len(names) == 6
    page.get_by_test_id("sweep-open-all").click()
    expanded = page.locator("[data-testid=sweep-run-row]")
    expanded.nth(11).wait_for()
    assert sorted(expanded.evaluate_all("els => els.map(e => e.dataset.id)")) == sorted(
        r.id for r in read.runs
    )

    # single runs, in index order: each row is the API's run and the route's numbers
    page.get_by_test_id("sweep-group-by").select_option("")
    page.locator("[data-testid=sweep-group-row]").first.wait_for(state="detached")
    rows = page.locator("[data-testid=sweep-run-row]")
    assert rows.evaluate_all("els => els.map(e => e.dataset.id)") == [
        r.id for r in read.runs
    ]
    for i, (run, proposal, entry) in enumerate(
        zip(read.runs, read.proposals, route["runs"], strict=True)
    ):
        cells = rows.nth(i).locator("td")
        assert cells.nth(0).inner_text() == str(proposal.index)
        assert cells.nth(1).locator("a").inner_text() == run.name
        assert cells.nth(2).inner_text() == run.state
        assert (
            rows.nth(i).get_by_test_id("proposal-state").inner_text() == proposal.state
        )
        for p in PARAMS:
            shown = rows.nth(i).locator(f"td[data-col='param.{p}']").inner_text()
            assert shown == str(entry["params"][p])
        value = rows.nth(i).locator("td[data-col=value]").get_attribute("title")
        assert float(value) == run.summary["loss"] == entry["value"]
    stopped = rows.nth(1)
    assert stopped.get_by_test_id("proposal-state").inner_text() == "stopped"
    assert stopped.get_by_test_id("proposal-reason").inner_text() == STOP_REASON

    # the chart draws the route's values and best so far, by run index
    page.wait_for_function("() => window.__runfoldCharts?.sweep?.painted")
    drawn = page.evaluate(
        "() => JSON.parse(JSON.stringify(window.__runfoldCharts.sweep))"
    )
    assert drawn["x"] == [r["index"] for r in route["runs"]]
    assert drawn["value"] == [r["value"] for r in route["runs"]]
    assert drawn["best"] == [r["best_so_far"] for r in route["runs"]]
    assert drawn["best"][-1] == read.best_run().summary["loss"]

    # parallel coordinates: an axis per parameter, then the metric
    page.wait_for_function("() => window.__runfoldParcoords?.lines.length")
    pc = page.evaluate("() => JSON.parse(JSON.stringify(window.__runfoldParcoords))")
    assert [a["key"] for a in pc["axes"] if not a["metric"]] == PARAMS
    assert [a["key"] for a in pc["axes"] if a["metric"]] == ["loss"]
    assert sorted(line["id"] for line in pc["lines"]) == sorted(r.id for r in read.runs)

    # importance and correlation: a row per parameter, the route's numbers
    table = page.locator("[data-testid=importance-row]")
    shown = table.evaluate_all("els => els.map(e => e.dataset.param)")
    assert sorted(shown) == PARAMS
    for p in route["parameters"]:
        row = page.locator(f"[data-testid=importance-row][data-param='{p['name']}']")
        assert (
            row.get_by_test_id("importance-value").inner_text()
            == f"{p['importance']:.3f}"
        )
        corr = row.get_by_test_id("correlation-value").inner_text()
        assert corr == ("–" if p["correlation"] is None else f"{p['correlation']:.3f}")

    # the definition as YAML reads back as the stored definition
    text = page.get_by_test_id("sweep-definition").inner_text()
    assert yaml.safe_load(text) == route["config"] == read.config

    screenshot(page, "sweep-page")

    # the first run's k-fold runs: its sweep's group, its job type
    links = page.get_by_test_id("folds-link")
    assert links.count() == 1
    assert rows.nth(0).get_by_test_id("folds-link").inner_text() == "2 folds"
    links.click()
    page.wait_for_url(f"**/projects/{PROJECT}/groups/{sweep_id}?*")
    folds = page.locator("[data-testid=run-row]")
    folds.nth(1).wait_for()
    assert sorted(folds.locator("td.rname a").all_inner_texts()) == [
        f"{read.runs[0].name}-fold0", f"{read.runs[0].name}-fold1",
    ]  # fmt: skip


def test_pause_and_resume_change_the_sweep(
    page: Any, sweep: tuple[LiveServer, Any, str]
) -> None:
    server, api, sweep_id = sweep
    _open(page, server, sweep_id)
    assert page.get_by_test_id("sweep-state").inner_text() == "running"
    page.get_by_test_id("sweep-pause").click()
    page.locator("[data-testid=sweep-state]", has_text="paused").wait_for()
    assert api.sweep(f"{PROJECT}/{sweep_id}").state == "paused"
    page.get_by_test_id("sweep-resume").click()
    page.locator("[data-testid=sweep-state]", has_text="running").wait_for()
    assert api.sweep(f"{PROJECT}/{sweep_id}").state == "running"
    response = page.reload()  # the address is a page of its own, under the strict CSP
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_test_id("sweep-pause").wait_for()


def test_a_server_that_refuses_hides_the_state_buttons(
    browser: Any, sweep: tuple[LiveServer, Any, str]
) -> None:
    # Its own page: the browser logs the refused POST's 403 as a console error, the
    # one error this test expects (the `page` fixture fails on any).
    server, api, sweep_id = sweep
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    refusal = json.dumps({"ok": False, "error": "Read-only here.", "status": 403})
    page.route("**/sweeps/*/state", lambda route: route.fulfill(
        status=403, content_type="application/json", body=refusal))  # fmt: skip
    try:
        _open(page, server, sweep_id)
        page.get_by_test_id("sweep-stop").click()
        page.get_by_test_id("sweep-readonly").wait_for()
        assert page.get_by_test_id("sweep-controls").count() == 0
        assert page.get_by_test_id("sweep-state").inner_text() == "running"
    finally:
        context.close()
    assert api.sweep(f"{PROJECT}/{sweep_id}").state == "running"
    assert errors == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
