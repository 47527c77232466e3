"""More of the workspace's panels (issue 20) in a real browser over stores made
through the SDK: parallel coordinates and the run comparer (the API's numbers, the
view's filter, hidden groups and grouping, kept in the layout); a line panel's y range
and "ignore outliers" (in its settings and the address); summary panels that follow
running runs; sections moved by dragging their heading; a grouped media panel's step
kept in the address."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

import runfold
from runfold.errors import RunNotFound
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

P = "more"
STEPS = 20


def _log_runs() -> None:
    """10 runs: lr × (adam × 3 seeds, sgd × 2 seeds); train/loss has a spike at step 7."""
    for lr in (0.01, 0.1):
        for opt in ("adam", "sgd"):
            for seed in range(3 if opt == "adam" else 2):
                run = runfold.init(
                    project=P, group=f"lr{lr}-{opt}", reinit=True,
                    config={"lr": lr, "optimizer": {"name": opt}, "seed": seed, "arch": "mlp"},
                )  # fmt: skip
                for step in range(STEPS):
                    loss = (
                        math.exp(-lr * 10 * step)
                        + 0.01 * seed
                        + (0.2 if opt == "sgd" else 0)
                    )
                    spike = 50.0 if step == 7 else 0.0
                    run.log({"train/loss": loss + spike, "eval/acc": 1 - loss / 3}, step=step)  # fmt: skip
                run.finish()


@pytest.fixture
def server(served: LiveServer) -> Iterator[LiveServer]:
    _log_runs()
    yield served


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _panel_record(page: Any, panel: str, when: str = "true") -> Any:
    page.wait_for_function(
        f"p => {{ const c = (window.__runfoldPanels || {{}})[p]; return !!c && ({when}); }}",
        arg=panel,
    )
    return page.evaluate(
        "p => JSON.parse(JSON.stringify(window.__runfoldPanels[p]))", panel
    )


def _chart(page: Any, panel: str, when: str = "true") -> Any:
    page.wait_for_function(
        f"p => {{ const c = (window.__runfoldCharts || {{}})[p]; return !!c && ({when}); }}",
        arg=panel,
    )
    return page.evaluate(
        "p => { const c = window.__runfoldCharts[p]; "
        "return JSON.parse(JSON.stringify({ ...c, yScale: c.yScale })); }",
        panel,
    )


def _add(page: Any, section: str, kind: str, **choices: str) -> None:
    box = page.locator(f"[data-section='{section}']")
    box.locator("[data-testid=add-panel]").click()
    pop = box.locator(".ws-add .ws-pop-body")
    pop.locator("select[name=type]").select_option(kind)
    for name, value in choices.items():
        pop.locator(f"select[name={name}]").select_option(value)
    pop.locator("[data-testid=add-panel-apply]").click()


def _drawer(page: Any, panel: str) -> Any:
    box = page.locator(f"[data-testid=ws-panel][data-panel-id='{panel}']")
    box.locator("summary", has_text="Advanced").click()
    return box.locator(".rf-drawer")


def _saved(page: Any) -> None:
    page.locator("[data-testid=save-state][data-state=saved]").wait_for()


def _group_colors(page: Any) -> dict[str, str]:
    """Each group's colour as the line charts draw it, by its key."""
    chart = _chart(page, "train/loss", "c.groups.length > 0")
    return {
        json.dumps(g["key"], separators=(",", ":")): g["color"] for g in chart["groups"]
    }


