// Editing the workspace's layout from the keyboard as well as the mouse: a panel's own
// tools (in its settings drawer: size, section, order, copy, remove), "+ Panel" in a
// section's heading, and a section's menu (rename, move up and down: the keyboard's
// way of dragging its heading, pages/panelgrid.js; remove).
import { html, useRef, useState } from "../lib/ui.js";
import { panelAxes } from "../lib/parcoords.js";
import {
  addPanel, duplicatePanel, moveSection, movePanel, PANEL_LABELS, PANEL_TYPES, removePanel, removeSection,
  renameSection, shiftPanel, updatePanel,
} from "../lib/workspace.js";

const WIDTHS = { 1: "1 column", 2: "2 columns", 3: "3 columns" };
const HEIGHT_NAMES = { 1: "small", 2: "medium", 3: "large" };
const LINES = { group: "the page's grouping", runs: "one per run" };

// Focus a panel's drawer button once it is drawn (after a copy or a move).
function focusPanel(id) {
  requestAnimationFrame(() => {
    const box = [...document.querySelectorAll(".ws-panel")].find((el) => el.dataset.panelId === id);
    box?.scrollIntoView({ block: "nearest" });
  });
}

export function PanelTools({ panel, section, layout, edit }) {
  const set = (patch) => edit((l) => updatePanel(l, panel.id, patch));
  const copy = () => {
    let made = null;
    edit((l) => { const [next, id] = duplicatePanel(l, panel.id); made = id; return next; });
    if (made) focusPanel(made);
  };
  const select = (name, label, value, options, onChange) => html`
    <label>${label} <select name=${name} value=${String(value)} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${Object.entries(options).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>`;
  const sections = Object.fromEntries(layout.sections.map((s) => [s.id, s.title]));
  return html`
    <fieldset class="rf-panel-edit" data-testid="panel-tools">
      <legend>Panel</legend>
      ${panel.type === "line" ? select("panel-lines", "Lines", (panel.settings || {}).lines || "group", LINES,
        (v) => set({ settings: { ...(panel.settings || {}), lines: v } })) : null}
      ${select("panel-w", "Width", panel.w, WIDTHS, (v) => set({ w: Number(v) }))}
      ${select("panel-h", "Height", panel.h, HEIGHT_NAMES, (v) => set({ h: Number(v) }))}
      ${select("panel-section", "Section", section.id, sections, (v) => {
        edit((l) => movePanel(l, panel.id, v));
        focusPanel(panel.id);
      })}
      <div class="rf-panel-edit-buttons">
        <button data-testid="panel-earlier" onClick=${() => edit((l) => shiftPanel(l, panel.id, -1))}>← Earlier</button>
        <button data-testid="panel-later" onClick=${() => edit((l) => shiftPanel(l, panel.id, 1))}>Later →</button>
        <button data-testid="panel-duplicate" onClick=${copy}>Duplicate</button>
        <button data-testid="panel-remove" class="rf-danger"
          onClick=${() => edit((l) => removePanel(l, panel.id))}>Remove panel</button>
      </div>
    </fieldset>`;
}

