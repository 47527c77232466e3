// The sweep page's pictures: the metric over run index with the best value so far
// (uPlot), the parallel coordinates of parameters against the metric (the compare
// page's plot, pages/compare-parcoords.js) and each parameter's importance and
// correlation with the metric. window.__runfoldCharts.sweep holds what the progress
// chart draws, for tests, as the line charts' entries do.
import { MAX_DEFAULT_AXES, varyingKeys } from "../lib/parcoords.js";
import { fmtNum } from "../lib/series.js";
import { goodnessColor, goodnessScale, importanceRows, isDark, progressData } from "../lib/sweeps.js";
import { readParams, updateParams } from "../lib/url.js";
import { cssVar } from "../lib/theme.js";
import { html, useEffect, useMemo, useRef, useState } from "../lib/ui.js";
import uPlot from "../vendor/uplot-1.6.32.mjs";
import { ParallelCoordinates } from "./compare-parcoords.js";

const HEIGHT = 240;
const debug = (window.__runfoldCharts = window.__runfoldCharts || {});
const INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

function chartOptions(metric, width) {
  const muted = cssVar("--muted", "#6b7280");
  const grid = cssVar("--line", "#e5e7eb");
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const value = (u, v) => (v === null || v === undefined ? "–" : fmtNum(v));
  return {
    width, height: HEIGHT,
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: { x: { time: false } },
    axes: [
      { ...axis, label: "run index", labelSize: 20, labelFont: "12px system-ui", incrs: INT_INCRS },
      { ...axis, size: 60, values: (u, vals) => vals.map(fmtNum) },
    ],
    series: [
      { label: "run", value: (u, v) => (v === null || v === undefined ? "–" : `#${v}`) },
      { label: metric.name, stroke: cssVar("--accent", "#2563eb"), width: 0, paths: () => null, value,
        points: { show: true, space: 0, size: 6, fill: cssVar("--accent", "#2563eb") } },
      { label: "best so far", stroke: cssVar("--ok", "#15803d"), width: 2, value, spanGaps: true,
        paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } },
    ],
  };
}

// The metric of each run (dots) and the best so far (a step line), over run index.
export function ProgressChart({ sweep }) {
  const host = useRef(null);
  const plot = useRef(null);
  const metric = sweep.metric;
  const data = useMemo(() => progressData(sweep.runs), [sweep]);
  const drawable = !!metric && data.value.some((v) => v !== null);

  useEffect(() => {
    if (!drawable) return;
    const columns = [data.x, data.value, data.best];
    if (plot.current) plot.current.setData(columns);
    else plot.current = new uPlot(chartOptions(metric, host.current.clientWidth || 600), columns, host.current);
    const u = plot.current;
    debug.sweep = { metric: metric.name, goal: metric.goal, x: data.x, value: data.value, best: data.best,
      painted: true, size: { width: u.width, height: u.height } };
  }, [data, drawable]);
  useEffect(() => {
    const el = host.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => {
      if (plot.current && el.clientWidth && el.clientWidth !== plot.current.width) {
        plot.current.setSize({ width: el.clientWidth, height: HEIGHT });
      }
    });
    ro.observe(el);
    return () => { ro.disconnect(); if (plot.current) plot.current.destroy(); plot.current = null; };
  }, []);

  return html`
    <div class="sweep-progress" data-testid="sweep-progress">
      ${!metric ? html`<p class="muted">The sweep's definition names no metric: add${" "}
        <code>metric: {name: val/loss, goal: minimize}</code> to chart its runs.</p>`
      : !drawable ? html`<p class="muted" data-testid="progress-empty">No run has logged${" "}
        <code>${metric.name}</code> yet.</p>` : null}
      <div class="rf-chart sweep-chart" ref=${host} hidden=${!drawable}></div>
    </div>`;
}

// A run as the plot's column of one member: its parameters and its metric value.
function columnOf(run, metric, color) {
  const summary = metric && typeof run.value === "number" ? { [metric.name]: run.value } : {};
  const name = run.name || run.run_id;
  return { label: name, color: color || cssVar("--muted", "#9ca3af"),
    members: [{ id: run.run_id, name, config: run.params || {}, summary }] };
}

// Parameters against the metric, a line per run coloured by how good its value is.
export function SweepParcoords({ sweep, params }) {
  const metric = sweep.metric;
  const dark = isDark(cssVar("--bg", "#ffffff"));
  const columns = useMemo(() => {
    const scale = metric ? goodnessScale(sweep.runs, metric.goal) : () => null;
    return sweep.runs.filter((r) => r.run_id).map((r) => columnOf(r, metric, goodnessColor(scale(r.value), dark)));
  }, [sweep, dark]);
  // Every varying parameter is an axis (the plot's own default stops at six).
  useState(() => {
    const p = readParams();
    const varying = varyingKeys(columns.map((c) => c.members[0].config)).filter((k) => params.includes(k));
    if (varying.length > MAX_DEFAULT_AXES && !p.has("axis") && !p.has("noaxis")) {
      updateParams((q) => { for (const k of varying) q.append("axis", k); });
    }
  });
  return html`
    <div class="sweep-parcoords" data-testid="sweep-parcoords">
      <${ParallelCoordinates} columns=${columns} kind="sweep" total=${columns.length} />
      ${metric ? html`<p class="note muted sweep-ramp">Each line is a run, coloured by its ${metric.name}:
        worst <span class="ramp" style=${{ background: ramp(dark) }}></span> best
        (${metric.goal === "maximize" ? "highest" : "lowest"}); grey: no value yet.</p>` : null}
    </div>`;
}

const ramp = (dark) => `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => goodnessColor(t, dark)).join(", ")})`;

// Each parameter's importance (η², normalised) and Spearman correlation with the metric.
export function ImportanceTable({ sweep }) {
  const rows = importanceRows(sweep.parameters);
  if (!sweep.metric) return html`<p class="muted">No metric: nothing to weigh the parameters against.</p>`;
  if (!rows.length) return html`<p class="muted">No parameters that vary.</p>`;
  const pct = (x) => `${(Math.abs(x) * 100).toFixed(1)}%`;
  return html`
    <table class="grid kv sweep-importance" data-testid="importance">
      <thead><tr><th>Parameter</th>
        <th title="The share of the metric's variance the parameter's values explain (η²), normalised to sum 1">
          Importance</th>
        <th title="Spearman rank correlation with the metric (numeric parameters)">Correlation</th></tr></thead>
      <tbody>${rows.map((r) => html`
        <tr data-testid="importance-row" data-param=${r.name}>
          <td class="param">${r.name}</td>
          <td class="barcell"><span class="bar"><span class="fill" style=${{ width: pct(r.importanceBar) }}></span></span>
            <span class="num" data-testid="importance-value">${r.importance === null ? "–" : r.importance.toFixed(3)}</span></td>
          <td class="barcell"><span class="bar diverging"><span class=${`fill ${r.correlationBar < 0 ? "neg" : "pos"}`}
            style=${{ width: pct(r.correlationBar / 2), left: r.correlationBar < 0 ? pct(0.5 + r.correlationBar / 2) : "50%" }}>
            </span></span>
            <span class="num" data-testid="correlation-value">${r.correlation === null ? "–" : r.correlation.toFixed(3)}</span></td>
        </tr>`)}</tbody>
    </table>`;
}
