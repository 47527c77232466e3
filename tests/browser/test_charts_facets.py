"""Facet by and Dash by on the project workspace's charts (DESIGN §2.6, last paragraph):
one small chart per value of a grouping key, a dash per value of another, and colour by
the keys left, the same in the runs table. Runs are made through the public SDK."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

import runfold
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

PROJECT = "facets"
METRIC = "loss"
BY = ["config.optimizer", "config.dataset", "config.lr"]
HOSTILE = "<b>cifar</b>"  # a dataset named like markup: shown as text
OPTIMIZERS = {"adam": 1.0, "sgd": 2.0}
DATASETS = {"mnist": 0.0, HOSTILE: 0.5}
LRS = [0.01, 0.1]
STEPS = 12


@pytest.fixture
def seeded(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, runfold.Api]]:
    """2 optimizers × 2 datasets × 2 learning rates × 2 seeds, and one adam run
    without a dataset (its facet is "(none)"), each logging loss and acc."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    configs = [
        {"optimizer": o, "dataset": d, "lr": lr, "seed": s}
        for o in OPTIMIZERS for d in DATASETS for lr in LRS for s in (0, 1)
    ]  # fmt: skip
    configs.append({"optimizer": "adam", "lr": 0.1, "seed": 0})
    for config in configs:
        base = OPTIMIZERS[config["optimizer"]] + DATASETS.get(config.get("dataset"), 3)
        run = runfold.init(
            project=PROJECT, group=f"{config['optimizer']}-{config.get('dataset')}",
            config=config, reinit=True,
        )  # fmt: skip
        for step in range(STEPS):
            wobble = 0.1 * config["seed"] + config["lr"]
            run.log(
                {
                    METRIC: base / (1 + step) + wobble,
                    "acc": 1 - base / (2 + step) - wobble,
                }
            )
        run.finish()
    api = runfold.Api(live_server.store_dir)
    yield live_server, api
    api.close()


def _open(page: Any, server: LiveServer, **extra: str) -> None:
    query = urlencode({"by": BY, **extra}, doseq=True)
    page.goto(f"{server.url}/projects/{PROJECT}?{query}")
    page.locator("[data-testid=group-row]").first.wait_for()


def _record(page: Any, condition: str = "true") -> Any:
    # The condition goes into the predicate's text: the page's CSP forbids building
    # a function from a string inside it (new Function), which Playwright's own
    # evaluation is not subject to.
    page.wait_for_function(
        "m => { const c = (window.__runfoldCharts || {})[m];"
        f" return !!c && ({condition}); }}",
        arg=METRIC,
    )
    return page.evaluate(
        "m => JSON.parse(JSON.stringify(window.__runfoldCharts[m]))", METRIC
    )


def _faceted(page: Any, facet: str) -> Any:
    return _record(
        page,
        f"c.facetBy === {json.dumps(facet)} && c.painted"
        " && c.facets.every(f => f && f.painted)",
    )


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _rgb(hex_color: str) -> str:
    h = hex_color.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def _row_colors(page: Any) -> dict[str, str]:
    """Each group row's swatch colour, by its key (JSON)."""
    rows = page.locator("tr[data-testid=group-row]").evaluate_all(
        "rows => rows.map(r => [r.dataset.key,"
        " getComputedStyle(r.querySelector('.swatch')).backgroundColor])"
    )
    return dict(rows)


