"""Reports in the web UI (issue 8): made from the workspace view, edited in place,
read at a stable URL, live while runs run, markdown rendered inert, versions viewed
and restored, and each group page listing its own reports. A real server, runs made
through the SDK, a real browser."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

import runfold
from tests.browser.conftest import screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

PROJECT = "rep"
STEPS = 20
# a 2×2 PNG, to be saved by a run and shown by a file block
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)


def _log_runs(store: Path, tmp: Path) -> dict[str, list[str]]:
    """Two experiments: exp-a (lr 0.1, three seeds) and exp-b (lr 0.01, two seeds)."""
    ids: dict[str, list[str]] = {"exp-a": [], "exp-b": []}
    for group, lr, seeds in (("exp-a", 0.1, 3), ("exp-b", 0.01, 2)):
        for seed in range(seeds):
            run = runfold.init(
                project=PROJECT, settings={"runfold_dir": str(store)}, group=group, job_type="train",
                config={"lr": lr, "seed": seed}, reinit=True,
            )  # fmt: skip
            for step in range(STEPS):
                run.log(
                    {
                        "loss": 2.0 / (1 + step * lr * 10) + seed * 0.01,
                        "acc": step / STEPS,
                    }
                )
            if group == "exp-a" and seed == 0:
                (tmp / "curve.png").write_bytes(PNG)
                run.save(str(tmp / "curve.png"), base_path=str(tmp))
            run.finish()
            ids[group].append(run.id)
    return ids


@pytest.fixture
def runs(live_server: LiveServer, tmp_path: Path) -> dict[str, list[str]]:
    return _log_runs(live_server.store_dir, tmp_path)


def _http(server: LiveServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(
        method, f"{server.url}/api/v1{path}", json=body, timeout=10
    )
    assert response.status_code < 400, response.text
    return response.json()


def _create(
    server: LiveServer, title: str, blocks: list[Any], group: str | None = None
) -> Any:
    body = {"title": title, "group": group, "blocks": blocks}
    return _http(server, "POST", f"/projects/{PROJECT}/reports", body)


def _chart(page: Any, metric: str) -> Any:
    return page.evaluate("(m) => window.__runfoldCharts[m]", metric)


def _blocks(page: Any) -> Any:
    return page.locator("[data-testid=report] > [data-testid=report-block]")


def test_a_report_made_from_the_workspace_view_keeps_every_block(
    page: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    view = "by=group&q=exp&cols=config.lr&cols=summary.loss"
    page.goto(f"{live_server.url}/projects/{PROJECT}?{view}")
    page.locator("[data-testid=charts-slot] [data-testid=chart-panel]").first.wait_for()
    page.wait_for_function(
        "() => window.__runfoldCharts?.loss && window.__runfoldCharts?.acc"
    )
    page.click("[data-testid=report-from-view]")
    page.wait_for_url(re.compile(r"/projects/rep/reports/[\w-]+\?edit=1$"))

    editors = page.locator("[data-testid=block-editor]")
    editors.first.wait_for()
    assert [e.get_attribute("data-type") for e in editors.all()] == [
        "markdown",
        "runs",
        "chart",
    ]
    page.fill("[data-testid=report-title-input]", "Learning-rate study")
    page.fill(
        "[data-testid=markdown-input]",
        "## Findings\n\n**exp-b** (lr 0.01) learns *slower*.",
    )
    preview = page.locator("[data-testid=block-editor] [data-testid=markdown] h2")
    assert preview.inner_text() == "Findings"  # the live preview follows the text
    page.locator(
        "[data-testid=block-preview] [data-testid=chart-panel]"
    ).first.wait_for()
    page.wait_for_timeout(500)
    screenshot(page, "report-editor")
    page.click("[data-testid=save-view]")
    page.wait_for_url(re.compile(r"/projects/rep/reports/[\w-]+$"))
    report_id = page.url.rsplit("/", 1)[1]

    page.reload()
    page.locator("[data-testid=report-title]").wait_for()
    assert (
        page.locator("[data-testid=report-title]").inner_text() == "Learning-rate study"
    )
    blocks = _blocks(page)
    blocks.first.wait_for()
    assert [b.get_attribute("data-type") for b in blocks.all()] == [
        "markdown",
        "runs",
        "chart",
    ]
    assert blocks.nth(0).locator("h2").inner_text() == "Findings"
    assert blocks.nth(0).locator("strong").inner_text() == "exp-b"
    # the runs block: the view's grouping, filter and columns, numbers as the API has them
    rows = blocks.nth(1).locator("[data-testid=report-group-row]")
    rows.first.wait_for()
    assert [r.locator(".rf-gname").inner_text() for r in rows.all()] == [
        "exp-a",
        "exp-b",
    ]
    api = runfold.Api(live_server.store_dir)
    groups = {g.name: g for g in api.groups(PROJECT, by=["group"])}
    cells = [r.locator("td[data-col]").all_inner_texts() for r in rows.all()]
    assert cells[0] == ["0.1", f"{groups['exp-a'].summary['loss']['mean']:#.4g}"]
    assert cells[1] == ["0.01", f"{groups['exp-b'].summary['loss']['mean']:#.4g}"]
    # the chart block: the charts the workspace showed, grouped as it was
    blocks.nth(2).locator("[data-testid=chart-panel]").first.wait_for()
    metrics = [
        p.get_attribute("data-metric")
        for p in blocks.nth(2).locator("[data-testid=chart-panel]").all()
    ]
    assert sorted(metrics) == ["acc", "loss"]
    stored = _http(live_server, "GET", f"/projects/{PROJECT}/reports/{report_id}")
    assert stored["blocks"][1] == {
        "type": "runs", "filters": None, "q": "exp", "by": ["group"],
        "columns": ["config.lr", "summary.loss"],
    }  # fmt: skip
    chart = stored["blocks"][2]
    assert sorted(chart["metrics"]) == ["acc", "loss"] and chart["by"] == ["group"]
    assert chart["settings"]["line"] == "mean" and chart["settings"]["x"] == "_step"
    page.wait_for_function("() => window.__runfoldCharts?.loss?.groups?.length === 2")
    screenshot(page, "report-read")
    api.close()


def test_every_block_type_renders_after_a_reload(
    page: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    api = runfold.Api(live_server.store_dir)
    blocks = [
        {
            "type": "markdown",
            "text": "# Overview\n\n| lr | note |\n|---|---|\n| 0.1 | fast |",
        },
        {"type": "group", "group": "exp-a"},
        {
            "type": "runs",
            "filters": {"group": "exp-b"},
            "q": "",
            "by": [],
            "columns": ["config.seed"],
        },
        {"type": "file", "run": runs["exp-a"][0], "path": "curve.png"},
        {
            "type": "chart",
            "metrics": ["acc"],
            "by": [],
            "filters": {"group": "exp-b"},
            "settings": {},
        },
    ]
    report = _create(live_server, "All blocks", blocks)
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports/{report['id']}")
    page.reload()
    shown = _blocks(page)
    shown.first.wait_for()
    assert [b.get_attribute("data-type") for b in shown.all()] == [
        "markdown", "group", "runs", "file", "chart",
    ]  # fmt: skip
    assert shown.nth(0).locator("table td").all_inner_texts() == ["0.1", "fast"]
    # group summary: exp-a's runs and its aggregated loss
    exp_a = api.groups(PROJECT, by=["group"], filters={"group": "exp-a"})[0]
    summary = shown.nth(1).locator(
        "[data-testid=group-summary] tr[data-metric=loss] td"
    )
    summary.first.wait_for()
    assert summary.nth(1).inner_text() == f"{exp_a.summary['loss']['mean']:#.4g}"
    assert (
        shown.nth(1).locator("[data-testid=group-states] h2").inner_text() == "3 runs"
    )
    # runs table: one row per run of exp-b, with the chosen column
    run_rows = shown.nth(2).locator("[data-testid=report-run-row]")
    run_rows.first.wait_for()
    assert sorted(r.get_attribute("data-id") for r in run_rows.all()) == sorted(
        runs["exp-b"]
    )
    assert sorted(
        shown.nth(2).locator("td[data-col='config.seed']").all_inner_texts()
    ) == ["0", "1"]
    # the run's image, loaded from the server
    img = shown.nth(3).locator("img")
    img.wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-type=file] img')?.naturalWidth === 2"
    )
    # one line per exp-b run
    page.wait_for_function("() => window.__runfoldCharts?.acc?.groups?.length === 2")
    assert sorted(g["key"][0] for g in _chart(page, "acc")["groups"]) == sorted(
        runs["exp-b"]
    )
    api.close()


def test_a_chart_block_plots_exactly_the_group_series(
    page: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    filters = {"config.seed": {"$lt": 2}}
    block = {"type": "chart", "metrics": ["loss"], "by": ["group"], "filters": filters}
    report = _create(live_server, "Loss", [block])
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports/{report['id']}")
    page.wait_for_function("() => window.__runfoldCharts?.loss?.groups?.length === 2")
    drawn = {g["name"]: g for g in _chart(page, "loss")["groups"]}
    api = runfold.Api(live_server.store_dir)
    want = {
        e["name"]: e
        for e in api.group_series(PROJECT, "loss", by=["group"], filters=filters)
    }
    assert set(drawn) == set(want) == {"exp-a", "exp-b"}
    x = _chart(page, "loss")["x"]
    assert x == want["exp-a"]["x"] == list(range(STEPS))
    for name, entry in want.items():
        assert drawn[name]["line"] == pytest.approx(entry["mean"], rel=1e-12)
        assert drawn[name]["lo"] == pytest.approx(entry["min"], rel=1e-12)
        assert drawn[name]["hi"] == pytest.approx(entry["max"], rel=1e-12)
        assert drawn[name]["n"] == entry["count"] == [2] * STEPS
    api.close()


def test_a_chart_block_draws_with_its_own_settings(
    page: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    settings = {
        "line": "median",
        "shading": "std",
        "x": "_step",
        "smoothing": 0,
        "log": True,
        "max": 1,
    }
    block = {
        "type": "chart",
        "metrics": ["loss"],
        "by": ["group"],
        "filters": None,
        "settings": settings,
    }
    report = _create(live_server, "Median loss", [block])
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports/{report['id']}")
    page.wait_for_function("() => window.__runfoldCharts?.loss?.groups?.length > 0")
    chart = _chart(page, "loss")
    api = runfold.Api(live_server.store_dir)
    first = api.group_series(PROJECT, "loss", by=["group"])[0]
    assert chart["settings"]["line"] == "median" and chart["drawnGroups"] == 1
    assert chart["groups"][0]["line"] == pytest.approx(first["median"], rel=1e-12)
    api.close()


def test_a_report_follows_a_running_run(page: Any, live_server: LiveServer) -> None:
    run = runfold.init(
        project=PROJECT,
        settings={"runfold_dir": str(live_server.store_dir)},
        group="live",
        reinit=True,
    )
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1)})
    deadline = (
        time.monotonic() + 10
    )  # the SDK writes in the background: wait for the run
    while (
        httpx.get(
            f"{live_server.url}/api/v1/projects/{PROJECT}/runs/{run.id}"
        ).status_code
        != 200
    ):
        assert time.monotonic() < deadline, "the running run never reached the store"
        time.sleep(0.1)
    block = {
        "type": "chart",
        "metrics": ["loss"],
        "by": ["group"],
        "filters": {"group": "live"},
    }
    report = _create(
        live_server, "Live", [{"type": "markdown", "text": "Watching."}, block]
    )
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports/{report['id']}")
    page.wait_for_function(
        "() => window.__runfoldCharts?.loss?.x?.length === 5", timeout=15_000
    )
    legend = page.locator("[data-metric=loss] [data-testid=chart-legend] li")
    assert "1 running" in legend.inner_text()
    started = time.monotonic()
    for step in range(5, 9):
        run.log({"loss": 1.0 / (step + 1)})
    # no reload: the next poll (every 5 s while a drawn run is running) brings them
    page.wait_for_function(
        "() => window.__runfoldCharts.loss.x.length === 9", timeout=12_000
    )
    assert time.monotonic() - started < 12
    line = _chart(page, "loss")["groups"][0]["line"]
    assert line == pytest.approx([1.0 / (s + 1) for s in range(9)])
    run.finish()


HOSTILE = """# Notes

