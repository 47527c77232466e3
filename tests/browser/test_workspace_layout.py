"""The workspace's layout (issue 20): panels added, resized, moved, duplicated and
removed, and sections renamed, are kept after a reload; a named view saved by one
user of a team opens with the same panels for another; a reset brings back the
automatic layout. Stores are made through the SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import runfold
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer
from tests.server.test_auth import TeamServer

pytestmark = pytest.mark.browser

P = "lay"


def _log_runs(project: str = P) -> None:
    for group in ("a", "b"):
        for seed in range(2):
            run = runfold.init(
                project=project, group=group, config={"seed": seed}, reinit=True
            )
            for step in range(10):
                run.log({"train/loss": 1 / (step + 1 + seed), "train/acc": step / 10,
                         "eval/acc": step / 12, "lr": 0.1}, step=step)  # fmt: skip
            run.finish()


@pytest.fixture
def server(served: LiveServer) -> Iterator[LiveServer]:
    _log_runs()
    yield served


def _layout(page: Any) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """[(section title, [(panel id, width, height)])] as the page shows them."""
    shown = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=panel-section]')].map((s) => [
          s.querySelector('.ws-section-title').textContent,
          [...s.querySelectorAll('[data-testid=ws-panel]')].map((p) => [p.dataset.panelId, p.dataset.w, p.dataset.h]),
        ])"""
    )
    return [(title, [tuple(p) for p in panels]) for title, panels in shown]


def _saved(page: Any) -> None:
    page.locator("[data-testid=save-state][data-state=saved]").wait_for()


def _drawer(page: Any, panel: str) -> Any:
    box = page.locator(f"[data-testid=ws-panel][data-panel-id='{panel}']")
    box.locator("summary", has_text="Advanced").click()
    return box.locator(".rf-drawer")


def test_an_edited_layout_is_kept_after_a_reload(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/projects/{P}")
    page.locator("[data-testid=ws-panel]").first.wait_for()
    assert _layout(page) == [
        ("train/", [("train/acc", "1", "1"), ("train/loss", "1", "1")]),
        ("eval/", [("eval/acc", "1", "1")]),
        ("Charts", [("lr", "1", "1")]),
    ]
    # move train/acc into eval/ by dragging its handle onto eval/acc's right half
    source = page.locator("[data-panel-id='train/acc'] [data-testid=panel-drag]")
    target = page.locator("[data-panel-id='eval/acc']")
    tbox = target.bounding_box()
    source.drag_to(target, target_position={"x": tbox["width"] * 0.75, "y": 40})
    page.locator("[data-section=eval] [data-panel-id='train/acc']").wait_for()
    # resize from the drawer (the keyboard's way), duplicate, and move the copy
    drawer = _drawer(page, "train/loss")
    drawer.locator("select[name=panel-w]").select_option("2")
    drawer.locator("select[name=panel-h]").select_option("2")
    drawer.locator("[data-testid=panel-duplicate]").click()
    page.locator("[data-panel-id='train/loss#2']").wait_for()
    # the drawer sits beside the panels: the chart it edits is not covered
    panel = page.locator("[data-panel-id='train/loss']").bounding_box()
    side = drawer.bounding_box()
    assert panel["x"] + panel["width"] <= side["x"]
    drawer.locator("[data-testid=drawer-close]").click()
    copy = _drawer(page, "train/loss#2")
    copy.locator("select[name=panel-section]").select_option("eval")
    page.locator("[data-section=eval] [data-panel-id='train/loss#2']").wait_for()
    # remove lr's panel; add a bar chart; rename a section
    _drawer(page, "lr").locator("[data-testid=panel-remove]").click()
    page.locator("[data-section='(rest)'] [data-testid=add-panel]").click()
    pop = page.locator("[data-section='(rest)'] .ws-add .ws-pop-body")
    pop.locator("select[name=type]").select_option("bar")
    pop.locator("select[name=metric]").select_option("train/acc")
    pop.locator("[data-testid=add-panel-apply]").click()
    page.locator("[data-section=train] [data-testid=section-menu]").click()
    menu = page.locator("[data-section=train] .ws-menu .ws-pop-body")
    menu.locator("input[name=section-name]").fill("Training")
    menu.locator("[data-testid=section-rename]").click()
    # resize by the corner: one column wider
    eval_box = page.locator("[data-panel-id='eval/acc']")
    eval_box.scroll_into_view_if_needed()
    corner = eval_box.locator("[data-testid=panel-resize]").bounding_box()
    width = eval_box.bounding_box()["width"]
    page.mouse.move(corner["x"] + 5, corner["y"] + 5)
    page.mouse.down()
    page.mouse.move(corner["x"] + width * 0.9, corner["y"] + 5, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "() => document.querySelector(\"[data-panel-id='eval/acc']\").dataset.w === '2'"
    )
    _saved(page)
    expected = [
        ("Training", [("train/loss", "2", "2")]),
        (
            "eval/",
            [
                ("eval/acc", "2", "1"),
                ("train/acc", "1", "1"),
                ("train/loss#2", "2", "2"),
            ],
        ),
        ("Charts", [("bar:train/acc", "1", "1")]),
    ]
    assert _layout(page) == expected
    screenshot(page, "workspace-edited")

    page.reload()
    page.locator("[data-testid=ws-panel]").first.wait_for()
    assert _layout(page) == expected
    # both train/loss panels draw train/loss
    page.wait_for_function(
        "() => ['train/loss', 'train/loss#2'].every((p) => window.__runfoldCharts?.[p]?.groups?.length)"
    )

    # reset: the automatic layout again, also after a reload
    page.locator("[data-testid=views-menu]").click()
    page.locator("[data-testid=layout-reset]").click()
    page.locator("[data-testid=layout-reset-yes]").click()
    _saved(page)
    page.reload()
    page.locator("[data-testid=ws-panel]").first.wait_for()
    assert _layout(page)[0] == (
        "train/",
        [("train/acc", "1", "1"), ("train/loss", "1", "1")],
    )


def test_the_panel_search_filters_panels_by_metric(
    page: Any, server: LiveServer
) -> None:
    page.goto(f"{server.url}/projects/{P}")
    page.locator("[data-testid=ws-panel]").first.wait_for()
    page.fill("[data-testid=panel-search]", "acc$")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=ws-panel]').length === 2"
    )
    assert [p[0] for s in _layout(page) for p in s[1]] == ["train/acc", "eval/acc"]
    page.fill("[data-testid=panel-search]", "nothing-like-this")
    page.locator("[data-testid=panels-none]").wait_for()


