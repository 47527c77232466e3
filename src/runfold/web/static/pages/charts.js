// Grouped line charts: a panel per metric, in sections by key prefix (DESIGN §2.6–2.8).
// ChartsSection fetches the metric keys, then one series request for every metric shown;
// a panel whose own settings need other data (x axis, smoothing) fetches just its metric.
import { html, render, useEffect, useMemo, useRef, useState } from "../lib/ui.js";
import { enc, getJSON } from "../lib/api.js";
import { SHADING_LABELS } from "../lib/bands.js";
import {
  alignSeries, chartSections, defaultMetrics, fmtNum, LINES, SHADINGS, seriesIndex,
  toUPlotData, tooltipModel,
} from "../lib/series.js";
import uPlot from "../vendor/uplot-1.6.32.mjs";

const PALETTE = [
  "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
  "#ea580c", "#4f46e5", "#059669", "#9333ea", "#0284c7", "#ca8a04", "#e11d48", "#475569",
];
export const defaultColorOf = (index) => PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];

export const DEFAULT_SETTINGS = { line: "mean", shading: "minmax", x: "_step", smoothing: 0, log: false, max: 20 };
const X_LABELS = { _step: "step", _timestamp: "wall time", _runtime: "relative time (s)" };
const HEIGHT = 220;

// What the page shows, for tests and for "export gives exactly what is plotted".
const debug = (window.__runfoldCharts = window.__runfoldCharts || {});

function seriesParams({ by, filters }, metrics, settings) {
  const grouped = by === undefined || (Array.isArray(by) ? by.length > 0 : !!by);
  const params = { metric: metrics, x: settings.x };
  if (grouped && by !== undefined) params.by = by;
  if (!grouped) params.ungrouped = "true";
  if (settings.smoothing > 0) params.smoothing = settings.smoothing;
  if (filters && (typeof filters === "string" ? filters : Object.keys(filters).length)) {
    params.filters = typeof filters === "string" ? filters : JSON.stringify(filters);
  }
  return params;
}

const needsOwnFetch = (s) => s.x !== DEFAULT_SETTINGS.x || s.smoothing > 0;

export function ChartsSection({ project, by, filters, colorOf = defaultColorOf, limit = 8 }) {
  const [keys, setKeys] = useState(null);
  const [shown, setShown] = useState(limit);
  const [shared, setShared] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState({});
  const filtersKey = typeof filters === "string" ? filters : JSON.stringify(filters || null);
  const byKey = JSON.stringify(by === undefined ? null : by);

  useEffect(() => {
    let live = true;
    setKeys(null);
    getJSON(`/projects/${enc(project)}/metrics`)
      .then((body) => live && setKeys(body.metrics))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project]);

  const metrics = useMemo(() => (keys ? defaultMetrics(keys, shown) : []), [keys, shown]);
  const sections = useMemo(() => (keys ? chartSections(keys) : []), [keys]);

  useEffect(() => {
    if (!metrics.length) return undefined;
    let live = true;
    getJSON(`/projects/${enc(project)}/series`, seriesParams({ by, filters }, metrics, DEFAULT_SETTINGS))
      .then((body) => live && setShared(body.series))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project, metrics.join("\n"), byKey, filtersKey]);

  if (error) return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
  if (!keys) return html`<p class="loading">Loading charts…</p>`;
  if (!keys.length) return html`<p class="muted" data-testid="charts-empty">No metrics logged yet: <code>run.log({"loss": 0.1})</code> draws the first chart.</p>`;
  const total = sections.filter((s) => !s.system).reduce((n, s) => n + s.keys.length, 0);
  const ctx = { project, by, filters, colorOf, keys };
  return html`
    <div class="rf-charts" data-testid="charts">
      ${total > metrics.length ? html`
        <p class="note" data-testid="charts-capped">Showing ${metrics.length} of ${total} metrics.
          <button class="rf-link" onClick=${() => setShown(total)}>Show all</button></p>` : null}
      ${sections.map((s) => {
        const isOpen = open[s.id] ?? !s.collapsed;
        const keysHere = s.system ? s.keys : s.keys.filter((k) => metrics.includes(k));
        if (!keysHere.length) return null;
        return html`
          <section class="rf-chart-section" data-section=${s.id} key=${s.id}>
            <h2><button class="rf-toggle" aria-expanded=${isOpen}
              onClick=${() => setOpen({ ...open, [s.id]: !isOpen })}>${isOpen ? "▾" : "▸"} ${s.title}</button>
              <span class="muted rf-count">${keysHere.length}</span></h2>
            ${isOpen ? html`<div class="charts">
              ${keysHere.map((m) => html`<${ChartPanel} key=${m} metric=${m} ctx=${ctx}
                  shared=${s.system ? undefined : shared?.[m]} />`)}
            </div>` : null}
          </section>`;
      })}
    </div>`;
}

