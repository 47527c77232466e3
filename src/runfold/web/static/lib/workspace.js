// The workspace's layout as data (pure; no DOM): sections of panels, made at first
// from the metric keys' prefixes and then edited (add, remove, duplicate, resize,
// move panels; rename, collapse, reorder sections), kept per user and in saved views.
//
// layout = {sections: [{id, title, collapsed, panels: [panel]}], removed: [metric]}
// panel  = {id, type, metric, w, h, settings?}
//   type "line":   metric charted over x; its chart settings live in the address
//                  (chart.<id>=..., lib/chartparams.js); the first panel of a metric
//                  has the metric as its id, a copy "<metric>#2" ...
//   "scatter":     settings {x, y: "summary.<key>" or "config.<path>", per: run|group}
//   "bar":         a summary metric per run or group; settings {per, error: std|stderr|none}
//   "scalar":      a summary metric as one number with its groups' spread
//   "parcoords":   parallel coordinates, a line per run; settings {axes: ["config.<path>"
//                  or "summary.<key>", ...]}
//   "comparer":    the runs (or groups) side by side, config and summary; settings
//                  {only: show only the rows that differ, max: columns shown}
// w: columns the panel spans (1-3), h: its height in steps (1-3).
// `removed` holds metrics whose automatic panel was removed, so it stays away when
// the layout takes in newly logged metrics.
import { chartSections } from "./series.js";

export const PANEL_TYPES = ["line", "scatter", "bar", "scalar", "parcoords", "comparer"];
export const PANEL_LABELS = {
  line: "Line plot", scatter: "Scatter plot", bar: "Bar chart", scalar: "Scalar",
  parcoords: "Parallel coordinates", comparer: "Run comparer",
};
// Panel types that chart no single metric (their keys are in their settings).
export const NO_METRIC = new Set(["scatter", "parcoords", "comparer"]);
// Panel types that start two columns wide (they need the room).
const WIDE = new Set(["parcoords", "comparer"]);
export const SIZES = [1, 2, 3];
export const HEIGHTS = { 1: 220, 2: 380, 3: 540 }; // chart height in pixels per step
const LAYOUT_VERSION = 1;

const clampSize = (v) => (SIZES.includes(v) ? v : 1);

function panelOf(metric, id = metric) {
  return { id, type: "line", metric, w: 1, h: 1 };
}

// The automatic layout: a section per key prefix (train/, eval/, ...), the rest, and
// the system metrics collapsed at the end; a line panel per metric.
export function autoLayout(metricKeys) {
  return {
    version: LAYOUT_VERSION,
    sections: chartSections(metricKeys || []).map((s) => ({
      id: s.id, title: s.title, collapsed: !!s.collapsed, system: !!s.system,
      panels: s.keys.map((k) => panelOf(k)),
    })),
    removed: [],
  };
}

// The metric keys some line panel charts.
const charted = (layout) => new Set(layout.sections.flatMap((s) => s.panels)
  .filter((p) => p.type === "line").map((p) => p.metric));

// The layout with a line panel for every metric not charted yet (and not removed),
// in its prefix's section (made if missing, before the system section). Unchanged
// (the same object) when there is nothing to add.
export function mergeLayout(layout, metricKeys) {
  const have = charted(layout);
  const removed = new Set(layout.removed || []);
  const missing = (metricKeys || []).filter((k) => !have.has(k) && !removed.has(k));
  if (!missing.length) return layout;
  const sections = layout.sections.map((s) => ({ ...s, panels: [...s.panels] }));
  for (const auto of chartSections(missing)) {
    let target = sections.find((s) => s.id === auto.id);
    if (!target) {
      target = { id: auto.id, title: auto.title, collapsed: !!auto.collapsed, system: !!auto.system, panels: [] };
      const at = sections.findIndex((s) => s.system);
      if (at < 0 || auto.system) sections.push(target);
      else sections.splice(at, 0, target);
    }
    target.panels.push(...auto.keys.map((k) => panelOf(k, freeId(sections, k))));
  }
  return { ...layout, sections };
}

// A panel id not yet used: the metric itself, then "<metric>#2", "#3" ...
function freeId(sections, base) {
  const used = new Set(sections.flatMap((s) => s.panels.map((p) => p.id)));
  if (!used.has(base)) return base;
  let n = 2;
  while (used.has(`${base}#${n}`)) n += 1;
  return `${base}#${n}`;
}

