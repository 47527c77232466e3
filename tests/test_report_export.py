"""``runfold report export --format md``: Markdown with each chart as a valid PNG
beside it and a table of exactly the plotted numbers; ``runfold report list``;
``runfold.Api`` report methods; CLI errors."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli
from runfold.errors import Conflict, UsageError
from runfold.reports.md_export import inert_html

P = "study"


def _seed() -> str:
    for i, group in enumerate(["a", "a", "b"]):
        run = runfold.init(project=P, group=group, reinit=True, config={"lr": i})
        for step in range(12):
            run.log({"loss": 1.0 / (1 + step) + 0.1 * i}, step=step)
        run.finish()
    api = runfold.Api()
    report = api.create_report(P, "Loss | study", group="a", blocks=[
        {"type": "markdown", "text": "Intro <script>alert(1)</script>\n\n```\n<kept>\n```"},
        {"type": "chart", "metrics": ["loss"], "settings": {"shading": "minmax"}},
        {"type": "runs", "columns": ["config.lr"]},
        {"type": "group", "group": "b"},
    ])  # fmt: skip
    api.close()
    return str(report["id"])


def _read_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert (depth, color) == (8, 2)
            size = (height, width)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8)
    rows = raw.reshape(size[0], size[1] * 3 + 1)
    assert (rows[:, 0] == 0).all()  # filter "none" on every row
    return rows[:, 1:].reshape(size[0], size[1], 3)


def test_markdown_export_writes_pngs_and_the_plotted_numbers(tmp_path: Path) -> None:
    report_id = _seed()
    out = tmp_path / "out" / "report.md"
    result = CliRunner().invoke(cli, ["report", "export", report_id, "--project", P,
                                      "--format", "md", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        result.output == f"Wrote {out} and 1 file(s) in {out.parent / 'report_files'}\n"
    )
    text = out.read_text("utf-8")
    links = re.findall(r"!\[loss\]\(([^)]+)\)", text)
    assert links == ["report_files/1-loss.png"]
    pixels = _read_png((out.parent / links[0]).read_bytes())
    assert pixels.shape == (300, 800, 3)
    blue, red = (0x25, 0x63, 0xEB), (0xDC, 0x26, 0x26)  # groups a and b
    assert (pixels == blue).all(axis=2).sum() > 500
    assert (pixels == red).all(axis=2).sum() > 500
    # The table under the chart: every point of every group, exact numbers.
    api = runfold.Api()
    rows = [line.split(" | ") for line in text.splitlines()
            if line.startswith("| a |") or line.startswith("| b |")]  # fmt: skip
    expected = []
    for e in api.group_series(P, "loss", by=["group"]):
        for i, x in enumerate(e["x"]):
            lo = e["min"][i] if e["count"][i] > 1 else ""
            hi = e["max"][i] if e["count"][i] > 1 else ""
            expected.append([f"| {e['name']}", repr(x), repr(e["mean"][i]),
                             str(lo if lo == "" else repr(lo)),
                             str(hi if hi == "" else repr(hi)), f"{e['count'][i]} |"])  # fmt: skip
    assert rows[: len(expected)] == expected
    # Raw HTML in the author's Markdown reads as text; code blocks are kept.
    assert "Intro &lt;script>alert(1)&lt;/script>" in text and "\n<kept>\n" in text
    assert text.startswith("# Loss \\| study\n")
    assert "### Experiment b\n\n1 runs (1 finished)" in text
    api.close()


def test_report_list_and_html_export_from_the_cli(tmp_path: Path) -> None:
    report_id = _seed()
    result = CliRunner().invoke(cli, ["report", "list", P, "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [(r["id"], r["title"], r["version"]) for r in listed] == [
        (report_id, "Loss | study", 1)]  # fmt: skip
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "export", report_id, "--project", P,
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "http://" not in page.split("<script")[0]  # nothing to fetch


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["report", "export", "nope1234", "--project", P, "--out", "x.html"],
         "Error: Report 'nope1234' not found in project 'study'."),
        (["report", "export", "x", "--project", "none", "--out", "x.html"],
         "Error: Project 'none' not found."),
        (["report", "export", "x", "--project", P, "--format", "pdf", "--out", "x"],
         "Invalid value for '--format': 'pdf' is not one of 'html', 'md'."),
        (["report", "export", "x", "--out", "x"], "Missing option '--project'."),
        (["report", "list", "none"], "Error: Project 'none' not found."),
    ],
)  # fmt: skip
def test_cli_errors_say_what_is_wrong(args: list[str], says: str) -> None:
    _seed()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert says in result.output
    assert "Traceback" not in result.output


def test_api_publishes_and_updates_reports() -> None:
    _seed()
    api = runfold.Api()
    made = api.create_report(P, "From a notebook", [
        {"type": "chart", "metrics": ["loss"], "by": []}], group="b")  # fmt: skip
    assert made["blocks"][0]["settings"]["max"] == 20 and made["version"] == 1
    assert [r["id"] for r in api.reports(P, group="b")] == [made["id"]]
    v2 = api.update_report(P, made["id"], title="Renamed", base_version=1)
    assert (v2["version"], v2["title"], v2["group"]) == (2, "Renamed", "b")
    v3 = api.update_report(P, made["id"], group=None)
    assert v3["group"] is None and api.reports(P, group="b") == []
    assert api.report(P, made["id"], version=1)["title"] == "From a notebook"
    with pytest.raises(Conflict):
        api.update_report(P, made["id"], title="late", base_version=1)
    with pytest.raises(UsageError, match="Block 1 has type 'plot'"):
        api.create_report(P, "bad", [{"type": "plot"}])
    api.close()


@pytest.mark.parametrize(
    ("text", "inert"),
    [
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)>"),
        ("`<b>` and <b>", "`<b>` and &lt;b>"),
        ("<https://example.com>", "<https://example.com>"),
        ("```\n<script>\n```", "```\n<script>\n```"),
    ],
)
def test_inert_html_keeps_code_and_autolinks(text: str, inert: Any) -> None:
    assert inert_html(text) == inert


def test_a_long_chart_puts_its_points_in_a_csv_beside_the_markdown(
    tmp_path: Path,
) -> None:
    for group in ("a", "b"):
        run = runfold.init(project="long", group=group, reinit=True)
        for step in range(600):
            run.log({"loss": 1.0 / (1 + step)}, step=step)
        run.finish()
    api = runfold.Api()
    report = api.create_report(
        "long", "Long", [{"type": "chart", "metrics": ["loss"], "by": ["group"]}]
    )
    out = tmp_path / "long.md"
    result = CliRunner().invoke(cli, ["report", "export", report["id"], "--project",
                                      "long", "--format", "md", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert len(text.splitlines()) < 40
    (csv_link,) = re.findall(r"\[loss \(CSV\)\]\(([^)]+)\)", text)
    lines = (out.parent / csv_link).read_text("utf-8").splitlines()
    assert len(lines) == 1 + 2 * 600
    series = {e["name"]: e for e in api.group_series("long", "loss", by=["group"])}
    first_b = next(line for line in lines if line.startswith("b,"))
    assert first_b.split(",")[2] == repr(series["b"]["mean"][0])
    assert "| a | 600 | 0 | 599 |" in text
    api.close()
