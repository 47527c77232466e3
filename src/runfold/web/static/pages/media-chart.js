// A custom chart (runfold.plot.*) drawn from its spec and its table: lines and points
// with uPlot (one series per class, each with its own x: uPlot's mode 2, so a ROC
// curve's vertical steps stay), bars and histograms as uPlot bars, a confusion matrix
// as a heat-map grid of its counts, and a custom chart as its table.
import { colorFor } from "../lib/colors.js";
import { fileUrl } from "../lib/media.js";
import { cellShade, chartData } from "../lib/mediacharts.js";
import { mediaJSON } from "../lib/mediafetch.js";
import { fmtNum } from "../lib/series.js";
import { cssVar } from "../lib/theme.js";
import { html, useEffect, useMemo, useRef, useState } from "../lib/ui.js";
import uPlot from "../vendor/uplot-1.6.32.mjs";
import { Table } from "./media-table.js";

const HEIGHT = 260;
const MAX_CLASSES = 60;

// What each chart draws, for tests: window.__runfoldMediaCharts[key].
const debug = (window.__runfoldMediaCharts = window.__runfoldMediaCharts || {});

export function ChartView({ project, runId, spec, mediaKey }) {
  const [doc, setDoc] = useState(null);
  const [error, setError] = useState(null);
  const path = spec.table && spec.table.path;
  useEffect(() => {
    let live = true;
    setError(null);
    if (!path) { setError(new Error("the chart names no table")); return undefined; }
    mediaJSON(fileUrl(project, runId, path)).then((d) => live && setDoc(d), (e) => live && setError(e));
    return () => { live = false; };
  }, [project, runId, path]);
  // one drawing per table and spec: a re-render of the panel does not redraw the chart
  const [data, specError] = useMemo(() => {
    if (!doc) return [null, null];
    try { return [chartData(spec, doc), null]; } catch (e) { return [null, e]; }
  }, [doc, spec]);
  const problem = error || specError;
  if (data && mediaKey) debug[mediaKey] = { chart: spec.chart, ...data };
  return html`<div class="md-chart" data-testid="media-chart" data-chart=${spec.chart}>
    ${spec.title ? html`<h4 class="md-chart-title">${spec.title}</h4>` : null}
    ${problem ? html`<p class="error">Could not draw the chart: ${String(problem.message || problem)}</p>` : null}
    ${!doc && !problem ? html`<p class="loading">Loading the chart…</p>` : null}
    ${data ? html`<${ChartBody} data=${data} doc=${doc} project=${project} runId=${runId} />` : null}
  </div>`;
}

function ChartBody({ data, doc, project, runId }) {
  if (data.type === "matrix") return html`<${Matrix} data=${data} />`;
  if (data.type === "table") return html`<${Table} project=${project} runId=${runId} doc=${doc} />`;
  return html`<${Plot} data=${data} />`;
}


function Plot({ data }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    let plot = null;
    const draw = () => {
      const width = el.clientWidth;
      if (!width) return;
      if (plot) plot.destroy();
      const [opts, rows] = plotOf(data, width);
      plot = new uPlot(opts, rows, el);
    };
    draw();
    let last = el.clientWidth;
    const ro = new ResizeObserver(() => { if (el.clientWidth !== last) { last = el.clientWidth; draw(); } });
    ro.observe(el);
    return () => { ro.disconnect(); if (plot) plot.destroy(); };
  }, [data]);
  const names = data.series ? data.series.map((s) => s.name) : [];
  return html`<div>
    <div class="md-plot" ref=${box}></div>
    ${names.length > 1 ? html`<p class="md-chart-legend">${names.map((n, i) => html`<span>
      <i class="swatch" style=${{ background: colorFor(i) }}></i>${n}</span>`)}</p>` : null}
  </div>`;
}

// [uPlot options, data] of a chart.
function plotOf(data, width) {
  const muted = cssVar("--muted", "#6b7280");
  const grid = cssVar("--line", "#e5e7eb");
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const base = { width, height: HEIGHT, legend: { show: false }, cursor: { drag: { x: false, y: false } } };
  if (data.type === "bars" || data.type === "histogram") {
    const bars = uPlot.paths.bars({ size: [0.9, 80], align: 0 });
    const isHist = data.type === "histogram";
    const xs = isHist ? data.counts.map((_, i) => (data.edges[i] + data.edges[i + 1]) / 2) : data.values.map((_, i) => i);
    const ys = isHist ? data.counts : data.values;
    const xAxis = isHist ? { ...axis, label: data.xLabel, values: (u, v) => v.map(fmtNum) }
      : { ...axis, label: data.xLabel, space: 24, values: (u, v) => v.map((i) => (Number.isInteger(i) ? data.labels[i] ?? "" : "")) };
    return [{
      ...base,
      scales: {
        x: { time: false, range: (u, lo, hi) => padRange(lo, hi, isHist ? (data.edges[1] - data.edges[0]) / 2 : 0.5) },
        y: { range: (u, lo, hi) => [Math.min(0, lo * 1.05), hi > 0 ? hi * 1.05 : lo < 0 ? 0 : 1] }, // bars stand on 0
      },
      axes: [{ ...xAxis, labelSize: 20 }, { ...axis, size: 56, values: (u, v) => v.map(fmtNum) }],
      series: [{}, {
        label: isHist ? "count" : data.yLabel, stroke: colorFor(0), fill: `${colorFor(0)}99`,
        paths: bars, points: { show: false },
      }],
    }, [xs, ys]];
  }
  const points = data.type === "points";
  const series = [{}];
  data.series.forEach((s, i) => series.push({
    label: s.name, stroke: colorFor(i), width: 1.5, facets: [{ scale: "x", auto: true }, { scale: "y", auto: true }],
    ...(points ? { paths: () => null, points: { show: true, size: 5, fill: colorFor(i), stroke: colorFor(i) } }
      : { paths: uPlot.paths.linear(), points: { show: false } }),
  }));
  return [{
    ...base,
    mode: 2,
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [{ ...axis, label: data.xLabel, labelSize: 20, values: (u, v) => v.map(fmtNum) },
      { ...axis, label: data.yLabel, labelSize: 20, size: 56, values: (u, v) => v.map(fmtNum) }],
    series,
  }, [null, ...data.series.map((s) => [s.x, s.y])]];
}

const padRange = (lo, hi, pad) => [lo - pad, hi + pad];

// Rows are the actual classes, columns the predicted; each cell its count, shaded.
function Matrix({ data }) {
  const n = Math.min(data.classes.length, MAX_CLASSES);
  const classes = data.classes.slice(0, n);
  return html`<div class="md-matrix-wrap">
    ${data.classes.length > n ? html`<p class="note">Showing the first ${n} of ${data.classes.length} classes.</p>` : null}
    <table class="md-matrix" data-testid="media-matrix">
      <thead><tr><th class="md-corner">actual ↓ · predicted →</th>
        ${classes.map((c) => html`<th scope="col" data-predicted=${c}>${c}</th>`)}</tr></thead>
      <tbody>${classes.map((a, i) => html`<tr data-actual=${a}><th scope="row">${a}</th>
        ${classes.map((p, j) => {
          const count = data.counts[i][j];
          const { rgb, light } = cellShade(count, data.max);
          return html`<td data-predicted=${p} class=${light ? "light" : ""} title=${`actual ${a}, predicted ${p}: ${count}`}
            style=${{ background: `rgb(${rgb.join(",")})` }}>${fmtNum(count)}</td>`;
        })}</tr>`)}</tbody>
    </table>
  </div>`;
}
