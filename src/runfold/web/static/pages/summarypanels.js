// The workspace's summary panels: a bar chart (a summary metric per run or group,
// with the group's std or stderr as error bars), a scatter plot (two summary metrics
// or config values, a point per run or per group with std error bars), a scalar
// (one number with its groups' spread), parallel coordinates (pages/panel-parcoords.js)
// and the run comparer (pages/panel-comparer.js). Groups' numbers are the server's
// aggregates (lib/panelstats.js), so each panel plots what runfold.Api().groups() gives.
import { fmtNum } from "../lib/series.js";
import { barRows, extent, niceTicks, scalarOf, scatterPoints } from "../lib/panelstats.js";
import { compare, runValue } from "../lib/runvalues.js";
import { html, useEffect, useRef, useWidth } from "../lib/ui.js";
import { PANEL_LABELS, updatePanel } from "../lib/workspace.js";
import { Drawer } from "./chartparts.js";
import { ComparerPanel } from "./panel-comparer.js";
import { axisLabel, ParcoordsPanel, ParcoordsSettings } from "./panel-parcoords.js";

// What each panel plots, for tests: window.__runfoldPanels[panel id].
const debug = (window.__runfoldPanels = window.__runfoldPanels || {});

const ERRORS = { std: "std dev", stderr: "std error", none: "none" };

// data: {runs, groups, grouped, sort, summaryKeys, configKeys, colorOf(item)}
export function SummaryPanel({ panel, data, edit, head, tools }) {
  const s = panel.settings || {};
  const per = data.grouped && s.per !== "run" ? "group" : "run";
  const set = (patch) => edit((l) => updatePanel(l, panel.id, patch));
  const setting = (k, v) => set({ settings: { ...s, [k]: v } });
  const title = titleOf(panel, data);
  const pick = (name, label, value, options, onChange) => html`
    <label>${label} <select name=${name} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${Object.entries(options).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>`;
  const metrics = Object.fromEntries(data.summaryKeys.map((k) => [k, k]));
  const columns = Object.fromEntries([...data.summaryKeys.map((k) => `summary.${k}`),
    ...data.configKeys.map((k) => `config.${k}`)].map((c) => [c, c]));
  const perOptions = { group: "group", run: "run" };
  return html`
    <div class="panel rf-panel ws-summary" data-testid="summary-panel" data-type=${panel.type} data-panel=${panel.id}>
      <div class="rf-panel-head">
        ${head}
        <h3 title=${title}>${title} <span class="muted ws-kind">${PANEL_LABELS[panel.type]}</span></h3>
        <div class="rf-panel-tools">
          <${Drawer} title=${title} extra=${tools}>
            ${panel.type === "scatter" ? html`
              ${pick("x", "X", s.x || "", columns, (v) => setting("x", v))}
              ${pick("y", "Y", s.y || "", columns, (v) => setting("y", v))}`
              : panel.type === "parcoords"
                ? html`<${ParcoordsSettings} panel=${panel} data=${data} setting=${setting} />`
              : panel.type === "comparer" ? null
              : pick("metric", "Metric", panel.metric || "", metrics, (v) => set({ metric: v }))}
            ${!["scalar", "parcoords"].includes(panel.type)
              ? pick("per", "One per", s.per || "group", perOptions, (v) => setting("per", v)) : null}
            ${panel.type === "bar" ? pick("error", "Error bars", s.error || "std", ERRORS, (v) => setting("error", v)) : null}
          <//>
        </div>
      </div>
      ${data.loading ? html`<p class="loading">Loading…</p>`
        : panel.type === "bar" ? html`<${Bars} panel=${panel} data=${data} per=${per} />`
        : panel.type === "scatter" ? html`<${Scatter} panel=${panel} data=${data} per=${per} />`
        : panel.type === "parcoords" ? html`<${ParcoordsPanel} panel=${panel} data=${data} />`
        : panel.type === "comparer"
          ? html`<${ComparerPanel} panel=${panel} data=${data} per=${per} setting=${setting} />`
        : html`<${Scalar} panel=${panel} data=${data} />`}
    </div>`;
}

function titleOf(panel, data) {
  const s = panel.settings || {};
  if (panel.type === "scatter") return `${s.y || "?"} vs ${s.x || "?"}`;
  if (panel.type === "parcoords") return (s.axes || []).map(axisLabel).join(" · ") || "no axes";
  if (panel.type === "comparer") return data.grouped && s.per !== "run" ? "Groups side by side" : "Runs side by side";
  return panel.metric;
}