function ChartPanel({ metric, ctx, shared }) {
  const [settings, setSettings] = useState(DEFAULT_SETTINGS);
  const [own, setOwn] = useState(null);
  const [error, setError] = useState(null);
  const own_ = needsOwnFetch(settings) || shared === undefined;
  const filtersKey = JSON.stringify(ctx.filters || null);

  useEffect(() => {
    if (!own_) { setOwn(null); return undefined; }
    let live = true;
    getJSON(`/projects/${enc(ctx.project)}/series`, seriesParams(ctx, [metric], settings))
      .then((body) => live && setOwn(body.series[metric] || []))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [own_, ctx.project, metric, settings.x, settings.smoothing, JSON.stringify(ctx.by ?? null), filtersKey]);

  const entries = own_ ? own : shared;
  const set = (k, v) => setSettings({ ...settings, [k]: v });
  return html`
    <div class="panel rf-panel" data-metric=${metric} data-testid="chart-panel">
      <div class="rf-panel-head">
        <h3>${metric}</h3>
        <details class="rf-settings">
          <summary title="Chart settings">⚙ Advanced</summary>
          <div class="rf-settings-body">
            <label>Line <select name="line" value=${settings.line} onChange=${(e) => set("line", e.target.value)}>
              ${LINES.map((l) => html`<option value=${l}>${l}</option>`)}</select></label>
            <label>Shading <select name="shading" value=${settings.shading} onChange=${(e) => set("shading", e.target.value)}>
              ${SHADINGS.map((s) => html`<option value=${s}>${SHADING_LABELS[s]}</option>`)}</select></label>
            <label>X axis <select name="x" value=${settings.x} onChange=${(e) => set("x", e.target.value)}>
              ${Object.entries(X_LABELS).map(([v, l]) => html`<option value=${v}>${l}</option>`)}
              ${ctx.keys.filter((k) => k !== metric).map((k) => html`<option value=${k}>${k}</option>`)}</select></label>
            <label>Smoothing <input type="range" name="smoothing" min="0" max="0.99" step="0.01"
              value=${settings.smoothing} onChange=${(e) => set("smoothing", Number(e.target.value))} />
              <span class="rf-num">${settings.smoothing.toFixed(2)}</span></label>
            <label><input type="checkbox" name="log" checked=${settings.log}
              onChange=${(e) => set("log", e.target.checked)} /> log scale</label>
            <label>Max lines <input type="number" name="max" min="1" max="500" value=${settings.max}
              onChange=${(e) => set("max", Math.max(1, Number(e.target.value) || 1))} /></label>
          </div>
        </details>
      </div>
      ${error ? html`<p class="error">${String(error.message || error)}</p>`
        : !entries ? html`<div class="rf-chart-placeholder loading">Loading…</div>`
        : !entries.length ? html`<div class="rf-chart-placeholder muted">No data for the runs shown.</div>`
        : html`<${Chart} metric=${metric} entries=${entries} settings=${settings} colorOf=${ctx.colorOf} />`}
    </div>`;
}

function translucent(color, alpha = 0.18) {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color || "");
  if (hex) {
    let h = hex[1];
    if (h.length === 3) h = h.split("").map((c) => c + c).join("");
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r},${g},${b},${alpha})`;
  }
  const fn = /^(rgb|hsl)a?\((.*)\)$/i.exec(color || "");
  if (fn) {
    const parts = fn[2].includes(",") ? fn[2].split(",").slice(0, 3).join(",") : fn[2].split("/")[0].trim().split(/\s+/).join(",");
    return `${fn[1].toLowerCase()}a(${parts},${alpha})`;
  }
  return color;
}

const css = (name, fallback) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
const INT_INCRS = [];
for (let e = 0; e < 12; e++) for (const m of [1, 2, 5]) INT_INCRS.push(m * 10 ** e);

function fmtX(v, x) {
  if (v === null || v === undefined) return "–";
  if (x === "_timestamp") return new Date(v * 1000).toISOString().slice(0, 19).replace("T", " ");
  return fmtNum(v);
}

// The plotted state of one chart: what uPlot draws, as plain arrays.
export function plotState(metric, entries, settings) {
  const drawn = entries.slice(0, settings.max);
  const aligned = alignSeries(drawn, settings);
  return { metric, settings: { ...settings }, total: entries.length, drawn, aligned, data: toUPlotData(aligned) };
}

function Chart({ metric, entries, settings, colorOf }) {
  const el = useRef(null);
  const state = useMemo(() => plotState(metric, entries, settings), [metric, entries, settings]);

  useEffect(() => {
    const host = el.current;
    const { aligned, data, drawn } = state;
    const colors = drawn.map((e, i) => colorOf(i, e.name));
    const muted = css("--muted", "#6b7280");
    const grid = css("--line", "#e5e7eb");
    const series = [{ label: X_LABELS[settings.x] || settings.x, value: (u, v) => fmtX(v, settings.x) }];
    const bands = [];
    aligned.groups.forEach((g, gi) => {
      series.push({ label: g.name, stroke: colors[gi], width: 1.5, points: { show: false } });
      series.push({ label: `${g.name} upper`, stroke: "transparent", width: 0, points: { show: false } });
      series.push({ label: `${g.name} lower`, stroke: "transparent", width: 0, points: { show: false } });
      if (settings.shading !== "none") {
        const s = seriesIndex(gi);
        bands.push({ series: [s.upper, s.lower], fill: translucent(colors[gi]) });
      }
    });
    const tip = document.createElement("div");
    tip.className = "rf-tip";
    tip.dataset.testid = "chart-tooltip";
    tip.hidden = true;
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts = {
      width: Math.max(200, host.clientWidth), height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: { x: { time: settings.x === "_timestamp" }, y: { distr: settings.log ? 3 : 1 } },
      axes: [
        { ...axis, label: X_LABELS[settings.x] || settings.x, labelSize: 20, labelFont: "12px system-ui",
          ...(settings.x === "_step" ? { incrs: INT_INCRS } : {}) },
        { ...axis, size: 56, values: (u, vals) => vals.map(fmtNum) },
      ],
      series, bands,
      hooks: {
        setCursor: [(u) => showTip(u, tip, state, entries, colors, settings)],
      },
    };
    const u = new uPlot(opts, data, host);
    u.over.appendChild(tip);
    debug[metric] = {
      metric, settings: state.settings, total: state.total, drawnGroups: drawn.length,
      x: aligned.x,
      groups: aligned.groups.map((g, gi) => ({ name: g.name, key: g.key, color: colors[gi], line: g.line, lo: g.lo, hi: g.hi, n: g.n })),
      bands: bands.map((b) => b.series),
      data: u.data,
    };
    let width = host.clientWidth;
    const ro = new ResizeObserver(() => {
      if (host.clientWidth && host.clientWidth !== width) {
        width = host.clientWidth;
        u.setSize({ width: Math.max(200, width), height: HEIGHT });
      }
    });
    ro.observe(host);
    return () => { ro.disconnect(); u.destroy(); };
  }, [state, colorOf]);

  const capped = state.total > state.drawn.length;
  return html`
    <div class="rf-chart" ref=${el}></div>
    ${capped ? html`<p class="note" data-testid="chart-capped">Showing ${state.drawn.length} of ${state.total} ${state.total === 1 ? "line" : "lines"} (raise “Max lines” in Advanced).</p>` : null}
    <div class="rf-chart-foot">
      <button class="rf-link" onClick=${() => download(`${metric}.json`, "application/json", exportJSON(state))}>JSON</button>
      <button class="rf-link" onClick=${() => download(`${metric}.csv`, "text/csv", exportCSV(state))}>CSV</button>
    </div>`;
}

function showTip(u, tip, state, entries, colors, settings) {
  const j = u.cursor.idx;
  const model = tooltipModel(state.aligned, state.drawn, j);
  if (!model || !model.rows.length || u.cursor.left < 0) { tip.hidden = true; return; }
  tip.textContent = "";
  const head = document.createElement("div");
  head.className = "rf-tip-x";
  head.textContent = model.range
    ? `${X_LABELS[settings.x] || settings.x} ${fmtX(model.range[0], settings.x)} – ${fmtX(model.range[1], settings.x)}`
    : `${X_LABELS[settings.x] || settings.x} ${fmtX(model.x, settings.x)}`;
  tip.appendChild(head);
  for (const r of model.rows.slice(0, 12)) {
    const row = document.createElement("div");
    row.className = "rf-tip-row";
    row.dataset.group = r.name;
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = colors[r.index];
    const name = document.createElement("span");
    name.className = "rf-tip-name";
    name.textContent = r.name;
    const val = document.createElement("span");
    val.className = "rf-tip-val";
    val.textContent = `${settings.line} ${fmtNum(r.value)}` + (r.band ? ` [${fmtNum(r.band[0])}, ${fmtNum(r.band[1])}]` : "");
    const n = document.createElement("span");
    n.className = "rf-tip-n";
    n.dataset.n = String(r.n);
    n.textContent = `n=${r.n}`;
    row.append(sw, name, val, n);
    tip.appendChild(row);
  }
  if (model.rows.length > 12) {
    const more = document.createElement("div");
    more.className = "muted";
    more.textContent = `+${model.rows.length - 12} more`;
    tip.appendChild(more);
  }
  tip.hidden = false;
  const w = u.over.clientWidth;
  const tw = tip.offsetWidth;
  const left = u.cursor.left + 12;
  tip.style.left = `${left + tw > w ? Math.max(-u.over.offsetLeft, u.cursor.left - tw - 12) : left}px`;
  tip.style.top = "4px";
}

export function exportJSON(state) {
  const { aligned, settings, metric } = state;
  return JSON.stringify({
    metric, settings, x: aligned.x,
    groups: aligned.groups.map((g) => ({ name: g.name, key: g.key, line: g.line, lower: g.lo, upper: g.hi, n: g.n })),
  });
}

export function exportCSV(state) {
  const { aligned, settings } = state;
  const q = (s) => `"${String(s).replaceAll('"', '""')}"`;
  const rows = [["group", settings.x, settings.line, "lower", "upper", "n"].map(q).join(",")];
  for (const g of aligned.groups) {
    aligned.x.forEach((x, j) => {
      if (g.src[j] < 0) return;
      rows.push([q(g.name), x, g.line[j] ?? "", g.lo[j] ?? "", g.hi[j] ?? "", g.n[j] ?? ""].join(","));
    });
  }
  return rows.join("\n") + "\n";
}

function download(name, type, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// Mount the charts into an element (developer page, tests, embedding).
export function mountCharts(el, props) {
  render(html`<${ChartsSection} ...${props} />`, el);
}