// A layout read back (saved workspace, view, hand-edited JSON): whatever does not
// fit the shape is dropped, so a bad spec never breaks the page. null: not a layout.
export function normalizeLayout(value) {
  if (!value || typeof value !== "object" || !Array.isArray(value.sections)) return null;
  const ids = new Set();
  const sectionIds = new Set();
  const sections = [];
  for (const s of value.sections) {
    if (!s || typeof s !== "object" || typeof s.id !== "string" || sectionIds.has(s.id)) continue;
    sectionIds.add(s.id);
    const panels = [];
    for (const p of Array.isArray(s.panels) ? s.panels : []) {
      if (!p || typeof p.id !== "string" || ids.has(p.id) || !PANEL_TYPES.includes(p.type)) continue;
      if (typeof p.metric !== "string" && !NO_METRIC.has(p.type)) continue;
      ids.add(p.id);
      const panel = { id: p.id, type: p.type, metric: p.metric ?? null, w: clampSize(p.w), h: clampSize(p.h) };
      if (p.settings && typeof p.settings === "object" && !Array.isArray(p.settings)) panel.settings = { ...p.settings };
      panels.push(panel);
    }
    sections.push({
      id: s.id, title: typeof s.title === "string" && s.title.trim() ? s.title : s.id,
      collapsed: !!s.collapsed, system: !!s.system, panels,
    });
  }
  const removed = Array.isArray(value.removed) ? value.removed.filter((m) => typeof m === "string") : [];
  return { version: LAYOUT_VERSION, sections, removed };
}

export function findPanel(layout, id) {
  for (const section of layout.sections) {
    const index = section.panels.findIndex((p) => p.id === id);
    if (index >= 0) return { section, index, panel: section.panels[index] };
  }
  return null;
}

const mapSections = (layout, fn) => ({ ...layout, sections: layout.sections.map(fn) });

// A new panel of `type` at the end of a section; returns [layout, the panel's id].
export function addPanel(layout, sectionId, type, metric, settings) {
  const base = type === "line" ? metric : `${type}:${metric || "panel"}`;
  const id = freeId(layout.sections, base);
  const panel = { id, type, metric: metric ?? null, w: WIDE.has(type) ? 2 : 1, h: 1, ...(settings ? { settings } : {}) };
  const removed = (layout.removed || []).filter((m) => !(type === "line" && m === metric));
  const next = mapSections({ ...layout, removed },
    (s) => (s.id === sectionId ? { ...s, collapsed: false, panels: [...s.panels, panel] } : s));
  return [next, id];
}

export function removePanel(layout, id) {
  const found = findPanel(layout, id);
  if (!found) return layout;
  const { panel } = found;
  const sections = layout.sections.map((s) => ({ ...s, panels: s.panels.filter((p) => p.id !== id) }));
  // the metric's last line panel: keep it away when new metrics are taken in
  const last = panel.type === "line" && !charted({ sections }).has(panel.metric);
  const removed = last ? [...new Set([...(layout.removed || []), panel.metric])] : layout.removed || [];
  return { ...layout, sections, removed };
}

