"""A report as Markdown, with each chart as a PNG file beside it (issue 8).

``export_markdown(api, report, "out/report.md")`` writes ``out/report.md`` and a
folder ``out/report_files/`` with one PNG per chart (``png.chart_png``) and the
report's run files. Under each chart a table lists the plotted numbers, one row
per point: group, x, line, lower, upper, n (member runs as "group / run ID"
rows), the same rows as the chart's CSV export in the UI. A chart of more than
``MAX_TABLE_ROWS`` points gets them in a CSV file beside it instead (linked), and
a table of one row per line (points, first and last x, last value) under it, so
that the Markdown stays readable (issue 18: one chart was 5,000 lines). Numbers
are written in Python's shortest round-trip form, so they read back exactly.

Markdown blocks are the author's Markdown, copied as written; every other value
(group and run names, config values) is escaped so it reads as text.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import panels
from .png import chart_png

__all__ = ["export_markdown", "MAX_TABLE_ROWS"]

MAX_TABLE_ROWS = 100

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value) if math.isfinite(value) else str(value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, allow_nan=True)
    else:
        text = str(value)
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace(">", "&gt;").replace("|", "\\|")
    text = re.sub(r"([*_\[\]`])", r"\\\1", text)
    return " ".join(text.splitlines())


_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?\1")
_AUTOLINK = re.compile(r"<(?=(?:https?|mailto):[^\s<>]*>)")


def _escape_tags(text: str) -> str:
    """``<`` as ``&lt;`` outside code spans, but for <https://...> autolinks."""
    out, at = [], 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_AUTOLINK.sub("\x00", text[at : span.start()]).replace("<", "&lt;"))
        out.append(span.group(0))
        at = span.end()
    out.append(_AUTOLINK.sub("\x00", text[at:]).replace("<", "&lt;"))
    return "".join(out).replace("\x00", "<")


def inert_html(text: str) -> str:
    """The author's Markdown with its raw HTML turned into text, as the UI and the
    HTML export show it (raw HTML off): a Markdown viewer that would pass HTML
    through shows ``<script>`` as text instead. Code blocks are left alone."""
    from markdown_it import MarkdownIt

    text = text.replace("\x00", "\ufffd")
    lines = text.split("\n")
    code: set[int] = set()
    for token in MarkdownIt("commonmark").parse(text):
        if token.type in ("fence", "code_block") and token.map:
            code.update(range(*token.map))
    out: list[str] = []
    chunk: list[str] = []
    for i, line in enumerate([*lines, None]):
        if line is None or i in code:
            if chunk:
                out.append(_escape_tags("\n".join(chunk)))
                chunk = []
            if line is not None:
                out.append(line)
        else:
            chunk.append(line)
    return "\n".join(out)


def _table(head: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(_cell(h) for h in head) + " |",
             "|" + "---|" * len(head)]  # fmt: skip
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "chart"


