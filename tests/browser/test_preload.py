"""The UI's page names its page's modules up front (``server/preload.py``): every
module the browser loads for a page is in the page's modulepreload links, so none
waits for the module that imports it (issue 20: the workspace's modules arrived
level by level, ~1.3 s on an empty cache)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

import runfold
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

P = "preload"


@pytest.fixture
def server(served: LiveServer) -> Iterator[LiveServer]:
    for i in range(3):
        run = runfold.init(project=P, group=f"g{i % 2}", reinit=True)
        for step in range(3):
            run.log({"train/loss": 1.0 / (i + step + 1)})
        run.finish()
    yield served


def _modules_loaded(page: Any, url: str) -> tuple[list[str], list[str]]:
    """(the modules the page preloads, the modules the browser fetched)."""
    fetched: list[str] = []
    page.on(
        "request",
        lambda r: (
            fetched.append(urlparse(r.url).path)
            if urlparse(r.url).path.endswith((".js", ".mjs"))
            else None
        ),
    )
    page.goto(url)
    page.locator("[data-testid=ws-panel]").first.wait_for()
    page.wait_for_load_state("networkidle")
    links = page.eval_on_selector_all(
        "link[rel=modulepreload]", "els => els.map(e => new URL(e.href).pathname)"
    )
    return links, fetched


def test_the_workspace_preloads_every_module_it_loads(
    page: Any, server: LiveServer
) -> None:
    links, fetched = _modules_loaded(page, f"{server.url}/projects/{P}")
    assert "/static/pages/workspace.js" in links
    assert "/static/vendor/uplot-1.6.32.mjs" in links
    missed = sorted(set(fetched) - set(links))
    assert missed == []
    assert len(fetched) == len(set(fetched))  # each module fetched once
    # what this workspace does not show stays out of its first load: the summary
    # panels, the report draft
    for lazy in (
        "pages/summarypanels.js",
        "pages/panel-parcoords.js",
        "pages/reports.js",
    ):
        assert f"/static/{lazy}" not in links + fetched, lazy
    # a page of its own lists its own modules, not the workspace's
    run_page = page.request.get(f"{server.url}/projects/{P}/groups/g0").text()
    assert '/static/pages/group.js"' in run_page


def test_an_unknown_address_gets_the_page_without_preloads(
    page: Any, server: LiveServer
) -> None:
    response = page.request.get(
        f"{server.url}/no/such/page", headers={"accept": "text/html"}
    )
    assert response.status == 404
    assert "modulepreload" not in response.text()
    assert '<script type="module" src="/static/app.js">' in response.text()
