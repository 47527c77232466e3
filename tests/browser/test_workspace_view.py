"""One view drives the workspace (issue 20): the filter box, the grouping and the
hidden runs change what the sidebar lists and what every panel draws, and the
numbers drawn are runfold.Api's for the runs the view keeps. Legends isolate lines
and hovering a line marks its row. Stores are made through the SDK."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from typing import Any

import pytest

import runfold
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

P = "ws"
STEPS = 30
METRICS = ["train/loss", "train/acc", "eval/acc"]


def _log_runs() -> None:
    """12 runs: lr × (adam × 4 seeds, sgd × 2 seeds); one SGD run at lr 0.1 fails."""
    for lr in (0.01, 0.1):
        for opt in ("adam", "sgd"):
            for seed in range(4 if opt == "adam" else 2):
                run = runfold.init(
                    project=P, group=f"lr{lr}-{opt}", job_type="train", reinit=True,
                    config={"lr": lr, "optimizer": opt, "seed": seed},
                )  # fmt: skip
                for step in range(STEPS):
                    loss = (
                        math.exp(-lr * step)
                        + 0.01 * seed
                        + (0.2 if opt == "sgd" else 0)
                    )
                    run.log({"train/loss": loss, "train/acc": 1 - loss / 2,
                             "eval/acc": 1 - loss / 3}, step=step)  # fmt: skip
                failed = opt == "sgd" and lr == 0.1 and seed == 1
                run.finish(exit_code=1 if failed else 0)


@pytest.fixture
def server(served: LiveServer) -> Iterator[LiveServer]:
    _log_runs()
    yield served


def _chart(page: Any, panel: str, when: str = "true") -> Any:
    page.wait_for_function(
        f"p => {{ const c = (window.__runfoldCharts || {{}})[p]; return !!c && ({when}); }}",
        arg=panel,
    )
    return page.evaluate(
        "p => JSON.parse(JSON.stringify(window.__runfoldCharts[p]))", panel
    )


def _assert_plotted(plotted: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    """Each line drawn is the API's mean at its x values, group by group."""
    assert [g["name"] for g in plotted["groups"]] == [e["name"] for e in expected]
    at = {x: j for j, x in enumerate(plotted["x"])}
    for group, entry in zip(plotted["groups"], expected, strict=True):
        line = [group["line"][at[x]] for x in entry["x"]]
        assert line == pytest.approx(entry["mean"], rel=1e-12)
        assert [group["n"][at[x]] for x in entry["x"]] == entry["count"]


def test_the_filter_changes_what_every_panel_draws(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    page.goto(f"{server.url}/projects/{P}")
    before = _chart(page, "train/loss", "c.groups.length === 4")
    assert len(before["groups"]) == 4

    # the example: state=failed leaves one run, in one group, in every panel
    page.fill("[data-testid=filter]", "state=failed")
    for metric in METRICS:
        plotted = _chart(page, metric, "c.groups.length === 1")
        expected = api.group_series(
            P, metric, by=["group", "job_type"], filters={"state": "failed"}
        )
        _assert_plotted(plotted, expected)
    sidebar = page.locator("[data-testid=group-sidebar]")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=group-sidebar] [data-testid=group-row]').length === 1"
    )
    assert sidebar.locator("[data-testid=group-row] .name").all_inner_texts() == [
        "lr0.1-sgd / train"
    ]
    assert (
        sidebar.locator("[data-testid=counts]").inner_text()
        == "1 of 12 runs · 1 groups"
    )
    # the line keeps its colour: the group's colour before the filter
    colours = {g["name"]: g["color"] for g in before["groups"]}
    after = _chart(page, "train/loss")
    assert after["groups"][0]["color"] == colours["lr0.1-sgd / train"]

    # a numeric term, regrouped by a config key: the lines of the runs it keeps
    page.fill("[data-testid=filter]", "config.seed>=1 optimizer")
    page.fill("[data-testid=filter]", "config.seed>=1")
    page.select_option("[data-testid=group-add]", "config.seed")
    page.wait_for_function("() => location.search.includes('by=config.seed')")
    by = ["group", "job_type", "config.seed"]
    filters = {"config.seed": {"$gte": 1}}
    expected = api.group_series(P, "train/acc", by=by, filters=filters)
    plotted = _chart(page, "train/acc", f"c.groups.length === {len(expected)}")
    _assert_plotted(plotted, expected)
    screenshot(page, "workspace-filtered")

    # clearing the filter draws every run again
    page.fill("[data-testid=filter]", "")
    expected = api.group_series(P, "train/acc", by=by)
    plotted = _chart(page, "train/acc", f"c.groups.length === {len(expected)}")
    _assert_plotted(plotted, expected)
    api.close()


