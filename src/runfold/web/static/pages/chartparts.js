// Parts of a line chart's panel: its settings drawer and its legend (pages/charts.js
// draws the chart). The settings open in a drawer at the side of the page, which
// makes room for itself (the panels narrow), so it never covers the chart it edits.
import { SHADING_LABELS } from "../lib/bands.js";
import { LINES, SHADINGS } from "../lib/series.js";
import { html, useRef } from "../lib/ui.js";
export { pickLines } from "../lib/legend.js";
import { X_LABELS } from "./chartdraw.js";
import { DashSample } from "./chartstyle.js";

// A drawer opened closes the others, and brings its panel into view beside it.
export function onDrawerToggle(e) {
  const details = e.currentTarget;
  if (!details.open) return;
  for (const other of document.querySelectorAll("details.rf-drawer-host[open]")) {
    if (other !== details) other.open = false;
  }
  const panel = details.closest("[data-testid=chart-panel], [data-testid=summary-panel]");
  requestAnimationFrame(() => panel?.scrollIntoView({ block: "nearest" }));
}

function onDrawerKey(e) {
  if (e.key !== "Escape") return;
  const details = e.currentTarget.closest("details");
  details.open = false;
  details.querySelector("summary").focus();
}

// The drawer: a <details> whose body sits at the side of the page. `children` are its
// fields; `extra` the panel's own tools (workspace: type, size, section, copy, remove).
export function Drawer({ title, children, extra }) {
  const host = useRef(null);
  const close = () => {
    host.current.open = false;
    host.current.querySelector("summary").focus();
  };
  return html`
    <details class="rf-settings rf-drawer-host" ref=${host} onToggle=${onDrawerToggle}>
      <summary title="Chart settings">⚙ Advanced</summary>
      <div class="rf-settings-body rf-drawer" role="group" aria-label=${`Settings of ${title}`} onKeyDown=${onDrawerKey}>
        <div class="rf-drawer-title">${title}</div>
        ${children}
        ${extra || null}
        <button class="rf-drawer-close" data-testid="drawer-close" onClick=${close}>Close</button>
      </div>
    </details>`;
}

export function Settings({ metric, settings, set, keys, extra }) {
  return html`
    <${Drawer} title=${metric} extra=${extra}>
      <label>Line <select name="line" value=${settings.line} onChange=${(e) => set("line", e.target.value)}>
        ${LINES.map((l) => html`<option value=${l}>${l}</option>`)}</select></label>
      <label>Shading <select name="shading" value=${settings.shading} onChange=${(e) => set("shading", e.target.value)}>
        ${SHADINGS.map((s) => html`<option value=${s}>${SHADING_LABELS[s]}</option>`)}</select></label>
      <label>X axis <select name="x" value=${settings.x} onChange=${(e) => set("x", e.target.value)}>
        ${Object.entries(X_LABELS).map(([v, l]) => html`<option value=${v}>${l}</option>`)}
        ${keys.filter((k) => k !== metric).map((k) => html`<option value=${k}>${k}</option>`)}</select></label>
      <label>Smoothing <input type="range" name="smoothing" min="0" max="0.99" step="0.01"
        value=${settings.smoothing} onChange=${(e) => set("smoothing", Number(e.target.value))} />
        <span class="rf-num">${settings.smoothing.toFixed(2)}</span></label>
      <label><input type="checkbox" name="log" checked=${settings.log}
        onChange=${(e) => set("log", e.target.checked)} /> log scale</label>
      <label>Max lines <input type="number" name="max" min="1" max="500" value=${settings.max}
        onChange=${(e) => set("max", Math.max(1, Math.min(500, Math.round(Number(e.target.value)) || 1)))} /></label>
    <//>`;
}

// The lines drawn, each with its group's label and run count. A click isolates a line
// (again: all lines), shift-click shows or hides just that one; hovering one brings it
// forward in the chart. The runs table's eye hides lines for every chart at once (the
// keyboard's way), so the legend is no stop for Tab, even when it scrolls.
export function Legend({ items, off, onPick, onHover }) {
  const pick = (i) => (e) => onPick && onPick(i, e.shiftKey);
  return html`
    <ul class=${`rf-legend${onPick ? " rf-legend-live" : ""}`} data-testid="chart-legend" aria-label="Lines drawn"
      tabindex="-1"
      title=${onPick ? "Click: only this line (again: all). Shift-click: show or hide this line." : undefined}
      onMouseLeave=${() => onHover && onHover(null)}>
      ${items.map((it, i) => html`<li data-group=${it.name} data-dash=${it.dash ? it.dash.name : undefined}
        class=${off && off.has(i) ? "off" : undefined} onClick=${pick(i)}
        onMouseEnter=${() => onHover && onHover(i)}>
        ${it.dash ? html`<${DashSample} color=${it.color} dash=${it.dash} />`
          : html`<span class="swatch" style=${{ background: it.color }}></span>`}<span class="rf-legend-name"
          title=${it.label}>${it.label}</span>
        <span class="muted rf-legend-n">${it.runs === 1 ? "1 run" : `${it.runs} runs`}${
          it.running ? `, ${it.running} running` : ""}</span>
      </li>`)}
    </ul>`;
}