def _key(group: dict[str, Any]) -> str:
    """A group's key as its row's data-key holds it (JSON.stringify)."""
    return json.dumps(group["key"], separators=(",", ":"))


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_facet_and_dash_split_charts_keep_colours_and_survive_reload(
    page: Any, seeded: tuple[LiveServer, runfold.Api]
) -> None:
    server, api = seeded
    entries = api.group_series(PROJECT, METRIC, by=BY)
    datasets = list(dict.fromkeys(e["key"][1] for e in entries))  # API order
    assert datasets == [HOSTILE, "mnist", None]
    _open(page, server)
    _record(page, "c.painted && c.groups")

    controls = page.locator("[data-testid=chart-style]")
    assert controls.locator("[data-testid=facet-by] option").all_inner_texts() == [
        "none",
        *BY,
    ]
    page.select_option("[data-testid=facet-by]", "config.dataset")
    plotted = _faceted(page, "config.dataset")
    assert _query(page)["facet"] == ["config.dataset"]
    assert _query(page)["by"] == BY  # the table's parameters stay

    # One small chart per dataset, in the API's order, titled with the exact value.
    panel = page.locator(f"[data-metric='{METRIC}']")
    cells = panel.locator("[data-testid=facet]")
    assert cells.count() == len(datasets) == len(plotted["facets"])
    titles = [f"config.dataset = {d if d is not None else '(none)'}" for d in datasets]
    assert cells.locator(".rf-facet-title").all_inner_texts() == titles
    assert panel.locator(".rf-facet-title b").count() == 0  # markup stays text
    assert [f["value"] for f in plotted["facets"]] == datasets
    assert page.locator("[data-metric=acc] [data-testid=facet]").count() == len(
        datasets
    )

    # Each small chart plots exactly the API's means of its own groups.
    for facet in plotted["facets"]:
        mine = [e for e in entries if e["key"][1] == facet["value"]]
        assert [g["key"] for g in facet["groups"]] == [list(e["key"]) for e in mine]
        at = {x: j for j, x in enumerate(facet["x"])}
        for entry, group in zip(mine, facet["groups"], strict=True):
            for i, x in enumerate(entry["x"]):
                assert _close(group["line"][at[x]], entry["mean"][i])
                assert group["n"][at[x]] == entry["count"][i]
    # ... on one y range, so the small charts compare
    scales = {tuple(f["yScale"]) for f in plotted["facets"]}
    assert len(scales) == 1
    low, high = scales.pop()
    assert all(
        low <= v <= high
        for f in plotted["facets"]
        for g in f["groups"]
        for v in g["line"] + g["lo"] + g["hi"]
        if v is not None
    )

    # Colour follows the key without the dataset: one colour per (optimizer, lr) in
    # every facet, and it is the colour of each group row's swatch.
    rows = _row_colors(page)
    assert len(rows) == len(entries)
    by_rest: dict[str, set[str]] = {}
    for facet in plotted["facets"]:
        for g in facet["groups"]:
            rest = json.dumps([g["key"][0], g["key"][2]])
            by_rest.setdefault(rest, set()).add(g["color"])
            assert rows[_key(g)] == _rgb(g["color"])
    assert all(len(colors) == 1 for colors in by_rest.values())
    assert len({c for colors in by_rest.values() for c in colors}) == len(by_rest)
    assert page.locator("[data-testid=color-by]").inner_text() == (
        "colour: config.optimizer / config.lr"
    )
    screenshot(page, "charts-facets")

    # The tooltip of a small chart names its own groups only.
    second = cells.nth(1)
    second.scroll_into_view_if_needed()
    box = second.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tip = second.locator("[data-testid=chart-tooltip]")
    tip.wait_for(state="visible")
    shown = set(
        tip.locator(".rf-tip-row").evaluate_all("rs => rs.map(r => r.dataset.group)")
    )
    assert shown and shown <= {e["name"] for e in entries if e["key"][1] == "mnist"}

    # Export gives exactly what that small chart plots.
    with page.expect_download() as info:
        second.locator("button", has_text="JSON").click()
    assert info.value.suggested_filename == "loss  config.dataset = mnist.json"
    exported = json.loads(Path(info.value.path()).read_text())
    assert exported["facet"] == {"key": "config.dataset", "value": "mnist"}
    assert [g["name"] for g in exported["groups"]] == [
        g["name"] for g in plotted["facets"][1]["groups"]
    ]

    # Dash by lr: each learning rate has its own dash, in every small chart and legend.
    page.select_option("[data-testid=dash-by]", "config.lr")
    plotted = _record(
        page,
        "c.facetBy === 'config.dataset' && c.painted"
        " && c.facets.every(f => f && f.painted && f.groups.every(g => g.dash))",
    )
    dash_of: dict[float, set[str]] = {}
    for facet in plotted["facets"]:
        for g in facet["groups"]:
            dash_of.setdefault(g["key"][2], set()).add(g["dash"])
    assert all(len(d) == 1 for d in dash_of.values())
    assert len({d for ds in dash_of.values() for d in ds}) == len(LRS)
    legend = panel.locator("[data-testid=chart-legend] li")
    assert set(legend.evaluate_all("ls => ls.map(l => l.dataset.dash)")) == {
        d for ds in dash_of.values() for d in ds
    }
    assert (
        panel.locator("[data-testid=chart-legend] .rf-dash-sample").count()
        == legend.count()
    )
    # colour still follows the optimizer alone, in the charts and in the table
    rows = _row_colors(page)
    colour_of: dict[str, set[str]] = {}
    for facet in plotted["facets"]:
        for g in facet["groups"]:
            colour_of.setdefault(g["key"][0], set()).add(g["color"])
            assert rows[_key(g)] == _rgb(g["color"])
    assert len(colour_of) == len(OPTIMIZERS)
    assert all(len(c) == 1 for c in colour_of.values())
    query = _query(page)
    assert (query["facet"], query["dash"]) == (["config.dataset"], ["config.lr"])
    screenshot(page, "charts-facets-dash")

    # A reload (the link) reproduces the view.
    page.reload()
    page.locator("[data-testid=group-row]").first.wait_for()
    again = _faceted(page, "config.dataset")
    assert page.locator("[data-testid=facet-by]").input_value() == "config.dataset"
    assert page.locator("[data-testid=dash-by]").input_value() == "config.lr"
    assert [f["value"] for f in again["facets"]] == datasets
    strip = ("at", "data", "size")
    assert [
        [{k: v for k, v in g.items() if k not in strip} for g in f["groups"]]
        for f in again["facets"]
    ] == [
        [{k: v for k, v in g.items() if k not in strip} for g in f["groups"]]
        for f in plotted["facets"]
    ]
    assert _row_colors(page) == rows