def test_the_sidebar_and_the_legends_group_by_the_current_grouping(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    page.goto(f"{server.url}/projects/{P}?by=config.lr&by=config.optimizer")
    sidebar = page.locator("[data-testid=group-sidebar]")
    sidebar.locator("[data-testid=group-row]").first.wait_for()
    groups = api.groups(P, by=["config.lr", "config.optimizer"])
    labels = [
        f"lr={g.key[0]} · optimizer={g.key[1]}" for g in groups
    ]  # lr=0.01 · optimizer=adam
    assert sidebar.locator("[data-testid=group-row] .name").all_inner_texts() == labels
    assert sidebar.locator("[data-testid=group-count]").all_inner_texts() == [
        f"{g.count} runs" for g in groups
    ]
    plotted = _chart(page, "train/loss", f"c.groups.length === {len(groups)}")
    assert [g["label"] for g in plotted["groups"]] == labels
    legend = page.locator("[data-panel='train/loss'] [data-testid=chart-legend]")
    assert legend.locator(".rf-legend-name").all_inner_texts() == labels
    # a group opens to its runs in the sidebar (the tree)
    sidebar.locator("[data-testid=group-row]").first.locator("button.caret").click()
    members = sidebar.locator("tr.member[data-testid=run-row]")
    members.first.wait_for()
    assert members.count() == groups[0].count
    screenshot(page, "workspace-by-lr-optimizer")
    api.close()


def test_legend_isolates_lines_and_hover_marks_the_row(
    page: Any, server: LiveServer
) -> None:
    page.goto(f"{server.url}/projects/{P}?by=config.lr&by=config.optimizer")
    plotted = _chart(page, "train/loss", "c.painted && c.groups.length === 4")
    names = [g["name"] for g in plotted["groups"]]
    legend = page.locator("[data-panel='train/loss'] [data-testid=chart-legend] li")
    legend.nth(1).click()  # only this line
    shown = _chart(page, "train/loss", "c.groups.filter((g) => g.shown).length === 1")
    assert [g["name"] for g in shown["groups"] if g["shown"]] == [names[1]]
    legend.nth(2).click(modifiers=["Shift"])  # and this one
    shown = _chart(page, "train/loss", "c.groups.filter((g) => g.shown).length === 2")
    assert [g["name"] for g in shown["groups"] if g["shown"]] == names[1:3]
    legend.nth(1).click(modifiers=["Shift"])
    legend.nth(2).click()  # the line shown alone: all lines again
    _chart(page, "train/loss", "c.groups.every((g) => g.shown)")
    # other panels are not touched
    assert all(g["shown"] for g in _chart(page, "train/acc")["groups"])

    # hovering a line: the tooltip lists the lines by value with n, and its row is marked
    over = page.locator("[data-panel='train/loss'] .u-over")
    box = over.bounding_box()
    loss = _chart(page, "train/loss")
    top = max(loss["groups"], key=lambda g: g["line"][0])
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    ys = page.evaluate(
        """([p, name]) => { const c = window.__runfoldCharts[p];
          return c.groups.find((g) => g.name === name).line; }""",
        ["train/loss", top["name"]],
    )
    assert ys
    tip = page.locator("[data-panel='train/loss'] [data-testid=chart-tooltip]")
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    tip.wait_for(state="visible")
    values = [float(v.split()[1]) for v in tip.locator(".rf-tip-val").all_inner_texts()]
    assert values == sorted(values, reverse=True)
    assert all(n.startswith("n=") for n in tip.locator(".rf-tip-n").all_inner_texts())
    hot = tip.locator(".rf-tip-hot")
    if hot.count():
        name = hot.get_attribute("data-group")
        row = page.locator("[data-testid=group-row].line-hover")
        row.wait_for()
        assert row.locator(".name").inner_text() == next(
            g["label"] for g in loss["groups"] if g["name"] == name
        )
    # the crosshair is shared: another panel on the same x axis shows it at once
    other = page.locator("[data-panel='train/acc'] .u-cursor-x")
    assert other.evaluate("e => getComputedStyle(e).display") != "none"


def test_hidden_runs_leave_every_panel_and_the_sort_orders_the_bars(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    runs = api.runs(P, filters={"group": "lr0.01-adam"})
    hidden = runs[0].id
    page.goto(f"{server.url}/projects/{P}?nogroup=1")
    row = page.locator(f'[data-testid=run-row][data-id="{hidden}"]')
    row.locator("[data-testid=eye]").click()
    plotted = _chart(
        page, "train/loss", f"!c.groups.some((g) => g.key[0] === '{hidden}')"
    )
    assert len(plotted["groups"]) == 11
    # a bar panel of a summary metric, one bar per run: the hidden run is not there,
    # and the bars follow the table's sort
    page.locator("[data-section=train] [data-testid=add-panel]").click()
    pop = page.locator("[data-section=train] .ws-add .ws-pop-body")
    pop.locator("select[name=type]").select_option("bar")
    pop.locator("select[name=metric]").select_option("train/acc")
    pop.locator("[data-testid=add-panel-apply]").click()
    bars = page.locator("[data-panel='bar:train/acc'] .ws-bar-row")
    bars.first.wait_for()
    assert bars.count() == 11
    page.locator('th[data-col="name"]').click()  # sort by name, as the sidebar does
    page.wait_for_function("() => location.search.includes('sort=name')")
    rows = page.locator("[data-testid=group-sidebar] [data-testid=run-row]")
    order = [i for i in (r.get_attribute("data-id") for r in rows.all()) if i != hidden]
    by_id = {r.id: r for r in api.runs(P)}
    page.wait_for_function(
        "(first) => document.querySelector(\"[data-panel='bar:train/acc'] .ws-bar-row\")"
        ".dataset.key === first",
        arg=order[0],
    )
    keys = [b.get_attribute("data-key") for b in bars.all()]
    assert keys == order
    values = [float(b.get_attribute("data-value")) for b in bars.all()]
    assert values == [by_id[i].summary["train/acc"] for i in order]
    api.close()


def test_each_summary_panel_plots_the_api_numbers(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    page.goto(f"{server.url}/projects/{P}?by=config.lr&by=config.optimizer")
    _chart(page, "train/loss")
    section = page.locator("[data-section=eval]")

    def add(kind: str, **choices: str) -> None:
        section.locator("[data-testid=add-panel]").click()
        pop = section.locator(".ws-add .ws-pop-body")
        pop.locator("select[name=type]").select_option(kind)
        for name, value in choices.items():
            pop.locator(f"select[name={name}]").select_option(value)
        pop.locator("[data-testid=add-panel-apply]").click()

    add("bar", metric="eval/acc", per="group")
    add("scatter", x="config.lr", y="summary.eval/acc", per="run")
    add("scalar", metric="eval/acc")
    page.wait_for_function(
        "() => ['bar:eval/acc', 'scatter:panel', 'scalar:eval/acc']"
        ".every((p) => (window.__runfoldPanels || {})[p])"
    )
    panels = page.evaluate("() => JSON.parse(JSON.stringify(window.__runfoldPanels))")

    groups = api.groups(P, by=["config.lr", "config.optimizer"])
    bar = panels["bar:eval/acc"]
    assert [r["label"] for r in bar["rows"]] == [
        f"lr={g.key[0]} · optimizer={g.key[1]}" for g in groups
    ]
    for row, g in zip(bar["rows"], groups, strict=True):
        stats = g.summary["eval/acc"]
        assert row["value"] == stats["mean"] and row["n"] == stats["count"]
        assert row["hi"] == pytest.approx(stats["mean"] + stats["std"])

    runs = {r.id: r for r in api.runs(P)}
    scatter = panels["scatter:panel"]
    assert len(scatter["points"]) == len(runs)
    for point in scatter["points"]:
        run = runs[point["key"]]
        assert (point["x"], point["y"]) == (run.config["lr"], run.summary["eval/acc"])

    scalar = panels["scalar:eval/acc"]["value"]
    values = [r.summary["eval/acc"] for r in runs.values()]
    assert scalar["mean"] == pytest.approx(statistics.fmean(values), rel=1e-12)
    assert scalar["std"] == pytest.approx(statistics.stdev(values), rel=1e-12)
    assert (scalar["min"], scalar["max"], scalar["n"]) == (
        min(values), max(values), len(values),
    )  # fmt: skip
    page.locator("[data-panel='scalar:eval/acc']").scroll_into_view_if_needed()
    screenshot(page, "workspace-summary-panels")
    api.close()


def test_a_panel_of_its_own_draws_one_line_per_run_under_a_grouped_page(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    page.goto(f"{server.url}/projects/{P}?by=config.lr")
    _chart(page, "train/acc", "c.groups.length === 2")
    box = page.locator("[data-testid=ws-panel][data-panel-id='train/acc']")
    box.locator("summary", has_text="Advanced").click()
    box.locator("select[name=panel-lines]").select_option("runs")
    runs = api.group_series(P, "train/acc", by=[])
    plotted = _chart(page, "train/acc", f"c.groups.length === {len(runs)}")
    _assert_plotted(plotted, runs)
    # the other panels keep the page's grouping
    assert len(_chart(page, "train/loss")["groups"]) == 2
    api.close()
