"""The runs table's tools in a real browser: filter expressions, the column picker,
eye toggles (what the charts draw), selecting runs to move them into a group or
compare them, and sorting from the keyboard."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

import runfold
from runfold.demo import build_demo
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

STEPS = 30


@pytest.fixture
def demo(live_server: LiveServer) -> LiveServer:
    build_demo(live_server.store_dir, "demo", steps=STEPS)
    return live_server


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _ids(page: Any, selector: str = "[data-testid=run-row]") -> set[str]:
    return {r.get_attribute("data-id") for r in page.locator(selector).all()}


def _group_counts(page: Any) -> dict[str, str]:
    return {
        row.locator("td.gname .name").inner_text(): row.locator(
            "[data-testid=group-count]"
        ).inner_text()
        for row in page.locator("[data-testid=group-row]").all()
    }


def _chart(page: Any, metric: str) -> dict[str, Any]:
    return page.evaluate("(m) => window.__runfoldCharts[m]", metric)


def test_filter_expressions_pick_the_runs_the_api_picks(
    page: Any, demo: LiveServer
) -> None:
    api = runfold.Api(demo.store_dir)
    page.goto(f"{demo.url}/projects/demo?nogroup=1")
    page.locator("[data-testid=run-row]").first.wait_for()

    page.fill("[data-testid=filter]", "config.lr > 0.02 state=finished")
    expected = {
        r.id
        for r in api.runs(
            "demo", filters={"config.lr": {"$gt": 0.02}, "state": "finished"}
        )
    }
    page.wait_for_function(
        "(n) => document.querySelectorAll('[data-testid=run-row]').length === n",
        arg=len(expected),
    )
    assert _ids(page) == expected
    assert _query(page)["q"] == ["config.lr > 0.02 state=finished"]

    # words and expressions together; a regex on the name
    page.fill("[data-testid=filter]", "ddp summary.train/acc>=0.5 name~rank-?[0-9]")
    page.wait_for_timeout(300)
    shown = _ids(page)
    for run in api.runs("demo"):
        acc = run.summary.get("train/acc")
        match = (
            ("ddp" in (run.group or "") or "ddp" in run.name)
            and acc is not None
            and acc >= 0.5
        )
        match = match and re.search("rank-?[0-9]", run.name, re.I) is not None
        assert (run.id in shown) == match, run.name

    # grouped, the group rows hold only matching runs, counted by the server
    page.fill("[data-testid=filter]", "job_type=eval")
    page.locator("[data-testid=group-clear]").wait_for()
    page.goto(f"{demo.url}/projects/demo?q=job_type%3Deval")
    page.locator("[data-testid=group-row]").first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=group-row] .name')]"
        ".every((n) => n.textContent.endsWith('/ eval'))"
    )
    groups = api.groups("demo", by=["group", "job_type"], filters={"job_type": "eval"})
    assert _group_counts(page) == {
        g.name: f"{g.count} run{'s' if g.count != 1 else ''}" for g in groups
    }

    # a mistake says what to fix, and the table stays as it was
    page.fill("[data-testid=filter]", "colour=red")
    error = page.locator("[data-testid=filter-error]")
    error.wait_for()
    assert "Unknown field “colour”" in error.inner_text()
    assert "config.<path>" in error.inner_text()
    api.close()


def test_column_picker_chooses_columns_and_the_address_keeps_them(
    page: Any, demo: LiveServer
) -> None:
    page.goto(f"{demo.url}/projects/demo?table=1")  # the full table has the columns
    page.locator("[data-testid=group-row]").first.wait_for()
    headers = lambda: [  # noqa: E731
        h.get_attribute("data-col")
        for h in page.locator("table.runs thead tr").first.locator("th[data-col]").all()
    ]
    before = headers()
    # defaults: the config keys that vary, then the summary keys that exist
    assert "config.lr" in before and "summary.train/acc" in before
    assert "config.model" in before  # resnet18 vs mlp
    assert "config.k" not in before  # only the CV runs have it, all 5

    page.locator("[data-testid=column-picker] summary").click()
    page.locator('[data-testid=column-picker] input[data-col="config.lr"]').uncheck()
    page.locator('[data-testid=column-picker] input[data-col="config.k"]').check()
    page.wait_for_function("() => location.search.includes('cols=')")
    after = headers()
    assert "config.lr" not in after and "config.k" in after
    cv = page.locator("[data-testid=group-row]", has_text="cv-resnet18")
    assert cv.locator('td[data-col="config.k"]').inner_text() == "5"

    page.reload()
    page.locator("[data-testid=group-row]").first.wait_for()
    assert headers() == after
    # "None" leaves the fixed columns only
    page.locator("[data-testid=column-picker] summary").click()
    page.get_by_role("button", name="None", exact=True).click()
    assert headers() == ["name", "state", "group", "job_type", "created_at", "runtime"]


def test_eye_toggles_hide_groups_and_runs_from_the_charts(
    page: Any, demo: LiveServer
) -> None:
    api = runfold.Api(demo.store_dir)
    page.goto(f"{demo.url}/projects/demo")
    page.wait_for_function(
        "() => window.__runfoldCharts?.['train/loss']?.groups?.length > 0"
    )
    names = [g["name"] for g in _chart(page, "train/loss")["groups"]]
    assert "cv-resnet18 / fold" in names

    cv = page.locator("[data-testid=group-row]", has_text="cv-resnet18")
    cv.locator("[data-testid=eye]").click()
    page.wait_for_function(
        "() => !window.__runfoldCharts['train/loss'].groups.some((g) => g.name === 'cv-resnet18 / fold')"
    )
    assert json.loads(_query(page)["hide"][0]) == ["cv-resnet18", "fold"]
    assert cv.get_attribute("class").split().count("hidden-line") == 1

    # a member run hidden: its group's line is the mean of the other runs
    group = "ddp-lr0.03 / train"
    row = page.locator("[data-testid=group-row]", has_text=group)
    row.locator("button.caret").click()
    member = page.locator("tr.member[data-testid=run-row]").first
    member_id = member.get_attribute("data-id")
    member.locator("[data-testid=eye]").click()
    rest = [
        r.id
        for r in api.runs("demo", filters={"group": "ddp-lr0.03", "job_type": "train"})
        if r.id != member_id
    ]
    want = api.group_series(
        "demo", "train/loss", by=["group", "job_type"], filters={"id": {"$in": rest}}
    )[0]
    page.wait_for_function(
        "([name, n]) => window.__runfoldCharts['train/loss'].groups"
        ".some((g) => g.name === name && g.n[0] === n)",
        arg=[group, len(rest)],
    )
    drawn = next(g for g in _chart(page, "train/loss")["groups"] if g["name"] == group)
    assert drawn["line"][: len(want["mean"])] == pytest.approx(want["mean"])

    # a reload keeps both hidden
    page.reload()
    page.wait_for_function(
        "() => window.__runfoldCharts?.['train/loss']?.groups?.length > 0"
    )
    page.wait_for_timeout(300)
    after = {g["name"]: g for g in _chart(page, "train/loss")["groups"]}
    assert "cv-resnet18 / fold" not in after
    assert after[group]["n"][0] == len(rest)
    screenshot(page, "workspace-hidden")
    api.close()


def test_select_runs_and_move_them_into_a_new_group(
    page: Any, demo: LiveServer
) -> None:
    api = runfold.Api(demo.store_dir)
    sweep = sorted(r.id for r in api.runs("demo", filters={"job_type": "sweep"}))
    page.goto(f"{demo.url}/projects/demo?nogroup=1&table=1")
    page.locator("[data-testid=run-row]").first.wait_for()
    for run_id in sweep[:2]:
        page.locator(
            f'[data-testid=run-row][data-id="{run_id}"] [data-testid=select]'
        ).check()
    assert page.locator("[data-testid=selected-count]").inner_text() == "2 selected"
    href = page.locator("[data-testid=compare-runs]").get_attribute("href")
    assert parse_qs(urlparse(href).query)["run"] == sweep[:2]

    page.fill("[data-testid=move-target]", "sweep-best <b>")
    page.locator("[data-testid=move-apply]").click()
    done = page.locator("[data-testid=move-done]")
    done.wait_for()
    assert done.inner_text() == "Moved 2 runs to “sweep-best <b>”."
    moved = {r.id for r in api.runs("demo", filters={"group": "sweep-best <b>"})}
    assert moved == set(sweep[:2])
    # the table shows the new group (its name as text, not markup)
    page.wait_for_function(
        "(ids) => ids.every((id) => document.querySelector(`[data-testid=run-row][data-id='${id}']`)"
        "?.children[3].textContent === 'sweep-best <b>')",
        arg=sweep[:2],
    )
    assert page.locator("tbody b").count() == 0

    # grouped by group: the new group is a row with two runs
    page.goto(f"{demo.url}/projects/demo?by=group&table=1")
    page.locator("[data-testid=group-row]").first.wait_for()
    assert _group_counts(page)["sweep-best <b>"] == "2 runs"
    api.close()


def test_sorting_and_toggles_work_from_the_keyboard(
    page: Any, demo: LiveServer
) -> None:
    page.goto(f"{demo.url}/projects/demo?nogroup=1")
    page.locator("[data-testid=run-row]").first.wait_for()
    page.locator('th[data-col="name"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('sort=name')")
    names = [
        a.inner_text() for a in page.locator("[data-testid=run-row] td.rname a").all()
    ]
    assert names == sorted(names, key=lambda s: s.lower()) or names == sorted(names)
    eye = page.locator("[data-testid=run-row] [data-testid=eye]").first
    eye.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('hide=')")
    assert eye.get_attribute("aria-pressed") == "false"