// The choices of a new panel: the metric of a line, the summary metric of a bar or a
// scalar, the x and y of a scatter plot (summary metrics and config values), the last
// axis of parallel coordinates (after the config values that vary; the drawer changes
// them); the run comparer needs none.
export function AddPanel({ section, edit, keys, summary }) {
  const host = useRef(null);
  const summaryKeys = summary ? summary.summaryKeys : [];
  const configKeys = summary ? summary.configKeys : [];
  const columns = [...summaryKeys.map((k) => `summary.${k}`), ...configKeys.map((k) => `config.${k}`)];
  const [type, setType] = useState("line");
  const [metric, setMetric] = useState("");
  const [x, setX] = useState("");
  const [y, setY] = useState("");
  const [per, setPer] = useState("group");
  const lineKeys = (keys || []).filter((k) => !k.startsWith("system/"));
  const metricOptions = type === "line" ? lineKeys : summaryKeys;
  const chosen = metric || metricOptions[0] || "";
  const add = () => {
    const made = newPanel(type, { metric: chosen, x, y, per, columns, summaryKeys, runs: summary ? summary.runs : [] });
    if (!made) return;
    let id = null;
    edit((l) => {
      const [next, madeId] = addPanel(l, section.id, type, made.metric, made.settings);
      id = madeId;
      return next;
    });
    host.current.open = false;
    if (id) focusPanel(id);
  };
  const pick = (name, label, value, options, onChange) => html`
    <label>${label} <select name=${name} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${options.map((o) => html`<option value=${o}>${o}</option>`)}</select></label>`;
  return html`
    <details class="ws-add ws-pop" ref=${host}>
      <summary data-testid="add-panel" title=${`Add a panel to ${section.title}`}>+ Panel</summary>
      <div class="ws-pop-body" role="group" aria-label=${`New panel in ${section.title}`}>
        <label>Type <select name="type" value=${type} onChange=${(e) => { setType(e.currentTarget.value); setMetric(""); }}>
          ${PANEL_TYPES.map((t) => html`<option value=${t}>${PANEL_LABELS[t]}</option>`)}</select></label>
        ${type === "scatter" ? html`
          ${pick("x", "X", x || columns.find((c) => c.startsWith("config.")) || columns[0] || "", columns, setX)}
          ${pick("y", "Y", y || (summaryKeys[0] ? `summary.${summaryKeys[0]}` : ""), columns, setY)}`
          : type === "comparer" ? null
          : pick("metric", type === "parcoords" ? "Last axis" : "Metric", chosen, metricOptions, setMetric)}
        ${["scatter", "bar", "comparer"].includes(type) ? pick("per", "One per", per, ["group", "run"], setPer) : null}
        ${!metricOptions.length && !["line", "comparer"].includes(type)
          ? html`<p class="muted">No numeric summary yet.</p>` : null}
        <button class="rf-button primary" data-testid="add-panel-apply" onClick=${add}>Add</button>
      </div>
    </details>`;
}

// {metric, settings} of a new panel of `type` from the menu's choices, or null when it
// has nothing to show yet.
function newPanel(type, { metric, x, y, per, columns, summaryKeys, runs }) {
  if (type === "scatter") {
    const settings = {
      x: x || columns.find((c) => c.startsWith("config.")) || columns[0], y: y || `summary.${summaryKeys[0]}`, per,
    };
    return { metric: null, settings };
  }
  if (type === "parcoords") return { metric: null, settings: { axes: panelAxes(runs, metric || null) } };
  if (type === "comparer") return { metric: null, settings: { per, only: true } };
  if (!metric) return null;
  if (type === "bar") return { metric, settings: { per, error: "std" } };
  if (type === "scalar") return { metric, settings: {} };
  return { metric, settings: undefined };
}

export function SectionMenu({ section, first, last, edit }) {
  const host = useRef(null);
  const [name, setName] = useState(section.title);
  const done = (fn) => { edit(fn); host.current.open = false; };
  return html`
    <details class="ws-menu ws-pop" ref=${host}>
      <summary data-testid="section-menu" onClick=${() => setName(section.title)} aria-label=${`Actions of section ${section.title}`} title="Section actions">⋯</summary>
      <div class="ws-pop-body" role="group" aria-label=${`Section ${section.title}`}>
        <form class="ws-rename" onSubmit=${(e) => { e.preventDefault(); done((l) => renameSection(l, section.id, name)); }}>
          <label>Name <input name="section-name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} /></label>
          <button type="submit" data-testid="section-rename">Rename</button>
        </form>
        <button disabled=${first} onClick=${() => done((l) => moveSection(l, section.id, -1))}>Move up</button>
        <button disabled=${last} onClick=${() => done((l) => moveSection(l, section.id, 1))}>Move down</button>
        <button class="rf-danger" data-testid="section-remove" title="Its panels move to the section before it"
          onClick=${() => done((l) => removeSection(l, section.id))}>Remove section</button>
      </div>
    </details>`;
}
