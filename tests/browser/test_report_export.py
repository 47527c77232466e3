"""A report exported to one HTML file (``runfold report export --format html``),
opened from disk in Debian's chromium with networking off: the charts are drawn
with the numbers ``runfold.Api.group_series`` gives for the same settings, and
hostile markdown and names are inert."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli
from runfold.reports.png import encode_png
from tests.browser.conftest import screenshot

P = "study"
EVIL_GROUP = '<img src=x onerror="window.__pwned=1">'
HOSTILE_MD = """# Findings

<script>window.__pwned = 1</script>

[click me](javascript:window.__pwned=1) and [data](data:text/html,<script>window.__pwned=1</script>)

<img src=x onerror="window.__pwned=1"> <a href="#" onclick="window.__pwned=1">x</a>

<div onmouseover="window.__pwned=1" style="position:fixed;inset:0">cover</div>

![pic](javascript:window.__pwned=1) **bold** and [a real link](https://example.com/)
"""


def _seed(tmp: Path) -> None:
    image = tmp / "media" / "curve.png"
    image.parent.mkdir(parents=True)
    import numpy as np

    pixels = np.zeros((4, 6, 3))
    pixels[:, :, 0] = 255
    image.write_bytes(encode_png(pixels))
    (tmp / "media" / "notes.txt").write_text("hello")
    for i, group in enumerate(["a", "a", "a", "b", "b", EVIL_GROUP]):
        run = runfold.init(project=P, group=group, name=f"run-{i}", reinit=True,
                           config={"lr": 0.1 if group == "a" else 0.01, "seed": i})  # fmt: skip
        for step in range(40 + 5 * i):
            loss = 1.0 / (1 + step) + 0.02 * i
            row = {"loss": loss if step != 7 or i else math.nan, "acc": 1 - loss}
            run.log(row, step=step)
        if i == 0:
            run.save(str(tmp / "media" / "*"), base_path=str(tmp), policy="now")
            first = run.id
        run.finish()
    api = runfold.Api()
    report = api.create_report(P, "Loss <b>study</b>", group="a", blocks=[
        {"type": "markdown", "text": HOSTILE_MD},
        {"type": "chart", "metrics": ["loss", "acc"], "by": ["group"],
         "settings": {"shading": "std"}},
        {"type": "chart", "metrics": ["loss"], "by": ["group"],
         "settings": {"line": "median", "shading": "members", "log": True,
                      "smoothing": 0.5, "max": 2}},
        {"type": "chart", "metrics": ["loss"], "by": [],
         "settings": {"shading": "none", "max": 3}},
        {"type": "runs", "by": ["group"], "q": "config.lr>0.05",
         "columns": ["config.lr", "summary.loss"]},
        {"type": "group", "group": "a"},
        {"type": "file", "run": first, "path": "media/curve.png"},
        {"type": "file", "run": first, "path": "media/notes.txt"},
    ])  # fmt: skip
    api.close()
    (tmp / "report-id").write_text(report["id"])


def _band(entry: dict[str, Any], shading: str, i: int) -> tuple[Any, Any]:
    n = entry["count"][i]
    if shading in ("none", "members") or n < 2:
        return None, None
    if shading == "minmax":
        return entry["min"][i], entry["max"][i]
    mean, spread = entry["mean"][i], entry[shading][i]
    if mean is None or spread is None or not math.isfinite(mean):
        return None, None
    return mean - spread, mean + spread


def _finite(v: Any, log: bool = False) -> Any:
    if v is None or not math.isfinite(v) or (log and v <= 0):
        return None
    return v


def _expected(
    api: runfold.Api, block: dict[str, Any], metric: str
) -> list[dict[str, Any]]:
    s = block["settings"]
    entries = api.group_series(P, metric, by=block["by"], x=s["x"],
                               smoothing=s["smoothing"] or None)[: s["max"]]  # fmt: skip
    out = []
    for e in entries:
        bands = [_band(e, s["shading"], i) for i in range(len(e["x"]))]
        out.append({
            "name": e["name"], "x": e["x"], "n": e["count"],
            "line": [_finite(v, s["log"]) for v in e[s["line"]]],
            "lower": [_finite(lo, s["log"]) for lo, _ in bands],
            "upper": [_finite(hi, s["log"]) for _, hi in bands],
        })  # fmt: skip
    return out


def _export(tmp_path: Path, runfold_dir: Path) -> tuple[str, Path]:
    _seed(tmp_path)
    report_id = (tmp_path / "report-id").read_text()
    out = tmp_path / "export" / "report.html"
    result = CliRunner().invoke(cli, ["report", "export", report_id, "--project", P,
                                      "--format", "html", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}\n"
    return report_id, out


@pytest.mark.browser
def test_exported_html_draws_the_api_numbers_offline_and_hostile_text_is_inert(
    browser: Any, tmp_path: Path, runfold_dir: Path
) -> None:
    report_id, out = _export(tmp_path, runfold_dir)
    context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text))  # a CSP refusal logs here

    def on_dialog(dialog: Any) -> None:  # an alert() would mean injected script ran
        errors.append("dialog " + dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    page.wait_for_function("document.documentElement.dataset.drawn === '4'")
    page.mouse.move(300, 300)  # over the would-be onmouseover cover
    page.hover("text=click me")
    page.click("text=click me")  # plain text: nothing happens

    report = page.evaluate("window.__runfoldReport")
    plotted = page.evaluate("window.__runfoldPlotted")
    api = runfold.Api()
    stored = api.report(P, report_id)
    chart_blocks = [b for b in stored["blocks"] if b["type"] == "chart"]
    wanted = [(b, m) for b in chart_blocks for m in b["metrics"]]
    assert [c["metric"] for c in report["charts"]] == ["loss", "acc", "loss", "loss"]
    assert page.locator(".rf-chart canvas").count() == 4
    for k, (block, metric) in enumerate(wanted):
        chart = report["charts"][k]
        expected = _expected(api, block, metric)
        got = [{key: g[key] for key in ("name", "x", "n", "line", "lower", "upper")}
               for g in chart["groups"]]  # fmt: skip
        assert got == expected, f"chart {k} ({metric})"
        # uPlot holds the same numbers, each line at its x on the shared axis.
        x_axis = plotted[k][0]
        offset = 1 + len(chart["members"])
        for gi, g in enumerate(expected):
            line = plotted[k][offset + 3 * gi]
            assert [line[x_axis.index(x)] for x in g["x"]] == g["line"]
            upper = plotted[k][offset + 3 * gi + 1]
            assert [upper[x_axis.index(x)] for x in g["x"]] == g["upper"]
    # Chart 1 (std): group a's first band is mean ± sample std of its 3 runs.
    names = [g["name"] for g in report["charts"][0]["groups"]]
    assert names == [EVIL_GROUP, "a", "b"]  # in the API's group order
    a = report["charts"][0]["groups"][1]
    assert a["n"][0] == 3 and a["lower"][0] < a["line"][0] < a["upper"][0]
    # Chart 3: max 2 of 3 groups; the members drawn are those two groups' runs.
    members = report["charts"][2]["members"]
    assert report["charts"][2]["total"] == 3 and len(report["charts"][2]["groups"]) == 2
    assert sorted(m["group"] for m in members) == [0, 1, 1, 1]
    for m in members:
        run_line = api.group_series(P, "loss", by=[], x="_step", smoothing=0.5,
                                    filters={"id": m["run"]})[0]  # fmt: skip
        assert m["x"] == run_line["x"]
        assert m["line"] == [_finite(v, True) for v in run_line["mean"]]
    # Chart 4: one line per run, the first 3 of 6.
    assert [g["name"] for g in report["charts"][3]["groups"]] == [
        r.name for r in api.runs(P)][:3]  # fmt: skip

    # Hostile text is text: no script ran, no handler, no javascript: or data: link.
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script").count() == 2  # the data and the drawing script
    assert page.locator("[onerror], [onclick], [onmouseover]").count() == 0
    assert (
        page.locator(
            "a[href^='javascript'], a[href^='data'], img[src^='javascript']"
        ).count()
        == 0
    )
    body = page.inner_text("body")
    assert "<script>window.__pwned = 1</script>" in body
    assert "[click me](javascript:window.__pwned=1)" in body
    assert page.locator("h1").first.inner_text() == "Loss <b>study</b>"
    assert page.locator("a[href='https://example.com/']").inner_text() == "a real link"
    assert EVIL_GROUP in page.locator(".rf-legend").first.inner_text()
    # Runs table: the text filter keeps the lr 0.1 runs, grouped; group summary of a.
    runs_table = page.locator("table.rf-runs tbody tr")
    assert runs_table.count() == 3
    assert page.locator("table.rf-groups tbody tr td").first.inner_text() == "a"
    assert "3 runs (3 finished)" in page.locator(".rf-group").inner_text()
    # The image file is embedded; the text file only named.
    image = page.locator(".rf-file img")
    assert image.get_attribute("src").startswith("data:image/png;base64,")
    assert page.evaluate("document.querySelector('.rf-file img').naturalWidth") == 6
    assert "media/notes.txt (run" in body and "not embedded" in body

    assert requests == [out.as_uri()], requests  # nothing but the file itself
    assert not errors, errors
    screenshot(page, "report-export")
    context.close()
    api.close()
