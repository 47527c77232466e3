"""The run page in a real browser over a real server, for runs made through the SDK:
overview, environment and code (git in a temporary repository with a dirty file),
config, summary, its own charts and system metrics, histograms (heatmap and one step,
against NumPy), console, file downloads, hostile text, empty states and live refresh."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runfold
from runfold.errors import NotFound
from tests.browser.conftest import screenshot
from tests.conftest import NO_CAPTURE, LiveServer

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
STEPS = 12  # histogram steps of "weights/fc1"
BIG = 250  # histogram steps of "grads/big": past the 200 the page asks for
BINS = 16
PAYLOAD = bytes(range(256)) * 5  # a binary file, every byte value

TRAIN = f"""
import time
import numpy as np
import runfold

HOSTILE = {HOSTILE!r}
run = runfold.init(
    project="p", id="r1", name=HOSTILE, group="exp-1", job_type="train",
    tags=["baseline", HOSTILE], notes="notes: " + HOSTILE,
    config={{"lr": 0.01, "label": HOSTILE, "opt": {{"name": "adam", "betas": [0.9, 0.99]}}}},
)
print("starting", HOSTILE)
for step in range({BIG}):
    row = {{"grads/big": runfold.Histogram([step, step + 1, step + 1], num_bins=2)}}
    if step < {STEPS}:
        values = np.random.default_rng(step).normal(loc=step / 4, scale=1 + step / 10, size=500)
        row.update({{"loss": 1.0 / (step + 1), "weights/fc1": runfold.Histogram(values, num_bins={BINS})}})
    run.log(row, step=step)