function sortedRows(rows, items, per, sort) {
  if (!sort) return rows;
  const desc = sort.startsWith("-");
  const col = desc ? sort.slice(1) : sort;
  const byKey = new Map(items.map((it) => [per === "group" ? JSON.stringify(it.key) : it.id, it]));
  const value = (row) => {
    const it = byKey.get(row.key);
    if (!it) return undefined;
    if (per === "run") return runValue(it, col);
    return col.startsWith("summary.") ? (it.summary?.[col.slice(8)] || {}).mean : it.name;
  };
  return [...rows].sort((a, b) => compare(value(a), value(b), desc));
}

const leftOut = (missing, per, what) => (missing
  ? html`<p class="note" data-testid="panel-missing">${missing} ${per === "group" ? "group" : "run"}${
    missing === 1 ? "" : "s"} without ${what} not shown.</p>` : null);

function Bars({ panel, data, per }) {
  const error = (panel.settings || {}).error || "std";
  const items = per === "group" ? data.groups : data.runs;
  const { rows: raw, missing } = barRows({ runs: data.runs, groups: data.groups, per, metric: panel.metric, error });
  const rows = sortedRows(raw, items, per, data.sort);
  useEffect(() => { debug[panel.id] = { type: "bar", per, metric: panel.metric, error, rows, missing }; });
  const range = extent([0, ...rows.flatMap((r) => [r.value, r.lo, r.hi])]) || [0, 1];
  const lo = Math.min(0, range[0]);
  const span = range[1] - lo || 1;
  const at = (v) => `${((v - lo) / span) * 100}%`;
  return html`
    <div class="ws-bars" style=${{ maxHeight: `${120 + 160 * panel.h}px` }} data-testid="bars">
      ${!rows.length ? html`<p class="muted">No run shown has ${panel.metric}.</p>` : null}
      ${rows.map((r) => html`<div class="ws-bar-row" data-key=${r.key} data-value=${r.value}
        title=${`${r.label}: ${fmtNum(r.value)}${r.lo === null ? "" : ` ± ${fmtNum(r.hi - r.value)}`} (n=${r.n})`}>
        <span class="ws-bar-label"><span class="swatch" style=${{ background: data.colorOf(r) }}></span>${r.label}</span>
        <span class="ws-bar-track">
          <span class="ws-bar" style=${{ left: at(Math.min(0, r.value)), width: `${(Math.abs(r.value) / span) * 100}%`,
            background: data.colorOf(r) }}></span>
          ${r.lo !== null ? html`<span class="ws-whisker" style=${{ left: at(r.lo), width: `${((r.hi - r.lo) / span) * 100}%` }}></span>` : null}
        </span>
        <span class="ws-bar-value">${fmtNum(r.value)}${r.lo !== null ? html` <span class="muted">± ${fmtNum(r.hi - r.value)}</span>` : null}
          ${per === "group" ? html` <span class="muted">n=${r.n}</span>` : null}</span>
      </div>`)}
    </div>
    ${leftOut(missing, per, panel.metric)}`;
}


const PAD = { left: 52, right: 12, top: 10, bottom: 34 };

