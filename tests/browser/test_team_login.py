"""The UI on a team server: a visitor without a session gets a login form, logs in
with their name and an API key, sees their team's projects, and can move a run into
a group (a write that needs the CSRF header) and log out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM_ARGS  # noqa: F401  (same browser setup)
from tests.server.test_auth import TeamServer, _write_run

pytestmark = pytest.mark.browser


@pytest.fixture
def team(tmp_path: Path) -> Iterator[TeamServer]:
    server = TeamServer(tmp_path)
    with server.client("alice") as alice:
        _write_run(alice, "alpha", "r1")
    with server.client("bob") as bob:
        _write_run(bob, "speech-only", "s1")
    yield server
    server.stop()


@pytest.fixture
def team_page(browser: Any) -> Iterator[Any]:
    """A page that fails on console errors other than the expected 401 replies."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def on_console(message: Any) -> None:
        if message.type == "error" and "status of 401" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    assert not errors, f"the page logged errors: {errors}"


def test_log_in_see_own_projects_write_and_log_out(
    team_page: Any, team: TeamServer
) -> None:
    page = team_page
    page.goto(f"{team.url}/projects/alpha")
    form = page.locator('form[action="/api/v1/auth/login"]')
    form.wait_for()
    assert "team mode" in page.locator("body").inner_text()

    # a wrong key shows the form again with why
    page.fill("input[name=user]", "alice")
    page.fill("input[name=key]", "rf_" + "x" * 43)
    page.get_by_role("button", name="Log in").click()
    assert "Wrong user or API key" in page.get_by_role("alert").inner_text()

    page.fill("input[name=user]", "alice")
    page.fill("input[name=key]", team.keys["alice"])
    page.get_by_role("button", name="Log in").click()
    page.locator("[data-testid=session]").wait_for()
    assert page.locator("[data-testid=session]").inner_text().startswith("alice")
    page.locator("[data-testid=projects] a", has_text="alpha").wait_for()
    body = page.locator("main").inner_text()
    assert "alpha" in body and "speech-only" not in body

    # a write from the UI carries the CSRF header: move r1 into a new group
    page.goto(f"{team.url}/projects/alpha?nogroup=1")
    page.locator('[data-testid=run-row][data-id="r1"] [data-testid=select]').check()
    page.fill("[data-testid=move-target]", "moved")
    page.locator("[data-testid=move-apply]").click()
    page.locator("[data-testid=move-done]").wait_for()
    with team.client("alice") as alice:
        assert alice.get("/projects/alpha/runs/r1").json()["group"] == "moved"

    # the session ends while the page is open: the next request asks to log in again
    token = next(
        c["value"] for c in page.context.cookies() if c["name"] == "runfold_session"
    )
    team.store.delete_session(token)
    page.select_option("[data-testid=group-add]", "group")
    login = page.locator("[data-testid=login]")
    login.wait_for()
    login.locator("input[name=user]").fill("alice")
    login.locator("input[name=key]").fill(team.keys["alice"])
    login.get_by_role("button", name="Log in").click()
    page.locator("[data-testid=group-row]").first.wait_for()
    assert (
        page.locator("[data-testid=group-row] .name").inner_text().startswith("moved")
    )

    page.get_by_role("button", name="Log out").click()
    page.locator('form[action="/api/v1/auth/login"]').wait_for()