open("model.bin", "wb").write(bytes(range(256)) * 5)
runfold.save("model.bin")
run.summary["best_acc"] = 0.875
time.sleep(1.5)  # system metrics are sampled every 0.2 s
run.finish()
"""


def _values(step: int) -> np.ndarray:
    rng = np.random.default_rng(step)
    return rng.normal(loc=step / 4, scale=1 + step / 10, size=500)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


@pytest.fixture
def trained(live_server: LiveServer, tmp_path: Path) -> dict[str, Any]:
    """One run of a script in a git repository with an uncommitted change."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "train.py").write_text(TRAIN)
    (repo / "data.txt").write_text("v1\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    (repo / "data.txt").write_text("v2\n")  # dirty
    env = {k: v for k, v in os.environ.items() if k not in NO_CAPTURE}
    env.update(RUNFOLD_DIR=str(live_server.store_dir), RUNFOLD_SYSTEM_SECONDS="0.2",
               RUNFOLD_CONSOLE="wrap")  # fmt: skip
    subprocess.run([sys.executable, "train.py"], cwd=repo, env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    return {
        "repo": repo,
        "commit": _git(repo, "rev-parse", "HEAD").strip(),
        "patch": _git(repo, "diff", "HEAD"),
    }


def _open(page: Any, server: LiveServer, run_id: str = "r1") -> None:
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    page.goto(f"{server.url}/projects/p/runs/{run_id}")
    page.locator("[data-testid=run-name]").wait_for()


def _field(page: Any, card: str, name: str) -> str:
    locator = page.locator(f"[data-testid={card}] tr[data-field='{name}'] td")
    return str(locator.inner_text())


def _heatmap(page: Any, key: str) -> Any:
    page.wait_for_function(
        "k => window.__runfoldHeatmaps && window.__runfoldHeatmaps[k]", arg=key
    )
    return page.evaluate(
        "k => JSON.parse(JSON.stringify(window.__runfoldHeatmaps[k]))", key
    )


def _download(page: Any, selector: str) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).click()
    return Path(info.value.path()).read_bytes()


def test_overview_environment_code_config_and_summary(
    page: Any, live_server: LiveServer, trained: dict[str, Any]
) -> None:
    _open(page, live_server)
    assert page.locator("[data-testid=run-name]").inner_text() == f"{HOSTILE} finished"
    assert _field(page, "overview", "state") == "finished"
    assert _field(page, "overview", "job type") == "train"
    assert _field(page, "overview", "notes") == f"notes: {HOSTILE}"
    tags = page.locator("[data-testid=overview] .rp-tags .chip").all_inner_texts()
    assert tags == ["baseline", HOSTILE]
    link = page.locator("[data-testid=overview] a")
    assert link.inner_text() == "exp-1"
    assert link.get_attribute("href") == "/projects/p/groups/exp-1"
    api = runfold.Api(live_server.store_dir)
    run = api.run("p/r1")
    assert run.runtime >= 1.5
    assert _field(page, "overview", "runtime") == f"{round(run.runtime)} s"

    assert _field(page, "environment", "host") == socket.gethostname()
    assert _field(page, "environment", "Python").startswith(platform.python_version())
    assert f"{os.cpu_count()} cores" in _field(page, "environment", "CPU")
    gpu = _field(page, "environment", "GPU")
    assert gpu == "none detected" or " × " in gpu  # "1 × NVIDIA H100 …" on a GPU host

    assert _field(page, "code", "command").endswith("train.py")
    assert _field(page, "code", "working dir") == str(trained["repo"])
    assert _field(page, "code", "commit") == f"{trained['commit'][:12]} dirty"
    assert _field(page, "code", "branch") == "main"
    assert _download(page, "[data-testid=patch-link]").decode() == trained["patch"]
    assert "+v2" in trained["patch"]
    script = _download(page, "[data-testid=script-link]")
    assert script == (trained["repo"] / "train.py").read_bytes()
    packages = _download(page, "[data-testid=packages-link]").decode()
    assert f"numpy=={np.__version__}" in packages.splitlines()

    config = page.locator("[data-testid=config]")
    assert config.locator("li[data-path='lr'] .val").inner_text() == "0.01"
    assert config.locator("li[data-path='label'] .val").inner_text() == HOSTILE
    assert config.locator("li[data-path='opt.name'] .val").inner_text() == "adam"
    assert config.locator("li[data-path='opt.betas'] .val").inner_text() == "[0.9,0.99]"
    summary = page.locator("[data-testid=summary]")
    assert summary.locator("tr[data-key=best_acc] td").inner_text() == "0.8750"
    assert summary.locator("tr[data-key=loss] td").inner_text() == f"{1 / STEPS:#.4g}"
    assert summary.locator("tr[data-key=loss] td").get_attribute("title") == str(
        run.summary["loss"]
    )
    # hostile text stays text: no element was made from it, no handler ran
    assert page.locator("main img").count() == 0
    assert page.evaluate("() => document.querySelectorAll('[onerror]').length") == 0
    api.close()


def test_files_console_and_downloads(
    page: Any, live_server: LiveServer, trained: dict[str, Any]
) -> None:
    _open(page, live_server)
    rows = page.locator("[data-testid=files] tr")
    paths = [r.get_attribute("data-path") for r in rows.all()]
    assert paths == ["code/train.py", "diff.patch", "model.bin", "requirements.txt"]
    size = page.locator("[data-testid=files] tr[data-path='model.bin'] td.num")
    assert size.inner_text() == "1.3 KB"
    assert size.get_attribute("title") == f"{len(PAYLOAD)} bytes"
    got = _download(page, "[data-testid=files] tr[data-path='model.bin'] a")
    assert got == PAYLOAD

    page.locator("[data-testid=console]").wait_for()
    assert page.locator("[data-testid=console]").inner_text() == f"starting {HOSTILE}"
    page.locator("[data-testid=console-search]").fill("no such line")
    page.get_by_text("No line contains “no such line”.").wait_for()
    assert page.locator("[data-testid=console-count]").inner_text() == "0 of 1 lines"


def test_histograms_heatmap_and_one_step_equal_numpy(
    page: Any, live_server: LiveServer, trained: dict[str, Any]
) -> None:
    _open(page, live_server)
    plotted = _heatmap(page, "weights/fc1")
    assert plotted["steps"] == list(range(STEPS)) and plotted["sampled"] is False
    assert len(plotted["columns"]) == STEPS
    # every step's column is re-binned onto one value range holding every step
    edges = [np.histogram(_values(s), bins=BINS)[1] for s in range(STEPS)]
    assert plotted["lo"] == min(e[0] for e in edges)
    assert plotted["hi"] == max(e[-1] for e in edges)
    for column in plotted["columns"]:
        assert sum(column) == pytest.approx(500, rel=1e-9)
    # the last step is chosen at first; its bars are NumPy's histogram
    counts, bins = np.histogram(_values(STEPS - 1), bins=BINS)
    assert plotted["selected"]["step"] == STEPS - 1
    assert plotted["selected"]["counts"] == counts.tolist()
    assert plotted["selected"]["bins"] == bins.tolist()

    panel = page.locator("[data-testid=histogram-panel][data-key='weights/fc1']")
    slider = panel.locator("[data-testid=histogram-step]")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "k => window.__runfoldHeatmaps[k].selected.step === 3", arg="weights/fc1"
    )
    assert panel.locator("[data-testid=histogram-step-value]").inner_text() == "3"
    counts, bins = np.histogram(_values(3), bins=BINS)
    selected = _heatmap(page, "weights/fc1")["selected"]
    assert selected["counts"] == counts.tolist()
    assert selected["bins"] == bins.tolist()

    # a click on the heatmap picks the step under the pointer
    canvas = panel.locator("[data-testid=heatmap]")
    box = canvas.bounding_box()
    left = 56 + (box["width"] - 64) * (8.2 / STEPS)  # plot area starts 56 px in
    canvas.click(position={"x": left, "y": box["height"] / 2})
    page.wait_for_function(
        "k => window.__runfoldHeatmaps[k].selected.step === 8", arg="weights/fc1"
    )

    big = _heatmap(page, "grads/big")
    assert big["sampled"] is True and big["total"] == BIG
    assert len(big["steps"]) == 200 and big["steps"][0] == 0
    assert big["steps"][-1] == BIG - 1
    note = page.locator("[data-key='grads/big'] [data-testid=heatmap-sampled]")
    assert " ".join(note.inner_text().split()) == (
        f"Showing 200 of {BIG} steps, evenly spaced."
    )
    page.locator("[data-testid=histogram-panel]").first.scroll_into_view_if_needed()
    screenshot(page, "run-page-histograms")