def _login(page: Any, team: TeamServer, user: str) -> None:
    page.goto(f"{team.url}/")
    page.fill("input[name=user]", user)
    page.fill("input[name=key]", team.keys[user])
    page.get_by_role("button", name="Log in").click()
    page.locator("[data-testid=session]").wait_for()


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TeamServer]:
    server = TeamServer(tmp_path / "team")
    server.store.create_user("carol")
    server.store.add_member("vision", "carol")
    server.keys["carol"] = server.store.create_key("carol")[1]
    # alice logs runs from a training script, online, with her key
    monkeypatch.setenv("RUNFOLD_BASE_URL", server.url)
    monkeypatch.setenv("RUNFOLD_API_KEY", server.keys["alice"])
    monkeypatch.setenv("RUNFOLD_MODE", "online")
    monkeypatch.setenv("RUNFOLD_SILENT", "1")
    _log_runs("shared")
    yield server
    server.stop()


def test_a_saved_view_opened_by_another_user_of_the_team_shows_the_same_panels(
    browser: Any, team: TeamServer
) -> None:
    alice = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    _login(alice, team, "alice")
    alice.goto(f"{team.url}/projects/shared?by=group")
    alice.locator("[data-testid=ws-panel]").first.wait_for()
    _drawer(alice, "train/acc").locator("select[name=panel-w]").select_option("3")
    _drawer(alice, "eval/acc").locator("[data-testid=panel-remove]").click()
    _saved(alice)
    panels = _layout(alice)
    alice.locator("[data-testid=views-menu]").click()
    alice.fill("[data-testid=view-name]", "Alice's <b>view</b>")
    alice.locator("[data-testid=view-save-as]").click()
    alice.wait_for_url("**view=*")
    alice.locator("[data-testid=ws-panel]").first.wait_for()
    assert _layout(alice) == panels
    link = alice.url

    carol = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    _login(carol, team, "carol")
    # carol's own workspace is the automatic one: alice's edits were hers
    carol.goto(f"{team.url}/projects/shared")
    carol.locator("[data-testid=ws-panel]").first.wait_for()
    assert _layout(carol) != panels
    # the view, from the menu: alice's panels, grouping and name (as text)
    carol.locator("[data-testid=views-menu]").click()
    carol.locator("[data-testid=view-link]", has_text="Alice's <b>view</b>").click()
    carol.wait_for_url("**view=*")
    carol.locator("[data-testid=ws-panel]").first.wait_for()
    assert _layout(carol) == panels
    assert (
        carol.locator("[data-testid=views-menu]")
        .inner_text()
        .startswith("View: Alice's <b>view</b>")
    )
    assert "by=group" in carol.url and carol.url.split("?")[1] == link.split("?")[1]
    screenshot(carol, "workspace-shared-view")
    for page in (alice, carol):
        page.context.close()