// A copy right after the panel; returns [layout, the copy's id].
export function duplicatePanel(layout, id) {
  const found = findPanel(layout, id);
  if (!found) return [layout, null];
  const { panel, section, index } = found;
  const copyId = freeId(layout.sections, panel.type === "line" ? panel.metric : panel.id.replace(/#\d+$/, ""));
  const copy = { ...panel, id: copyId, ...(panel.settings ? { settings: { ...panel.settings } } : {}) };
  const next = mapSections(layout, (s) => (s === section
    ? { ...s, panels: [...s.panels.slice(0, index + 1), copy, ...s.panels.slice(index + 1)] } : s));
  return [next, copyId];
}

// Change a panel's fields (w, h, type, metric, settings ...).
export function updatePanel(layout, id, patch) {
  return mapSections(layout, (s) => ({
    ...s, panels: s.panels.map((p) => (p.id === id ? tidy({ ...p, ...patch }) : p)),
  }));
}

const tidy = (p) => ({ ...p, w: clampSize(p.w), h: clampSize(p.h) });

// Move a panel into a section at an index (the end when index is past it or absent).
export function movePanel(layout, id, sectionId, index) {
  const found = findPanel(layout, id);
  if (!found || !layout.sections.some((s) => s.id === sectionId)) return layout;
  const without = layout.sections.map((s) => ({ ...s, panels: s.panels.filter((p) => p.id !== id) }));
  return {
    ...layout,
    sections: without.map((s) => {
      if (s.id !== sectionId) return s;
      const at = index === undefined || index === null ? s.panels.length : Math.max(0, Math.min(index, s.panels.length));
      return { ...s, panels: [...s.panels.slice(0, at), found.panel, ...s.panels.slice(at)] };
    }),
  };
}

// Move a panel one place earlier (-1) or later (+1) in its section.
export function shiftPanel(layout, id, delta) {
  const found = findPanel(layout, id);
  if (!found) return layout;
  const to = found.index + delta;
  if (to < 0 || to >= found.section.panels.length) return layout;
  return movePanel(layout, id, found.section.id, to);
}

export function renameSection(layout, sectionId, title) {
  const text = (title || "").trim();
  if (!text) return layout;
  return mapSections(layout, (s) => (s.id === sectionId ? { ...s, title: text } : s));
}

export function toggleSection(layout, sectionId) {
  return mapSections(layout, (s) => (s.id === sectionId ? { ...s, collapsed: !s.collapsed } : s));
}

// Put a section just before (or, with `after`, just after) another one: a section's
// heading dropped on another's.
export function placeSection(layout, sectionId, targetId, after = false) {
  const moving = layout.sections.find((s) => s.id === sectionId);
  if (!moving || sectionId === targetId || !layout.sections.some((s) => s.id === targetId)) return layout;
  const rest = layout.sections.filter((s) => s.id !== sectionId);
  const at = rest.findIndex((s) => s.id === targetId) + (after ? 1 : 0);
  const sections = [...rest.slice(0, at), moving, ...rest.slice(at)];
  return sections.every((s, i) => s === layout.sections[i]) ? layout : { ...layout, sections };
}

export function moveSection(layout, sectionId, delta) {
  const from = layout.sections.findIndex((s) => s.id === sectionId);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= layout.sections.length) return layout;
  const sections = [...layout.sections];
  [sections[from], sections[to]] = [sections[to], sections[from]];
  return { ...layout, sections };
}

// A new empty section at the end (before the system section); returns [layout, id].
export function addSection(layout, title) {
  let n = 1;
  while (layout.sections.some((s) => s.id === `section-${n}`)) n += 1;
  const id = `section-${n}`;
  const section = { id, title: (title || "").trim() || `Section ${n}`, collapsed: false, system: false, panels: [] };
  const sections = [...layout.sections];
  const at = sections.findIndex((s) => s.system);
  if (at < 0) sections.push(section);
  else sections.splice(at, 0, section);
  return [{ ...layout, sections }, id];
}

// Remove a section; its panels go to the section before it (or after), never lost.
export function removeSection(layout, sectionId) {
  const at = layout.sections.findIndex((s) => s.id === sectionId);
  if (at < 0 || layout.sections.length < 2) return layout;
  const gone = layout.sections[at];
  const heir = at > 0 ? at - 1 : 1;
  const sections = layout.sections.map((s, i) => (i === heir ? { ...s, panels: [...s.panels, ...gone.panels] } : s));
  return { ...layout, sections: sections.filter((_, i) => i !== at) };
}

// The panels a search matches: a regular expression on the panel's metric (and its
// other keys: a scatter plot's x and y, parallel coordinates' axes), any case; text
// that is not a valid expression is matched as text.
export function panelMatcher(text) {
  const q = (text || "").trim();
  if (!q) return () => true;
  let re;
  try { re = new RegExp(q, "i"); } catch { re = null; }
  const test = (s) => typeof s === "string" && (re ? re.test(s) : s.toLowerCase().includes(q.toLowerCase()));
  const axes = (p) => (p.settings && Array.isArray(p.settings.axes) ? p.settings.axes : []);
  return (p) => [p.metric, p.settings && p.settings.x, p.settings && p.settings.y, ...axes(p)].some(test);
}

// A group's label with its keys: "lr=0.001 · optimizer=adam". The values of `group`
// and `job_type` (names people gave their experiments) read as a path, as the API
// names them: "ddp-lr0.1 / train", then "· lr=0.1" for any other key.
// The values are written as the API's name writes them (1.0 stays 1.0), where its
// name splits into one part per key; otherwise from the key itself.
export function groupLabel(key, by, name) {
  if (!Array.isArray(by) || !by.length || !Array.isArray(key) || key.length !== by.length) return name;
  const parts = typeof name === "string" ? name.split(" / ") : [];
  const texts = parts.length === by.length ? parts : key.map(valueText);
  const paths = [];
  const attrs = [];
  by.forEach((k, i) => {
    const text = texts[i];
    if (k === "group" || k === "job_type") paths.push(text);
    else attrs.push(`${k.startsWith("config.") ? k.slice(7) : k}=${text}`);
  });
  return [paths.join(" / "), attrs.join(" · ")].filter(Boolean).join(" · ");
}

function valueText(value) {
  if (value === null || value === undefined) return "(none)";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// The run filter every panel draws with: the page's own filters (a group page's
// group), the runs the filter box keeps (matched ids of all ids, or null when the box
// is empty) and the runs hidden with the eye. The ids go as the shorter of $in the
// kept runs or $nin the others, so a request stays short. undefined: no filter.
export function viewFilters(base, matched, allIds, hiddenRuns = []) {
  const hidden = new Set(hiddenRuns);
  let own = null;
  if (matched) {
    const keep = new Set(matched);
    const shown = [...keep].filter((id) => !hidden.has(id)).sort();
    const left = (allIds || []).filter((id) => !keep.has(id) || hidden.has(id));
    const out = [...new Set([...left, ...hidden])].sort();
    if (shown.length <= out.length) own = { id: { $in: shown } };
    else if (out.length) own = { id: { $nin: out } }; // else the filter keeps every run
  } else if (hidden.size) own = { id: { $nin: [...hidden].sort() } };
  const baseOn = base && Object.keys(base).length ? base : null;
  if (!own) return baseOn || undefined;
  return baseOn ? { $and: [baseOn, own] } : own;
}