def test_the_runs_charts_draw_its_own_values_and_system_metrics(
    page: Any, live_server: LiveServer, trained: dict[str, Any]
) -> None:
    _open(page, live_server)
    page.wait_for_function(
        "() => window.__runfoldCharts && window.__runfoldCharts.loss"
    )
    plotted = page.evaluate(
        "() => JSON.parse(JSON.stringify(window.__runfoldCharts.loss))"
    )
    assert [g["key"] for g in plotted["groups"]] == [["r1"]]  # one line: this run
    line = dict(zip(plotted["x"], plotted["groups"][0]["line"], strict=True))
    assert line == {float(s): pytest.approx(1.0 / (s + 1)) for s in range(STEPS)}
    # histogram keys are not line charts here
    keys = page.locator("[data-testid=chart-panel]").evaluate_all(
        "els => els.map(e => e.dataset.metric)"
    )
    assert "weights/fc1" not in keys and "grads/big" not in keys

    api = runfold.Api(live_server.store_dir)
    system = sorted(k for k in api.run("p/r1").metrics if k.startswith("system/"))
    api.close()
    assert system, "the run sampled no system metrics"
    section = page.locator("[data-section=system]")
    toggle = section.locator(".rf-toggle")
    if toggle.get_attribute("aria-expanded") != "true":  # ChartsSection collapses it
        toggle.click()
    # every system chart has its numbers (each draws as it comes near the view)
    page.wait_for_function(
        "keys => keys.every((k) => window.__runfoldCharts[k]?.data?.[0]?.length > 0)",
        arg=system,
    )
    shown = section.locator("[data-testid=chart-panel]").evaluate_all(
        "els => els.map(e => e.dataset.metric)"
    )
    assert shown == system
    screenshot(page, "run-page")
    for _ in range(2):  # the first click flips the system theme, whichever it is
        if page.evaluate("() => document.documentElement.dataset.theme") == "dark":
            break
        page.locator("header button.theme").click()
    page.wait_for_timeout(200)  # canvases redraw with the theme's colours
    screenshot(page, "run-page-dark")


