"""The filter box covers every run of a project, not only the first 1,000 a page
fetches (issue 20): on a project of 1,050 runs, runs past the 1,000th are found
by the filter, in the sidebar and in every chart, the counts are the server's, and
a sort or "Show more" reaches them. The store is written through ``store.ingest``
(the run log's records, as the SDK sends them), which makes 1,050 runs in seconds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

import runfold
from runfold.store import open_store
from tests.browser.conftest import screenshot
from tests.browser.test_workspace_view import _assert_plotted, _chart
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

P = "many"
RUNS = 1050
FAILED = range(1040, RUNS)  # the last ten runs, all past the first 1,000
NEEDLE = 1042
BY = ["group", "job_type"]  # the workspace's grouping when runs have job types


def _records(i: int, t0: float) -> list[Any]:
    name = "needle-in-1042" if i == NEEDLE else f"run-{i:04d}"
    run = {"name": name, "group": f"g{i % 10}", "job_type": "train",
           "tags": ["needle"] if i == NEEDLE else [], "notes": None, "host": "h",
           "created_at": t0 + i, "heartbeat_seconds": 10}  # fmt: skip
    history = [
        (step, t0 + i + step, {"train/loss": 1 / (step + 1) + i / 1000})
        for step in range(5)
    ]
    state = "failed" if i in FAILED else "finished"
    return [
        (1, "run", run),
        (2, "config", {"lr": 0.001 * (1 + i % 5), "seed": i}),
        (3, "history", history),
        (4, "finish", {"state": state, "exit_code": int(state == "failed"),
                       "at": t0 + i + 5}),
    ]  # fmt: skip


@pytest.fixture
def server(live_server: LiveServer) -> Iterator[LiveServer]:
    store = open_store(live_server.store_dir / "runfold.db")
    t0 = time.time() - 2 * RUNS
    for i in range(RUNS):
        store.ingest(P, f"r{i:04d}", _records(i, t0))
    store.close()
    yield live_server


def _sidebar(page: Any) -> Any:
    return page.locator("[data-testid=group-sidebar]")


def _counts(page: Any, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('[data-testid=group-sidebar] [data-testid=counts]')"
        "?.textContent === t",
        arg=text,
    )


def test_the_filter_finds_runs_past_the_first_thousand(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    assert [r.name for r in api.runs(P)][NEEDLE] == "needle-in-1042"  # past 1,000
    page.goto(f"{server.url}/projects/{P}")
    sidebar = _sidebar(page)
    _counts(page, f"{RUNS} of {RUNS} runs · 10 groups")

    # a word: the one run named so, the 1,043rd, in its group
    page.fill("[data-testid=filter]", "needle")
    _counts(page, f"1 of {RUNS} runs · 1 groups")
    rows = sidebar.locator("[data-testid=group-row]")
    assert rows.locator(".name").all_inner_texts() == ["g2 / train"]
    rows.first.locator(".caret").click()
    member = sidebar.locator("[data-testid=run-row]")
    member.first.wait_for()
    assert member.locator(".rname a").all_inner_texts() == ["needle-in-1042"]
    expected = api.group_series(P, "train/loss", by=BY, filters={"tags": "needle"})
    plotted = _chart(page, "train/loss", "c.groups.length === 1")
    _assert_plotted(plotted, expected)
    assert plotted["groups"][0]["n"][0] == 1

    # a term: the ten failed runs, one in each group; each chart draws them all
    page.fill("[data-testid=filter]", "state=failed")
    _counts(page, f"10 of {RUNS} runs · 10 groups")
    failed = {"state": "failed"}
    expected = api.group_series(P, "train/loss", by=BY, filters=failed)
    # wait for the ten groups: the needle's chart (one group, n = 1) is stale here
    plotted = _chart(
        page,
        "train/loss",
        "c.groups.length === 10 && c.groups.every((g) => g.n[0] === 1)",
    )
    _assert_plotted(plotted, expected)
    assert [g.count for g in api.groups(P, by=BY, filters=failed)] == [1] * 10

    # ungrouped, the table lists them by name
    page.click("[data-testid=group-clear]")
    _counts(page, f"10 of {RUNS} runs")
    names = sidebar.locator("[data-testid=run-row] .rname a")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=group-sidebar] [data-testid=run-row]').length === 10"
    )
    assert names.all_inner_texts() == [
        "needle-in-1042" if i == NEEDLE else f"run-{i:04d}" for i in FAILED
    ]
    screenshot(page, "filter-many-runs")
    api.close()


def test_sort_and_show_more_reach_the_runs_past_the_first_page(
    page: Any, server: LiveServer
) -> None:
    # sorted by name descending: the server sorts every run, not the first 1,000
    page.goto(f"{server.url}/projects/{P}?nogroup=1&sort=-name&table=1")
    _counts(page, f"{RUNS} of {RUNS} runs")
    names = _sidebar(page).locator("[data-testid=run-row] .rname a")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=run-row] .rname a')?.textContent"
        " === 'run-1049'"
    )
    assert names.all_inner_texts()[:3] == ["run-1049", "run-1048", "run-1047"]
    # a filter that keeps more than a page of runs: Show more fetches the rest
    page.fill("[data-testid=filter]", "config.lr<=0.0025")  # lr 0.001 and 0.002
    _counts(page, f"{RUNS * 2 // 5} of {RUNS} runs")
    page.goto(f"{server.url}/projects/{P}?nogroup=1&table=1&q=job_type%3Dtrain")
    _counts(page, f"{RUNS} of {RUNS} runs")
    more = page.locator("[data-testid=show-more]")
    for shown in range(50, RUNS, 50):
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=run-row]').length === n",
            arg=shown,
        )
        more.click()
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=run-row]').length === n",
        arg=RUNS,
    )
    assert names.last.inner_text() == "run-1049"
    assert more.count() == 0
