"""The projects page, in a real browser over a real server."""

from __future__ import annotations

from typing import Any

import pytest

import runfold
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    for group in ("a", "b", "b"):
        run = runfold.init(project="vision<script>", group=group, reinit=True)
        run.log({"loss": 1.0})
        run.finish()
    return live_server


def test_projects_page_lists_projects_with_counts(
    page: Any, seeded: LiveServer
) -> None:
    page.goto(f"{seeded.url}/")
    row = page.locator("[data-testid=projects] tbody tr")
    row.first.wait_for()
    assert row.count() == 1
    cells = row.first.locator("td").all_inner_texts()
    assert cells[:3] == ["vision<script>", "3", "2"]  # shown as text, not markup
    assert (
        row.first.locator("a").get_attribute("href") == "/projects/vision%3Cscript%3E"
    )
    assert page.locator("p.loading").count() == 0
    screenshot(page, "projects")


def test_projects_page_without_runs_shows_how_to_start(
    page: Any, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/")
    page.locator("[data-testid=empty]").wait_for()
    assert "runfold.init(project=" in page.locator("pre.snippet").inner_text()