def test_an_empty_run_says_what_to_do(
    page: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    runfold.init(project="p", id="empty1", name="empty").finish()
    _open(page, live_server, "empty1")
    for testid, text in [
        ("config-empty", 'runfold.init(config={"lr": 0.01})'),
        ("summary-empty", 'run.summary["best_acc"] = 0.93'),
        ("charts-empty", 'run.log({"loss": 0.1})'),
        ("histograms-empty", "runfold.Histogram(values)"),
        ("files-empty", 'run.save("*.pt")'),
        ("console-empty", "RUNFOLD_CONSOLE=off"),
    ]:
        locator = page.locator(f"[data-testid={testid}]")
        locator.wait_for()
        assert text in locator.inner_text(), testid
    assert _field(page, "overview", "group") == "none"
    screenshot(page, "run-page-empty")


def test_a_missing_run_says_so_and_links_back(
    browser: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not the `page` fixture: the browser logs the 404 this test asks for as an error.
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    runfold.init(project="p", id="there1").finish()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/projects/p/runs/nothere")
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert "nothere" in alert.inner_text()
        assert page.locator("main a").get_attribute("href") == "/projects/p"
    finally:
        context.close()
    assert not errors


def test_a_running_run_refreshes_itself(
    page: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    run = runfold.init(project="p", id="live1", name="live")
    run.log({"loss": 1.0})
    _wait_for_store(live_server, "p/live1", lambda r: "loss" in r.summary)
    _open(page, live_server, "live1")
    assert _field(page, "overview", "state") == "running"
    assert _field(page, "overview", "finished") == "still running"
    page.locator("[data-testid=summary] tr[data-key=loss]").wait_for()
    started = time.monotonic()
    run.log({"loss": 0.25, "acc": 0.5})
    page.locator("[data-testid=summary] tr[data-key=acc]").wait_for(timeout=15_000)
    assert time.monotonic() - started < 15
    assert (
        page.locator("[data-testid=summary] tr[data-key=loss] td").inner_text()
        == "0.2500"
    )
    page.wait_for_function(  # the chart follows the running run too
        "() => window.__runfoldCharts.loss && window.__runfoldCharts.loss.x.length === 2",
        timeout=15_000,
    )
    run.finish()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=run-name]').innerText.endsWith('finished')",
        timeout=15_000,
    )
    page.locator("[data-testid=summary] tr[data-key=acc]").wait_for()
    assert _field(page, "overview", "finished") != "still running"


def _wait_for_store(server: LiveServer, path: str, ready: Any) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        api = runfold.Api(server.store_dir)
        try:
            if ready(api.run(path)):
                return
        except NotFound:
            pass
        finally:
            api.close()
        time.sleep(0.1)
    pytest.fail(f"{path} did not reach the store within 10 s")


def test_hostile_config_keys_and_a_json_object_value_render_as_text(
    page: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    payload = {"x": HOSTILE}
    run = runfold.init(
        project="p", id="hostile1", config={HOSTILE: json.dumps(payload)}
    )
    run.summary[HOSTILE] = 1.5
    run.finish()
    _open(page, live_server, "hostile1")
    config = page.locator("[data-testid=config] li")
    assert config.locator(".key").inner_text() == HOSTILE
    assert config.locator(".val").inner_text() == json.dumps(payload)
    assert page.locator("[data-testid=summary] th").inner_text() == HOSTILE
    assert page.locator("main img").count() == 0
