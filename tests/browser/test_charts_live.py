"""Live charts: while a run drawn is running the series are fetched again every
5 s and the new points appear; once none is, the requests stop."""

from __future__ import annotations

import time
from typing import Any

import pytest

import runfold
from runfold.demo import build_demo
from tests.browser.test_charts import _api
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def _series_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda r: (
            seen.append(r.url) if "/api/v1/" in r.url and "/series" in r.url else None
        ),
    )
    return seen


def test_a_running_run_is_polled_until_it_finishes(
    page: Any, live_server: LiveServer
) -> None:
    done = runfold.init(
        project="live",
        settings={"runfold_dir": str(live_server.store_dir)},
        group="g",
        reinit=True,
    )
    for step in range(10):
        done.log({"loss": 10.0 - step})
    done.finish()
    run = runfold.init(
        project="live",
        settings={"runfold_dir": str(live_server.store_dir)},
        group="g",
        reinit=True,
    )
    for step in range(5):
        run.log({"loss": float(step)})
    requests = _series_requests(page)
    page.goto(f"{live_server.url}/static/dev/charts.html?project=live&by=group")
    page.wait_for_function("() => window.__runfoldCharts?.loss?.groups[0].n[4] === 2")
    legend = page.locator("[data-metric=loss] [data-testid=chart-legend] li")
    assert legend.inner_text().split() == ["g", "2", "runs,", "1", "running"]

    for step in range(5, 8):
        run.log({"loss": float(step)})
    # The next poll (within 5 s) brings steps 5..7 of the running run: n = 2 up to
    # step 7, the finished run's own points after it.
    page.wait_for_function(
        "() => window.__runfoldCharts.loss.groups[0].n[7] === 2", timeout=12_000
    )
    (entry,) = _api(
        live_server, "/projects/live/series", {"metric": "loss", "by": "group"}
    )["series"]["loss"]
    chart = page.evaluate("() => window.__runfoldCharts.loss")
    assert chart["x"] == entry["x"] and chart["groups"][0]["line"] == entry["mean"]
    assert entry["running"] == 1

    run.finish()
    page.wait_for_function(
        "() => !document.querySelector('[data-metric=loss] .rf-legend-n')"
        ".textContent.includes('running')",
        timeout=12_000,
    )
    settled = len(requests)
    time.sleep(6)  # longer than the poll interval: nothing more is asked
    assert len(requests) == settled


def test_finished_runs_are_fetched_once(page: Any, live_server: LiveServer) -> None:
    build_demo(live_server.store_dir, "demo", steps=20)
    requests = _series_requests(page)
    page.goto(f"{live_server.url}/static/dev/charts.html?project=demo&by=group")
    page.wait_for_function("() => window.__runfoldCharts?.['train/loss']")
    first = len(requests)
    assert first == 1, requests  # one request for every metric of the page
    time.sleep(6)
    assert len(requests) == first
