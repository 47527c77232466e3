"""The compare page (/projects/<p>/compare?run=…|group=…) in a real browser over a
real server, on runs made through the SDK: config and summary diffs, the
parallel-coordinates plot, overlaid charts, and the empty and bad states."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

import runfold
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
RUNS = [  # name, group, config, final (loss, acc)
    ("alpha", "exp-a", {"lr": 1e-4, "batch": 32, "arch": "resnet", "seed": 1,
                        "opt": {"name": "adam", "beta": 0.9}}, (0.50, 0.71)),
    ("beta", "exp-a", {"lr": 1e-4, "batch": 32, "arch": "resnet", "seed": 2,
                       "opt": {"name": "adam", "beta": 0.9}}, (0.40, 0.74)),
    ("gamma", "exp-a", {"lr": 1e-4, "batch": 32, "arch": "resnet", "seed": 3,
                        "opt": {"name": "adam", "beta": 0.9}}, (0.45, 0.73)),
    ("delta", "exp-b", {"lr": 1e-2, "batch": 64, "arch": "resnet", "seed": 1,
                        "opt": {"name": "sgd", "beta": 0.9}}, (0.30, 0.80)),
    ("epsilon", "exp-b", {"lr": 1e-2, "batch": 64, "arch": "resnet", "seed": 2,
                          "opt": {"name": "sgd", "beta": 0.9}}, (0.35, 0.78)),
    ("zeta", "exp-b", {"lr": 1e-1, "batch": 64, "arch": "resnet", "seed": 3,
                       "opt": {"name": "sgd", "beta": 0.9}}, (0.90, 0.62)),
]  # fmt: skip


@pytest.fixture
def store(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Six runs in two groups, logged through the SDK; yields (server, api, ids)."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    ids = {}
    for name, group, config, (loss, acc) in RUNS:
        run = runfold.init(
            project="cmp", name=name, group=group, config=config, reinit=True
        )
        for step in range(5):
            run.log(
                {
                    "train/loss": loss + (4 - step) * 0.1,
                    "eval/acc": acc - (4 - step) * 0.01,
                }
            )
        run.finish()
        ids[name] = run.id
    api = runfold.Api(live_server.store_dir)
    yield live_server, api, ids
    api.close()


def _flat(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{path}."))
        else:
            out[path] = value
    return out


def _open(page: Any, server: LiveServer, **params: Any) -> None:
    page.goto(f"{server.url}/projects/cmp/compare?{urlencode(params, doseq=True)}")


def _pc(page: Any) -> Any:
    page.wait_for_function(
        "() => window.__runfoldParcoords && window.__runfoldParcoords.lines.length"
    )
    return page.evaluate("() => JSON.parse(JSON.stringify(window.__runfoldParcoords))")


def _drawn_ys(page: Any) -> dict[str, list[float]]:
    """Vertex y positions of each drawn polyline, read from the SVG itself."""
    ys = {}
    for line in page.locator("svg.pc .pc-lines polyline").all():
        points = line.get_attribute("points").split()
        ys[line.get_attribute("data-id")] = [float(p.split(",")[1]) for p in points]
    return ys


def _assert_axes_order_values(pc: Any, ys: dict[str, list[float]]) -> None:
    """On every axis a higher value (or later category) is drawn higher (smaller y)."""
    for a, axis in enumerate(pc["axes"]):
        ranked = []
        for line in pc["lines"]:
            value = line["values"][a]
            if value is None:
                continue
            rank = (
                axis["categories"].index(value) if axis["kind"] == "category" else value
            )
            ranked.append((rank, ys[line["id"]][a]))
        ranked.sort()
        for (r1, y1), (r2, y2) in zip(ranked, ranked[1:], strict=False):
            assert y2 <= y1 if r2 > r1 else math.isclose(y1, y2, abs_tol=0.11), (
                axis,
                ranked,
            )
        assert ranked[0][1] > ranked[-1][1] or ranked[0][0] == ranked[-1][0]


def test_compare_runs_diffs_plot_and_charts(page: Any, store: Any) -> None:
    server, api, ids = store
    names = ["alpha", "delta", "zeta"]
    _open(page, server, run=[ids[n] for n in names])
    page.locator("[data-testid=config-diff]").wait_for()

    # header: the three runs in order, each linking to its page
    chips = page.locator("[data-testid=compare-items] li")
    assert [c.get_attribute("data-id") for c in chips.all()] == [ids[n] for n in names]
    assert (
        chips.nth(1).locator("a").get_attribute("href")
        == f"/projects/cmp/runs/{ids['delta']}"
    )
    assert chips.nth(1).locator("a").inner_text() == "delta"

    # config diff: exactly the differing keys highlighted; "only differences" on by default
    flats = [_flat(next(c for n, _, c, _ in RUNS if n == name)) for name in names]
    differing = {k for k in flats[0] if len({repr(f[k]) for f in flats}) > 1}
    assert differing == {"lr", "batch", "seed", "opt.name"}
    rows = page.locator("[data-testid=config-diff] tbody tr")
    assert {r.get_attribute("data-key") for r in rows.all()} == differing
    assert page.locator("[data-testid=only-differences]").is_checked()
    page.locator("[data-testid=only-differences]").uncheck()
    page.wait_for_function("() => location.search.includes('diff=all')")
    highlighted = page.locator("[data-testid=config-diff] tbody tr.differs")
    assert {r.get_attribute("data-key") for r in highlighted.all()} == differing
    assert {r.get_attribute("data-key") for r in rows.all()} == set(flats[0])
    lr = page.locator(
        '[data-testid=config-diff] tr[data-key="lr"] td'
    ).all_inner_texts()
    assert lr == ["0.0001", "0.01", "0.1"]

    # summary diff: the Api's values; best per row (lowest loss, highest acc); deltas
    runs = {r.id: r for r in api.runs("cmp")}
    for key in ("train/loss", "eval/acc"):
        cells = page.locator(f'[data-testid=summary-diff] tr[data-key="{key}"] td')
        values = [float(c.get_attribute("data-value")) for c in cells.all()]
        assert values == [runs[ids[n]].summary[key] for n in names]
        best = [
            i for i in range(3) if "best" in (cells.nth(i).get_attribute("class") or "")
        ]
        pick = min if "loss" in key else max
        assert best == [values.index(pick(values))]
    loss_cells = page.locator('[data-testid=summary-diff] tr[data-key="train/loss"] td')
    assert loss_cells.nth(0).locator(".delta").count() == 0
    delta = (
        runs[ids["zeta"]].summary["train/loss"]
        - runs[ids["alpha"]].summary["train/loss"]
    )
    assert loss_cells.nth(2).locator(".delta").inner_text() == f"+{delta:#.4g}"
    assert "loss" in page.locator("[data-testid=best-rule]").get_attribute("title")

    # parallel coordinates: default axes = varying keys, then the metric; y follows values
    pc = _pc(page)
    assert [a["key"] for a in pc["axes"]] == [
        "batch",
        "lr",
        "opt.name",
        "seed",
        "eval/acc",
    ]
    kinds = {a["key"]: a["kind"] for a in pc["axes"]}
    assert kinds == {"batch": "linear", "lr": "log", "opt.name": "category", "seed": "linear",
                     "eval/acc": "linear"}  # fmt: skip
    assert {line["id"] for line in pc["lines"]} == {ids[n] for n in names}
    for line in pc["lines"]:
        assert line["values"][-1] == runs[line["id"]].summary["eval/acc"]
    _assert_axes_order_values(pc, _drawn_ys(page))

    # the metric selector and axis checkboxes change the plot
    page.select_option("[data-testid=pc-metric]", "train/loss")
    page.wait_for_function("() => window.__runfoldParcoords.metric === 'train/loss'")
    page.locator('[data-testid=pc-axis][value="seed"]').uncheck()
    page.locator('[data-testid=pc-axis][value="arch"]').check()
    page.wait_for_function("() => location.search.includes('metric=train')")
    pc = _pc(page)
    assert [a["key"] for a in pc["axes"]] == [
        "arch",
        "batch",
        "lr",
        "opt.name",
        "train/loss",
    ]
    _assert_axes_order_values(pc, _drawn_ys(page))

    # the view is in the address: a reload draws the same plot and table
    page.reload()
    pc = _pc(page)
    assert [a["key"] for a in pc["axes"]] == [
        "arch",
        "batch",
        "lr",
        "opt.name",
        "train/loss",
    ]
    assert not page.locator("[data-testid=only-differences]").is_checked()

    # hover a line at one of its vertices: it is highlighted and named
    zeta = next(line for line in pc["lines"] if line["id"] == ids["zeta"])
    box = page.locator("svg.pc").bounding_box()
    x, y = zeta["points"][2]
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = page.locator("[data-testid=pc-tooltip]")
    tip.wait_for()
    assert tip.locator("[data-testid=pc-tip-name]").inner_text() == "zeta"
    assert page.locator("svg.pc.has-hover .pc-hovered").count() == 1

    # overlaid charts: one line per run, in the header's colours
    page.wait_for_function(
        "() => window.__runfoldCharts && window.__runfoldCharts['train/loss']"
    )
    plotted = page.evaluate("() => window.__runfoldCharts['train/loss'].groups")
    colors = {c.get_attribute("data-id"): c.locator(".swatch").evaluate(
        "e => getComputedStyle(e).backgroundColor") for c in chips.all()}  # fmt: skip
    assert {g["key"][0] for g in plotted} == set(colors)  # lines named after runs
    for g in plotted:
        assert (
            page.evaluate(
                "c => { const e = document.createElement('i'); e.style.color = c;"
                " document.body.append(e); const v = getComputedStyle(e).color; e.remove(); return v; }",
                g["color"],
            )
            == colors[g["key"][0]]
        )
    page.mouse.move(0, 0)
    screenshot(page, "compare-runs")

    # remove one: the address and the columns follow, without a reload
    chips.nth(1).locator("[data-testid=compare-remove]").click()
    page.wait_for_function(f"() => !location.search.includes('{ids['delta']}')")
    assert page.locator("[data-testid=compare-items] li").count() == 2
    assert page.locator("[data-testid=config-diff] thead th").count() == 3


def test_compare_groups_shows_the_api_group_numbers(page: Any, store: Any) -> None:
    server, api, ids = store
    _open(page, server, group=["exp-a", "exp-b"])
    page.locator("[data-testid=summary-diff]").wait_for()
    groups = {g.name: g for g in api.groups("cmp", by=["group"])}

    chips = page.locator("[data-testid=compare-items] li")
    assert (
        chips.nth(0).locator("a").get_attribute("href") == "/projects/cmp/groups/exp-a"
    )
    assert "3 runs" in chips.nth(0).inner_text()

    # config: lr is mixed in exp-b, a value in exp-a; seed mixed in both (not a difference)
    page.locator("[data-testid=only-differences]").uncheck()
    rows = {
        r.get_attribute("data-key"): r
        for r in page.locator("[data-testid=config-diff] tbody tr").all()
    }
    assert rows["lr"].locator("td").all_inner_texts() == ["0.0001", "mixed"]
    assert rows["seed"].locator("td").all_inner_texts() == ["mixed", "mixed"]
    highlighted = {
        k for k, r in rows.items() if r.get_attribute("data-differs") == "true"
    }
    assert highlighted == {"lr", "batch", "opt.name"}
    for key in ("lr", "batch", "arch", "seed"):  # the server's shared config agrees
        shown = [
            "mixed" if t == "mixed" else t
            for t in rows[key].locator("td").all_inner_texts()
        ]
        expected = [groups[g].config[key] for g in ("exp-a", "exp-b")]
        assert shown == ["mixed" if v == "mixed" else f"{v:g}" if isinstance(v, float) else str(v)
                         for v in expected]  # fmt: skip

    # summary: mean ± std (n) equal to Api.groups
    for key in ("train/loss", "eval/acc"):
        cells = page.locator(f'[data-testid=summary-diff] tr[data-key="{key}"] td')
        for i, name in enumerate(("exp-a", "exp-b")):
            stats = groups[name].summary[key]
            cell = cells.nth(i)
            assert float(cell.get_attribute("data-value")) == stats["mean"]
            assert float(cell.get_attribute("data-std")) == stats["std"]
            assert int(cell.get_attribute("data-n")) == stats["count"] == 3
            assert f"± {stats['std']:#.4g} (n=3)" in cell.inner_text()

    # the best group per row: lowest mean loss, highest mean accuracy
    for key, pick in (("train/loss", min), ("eval/acc", max)):
        cells = page.locator(f'[data-testid=summary-diff] tr[data-key="{key}"] td')
        means = [groups[g].summary[key]["mean"] for g in ("exp-a", "exp-b")]
        best = [
            i for i in range(2) if "best" in (cells.nth(i).get_attribute("class") or "")
        ]
        assert best == [means.index(pick(means))]

    # parallel coordinates: every member run, coloured by its group
    pc = _pc(page)
    assert len(pc["lines"]) == 6
    assert [a["key"] for a in pc["axes"]][-1] == "eval/acc"
    by_group = {}
    for line in pc["lines"]:
        by_group.setdefault(line["column"], set()).add(line["color"])
    assert {k: len(v) for k, v in by_group.items()} == {"exp-a": 1, "exp-b": 1}
    assert by_group["exp-a"] != by_group["exp-b"]
    _assert_axes_order_values(pc, _drawn_ys(page))

    # overlaid charts: one line per group, mean as the Api computes it
    page.wait_for_function(
        "() => window.__runfoldCharts && window.__runfoldCharts['train/loss']"
    )
    plotted = page.evaluate("() => window.__runfoldCharts['train/loss']")
    assert [g["name"] for g in plotted["groups"]] == ["exp-a", "exp-b"]
    series = {e["name"]: e for e in api.group_series("cmp", "train/loss", by=["group"])}
    for g in plotted["groups"]:
        assert g["line"] == pytest.approx(series[g["name"]]["mean"], rel=1e-12)
    screenshot(page, "compare-groups")


def test_compare_empty_and_unknown_items_say_what_to_do(page: Any, store: Any) -> None:
    server, _, ids = store
    _open(page, server)
    empty = page.locator("[data-testid=compare-empty]")
    empty.wait_for()
    assert "tick two or more runs" in empty.inner_text()
    assert empty.locator("a").get_attribute("href") == "/projects/cmp"

    _open(page, server, run=[ids["alpha"], "nosuch12"])
    missing = page.locator("[data-testid=compare-missing]")
    missing.wait_for()
    assert (
        "nosuch12" in missing.inner_text() and "not in project" in missing.inner_text()
    )
    assert page.locator("[data-testid=compare-items] li").count() == 1
    missing.locator("button").click()
    page.wait_for_function("() => !location.search.includes('nosuch12')")
    assert page.locator("[data-testid=compare-missing]").count() == 0

    _open(page, server, group=["exp-a", "no-such-group"])
    missing.wait_for()
    assert "no-such-group" in missing.inner_text()


def test_compare_hostile_strings_render_as_text(
    page: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    ids = []
    for i in range(2):
        run = runfold.init(
            project="cmp", name=f"{HOSTILE}{i}", group=HOSTILE, reinit=True,
            config={"lr": 0.1 * (i + 1), HOSTILE: HOSTILE + str(i)},
        )  # fmt: skip
        run.log({HOSTILE: 1.0 + i})
        run.finish()
        ids.append(run.id)
    _open(page, live_server, run=ids)
    page.locator("[data-testid=config-diff]").wait_for()
    chips = page.locator("[data-testid=compare-items] li a").all_inner_texts()
    assert chips == [f"{HOSTILE}0", f"{HOSTILE}1"]
    cells = page.locator(f'[data-testid=config-diff] tr[data-key="{HOSTILE}"] td')
    assert cells.all_inner_texts() == [f"{HOSTILE}0", f"{HOSTILE}1"]
    _pc(page)
    assert page.locator("svg.pc .pc-title", has_text="<script>").count() >= 1
    _open(page, live_server, group=[HOSTILE])
    page.locator("[data-testid=summary-diff]").wait_for()
    assert page.locator("[data-testid=compare-items] li a").inner_text() == HOSTILE
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("main script").count() == 0