def test_a_key_no_longer_grouped_is_dropped_and_facet_off_restores_the_chart(
    page: Any, seeded: tuple[LiveServer, runfold.Api]
) -> None:
    server, api = seeded
    _open(page, server, facet="config.dataset", dash="config.lr")
    _faceted(page, "config.dataset")

    # Ungroup lr: its dash leaves the address and the charts, the facet stays.
    page.click('.chips .chip[data-key="config.lr"] button')
    page.wait_for_function("() => !new URLSearchParams(location.search).has('dash')")
    plotted = _record(
        page,
        "c.facetBy === 'config.dataset' && c.painted && c.facets.every(f => f && f.painted"
        " && f.groups.every(g => g.key.length === 2 && g.dash === null))",
    )
    assert _query(page)["facet"] == ["config.dataset"]
    assert page.locator("[data-testid=dash-by]").input_value() == ""
    # two keys, one a facet: colour is the optimizer's
    for facet in plotted["facets"]:
        colors = {g["key"][0]: g["color"] for g in facet["groups"]}
        assert len(set(colors.values())) == len(colors)

    # Facet off: one chart again, in today's shape and colours (index in API order).
    page.select_option("[data-testid=facet-by]", "")
    flat = _record(page, "!c.facets && c.painted && c.groups.length > 0")
    assert "facet" not in _query(page)
    entries = api.group_series(PROJECT, METRIC, by=BY[:2])
    assert [g["name"] for g in flat["groups"]] == [e["name"] for e in entries]
    panel = page.locator(f"[data-metric='{METRIC}']")
    assert panel.locator("[data-testid=facet]").count() == 0
    assert page.locator("[data-testid=color-by]").count() == 0
    rows = _row_colors(page)
    for g in flat["groups"]:
        assert rows[_key(g)] == _rgb(g["color"])
    assert len({g["color"] for g in flat["groups"]}) == len(flat["groups"])

    # A link whose facet key is not a grouping key opens without it.
    _open(page, server, facet="config.seed")
    _record(page, "!c.facets && c.painted")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('facet')")
    screenshot(page, "charts-facets-off")


def test_group_page_facets_only_its_own_runs(
    page: Any, seeded: tuple[LiveServer, runfold.Api]
) -> None:
    server, api = seeded
    group, by = "adam-mnist", ["job_type", "config.lr"]
    entries = api.group_series(PROJECT, METRIC, by=by, filters={"group": group})
    assert [e["runs"] for e in entries] == [2, 2]  # 2 seeds per learning rate
    query = urlencode({"by": by, "facet": "config.lr"}, doseq=True)
    page.goto(f"{server.url}/projects/{PROJECT}/groups/{group}?{query}")
    plotted = _faceted(page, "config.lr")

    assert [f["value"] for f in plotted["facets"]] == LRS
    for facet, entry in zip(plotted["facets"], entries, strict=True):
        [line] = facet["groups"]  # one group per facet: this group's runs of that lr
        assert line["key"] == list(entry["key"])
        assert len(line["line"]) == len(entry["mean"]) == STEPS
        pairs = zip(line["line"], entry["mean"], strict=True)
        assert all(_close(a, b) for a, b in pairs)
        assert line["n"] == entry["count"] == [2] * STEPS
    screenshot(page, "group-page-facets")
