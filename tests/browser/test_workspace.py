"""The project workspace (runs table, Group control, URL state) and the group
page, in a real browser over a real server on the demo project."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

import runfold
from runfold.demo import build_demo, planned_runs
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

STEPS = 50


@pytest.fixture
def demo(live_server: LiveServer) -> LiveServer:
    build_demo(live_server.store_dir, "demo", steps=STEPS)
    return live_server


def _api(server: LiveServer) -> runfold.Api:
    return runfold.Api(server.store_dir)


def _shown(value: float) -> str:
    """What the page shows for a number between 1e-3 and 1e4 (toPrecision(4))."""
    return f"{value:#.4g}"


def _group_rows(page: Any) -> dict[str, dict[str, Any]]:
    rows = {}
    for row in page.locator("[data-testid=group-row]").all():
        name = row.locator("td.gname .name").inner_text()
        rows[name] = {
            "count": row.locator("[data-testid=group-count]").inner_text(),
            "row": row,
        }
    return rows


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_default_grouping_matches_the_api_and_survives_reload(
    page: Any, demo: LiveServer
) -> None:
    api = _api(demo)
    expected = api.groups("demo", by=["group", "job_type"])
    # the full runs table (the sidebar expanded: every column)
    page.goto(f"{demo.url}/projects/demo?table=1")
    page.locator("[data-testid=group-row]").first.wait_for()

    rows = _group_rows(page)
    assert set(rows) == {g.name for g in expected}
    for g in expected:
        assert rows[g.name]["count"] == f"{g.count} run{'s' if g.count != 1 else ''}"
    assert rows["cv-resnet18 / fold"]["count"] == "5 runs"
    assert "(none) / sweep" in rows  # runs without a group are a visible group
    chips = page.locator("[data-testid=group-chips] .chip")
    assert [c.get_attribute("data-key") for c in chips.all()] == ["group", "job_type"]

    # a summary column shows the group's mean, as runfold.Api computes it
    cv = next(g for g in expected if g.name == "cv-resnet18 / fold")
    cell = rows["cv-resnet18 / fold"]["row"].locator('td[data-col="summary.train/acc"]')
    assert cell.inner_text() == _shown(cv.summary["train/acc"]["mean"])
    # crashed rolls up above finished, with counts
    lr01 = rows["ddp-lr0.1 / train"]["row"]
    assert lr01.locator(".rollup").inner_text().split() == [
        "crashed",
        "1",
        "finished",
        "4",
    ]
    # shared config or "mixed"
    assert cv_cell(rows, "config.lr") == "0.03"
    assert cv_cell(rows, "config.fold") == "mixed"
    # the group name links to the group page
    link = rows["cv-resnet18 / fold"]["row"].locator("a.name")
    assert link.get_attribute("href") == "/projects/demo/groups/cv-resnet18"
    screenshot(page, "workspace-grouped")

    # expand a group: its five runs appear under it
    rows["cv-resnet18 / fold"]["row"].click()
    members = page.locator("tr.member[data-testid=run-row]")
    members.first.wait_for()
    assert members.count() == 5
    cv_ids = {r.id for r in api.runs("demo", filters={"group": "cv-resnet18"})}
    assert {m.get_attribute("data-id") for m in members.all()} == cv_ids

    # per-column aggregate: min
    page.select_option('[data-testid="agg-summary.train/acc"]', "min")
    cell = _group_rows(page)["cv-resnet18 / fold"]["row"].locator(
        'td[data-col="summary.train/acc"]'
    )
    assert cell.inner_text() == _shown(cv.summary["train/acc"]["min"])
    page.select_option('[data-testid="agg-summary.train/acc"]', "mean_std")
    mean, std = cv.summary["train/acc"]["mean"], cv.summary["train/acc"]["std"]
    assert cell.inner_text() == f"{_shown(mean)} ± {_shown(std)}"

    # sort by a summary column, descending: group rows follow the aggregate
    page.locator('th[data-col="summary.train/acc"]').click()
    page.locator('th[data-col="summary.train/acc"]').click()
    page.wait_for_function(
        "() => location.search.includes('sort=-summary')", timeout=5000
    )
    query = _query(page)
    assert query["sort"] == ["-summary.train/acc"]
    assert query["agg.summary.train/acc"] == ["mean_std"]
    assert json.loads(query["open"][0]) == ["cv-resnet18", "fold"]
    names = [
        n.inner_text() for n in page.locator("[data-testid=group-row] .name").all()
    ]
    means = {g.name: g.summary.get("train/acc", {}).get("mean") for g in expected}
    assert names == sorted(names, key=lambda n: -(means[n] or float("-inf")))

    # a reload reproduces the view
    page.reload()
    page.locator("tr.member[data-testid=run-row]").first.wait_for()
    assert page.locator("tr.member[data-testid=run-row]").count() == 5
    assert (
        page.locator('[data-testid="agg-summary.train/acc"]').input_value()
        == "mean_std"
    )
    after = [
        n.inner_text() for n in page.locator("[data-testid=group-row] .name").all()
    ]
    assert after == names
    api.close()


def cv_cell(rows: dict[str, dict[str, Any]], col: str) -> str:
    return (
        rows["cv-resnet18 / fold"]["row"].locator(f'td[data-col="{col}"]').inner_text()
    )


def test_clear_grouping_then_group_by_config_lr(page: Any, demo: LiveServer) -> None:
    api = _api(demo)
    page.goto(f"{demo.url}/projects/demo")
    page.locator("[data-testid=group-row]").first.wait_for()

    page.click("[data-testid=group-clear]")
    page.locator("tr.single[data-testid=run-row]").first.wait_for()
    assert page.locator("[data-testid=group-row]").count() == 0
    assert page.locator("tr.single").count() == planned_runs(STEPS)
    page.wait_for_function("() => location.search.includes('nogroup=1')", timeout=5000)
    screenshot(page, "workspace-ungrouped")

    # the text filter narrows the runs (name, group and tags)
    page.fill("[data-testid=filter]", "sweep")
    page.wait_for_function(
        "() => document.querySelectorAll('tr.single').length === 4", timeout=5000
    )
    page.wait_for_function("() => location.search.includes('q=sweep')", timeout=5000)
    assert "q=sweep" in page.url
    page.fill("[data-testid=filter]", "")
    page.wait_for_function("() => !location.search.includes('q=')", timeout=5000)

    # reload keeps grouping off
    page.reload()
    page.locator("tr.single[data-testid=run-row]").first.wait_for()
    assert page.locator("[data-testid=group-row]").count() == 0

    page.select_option("[data-testid=group-add]", "config.lr")
    page.locator("[data-testid=group-row]").first.wait_for()
    rows = _group_rows(page)
    expected = api.groups("demo", by=["config.lr"])
    # a group's label names its key: lr=0.03
    assert {n: r["count"] for n, r in rows.items()} == {
        f"lr={g.name}": f"{g.count} run{'s' if g.count != 1 else ''}" for g in expected
    }
    assert rows["lr=0.03"]["count"] == "10 runs"
    page.wait_for_function(
        "() => location.search.includes('by=config.lr')", timeout=5000
    )
    screenshot(page, "workspace-by-lr")

    # "config.* except seed" folds runs that differ only by seed
    page.click("[data-testid=group-except-seed]")
    keys = [c.get_attribute("data-key") for c in page.locator(".chips .chip").all()]
    assert keys and "config.seed" not in keys and "config.lr" in keys
    page.locator("[data-testid=group-row]").first.wait_for()
    by_api = api.groups("demo", by=keys)
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=group-row]').length === {len(by_api)}",
        timeout=5000,
    )
    # removing a chip
    page.click(f'.chips .chip[data-key="{keys[0]}"] button')
    assert keys[0] not in [
        c.get_attribute("data-key") for c in page.locator(".chips .chip").all()
    ]
    api.close()


def test_group_page_shows_its_runs_by_job_type(page: Any, demo: LiveServer) -> None:
    api = _api(demo)
    page.goto(f"{demo.url}/projects/demo")
    # the sidebar's grouping tree links each experiment to its page
    page.locator(
        "[data-testid=group-sidebar] a.name", has_text="ddp-lr0.1 / train"
    ).click()
    page.wait_for_url("**/projects/demo/groups/ddp-lr0.1")
    page.locator("[data-testid=group-row]").first.wait_for()
    rows = _group_rows(page)
    assert {n: r["count"] for n, r in rows.items()} == {
        "train": "5 runs",
        "eval": "1 run",
    }
    assert "crashed 1" in page.locator("[data-testid=group-states]").inner_text()
    config = page.locator("[data-testid=group-config]").inner_text()
    assert "lr\t0.1" in config and "seed\tmixed" in config
    row = api.groups("demo", by=["group"], filters={"group": "ddp-lr0.1"})[0]
    acc = page.locator('[data-testid=group-summary] tr[data-metric="train/acc"] td')
    assert acc.nth(1).inner_text() == _shown(row.summary["train/acc"]["mean"])
    rows["train"]["row"].click()
    rows["eval"]["row"].click()
    members = page.locator("tr.member[data-testid=run-row]")
    members.nth(5).wait_for()
    assert {m.get_attribute("data-id") for m in members.all()} == {
        r.id for r in api.runs("demo", filters={"group": "ddp-lr0.1"})
    }
    screenshot(page, "group-page")
    api.close()


def test_hostile_run_and_group_names_render_as_text(
    page: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    for i in range(2):
        run = runfold.init(
            project="p", name=f"{hostile}{i}", group=hostile, reinit=True,
            config={"lr": 0.1 * (i + 1), "note": hostile + str(i)},
        )  # fmt: skip
        run.log({"train/loss": 1.0 + i})
        run.finish()
    page.goto(f"{live_server.url}/projects/p")
    page.locator("[data-testid=group-row]").first.wait_for()
    assert (
        page.locator("[data-testid=group-row] .name").inner_text()
        == f"{hostile} / (none)"
    )
    page.locator("[data-testid=group-row] button.caret").click()
    page.locator("tr.member td.rname a").nth(1).wait_for()
    names = page.locator("tr.member td.rname a").all_inner_texts()
    assert sorted(names) == [f"{hostile}0", f"{hostile}1"]
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("tbody script").count() == 0
