// The compare page's parallel-coordinates plot (SVG): one axis per chosen config key and a
// last one for a summary metric; one line per run (a group's runs in the group's colour).
// The maths is lib/parcoords.js; window.__runfoldParcoords holds what is drawn, for tests.
// Its drawing, ParcoordsPlot, also draws the workspace's panel (any axes, any lines).
import { flatten, isNumber } from "../lib/diff.js";
import {
  axisCandidates, axisTicks, buildAxis, defaultAxes, defaultMetric, layout, tickLabel, varyingKeys,
} from "../lib/parcoords.js";
import { readParams, updateParams } from "../lib/url.js";
import { html, useEffect, useMemo, useRef, useState, useWidth } from "../lib/ui.js";
import { fmt } from "./common.js";

const HEIGHT = 340;
const METRIC_AXIS = "\u0000metric"; // the summary axis' key: never a config path

// Lines: every member run of every column, in its column's colour.
function linesOf(columns) {
  return columns.flatMap((c) => c.members.map((r) => ({
    id: r.id, name: r.name, column: c.label, color: c.color,
    config: flatten(r.config), summary: r.summary || {},
  })));
}

function readChoice(candidates, configs, summaries) {
  const p = readParams();
  const asked = p.getAll("axis");
  const axes = p.has("noaxis") ? [] : asked.length ? asked.filter((k) => candidates.includes(k))
    : defaultAxes(configs);
  return { axes, metric: p.get("metric") || defaultMetric(summaries) };
}

export function ParallelCoordinates({ columns, kind, total }) {
  const runs = useMemo(() => linesOf(columns), [columns]);
  const configs = useMemo(() => runs.map((r) => r.config), [runs]);
  const candidates = useMemo(() => axisCandidates(configs), [configs]);
  const varying = useMemo(() => new Set(varyingKeys(configs, candidates)), [configs, candidates]);
  const metrics = useMemo(() => numericKeys(runs.map((r) => r.summary)), [runs]);
  const [choice, setChoice] = useState(() => readChoice(candidates, configs, runs.map((r) => r.summary)));

  const setAxes = (axes) => {
    setChoice({ ...choice, axes });
    updateParams((p) => {
      p.delete("axis");
      p.delete("noaxis");
      if (!axes.length) p.set("noaxis", "1");
      for (const k of axes) p.append("axis", k);
    });
  };
  const setMetric = (metric) => {
    setChoice({ ...choice, metric });
    updateParams((p) => p.set("metric", metric));
  };
  const toggle = (key, on) => setAxes(on ? candidates.filter((k) => k === key || choice.axes.includes(k))
    : choice.axes.filter((k) => k !== key));
  const capped = total > runs.length;
  return html`
    <section class="cmp-section" data-testid="parcoords-section">
      <h2>Parallel coordinates</h2>
      <div class="toolbar pc-controls">
        <label>Metric <select data-testid="pc-metric" value=${choice.metric || ""}
          onChange=${(e) => setMetric(e.target.value)}>
          ${metrics.map((m) => html`<option value=${m}>${m}</option>`)}</select></label>
        <span class="label">Axes</span>
        <span class="pc-axes">${candidates.map((k) => html`
          <label class=${varying.has(k) ? "" : "muted"}
            title=${varying.has(k) ? "varies" : "the same in every run"}>
            <input type="checkbox" data-testid="pc-axis" value=${k} checked=${choice.axes.includes(k)}
              onChange=${(e) => toggle(k, e.target.checked)} />${k}</label>`)}</span>
      </div>
      ${capped ? html`<p class="note muted" data-testid="pc-capped">Showing the first ${runs.length} of
        ${total} runs.</p>` : null}
      ${!runs.length ? html`<p class="muted">No runs.</p>`
        : html`<${Plot} runs=${runs} axisKeys=${choice.axes} metric=${choice.metric} kind=${kind} />`}
    </section>`;
}

function numericKeys(summaries) {
  const keys = new Set();
  for (const s of summaries) for (const [k, v] of Object.entries(s)) if (isNumber(v)) keys.add(k);
  return [...keys].sort();
}


// The compare page's plot: the chosen config keys, then the metric; its record is
// window.__runfoldParcoords.
function Plot({ runs, axisKeys, metric, kind }) {
  const axes = useMemo(() => [...axisKeys.map((k) => ({ key: k, label: k })),
    ...(metric ? [{ key: METRIC_AXIS, label: metric, metric: true }] : [])], [axisKeys.join("\n"), metric]);
  const lines = useMemo(() => runs.map((r) => ({ ...r, values: { ...r.config, [METRIC_AXIS]: r.summary[metric] } })),
    [runs, metric]);
  const publish = (drawn) => { window.__runfoldParcoords = { kind, metric, ...drawn }; };
  return html`<${ParcoordsPlot} lines=${lines} axes=${axes} onDraw=${publish}
    hint="Pick a config key as an axis (and a metric) to draw the plot." />`;
}