def test_parallel_coordinates_plot_each_run_in_its_groups_colour(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    runs = {r.id: r for r in api.runs(P)}
    page.goto(f"{server.url}/projects/{P}?by=config.lr&by=config.optimizer.name")
    colors = _group_colors(page)
    _add(page, "eval", "parcoords", metric="eval/acc")
    pc = _panel_record(page, "parcoords:panel", "c.lines.length > 0")
    # the axes: the config values that vary, then the metric chosen
    assert pc["axisKeys"] == [
        "config.lr", "config.optimizer.name", "config.seed", "summary.eval/acc",
    ]  # fmt: skip
    assert [a["kind"] for a in pc["axes"]] == ["linear", "category", "linear", "linear"]
    # a line per run, its values the API's, in its group's colour
    assert {line["id"] for line in pc["lines"]} == set(runs)
    for line in pc["lines"]:
        run = runs[line["id"]]
        assert line["values"] == [
            run.config["lr"], run.config["optimizer"]["name"], run.config["seed"],
            run.summary["eval/acc"],
        ]  # fmt: skip
        key = json.dumps(
            [run.config["lr"], run.config["optimizer"]["name"]], separators=(",", ":")
        )
        assert line["color"] == colors[key]
    # on the metric's axis a higher value is drawn higher
    acc = sorted((line["values"][3], line["points"][3][1]) for line in pc["lines"])
    assert all(y1 >= y2 for (_, y1), (_, y2) in zip(acc, acc[1:], strict=False))

    # the drawer picks the axes: seed off, arch on
    drawer = _drawer(page, "parcoords:panel")
    drawer.locator('[data-testid=pc-axis][value="config.seed"]').uncheck()
    drawer.locator('[data-testid=pc-axis][value="config.arch"]').check()
    drawer.locator("[data-testid=drawer-close]").click()
    picked = ["config.arch", "config.lr", "config.optimizer.name", "summary.eval/acc"]
    pc = _panel_record(
        page, "parcoords:panel", f"c.axisKeys.join() === '{','.join(picked)}'"
    )
    assert pc["axisKeys"] == picked

    # the filter and a hidden group: their runs leave the plot
    page.fill("[data-testid=filter]", "config.optimizer.name=adam")
    adam = {r.id for r in api.runs(P, filters={"config.optimizer.name": "adam"})}
    pc = _panel_record(page, "parcoords:panel", f"c.lines.length === {len(adam)}")
    assert {line["id"] for line in pc["lines"]} == adam
    group = page.locator("[data-testid=group-row]", has_text="lr=0.01")
    group.first.locator("[data-testid=eye]").click()
    adam_01 = {"config.optimizer.name": "adam", "config.lr": 0.1}
    kept = {r.id for r in api.runs(P, filters=adam_01)}
    pc = _panel_record(page, "parcoords:panel", f"c.lines.length === {len(kept)}")
    assert {line["id"] for line in pc["lines"]} == kept

    # kept in the layout: a reload draws the same axes
    _saved(page)
    page.reload()
    pc = _panel_record(page, "parcoords:panel", "c.lines.length > 0")
    assert pc["axisKeys"] == picked
    assert {line["id"] for line in pc["lines"]} == kept
    page.locator("[data-panel='parcoords:panel']").scroll_into_view_if_needed()
    screenshot(page, "workspace-parcoords-panel")
    api.close()


def test_the_run_comparer_shows_groups_means_and_runs_side_by_side(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    page.goto(f"{server.url}/projects/{P}?by=config.lr&by=config.optimizer.name")
    _chart(page, "train/loss")
    _add(page, "eval", "comparer", per="group")
    cmp = _panel_record(page, "comparer:panel", "c.columns.length > 0")
    groups = api.groups(P, by=["config.lr", "config.optimizer.name"])
    assert [c["label"] for c in cmp["columns"]] == [
        f"lr={g.key[0]} · optimizer.name={g.key[1]}" for g in groups
    ]
    assert [c["n"] for c in cmp["columns"]] == [g.count for g in groups]
    # only the rows that differ, at first: lr, optimizer.name and the metrics
    assert cmp["only"] is True
    assert [r["key"] for r in cmp["config"]] == ["lr", "optimizer.name"]
    assert all(r["differs"] for r in cmp["config"] + cmp["summary"])
    summary = {r["key"]: r for r in cmp["summary"]}
    assert set(summary) == {"eval/acc", "train/loss"}
    for i, g in enumerate(groups):
        for key in ("eval/acc", "train/loss"):
            cell = summary[key]["cells"][i]
            assert cell["value"] == g.summary[key]["mean"]
            assert cell["std"] == pytest.approx(g.summary[key]["std"], rel=1e-12)
            assert cell["n"] == g.summary[key]["count"]
    rows = page.locator("[data-panel='comparer:panel'] tbody tr[data-key]")
    assert rows.count() == 4
    assert all("differs" in (r.get_attribute("class") or "") for r in rows.all())

    # all rows: seed is mixed in every group (no difference between them), arch the same
    toggle = page.locator("[data-panel='comparer:panel'] [data-testid=comparer-only]")
    toggle.uncheck()
    cmp = _panel_record(page, "comparer:panel", "!c.only")
    config = {r["key"]: r for r in cmp["config"]}
    assert set(config) == {"arch", "lr", "optimizer.name", "seed"}
    assert config["seed"]["values"] == ["(mixed)"] * len(groups)
    assert not config["seed"]["differs"] and not config["arch"]["differs"]
    highlighted = page.locator(
        "[data-panel='comparer:panel'] tbody tr.differs[data-key]"
    )
    assert {r.get_attribute("data-key") for r in highlighted.all()} == {
        "lr", "optimizer.name", "eval/acc", "train/loss",
    }  # fmt: skip

    # a hidden group leaves it; the setting is kept after a reload
    page.locator(
        "[data-testid=group-row]", has_text="lr=0.1 · optimizer.name=sgd"
    ).locator("[data-testid=eye]").click()
    _panel_record(page, "comparer:panel", f"c.columns.length === {len(groups) - 1}")
    _saved(page)
    page.reload()
    cmp = _panel_record(page, "comparer:panel", "c.columns.length > 0")
    assert cmp["only"] is False and len(cmp["columns"]) == len(groups) - 1
    screenshot(page, "workspace-run-comparer")

    # ungrouped: one column per run the filter keeps, each run's own values
    page.goto(
        f"{server.url}/projects/{P}?nogroup=1&q=config.lr%3D0.1%20config.seed%3D0"
    )
    kept = api.runs(P, filters={"config.lr": 0.1, "config.seed": 0})
    cmp = _panel_record(
        page, "comparer:panel", f"c.per === 'run' && c.columns.length === {len(kept)}"
    )
    assert {c["key"] for c in cmp["columns"]} == {r.id for r in kept}
    by_id = {r.id: r for r in kept}
    acc = next(r for r in cmp["summary"] if r["key"] == "eval/acc")
    assert [c["value"] for c in acc["cells"]] == [
        by_id[c["key"]].summary["eval/acc"] for c in cmp["columns"]
    ]
    api.close()


def test_a_line_panels_y_range_and_ignored_outliers_are_kept_in_the_address(
    page: Any, server: LiveServer
) -> None:
    api = runfold.Api(server.store_dir)
    page.goto(f"{server.url}/projects/{P}?by=group")
    chart = _chart(page, "train/loss", "c.painted && c.yScale")
    assert chart["yScale"][1] >= 50  # the spike sets the auto range
    drawer = _drawer(page, "train/loss")
    drawer.locator("input[name=ymin]").fill("0.1")
    drawer.locator("input[name=ymin]").press("Enter")
    drawer.locator("input[name=ymax]").fill("1.5")
    drawer.locator("input[name=ymax]").press("Enter")
    chart = _chart(page, "train/loss", "c.painted && c.yScale && c.yScale[1] === 1.5")
    assert chart["yScale"] == [0.1, 1.5]
    assert chart["settings"]["ymin"] == 0.1 and chart["settings"]["ymax"] == 1.5
    page.wait_for_function("() => location.search.includes('ymax')")
    assert _query(page)["chart.train/loss"] == ["ymin:0.1;ymax:1.5"]
    page.reload()
    chart = _chart(page, "train/loss", "c.painted && c.yScale && c.yScale[1] === 1.5")
    assert chart["yScale"] == [0.1, 1.5]

    # blank is auto again; ignoring outliers scales to the 5th-95th percentile of
    # what is plotted (the API's group means), with every point still drawn
    drawer = _drawer(page, "train/loss")
    assert drawer.locator("input[name=ymin]").input_value() == "0.1"
    drawer.locator("input[name=ymin]").fill("")
    drawer.locator("input[name=ymin]").press("Enter")
    drawer.locator("input[name=ymax]").fill("")
    drawer.locator("input[name=ymax]").press("Enter")
    drawer.locator("input[name=ignoreOutliers]").check()
    page.wait_for_function("() => location.search.includes('outliers')")
    assert _query(page)["chart.train/loss"] == ["outliers:ignore"]
    series = api.group_series(P, "train/loss", by=["group"])
    values = np.concatenate([np.asarray(e["mean"], dtype=float) for e in series])
    lo, hi = np.percentile(values, [5, 95])
    chart = _chart(page, "train/loss", "c.painted && c.yScale && c.yScale[1] < 10")
    assert chart["yScale"] == pytest.approx([lo, hi], rel=1e-9)
    assert max(max(g["line"]) for g in chart["groups"]) > 50  # the spike is still drawn
    # a fixed end and ignored outliers together: the end set wins
    drawer.locator("input[name=ymin]").fill("0")
    drawer.locator("input[name=ymin]").press("Enter")
    chart = _chart(page, "train/loss", "c.painted && c.yScale && c.yScale[0] === 0")
    assert chart["yScale"] == pytest.approx([0, hi], rel=1e-9)
    screenshot(page, "workspace-y-range")
    # small charts (one per group) share the percentiles of all their lines
    page.goto(
        f"{server.url}/projects/{P}?by=group&facet=group&chart.train/loss=outliers:ignore"
    )
    page.wait_for_function(
        "() => { const c = window.__runfoldCharts?.['train/loss']; return c?.facets?.length === 4"
        " && c.facets.every((f) => f && f.painted && f.yScale); }"
    )
    scales = page.evaluate(
        "() => window.__runfoldCharts['train/loss'].facets.map((f) => f.yScale)"
    )
    assert scales == [pytest.approx([lo, hi], rel=1e-9)] * 4
    # "New report from this view" still saves: a report's chart takes the settings
    # reports know (the y range stays with the panel)
    page.click("[data-testid=report-from-view]")
    page.wait_for_url(re.compile(rf"/projects/{P}/reports/[\w-]+\?edit=1$"))
    page.locator("[data-testid=block-editor]").first.wait_for()
    page.click("[data-testid=save-view]")
    page.wait_for_url(re.compile(rf"/projects/{P}/reports/[\w-]+$"))
    api.close()


def _wait_for_summary(server: LiveServer, run_id: str, key: str, value: float) -> None:
    """Until the writer has sent the run's value to the store (it flushes within 1 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        api = runfold.Api(server.store_dir)
        try:
            if api.run(f"live/{run_id}").summary.get(key) == value:
                return
        except RunNotFound:
            pass  # not ingested yet
        finally:
            api.close()
        time.sleep(0.1)
    pytest.fail(f"the run's {key} did not reach {value} in the store within 10 s")


def test_summary_panels_follow_a_running_run(page: Any, served: LiveServer) -> None:
    live_server = served
    done = runfold.init(project="live", group="g", reinit=True)
    done.log({"acc": 0.5})
    done.finish()
    run = runfold.init(project="live", group="g", reinit=True)
    run.log({"acc": 0.1})
    _wait_for_summary(live_server, run.id, "acc", 0.1)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/runs?" in r.url else None)
    page.goto(f"{live_server.url}/projects/live?nogroup=1")
    _chart(page, "acc")
    _add(page, "(rest)", "bar", metric="acc", per="run")
    bars = _panel_record(page, "bar:acc", "c.rows.length === 2")
    assert {r["key"]: r["value"] for r in bars["rows"]}[run.id] == 0.1

    run.log({"acc": 0.7})
    # the next refresh (within 5 s) brings the running run's new summary
    bars = _panel_record(
        page, "bar:acc", f"c.rows.some((r) => r.key === '{run.id}' && r.value === 0.7)"
    )
    api = runfold.Api(live_server.store_dir)
    assert {r["key"]: r["value"] for r in bars["rows"]} == {
        r.id: r.summary["acc"] for r in api.runs("live")
    }
    run.finish()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=group-sidebar] .state-dot.running, "
        "[data-testid=group-sidebar] .state.running')",
        timeout=12_000,
    )
    settled = len(asked)
    time.sleep(6)  # longer than the refresh interval: nothing more is asked
    assert len(asked) == settled
    api.close()


def test_a_section_moves_by_dragging_its_heading(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/projects/{P}")
    page.locator("[data-testid=ws-panel]").first.wait_for()
    titles = lambda: page.locator(  # noqa: E731
        "[data-testid=panel-section] .ws-section-title"
    ).all_inner_texts()
    assert titles() == ["train/", "eval/"]
    head = page.locator("[data-section=eval] [data-testid=section-toggle]")
    target = page.locator("[data-section=train]")
    head.drag_to(target, target_position={"x": 40, "y": 10})
    page.wait_for_function(
        "() => document.querySelector('[data-testid=panel-section]').dataset.section === 'eval'"
    )
    assert titles() == ["eval/", "train/"]
    # the section's title still opens and closes it (a click is no drag)
    page.locator("[data-section=eval] [data-testid=section-toggle]").click()
    page.locator(
        "[data-section=eval] [data-testid=section-toggle][aria-expanded=false]"
    ).wait_for()
    page.locator("[data-section=eval] [data-testid=section-toggle]").click()
    _saved(page)
    page.reload()
    page.locator("[data-testid=ws-panel]").first.wait_for()
    assert titles() == ["eval/", "train/"]
    # the keyboard's way stays: ⋯ → Move down
    page.locator("[data-section=eval] [data-testid=section-menu]").click()
    page.locator("[data-section=eval] .ws-menu").get_by_role(
        "button", name="Move down"
    ).click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=panel-section]').dataset.section === 'train'"
    )
    assert titles() == ["train/", "eval/"]


def test_a_grouped_media_panels_step_is_kept_in_the_address(
    page: Any, served: LiveServer
) -> None:
    live_server = served
    for group in ("a", "b"):
        for _ in range(2):
            run = runfold.init(project="md", group=group, reinit=True)
            for step in range(4):
                pixels = np.full((4, 4, 3), 40 * step, dtype=np.uint8)
                run.log({"examples": runfold.Image(pixels), "acc": step / 4}, step=step)
            run.finish()
    page.goto(f"{live_server.url}/projects/md")
    panel = page.locator("[data-testid=media-group-panel][data-key=examples]")
    panel.locator("[data-testid=media-run] img").first.wait_for()
    assert panel.get_attribute("data-step") == ""  # each run's last value
    slider = panel.locator("[data-testid=media-step]")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('step.examples=1')")
    assert _query(page)["step.examples"] == ["1"]
    page.wait_for_function(
        "() => document.querySelector('[data-testid=media-group-panel]').dataset.step === '1'"
    )
    # a reload (or the link) shows the same step
    page.reload()
    panel.locator("[data-testid=media-run] img").first.wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=media-group-panel]').dataset.step === '1'"
    )
    assert panel.locator("[data-testid=media-step-value]").inner_text() == "1"
    cells = panel.locator("[data-testid=media-run]")
    assert cells.count() == 4
    assert {c.get_attribute("data-step") for c in cells.all()} == {"1"}