function Scatter({ panel, data, per }) {
  const el = useRef(null);
  const width = useWidth(el);
  const s = panel.settings || {};
  const { points, missing } = scatterPoints({ runs: data.runs, groups: data.groups, per, x: s.x || "", y: s.y || "" });
  useEffect(() => { debug[panel.id] = { type: "scatter", per, x: s.x, y: s.y, points, missing }; });
  const height = 160 + 160 * panel.h;
  const xr = extent(points.flatMap((p) => [p.x, p.xErr === null ? p.x : p.x - p.xErr, p.xErr === null ? p.x : p.x + p.xErr])) || [0, 1];
  const yr = extent(points.flatMap((p) => [p.y, p.yErr === null ? p.y : p.y - p.yErr, p.yErr === null ? p.y : p.y + p.yErr])) || [0, 1];
  const w = Math.max(120, width);
  const sx = (v) => PAD.left + ((v - xr[0]) / (xr[1] - xr[0])) * (w - PAD.left - PAD.right);
  const sy = (v) => height - PAD.bottom - ((v - yr[0]) / (yr[1] - yr[0])) * (height - PAD.top - PAD.bottom);
  return html`
    <div class="ws-scatter" ref=${el} data-testid="scatter">
      ${width ? html`<svg width=${w} height=${height} role="img" aria-label=${`${s.y} against ${s.x}, one point per ${per}`}>
        <g class="ws-axis">
          ${niceTicks(xr[0], xr[1], Math.max(2, Math.floor(w / 90))).map((t) => html`
            <line x1=${sx(t)} x2=${sx(t)} y1=${PAD.top} y2=${height - PAD.bottom} class="ws-gridline" />
            <text x=${sx(t)} y=${height - PAD.bottom + 14} text-anchor="middle">${fmtNum(t)}</text>`)}
          ${niceTicks(yr[0], yr[1], Math.max(2, Math.floor(height / 50))).map((t) => html`
            <line x1=${PAD.left} x2=${w - PAD.right} y1=${sy(t)} y2=${sy(t)} class="ws-gridline" />
            <text x=${PAD.left - 6} y=${sy(t) + 4} text-anchor="end">${fmtNum(t)}</text>`)}
          <text x=${(PAD.left + w - PAD.right) / 2} y=${height - 4} text-anchor="middle" class="ws-axis-label">${s.x}</text>
          <text x=${PAD.left + 4} y=${PAD.top + 10} class="ws-axis-label">${s.y}</text>
        </g>
        ${points.map((p) => html`<g class="ws-point" data-key=${p.key} data-x=${p.x} data-y=${p.y}>
          ${p.yErr !== null ? html`<line x1=${sx(p.x)} x2=${sx(p.x)} y1=${sy(p.y - p.yErr)} y2=${sy(p.y + p.yErr)}
            stroke=${data.colorOf(p)} />` : null}
          ${p.xErr !== null ? html`<line x1=${sx(p.x - p.xErr)} x2=${sx(p.x + p.xErr)} y1=${sy(p.y)} y2=${sy(p.y)}
            stroke=${data.colorOf(p)} />` : null}
          <circle cx=${sx(p.x)} cy=${sy(p.y)} r="4.5" fill=${data.colorOf(p)}>
            <title>${p.label}: ${s.x} ${fmtNum(p.x)}, ${s.y} ${fmtNum(p.y)}${p.yErr !== null ? ` ± ${fmtNum(p.yErr)}` : ""}${per === "group" ? ` (n=${p.n})` : ""}</title></circle>
        </g>`)}
      </svg>` : null}
    </div>
    ${leftOut(missing, per, `both ${s.x} and ${s.y}`)}`;
}

function Scalar({ panel, data }) {
  const all = scalarOf(data.runs, panel.metric);
  const groups = data.grouped ? data.groups.map((g) => ({ g, s: (g.summary || {})[panel.metric] }))
    .filter((x) => x.s && typeof x.s.mean === "number") : [];
  useEffect(() => {
    debug[panel.id] = { type: "scalar", metric: panel.metric, value: all, groups: groups.map((x) => ({ key: x.g.key, ...x.s })) };
  });
  if (!all) return html`<p class="muted ws-scalar">No run shown has ${panel.metric}.</p>`;
  return html`
    <div class="ws-scalar" data-testid="scalar">
      <div class="ws-scalar-value" data-value=${all.mean} title="Mean over the runs shown">${fmtNum(all.mean)}</div>
      <div class="muted">${all.std !== null ? `± ${fmtNum(all.std)} (std) · ` : ""}min ${fmtNum(all.min)} · max ${fmtNum(all.max)} · ${all.n} ${all.n === 1 ? "run" : "runs"}</div>
      ${groups.length ? html`<ul class="ws-scalar-groups">${groups.map(({ g, s }) => html`
        <li data-key=${JSON.stringify(g.key)}><span class="swatch" style=${{ background: data.colorOf({ key: JSON.stringify(g.key), colorIndex: g.colorIndex }) }}></span>
          <span class="ws-bar-label">${g.label || g.name}</span>
          <span class="ws-bar-value">${fmtNum(s.mean)}${typeof s.std === "number" ? ` ± ${fmtNum(s.std)}` : ""} <span class="muted">n=${s.count}</span></span></li>`)}</ul>` : null}
    </div>`;
}
