"""A report as one self-contained HTML file: opens from disk, with no server and no
network (issue 8).

* Markdown is rendered here with markdown-it-py, raw HTML off (a ``<script>`` in
  the text shows as text), and only http(s), mailto and relative links kept (a
  ``javascript:`` or ``data:`` link stays plain text).
* Chart panels carry their plotted numbers (``panels.chart_panels``) as JSON in a
  ``<script type="application/json">`` element, and one inline module script (the
  vendored uPlot followed by a small drawing function) draws them. The page's
  Content-Security-Policy allows that script alone (by its hash), no network,
  and images only as data: URIs.
* Runs tables and group summaries are HTML tables; image files are embedded as
  data: URIs, other files are named.

``window.__runfoldReport`` holds the embedded numbers, so a test can compare them
with ``runfold.Api.group_series``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

from . import panels

__all__ = ["export_html", "render_markdown", "SAFE_SCHEMES"]

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_UPLOT = "uplot-1.6.32"


def _safe_link(url: str) -> bool:
    found = _SCHEME.match(url)
    return found is None or found.group(1).lower() in SAFE_SCHEMES


def render_markdown(text: str) -> str:
    """Markdown to HTML with no raw HTML and no script-capable links."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _safe_link  # type: ignore[method-assign]
    return md.render(text)


def _vendor(name: str) -> str:
    folder = resources.files("runfold.web") / "static" / "vendor"
    return (folder / name).read_text("utf-8")


def _json_for_script(value: Any) -> str:
    """JSON that cannot end its <script> element or open a comment in it."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(ch, esc)
    return text


def _finite(value: Any) -> Any:
    """Non-finite floats as None: JSON has no NaN (the chart draws a gap)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, allow_nan=True)
    return str(value)


