"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser).

Without /usr/bin/chromium (``apt-get install chromium``) they skip, unless
RUNFOLD_REQUIRE_BROWSER=1 (CI) makes that a failure. Pages are screenshotted into
test-artifacts/ so a person can look at them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REQUIRE_BROWSER = os.environ.get("RUNFOLD_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Debian's chromium is not installed: apt-get install chromium"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def served(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The live server, with ``runfold.init()`` in this test writing to its store
    (silently): a test logs its runs through the SDK, then opens the page."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    monkeypatch.setenv("RUNFOLD_SILENT", "1")
    return live_server


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh 1280×800 page that fails the test on any console error.

    It asks for ``live_server`` so that it is closed before the server stops: a
    request still in flight when the server goes would log a refused connection."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"the page logged errors: {errors}"


# Charts draw as they come near the viewport: bring each one into view, and wait
# until every chart with numbers has drawn them, before a full-page picture.
DRAW_EVERY_CHART = """async () => {
  for (const panel of document.querySelectorAll("[data-testid=chart-panel]")) {
    panel.scrollIntoView({ block: "center" });
    const m = panel.dataset.metric;
    for (let i = 0; i < 100; i++) {
      const c = (window.__runfoldCharts || {})[m];
      if (!c || c.painted || !panel.querySelector(".rf-chart")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  window.scrollTo(0, 0);
}"""


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate(DRAW_EVERY_CHART)
    page.screenshot(path=str(path), full_page=True)
    return path
