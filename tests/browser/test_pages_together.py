"""The pages working together: workspace charts follow the table; the run page."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold.demo import build_demo
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
METRIC = "train/loss"


@pytest.fixture
def demo(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    build_demo(live_server.store_dir, "demo", steps=50)
    return live_server


def _plotted(page: Any) -> Any:
    page.wait_for_function(
        "m => window.__runfoldCharts && window.__runfoldCharts[m]", arg=METRIC
    )
    return page.evaluate(
        "m => JSON.parse(JSON.stringify(window.__runfoldCharts[m]))", METRIC
    )


def test_workspace_charts_follow_the_table_grouping_in_row_colours(
    page: Any, demo: LiveServer
) -> None:
    page.goto(f"{demo.url}/projects/demo")
    page.locator("[data-testid=charts-slot] canvas").first.wait_for()
    plotted = _plotted(page)
    api = runfold.Api(demo.store_dir)
    groups = api.groups("demo", by=["group", "job_type"])
    assert [g["name"] for g in plotted["groups"]] == [g.name for g in groups]
    swatches = page.locator("tr.group .swatch").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert len(swatches) == len(groups)
    screenshot(page, "workspace-with-charts")
    page.get_by_role("button", name="Clear").click()
    page.wait_for_function(
        "([m, n]) => window.__runfoldCharts[m].groups.length !== n",
        arg=[METRIC, len(groups)],
    )
    assert "nogroup=1" in page.url
    api.close()


SCRIPT = """
import runfold
from pathlib import Path
Path("weights.bin").write_text("w")
run = runfold.init(project="p", id="r1", group="exp", config={"lr": 0.1, "opt": {"name": "adam"}})
for i in range(3):
    print(f"epoch {i}")
    run.log({"loss": 1.0 / (i + 1)})
runfold.save("weights.bin")
run.finish()
"""


def test_run_page_shows_overview_config_summary_files_and_console(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "RUNFOLD_DIR": str(live_server.store_dir),
        "RUNFOLD_CONSOLE": "wrap",
    }
    subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT)], cwd=tmp_path,
                   env=env, check=True, timeout=60)  # fmt: skip
    page.goto(f"{live_server.url}/projects/p/runs/r1")
    page.locator("[data-testid=console]").wait_for()
    assert "finished" in page.locator("[data-testid=run-name]").inner_text()
    config = page.locator("[data-testid=config]").inner_text()
    assert "lr: 0.1" in config and "name: adam" in config
    assert "0.3333" in page.locator("[data-testid=summary]").inner_text()
    assert page.locator("[data-testid=files] a").inner_text() == "weights.bin"
    assert page.locator("[data-testid=console]").inner_text().splitlines() == [
        "epoch 0", "epoch 1", "epoch 2"
    ]  # fmt: skip
    page.locator("[data-testid=console-search]").fill("epoch 1")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=console]').innerText === 'epoch 1'"
    )
    assert page.locator("[data-testid=console-count]").inner_text() == "1 of 3 lines"
    href = page.locator("[data-testid=overview] a").get_attribute("href")
    assert href == "/projects/p/groups/exp"
    screenshot(page, "run-page")