def _table(head: list[str], rows: list[list[Any]], cls: str = "") -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_text(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


# ---- blocks ---------------------------------------------------------------------


def _chart_html(charts: list[dict[str, Any]], first: int) -> str:
    out = []
    for k, chart in enumerate(charts):
        s = chart["settings"]
        drawn, total = len(chart["groups"]), chart["total"]
        note = f"{s['line']} line, {s['shading']} shading, x = {s['x']}"
        if s["smoothing"]:
            note += f", smoothing {s['smoothing']:g}"
        if drawn < total:
            note += f"; drawing the first {drawn} of {total} lines"
        out.append(
            f'<figure class="rf-chart" data-chart="{first + k}">'
            f"<figcaption>{html.escape(chart['metric'])}</figcaption>"
            f'<div class="rf-plot" id="rf-chart-{first + k}"></div>'
            f'<p class="rf-note">{html.escape(note)}</p></figure>'
        )
    return "".join(out)


def _runs_html(panel: dict[str, Any]) -> str:
    parts = []
    if panel["groups"] is not None:
        summary_cols = [c for c in panel["columns"] if c.startswith("summary.")]
        rows = [[g["name"], g["count"], g["state"],
                 *(panels.mean_std(g["summary"].get(c), _text) for c in summary_cols)]
                for g in panel["groups"]]  # fmt: skip
        head = ["group", "runs", "state", *(f"{c} (mean ± std)" for c in summary_cols)]
        parts.append(_table(head, rows, "rf-groups"))
    rows = [r["cells"] for r in panel["runs"]]
    parts.append(_table(panel["columns"], rows, "rf-runs"))
    parts.append(f'<p class="rf-note">{len(rows)} run(s)</p>')
    return "".join(parts)


def _group_html(name: str, panel: dict[str, Any] | None) -> str:
    title = f"<h3>Experiment {html.escape(name)}</h3>"
    if panel is None:
        return title + f'<p class="rf-note">No runs in group {html.escape(name)}.</p>'
    states = ", ".join(f"{n} {s}" for s, n in sorted(panel["states"].items()))
    config = [[k, v] for k, v in sorted(panel["config"].items())]
    summary = [[k, panels.mean_std(v, _text), _text(v.get("min")), _text(v.get("max")), _text(v.get("count"))]
               for k, v in sorted(panel["summary"].items())]  # fmt: skip
    return (
        title + f'<p class="rf-note">{panel["count"]} runs ({html.escape(states)})</p>'
        + "<h4>Shared config</h4>" + _table(["key", "value"], config, "rf-config")
        + "<h4>Summary</h4>"
        + _table(["key", "mean ± std", "min", "max", "n"], summary, "rf-summary")
    )  # fmt: skip


def _file_html(panel: dict[str, Any]) -> str:
    label = f"{panel['path']} (run {panel['run']})"
    if panel["data"] is None:
        return f'<p class="rf-note">File {html.escape(label)}: {html.escape(panel["missing"])}.</p>'
    if panel["mime"] in _IMAGE_TYPES:
        uri = f"data:{panel['mime']};base64," + base64.b64encode(panel["data"]).decode()
        return (f'<figure class="rf-file"><img src="{uri}" alt="{html.escape(label)}">'
                f"<figcaption>{html.escape(label)}</figcaption></figure>")  # fmt: skip
    size = len(panel["data"])
    return (f'<p class="rf-note">File {html.escape(label)}, {size} bytes: not embedded '
            "(only images are).</p>")  # fmt: skip


def _blocks_html(api: Any, report: dict[str, Any], files_dir: Path | None) -> tuple[str, list[Any]]:  # fmt: skip
    project = report["project"]
    charts: list[dict[str, Any]] = []
    parts = []
    for block in report["blocks"]:
        kind = block["type"]
        if kind == "markdown":
            body = render_markdown(block["text"])
        elif kind == "chart":
            found = panels.chart_panels(api, project, block)
            body = _chart_html(found, len(charts))
            charts.extend(found)
        elif kind == "runs":
            body = _runs_html(panels.runs_panel(api, project, block))
        elif kind == "group":
            body = _group_html(
                block["group"], panels.group_panel(api, project, block["group"])
            )
        else:
            body = _file_html(panels.file_panel(files_dir, project, block))
        parts.append(f'<section class="rf-block rf-{kind}">{body}</section>')
    return "".join(parts), charts


_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;color:#111827;max-width:960px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.2rem}.rf-meta,.rf-note{color:#6b7280;font-size:.85rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #e5e7eb;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f9fafb}.rf-block{margin:1.5rem 0}figure{margin:0}
figcaption{font-weight:600}.rf-legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem}
.rf-swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}.rf-file img{max-width:100%}pre{background:#f3f4f6;padding:.5rem;overflow:auto}
"""

_DRAW = """
const data = JSON.parse(document.getElementById("rf-data").textContent);
window.__runfoldReport = data;
const X_LABELS = { _step: "step", _timestamp: "wall time", _runtime: "relative time (s)" };
const faint = (hex, a) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
};
function drawChart(chart, el) {
  const s = chart.settings;
  const xs = new Set();
  for (const g of [...chart.groups, ...chart.members]) for (const v of g.x) xs.add(v);
  const x = [...xs].sort((a, b) => a - b);
  const at = new Map(x.map((v, j) => [v, j]));
  // undefined where a line has no point at a shared x (drawn across), null a gap
  const own = (g, arr) => {
    const out = new Array(x.length).fill(undefined);
    g.x.forEach((v, i) => { out[at.get(v)] = arr[i]; });
    return out;
  };
  const plotData = [x];
  const series = [{ label: X_LABELS[s.x] || s.x }];
  const bands = [];
  for (const m of chart.members) {
    plotData.push(own(m, m.line));
    series.push({ label: `run ${m.run}`, stroke: faint(chart.groups[m.group].color, 0.35), width: 1,
      points: { show: false } });
  }
  for (const g of chart.groups) {
    const i = plotData.length;
    plotData.push(own(g, g.line), own(g, g.upper), own(g, g.lower));
    series.push({ label: g.name, stroke: g.color, width: 1.5, points: { show: false } },
      { label: `${g.name} upper`, stroke: "transparent", width: 0, points: { show: false } },
      { label: `${g.name} lower`, stroke: "transparent", width: 0, points: { show: false } });
    if (s.shading !== "none" && s.shading !== "members") {
      bands.push({ series: [i + 1, i + 2], fill: faint(g.color, 0.15) });
    }
  }
  const opts = {
    width: Math.max(300, el.clientWidth || 900), height: 260, series, bands,
    scales: { x: { time: s.x === "_timestamp" }, y: { distr: s.log ? 3 : 1 } },
    legend: { show: false }, cursor: { drag: { x: false, y: false } },
  };
  const plot = new uPlot(opts, plotData, el);
  // What uPlot holds, for tests: "export gives exactly what is plotted".
  (window.__runfoldPlotted = window.__runfoldPlotted || []).push(plot.data);
  // The lines' names are user text: set as text, never as markup.
  const legend = document.createElement("ul");
  legend.className = "rf-legend";
  for (const g of chart.groups) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "rf-swatch";
    swatch.style.background = g.color;
    item.append(swatch, `${g.name} (${g.runs === 1 ? "1 run" : `${g.runs} runs`})`);
    legend.append(item);
  }
  el.after(legend);
}
data.charts.forEach((chart, k) => drawChart(chart, document.getElementById(`rf-chart-${k}`)));
document.documentElement.dataset.drawn = String(data.charts.length);
"""


def export_html(api: Any, report: dict[str, Any], files_dir: Path | None = None) -> str:
    """The report (the API's JSON, with blocks) as one HTML document."""
    body, charts = _blocks_html(api, report, files_dir)
    data = _finite({
        "id": report["id"], "project": report["project"], "title": report["title"],
        "version": report["version"], "charts": charts,
    })  # fmt: skip
    script = _vendor(f"{_UPLOT}.mjs") + "\n" + _DRAW
    if "</script" in script.lower():  # would end the element early
        raise RuntimeError("the inlined chart library contains '</script'")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; "
           "style-src 'unsafe-inline'; img-src data:")  # fmt: skip
    meta = f"project {report['project']}"
    if report.get("group"):
        meta += f", experiment {report['group']}"
    meta += f", version {report['version']}"
    if report.get("author"):
        meta += f", by {report['author']}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(report['title'])}</title>"
        f"<style>{_vendor(f'{_UPLOT}.min.css')}{_STYLE}</style></head><body>"
        f"<h1>{html.escape(report['title'])}</h1>"
        f'<p class="rf-meta">{html.escape(meta)}</p>{body}'
        f'<script type="application/json" id="rf-data">{_json_for_script(data)}</script>'
        f'<script type="module">{script}</script></body></html>\n'
    )  # fmt: skip