<script>window.__pwned = "script"</script>

[click me](javascript:window.__pwned='link')

[spaced](java\tscript:window.__pwned='tab')

<img src="data:image/png;base64,AAAA" onerror="window.__pwned='img'">

Inline <a href="#" onclick="window.__pwned='click'">raw link</a> and
<b style="color: red" onmouseover="window.__pwned='hover'">bold</b>.

![pic](javascript:window.__pwned='pic')

<iframe src="javascript:window.__pwned='frame'"></iframe>

[fine](https://example.org/a) and [mail](mailto:a@example.org) and [local](/projects/rep)
"""


def _assert_inert(page: Any, scope: str) -> None:
    found = page.evaluate(
        """(scope) => {
          const root = document.querySelector(scope);
          const all = [...root.querySelectorAll("*")];
          return {
            tags: all.map((e) => e.tagName.toLowerCase()),
            attrs: all.flatMap((e) => [...e.attributes].map((a) => a.name)),
            hrefs: [...root.querySelectorAll("[href]")].map((e) => e.getAttribute("href")),
            srcs: [...root.querySelectorAll("[src]")].map((e) => e.getAttribute("src")),
            text: root.textContent,
            pwned: window.__pwned ?? null,
          };
        }""",
        scope,
    )
    assert found["pwned"] is None
    assert not {"script", "iframe", "style", "object", "embed"} & set(found["tags"])
    assert not [a for a in found["attrs"] if a.startswith("on") or a == "style"]
    assert found["hrefs"] == [
        "https://example.org/a",
        "mailto:a@example.org",
        "/projects/rep",
    ]
    assert found["srcs"] == []
    # raw HTML is shown as the text it is, not interpreted
    assert '<script>window.__pwned = "script"</script>' in found["text"]
    assert "click me" in found["text"]


def test_hostile_markdown_renders_inert(
    page: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    report = _create(live_server, "Hostile", [{"type": "markdown", "text": HOSTILE}])
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports/{report['id']}")
    page.locator("[data-testid=report] [data-testid=markdown] h1").wait_for()
    for link in page.locator("[data-testid=report] [data-testid=markdown] a").all():
        if link.get_attribute("href") in (None, "#"):
            link.click()
    _assert_inert(page, "[data-testid=report] [data-testid=markdown]")
    # the editor's live preview is as inert
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports/{report['id']}?edit=1")
    page.locator("[data-testid=block-preview] [data-testid=markdown] h1").wait_for()
    _assert_inert(page, "[data-testid=block-preview] [data-testid=markdown]")
    assert dialogs == []


def test_versions_are_listed_viewed_and_restored(
    page: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    report = _create(live_server, "First", [{"type": "markdown", "text": "one"}])
    path = f"/projects/{PROJECT}/reports/{report['id']}"
    for version, (title, text) in enumerate(
        (("Second", "two"), ("Third", "three")), start=1
    ):
        body = {
            "title": title,
            "blocks": [{"type": "markdown", "text": text}],
            "base_version": version,
        }
        _http(live_server, "PUT", path, body)
    page.goto(f"{live_server.url}{path}")
    page.locator("[data-testid=versions] summary").click()
    rows = page.locator("[data-testid=version-row]")
    assert [r.get_attribute("data-version") for r in rows.all()] == ["3", "2", "1"]
    assert [r.locator("td").nth(3).inner_text() for r in rows.all()] == [
        "Third",
        "Second",
        "First",
    ]

    rows.nth(2).locator("[data-testid=view-version]").click()
    page.wait_for_url(f"{live_server.url}{path}?version=1")
    banner = page.locator("[data-testid=version-banner]")
    banner.wait_for()
    # the latest version number arrives with the versions list, a moment later
    expect(banner).to_contain_text("the latest is 3")
    assert "version 1" in banner.inner_text()
    assert (
        page.locator("[data-testid=report] [data-testid=markdown]").inner_text()
        == "one"
    )
    assert page.locator("[data-testid=edit-report]").count() == 0  # read only

    page.click("[data-testid=restore-this]")
    page.wait_for_url(f"{live_server.url}{path}")
    page.locator("[data-testid=report-title]").wait_for()
    assert page.locator("[data-testid=report-title]").inner_text() == "First"
    # the restored blocks render a moment after the title: wait for them
    expect(page.locator("[data-testid=report] [data-testid=markdown]")).to_have_text(
        "one"
    )
    assert "version 4" in page.locator("[data-testid=report-meta]").inner_text()

    # restore from the list: version 2 comes back as version 5
    page.locator("[data-testid=versions] summary").click()
    page.locator(
        "[data-testid=version-row][data-version='2'] [data-testid=restore-version]"
    ).click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=report-meta]')?.textContent.includes('version 5')"
    )
    assert (
        page.locator("[data-testid=report] [data-testid=markdown]").inner_text()
        == "two"
    )
    versions = _http(live_server, "GET", f"{path}/versions")["versions"]
    assert [v["version"] for v in versions] == [5, 4, 3, 2, 1]
    assert [v["title"] for v in versions][:2] == ["Second", "First"]


def test_the_editor_adds_moves_and_deletes_blocks_and_keeps_edits_on_a_conflict(
    browser: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    # Its own page: the browser logs the refused save's 409 as a console error, the
    # one error this test expects (the `page` fixture fails on any).
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        _edit_and_conflict(page, live_server)
    finally:
        context.close()
    assert errors == [
        "Failed to load resource: the server responded with a status of 409 (Conflict)"
    ]


def _edit_and_conflict(page: Any, live_server: LiveServer) -> None:
    report = _create(
        live_server, "Draft",
        [{"type": "markdown", "text": "intro"}, {"type": "group", "group": "exp-b"}],
    )  # fmt: skip
    path = f"/projects/{PROJECT}/reports/{report['id']}"
    page.goto(f"{live_server.url}{path}?edit=1")
    editors = page.locator("[data-testid=block-editor]")
    editors.first.wait_for()
    page.click("[data-testid=add-block] button[data-type=chart]")
    chart = editors.nth(2)
    chart.locator("[data-testid=metrics-picker] input[data-metric=acc]").wait_for()
    for box in chart.locator("[data-testid=metrics-picker] input[type=checkbox]").all():
        if box.is_checked():
            box.uncheck()
    chart.locator("input[data-metric=acc]").check()
    fields = chart.locator(
        ".rf-fields"
    )  # (the preview's chart has its own settings menu)
    fields.locator("select[name=line]").select_option("median")
    fields.locator("input[name=by]").fill("group, job_type")
    fields.locator("input[name=filter]").fill("group=")  # the workspace's filter box
    assert "needs a value" in fields.locator("[data-testid=filter-error]").inner_text()
    assert page.locator("[data-testid=editor-problems]").is_visible()
    assert page.locator("[data-testid=save]").is_disabled()
    fields.locator("input[name=filter]").fill("group=exp-a")
    chart.locator("[data-testid=block-up]").click()  # chart moves above the group block
    editors.nth(0).locator("[data-testid=block-delete]").click()  # the intro goes
    assert [e.get_attribute("data-type") for e in editors.all()] == ["chart", "group"]
    page.click("[data-testid=save]")
    page.locator("[data-testid=saved]").wait_for()
    saved = _http(live_server, "GET", path)
    assert saved["version"] == 2
    assert saved["blocks"] == [
        {
            "type": "chart", "metrics": ["acc"], "by": ["group", "job_type"],
            "filters": {"$text": "group=exp-a"},
            "settings": {"line": "median", "shading": "minmax", "x": "_step",
                         "smoothing": 0, "log": False, "max": 20},
        },
        {"type": "group", "group": "exp-b"},
    ]  # fmt: skip

    # someone else saves meanwhile: this save is refused, the edits stay
    other = {"title": "Theirs", "base_version": 2}
    _http(live_server, "PUT", path, other)
    page.fill("[data-testid=report-title-input]", "Mine")
    page.click("[data-testid=save]")
    conflict = page.locator("[data-testid=conflict]")
    conflict.wait_for()
    assert "changed since you opened it" in conflict.inner_text()
    assert page.locator("[data-testid=report-title-input]").input_value() == "Mine"
    assert [e.get_attribute("data-type") for e in editors.all()] == ["chart", "group"]
    assert _http(live_server, "GET", path)["title"] == "Theirs"
    page.click("[data-testid=save-over]")
    page.locator("[data-testid=saved]").wait_for()
    latest = _http(live_server, "GET", path)
    assert latest["version"] == 4 and latest["title"] == "Mine"


def test_the_list_and_each_group_page_show_their_reports(
    page: Any, live_server: LiveServer, runs: dict[str, list[str]]
) -> None:
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports")
    empty = page.locator("[data-testid=reports-empty]")
    empty.wait_for()
    assert "write-up" in empty.inner_text()
    _create(live_server, "About A", [], group="exp-a")
    _create(live_server, "About B", [], group="exp-b")
    _create(live_server, "Whole project", [])
    page.reload()
    rows = page.locator("[data-testid=report-row]")
    rows.first.wait_for()
    titles = [r.locator("td").first.inner_text() for r in rows.all()]
    assert titles == ["Whole project", "About B", "About A"]  # newest first
    assert [r.locator("td").nth(1).inner_text() for r in rows.all()] == [
        "—",
        "exp-b",
        "exp-a",
    ]

    page.goto(f"{live_server.url}/projects/{PROJECT}/groups/exp-a")
    section = page.locator("[data-testid=group-reports]")
    section.locator("[data-testid=report-row]").first.wait_for()
    assert (
        section.locator("[data-testid=report-row] td").first.inner_text() == "About A"
    )
    assert section.locator("[data-testid=report-row]").count() == 1
    # "New report" there makes a report about exp-a, with its summary as a block
    section.locator("[data-testid=new-report]").click()
    page.wait_for_url(re.compile(r"\?edit=1$"))
    page.locator("[data-testid=block-editor][data-type=group]").wait_for()
    assert page.locator("[data-testid=report-group-input]").input_value() == "exp-a"
    page.goto(f"{live_server.url}/projects/{PROJECT}/groups/exp-a")
    section.locator("[data-testid=report-row]").nth(1).wait_for()
    assert section.locator("[data-testid=report-row]").count() == 2
    page.goto(f"{live_server.url}/projects/{PROJECT}/groups/exp-b")
    section.locator("[data-testid=report-row]").first.wait_for()
    assert (
        section.locator("[data-testid=report-row] td").all_inner_texts()[0] == "About B"
    )
    assert section.locator("[data-testid=report-row]").count() == 1

    # deleting from the editor asks once more, then the list no longer has it
    whole = next(
        r for r in _http(live_server, "GET", f"/projects/{PROJECT}/reports")["reports"]
        if r["title"] == "Whole project"
    )  # fmt: skip
    page.goto(f"{live_server.url}/projects/{PROJECT}/reports/{whole['id']}?edit=1")
    page.click("[data-testid=delete-report]")
    page.click("[data-testid=delete-confirm]")
    page.wait_for_url(f"{live_server.url}/projects/{PROJECT}/reports")
    page.locator("[data-testid=report-row]").first.wait_for()
    titles = page.locator("[data-testid=report-row] td:first-child").all_inner_texts()
    assert "Whole project" not in titles and len(titles) == 3
