"""A group page keeps its panel layout across reloads, as the workspace does (issue
20): the layout is saved per group page (the workspace's scope "group:<name>"),
apart from the project's workspace and from the other groups' pages; a reset
brings back the automatic layout. Runs through the SDK, a real server and browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_workspace_layout import P, _drawer, _layout, _log_runs, _saved
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

AUTO = [
    ("train/", [("train/acc", "1", "1"), ("train/loss", "1", "1")]),
    ("eval/", [("eval/acc", "1", "1")]),
    ("Charts", [("lr", "1", "1")]),
]


@pytest.fixture
def server(served: LiveServer) -> Iterator[LiveServer]:
    _log_runs()
    yield served


def _open(page: Any, url: str) -> list[Any]:
    page.goto(url)
    page.locator("[data-testid=ws-panel]").first.wait_for()
    page.locator("[data-testid=save-state][data-state=saved]").wait_for()
    return _layout(page)


def _workspace(server: LiveServer, scope: str | None = None) -> Any:
    params = {"scope": scope} if scope else {}
    url = f"{server.url}/api/v1/projects/{P}/workspace"
    return httpx.get(url, params=params).json()["spec"]


def test_a_group_pages_layout_is_kept_apart_from_the_workspaces(
    page: Any, server: LiveServer
) -> None:
    group_a = f"{server.url}/projects/{P}/groups/a"
    assert _open(page, group_a) == AUTO
    # widen train/loss, make it taller, and remove lr's panel
    drawer = _drawer(page, "train/loss")
    drawer.locator("select[name=panel-w]").select_option("2")
    drawer.locator("select[name=panel-h]").select_option("2")
    drawer.locator("[data-testid=drawer-close]").click()
    _drawer(page, "lr").locator("[data-testid=panel-remove]").click()
    page.locator("[data-panel-id=lr]").wait_for(state="detached")
    _saved(page)
    edited = [
        ("train/", [("train/acc", "1", "1"), ("train/loss", "2", "2")]),
        ("eval/", [("eval/acc", "1", "1")]),
    ]
    assert _layout(page)[:2] == edited

    page.reload()
    assert _open(page, group_a)[:2] == edited
    assert "lr" not in [p for _, panels in _layout(page) for p, _, _ in panels]
    screenshot(page, "group-layout-kept")
    # stored under the group page's scope; the workspace's own is untouched
    stored = _workspace(server, "group:a")["layout"]
    assert stored["removed"] == ["lr"]
    assert _workspace(server) is None
    assert _open(page, f"{server.url}/projects/{P}/groups/b") == AUTO
    assert _open(page, f"{server.url}/projects/{P}") == AUTO

    # an edit of the workspace stays there too
    _drawer(page, "eval/acc").locator("select[name=panel-w]").select_option("3")
    page.locator("[data-panel-id='eval/acc'][data-w='3']").wait_for()
    _saved(page)
    assert _workspace(server)["layout"]["sections"][1]["panels"][0]["w"] == 3
    assert _open(page, f"{server.url}/projects/{P}/groups/b") == AUTO
    assert _open(page, group_a)[:2] == edited

    # reset: the automatic layout again, after a reload too
    page.click("[data-testid=layout-reset]")
    page.click("[data-testid=layout-reset-yes]")
    page.locator("[data-panel-id=lr]").wait_for()
    _saved(page)
    assert _workspace(server, "group:a") is None
    assert _open(page, group_a) == AUTO
    workspace = _open(page, f"{server.url}/projects/{P}")
    assert ("eval/acc", "3", "1") in workspace[1][1]