// Parallel coordinates in SVG (also the workspace's panel, pages/panel-parcoords.js):
// lines [{id, name, column, color, values: {axis key: value}}], axes [{key, label,
// metric}] left to right; onDraw(record) gets what is drawn (axes, lines, size).
export function ParcoordsPlot({ lines, axes, height = HEIGHT, onDraw, hint }) {
  const host = useRef(null);
  const width = useWidth(host, 960);
  const [hover, setHover] = useState(null); // {id, x, y}
  const plot = useMemo(() => {
    const built = axes.map((a) => ({ ...buildAxis(a.key, lines.map((l) => l.values[a.key])), label: a.label,
      metric: !!a.metric }));
    return layout(built, lines, { width, height });
  }, [lines, axes, width, height]);

  useEffect(() => {
    if (!onDraw) return;
    onDraw({
      width, height,
      axes: plot.axes.map((a) => ({ key: a.label, metric: a.metric, kind: a.kind, min: a.min, max: a.max,
        categories: a.categories, x: a.x })),
      lines: plot.lines.map((l, i) => ({ id: l.id, name: lines[i].name, column: lines[i].column,
        color: lines[i].color, values: l.values, points: l.points })),
    });
  }, [plot]);

  // the box is there from the start, so its width is measured before the plot is drawn
  if (plot.axes.length < 2) {
    return html`<div class="pc-wrap" ref=${host}><p class="muted" data-testid="pc-hint">${hint}</p></div>`;
  }
  const hovered = hover && plot.lines.findIndex((l) => l.id === hover.id);
  const pts = (l) => l.points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  return html`
    <div class="pc-wrap" ref=${host}>
      <svg class=${`pc${hover ? " has-hover" : ""}`} width=${width} height=${height} data-testid="parcoords"
        onMouseLeave=${() => setHover(null)}>
        ${plot.axes.map((a) => html`<${Axis} axis=${a} plot=${plot} />`)}
        <g class="pc-lines">${plot.lines.map((l, i) => html`
          <polyline class="pc-line" data-id=${l.id} points=${pts(l)} stroke=${lines[i].color} />`)}</g>
        <g class="pc-hits">${plot.lines.map((l) => html`
          <polyline class="pc-hit" data-id=${l.id} points=${pts(l)}
            onMouseMove=${(e) => setHover({ id: l.id, ...at(e, host.current) })}
            onMouseLeave=${() => setHover(null)} />`)}</g>
        ${hovered !== null && hovered >= 0 ? html`<polyline class="pc-line pc-hovered"
          points=${pts(plot.lines[hovered])} stroke=${lines[hovered].color} />` : null}
      </svg>
      ${hovered !== null && hovered >= 0 ? html`<${Tip} run=${lines[hovered]} line=${plot.lines[hovered]}
        axes=${plot.axes} pos=${hover} width=${width} />` : null}
    </div>`;
}

function at(e, el) {
  const box = el.getBoundingClientRect();
  return { x: e.clientX - box.left, y: e.clientY - box.top };
}

function label(value) {
  if (value === undefined || value === null) return "–";
  if (typeof value === "number") return fmt(value);
  return String(value);
}

function short(text, n = 22) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function Axis({ axis, plot }) {
  const name = axis.label;
  const index = plot.axes.indexOf(axis);
  const missing = plot.lines.some((l) => l.ts[index] === null);
  const anchor = axis === plot.axes[plot.axes.length - 1] ? "end" : axis === plot.axes[0] ? "start" : "middle";
  return html`
    <g class=${`pc-axis${axis.metric ? " metric" : ""}`} data-key=${name}
      data-kind=${axis.kind}>
      <line x1=${axis.x} x2=${axis.x} y1=${plot.top} y2=${plot.y0} />
      <text class="pc-title" x=${axis.x} y=${plot.top - 16} text-anchor=${anchor}>
        <title>${name}</title>${short(name)}</text>
      ${axisTicks(axis).map((t) => html`
        <g class="pc-tick"><line x1=${axis.x - 4} x2=${axis.x} y1=${plot.yOf(t.t)} y2=${plot.yOf(t.t)} />
          <text x=${axis.x - 6} y=${plot.yOf(t.t) + 4} text-anchor="end">${short(tickLabel(t.value), 14)}</text>
        </g>`)}
      ${axis.kind === "log" ? html`<text class="pc-scale" x=${axis.x + 4} y=${plot.y0 + 32}>log</text>` : null}
      ${missing ? html`<text class="pc-none" x=${axis.x - 6} y=${plot.yOf(null) + 4}
        text-anchor="end">(none)</text>` : null}
    </g>`;
}

function Tip({ run, line, axes, pos, width }) {
  const left = pos.x + 260 > width ? Math.max(0, pos.x - 260) : pos.x + 14;
  return html`
    <div class="rf-tip pc-tip" data-testid="pc-tooltip" style=${{ left: `${left}px`, top: `${pos.y + 10}px` }}>
      <div class="rf-tip-row"><span class="swatch" style=${{ background: run.color }}></span>
        <b class="rf-tip-name" data-testid="pc-tip-name">${run.name}</b></div>
      ${run.column !== run.name ? html`<div class="muted">${run.column}</div>` : null}
      ${axes.map((a, i) => html`<div class="rf-tip-row"><span class="rf-tip-name muted">
        ${a.label}</span>
        <span class="rf-tip-val">${label(line.values[i])}</span></div>`)}
    </div>`;
}