def _points(chart: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for g in chart["groups"]:
        for i, x in enumerate(g["x"]):
            rows.append(
                [g["name"], x, g["line"][i], g["lower"][i], g["upper"][i], g["n"][i]]
            )
    for m in chart["members"]:
        name = f"{chart['groups'][m['group']]['name']} / run {m['run']}"
        rows.extend(
            [name, x, m["line"][i], None, None, 1] for i, x in enumerate(m["x"])
        )
    return rows


def _csv(head: list[str], rows: list[list[Any]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    writer.writerows([["" if c is None else repr(c) if isinstance(c, float) else c
                       for c in row] for row in rows])  # fmt: skip
    return out.getvalue().encode("utf-8")


def _per_line(rows: list[list[Any]]) -> list[list[Any]]:
    """One row per line of a chart's points: name, points, first x, last x, last
    value (the rows of one line are together, in x order)."""
    lines: dict[str, list[list[Any]]] = {}
    for row in rows:
        lines.setdefault(row[0], []).append(row)
    return [[name, len(points), points[0][1], points[-1][1], points[-1][2]]
            for name, points in lines.items()]  # fmt: skip


class _Writer:
    def __init__(self, out: Path) -> None:
        self.folder = out.with_name(out.stem + "_files")
        self.written: list[Path] = []
        self.count = 0

    def save(self, name: str, data: bytes) -> str:
        """Write a file beside the Markdown; its relative link."""
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count}-{name}"
        path.write_bytes(data)
        self.written.append(path)
        return quote(f"{self.folder.name}/{path.name}")

    def chart(self, chart: dict[str, Any]) -> str:
        s = chart["settings"]
        link = self.save(_slug(chart["metric"]) + ".png", chart_png(chart))
        legend = ", ".join(
            f"{_cell(g['name'])} ({g['color']})" for g in chart["groups"]
        )
        note = f"{s['line']} line, {s['shading']} shading, x = {_cell(s['x'])}"
        if s["smoothing"]:
            note += f", smoothing {s['smoothing']:g}"
        if s["log"]:
            note += ", log scale"
        if len(chart["groups"]) < chart["total"]:
            note += f"; the first {len(chart['groups'])} of {chart['total']} lines"
        head = ["group", s["x"], s["line"], "lower", "upper", "n"]
        rows = _points(chart)
        top = (f"![{_cell(chart['metric'])}]({link})\n\n**{_cell(chart['metric'])}**: "
               f"{note}. Lines: {legend or 'none'}.\n\n")  # fmt: skip
        if len(rows) <= MAX_TABLE_ROWS:
            return top + _table(head, rows)
        csv = self.save(_slug(chart["metric"]) + ".csv", _csv(head, rows))
        return (top + f"All {len(rows)} plotted points: [{_cell(chart['metric'])} "
                f"(CSV)]({csv}).\n\n" + _table(
                    ["line", "points", f"first {s['x']}", f"last {s['x']}",
                     f"last {s['line']}"], _per_line(rows)))  # fmt: skip

    def file(self, panel: dict[str, Any]) -> str:
        label = _cell(f"{panel['path']} (run {panel['run']})")
        if panel["data"] is None:
            return f"*File {label}: {_cell(panel['missing'])}.*"
        link = self.save(_slug(Path(panel["path"]).name), panel["data"])
        if panel["mime"] in _IMAGE_TYPES:
            return f"![{label}]({link})"
        return f"[{label}]({link})"


def _runs_md(panel: dict[str, Any]) -> str:
    parts = []
    if panel["groups"] is not None:
        cols = [c for c in panel["columns"] if c.startswith("summary.")]
        rows = [[g["name"], g["count"], g["state"], *(panels.mean_std(g["summary"].get(c), repr) for c in cols)]
                for g in panel["groups"]]  # fmt: skip
        head = ["group", "runs", "state", *(f"{c} (mean ± std)" for c in cols)]
        parts.append(_table(head, rows))
    parts.append(_table(panel["columns"], [r["cells"] for r in panel["runs"]]))
    return "\n\n".join(parts)


def _group_md(name: str, panel: dict[str, Any] | None) -> str:
    title = f"### Experiment {_cell(name)}"
    if panel is None:
        return f"{title}\n\n*No runs in group {_cell(name)}.*"
    states = ", ".join(f"{n} {s}" for s, n in sorted(panel["states"].items()))
    config = [[k, v] for k, v in sorted(panel["config"].items())]
    summary = [[k, v.get("mean"), v.get("std"), v.get("min"), v.get("max"), v.get("count")]
               for k, v in sorted(panel["summary"].items())]  # fmt: skip
    return (f"{title}\n\n{panel['count']} runs ({_cell(states)})\n\n**Shared config**\n\n"
            + _table(["key", "value"], config) + "\n\n**Summary**\n\n"
            + _table(["key", "mean", "std", "min", "max", "n"], summary))  # fmt: skip


def export_markdown(
    api: Any, report: dict[str, Any], out: str | Path, files_dir: Path | None = None
) -> list[Path]:
    """Write the report (the API's JSON, with blocks) to ``out`` and its files
    beside it; returns every path written, the Markdown first."""
    out = Path(out)
    writer = _Writer(out)
    project = report["project"]
    meta = f"project {project}, version {report['version']}"
    if report.get("group"):
        meta += f", experiment {report['group']}"
    parts = [f"# {_cell(report['title'])}", f"*{_cell(meta)}*"]
    for block in report["blocks"]:
        kind = block["type"]
        if kind == "markdown":
            parts.append(inert_html(block["text"]))
        elif kind == "chart":
            parts.extend(
                writer.chart(c) for c in panels.chart_panels(api, project, block)
            )
        elif kind == "runs":
            parts.append(_runs_md(panels.runs_panel(api, project, block)))
        elif kind == "group":
            parts.append(
                _group_md(
                    block["group"], panels.group_panel(api, project, block["group"])
                )
            )
        else:
            parts.append(writer.file(panels.file_panel(files_dir, project, block)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n\n".join(parts) + "\n", "utf-8")
    return [out, *writer.written]
