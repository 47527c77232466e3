// Report blocks as data (the reports contract): defaults for a new block, moving and
// removing blocks, the blocks that stand for a workspace view, and link checks for the
// markdown sanitizer. Pure: no DOM, no fetch.
import { FilterError, parseFilter, withText } from "./filterexpr.js";

export const BLOCK_TYPES = ["markdown", "chart", "runs", "group", "file"];
export const BLOCK_LABELS = {
  markdown: "Text (markdown)", chart: "Chart", runs: "Runs table", group: "Group summary", file: "Run file",
};
export const CHART_DEFAULTS = { line: "mean", shading: "minmax", x: "_step", smoothing: 0, log: false, max: 20 };

// A new block of `type`; `ctx` offers what the page knows: metrics, group, by.
export function newBlock(type, ctx = {}) {
  const by = ctx.by || (ctx.group ? ["job_type"] : ["group"]);
  const filters = ctx.group ? { group: ctx.group } : null;
  if (type === "markdown") return { type, text: "" };
  if (type === "chart") {
    return { type, metrics: (ctx.metrics || []).slice(0, 1), by, filters, settings: { ...CHART_DEFAULTS } };
  }
  if (type === "runs") return { type, filters, q: "", by, columns: [] };
  if (type === "group") return { type, group: ctx.group || "" };
  if (type === "file") return { type, run: "", path: "" };
  throw new Error(`Unknown block type “${type}”: use one of ${BLOCK_TYPES.join(", ")}.`);
}

// What a block still needs before the server takes it (null: nothing).
export function blockProblem(block) {
  if (block.type === "chart" && !(block.metrics || []).length) return "choose at least one metric for the chart.";
  if (block.type === "group" && !block.group) return "choose the group to summarize.";
  if (block.type === "file" && (!block.run || !block.path)) return "choose a run and one of its files.";
  return null;
}

// The chart settings with every key present (missing keys take the contract's defaults).
export const chartSettings = (block) => ({ ...CHART_DEFAULTS, ...(block.settings || {}) });

export function moveBlock(blocks, index, delta) {
  const to = index + delta;
  if (to < 0 || to >= blocks.length) return blocks;
  const out = [...blocks];
  [out[index], out[to]] = [out[to], out[index]];
  return out;
}

export const removeBlock = (blocks, index) => blocks.filter((_, i) => i !== index);
export const replaceBlock = (blocks, index, block) => blocks.map((b, i) => (i === index ? block : b));

// "group, job_type" ⇄ ["group", "job_type"] (the editor's text fields for key lists).
export const splitKeys = (text) => (text || "").split(",").map((s) => s.trim()).filter(Boolean);
export const joinKeys = (keys) => (keys || []).join(", ");

// The server filter that leaves out what the workspace hides from its charts: runs
// ({"run": id} entries) and groups (JSON key arrays, one value per grouping key).
export function hiddenFilter(by, hide) {
  const clauses = [];
  const runs = [];
  for (const text of hide || []) {
    let key;
    try { key = JSON.parse(text); } catch { continue; } // a hand-edited address: skip it
    if (Array.isArray(key) && key.length === by.length && key.length > 0) {
      // not (k1 = v1 and k2 = v2 …)  ≡  k1 != v1 or k2 != v2 …
      const ne = key.map((v, i) => ({ [by[i]]: { $ne: v } }));
      clauses.push(ne.length === 1 ? ne[0] : { $or: ne });
    } else if (key && !Array.isArray(key) && typeof key.run === "string") runs.push(key.run);
  }
  if (runs.length) clauses.unshift({ id: { $nin: runs } });
  if (!clauses.length) return null;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

const parses = (text) => {
  try { parseFilter(text || ""); return true; } catch (e) { if (e instanceof FilterError) return false; throw e; }
};

// The blocks for a workspace view: a text block to write in, the runs table as shown
// (text filter, grouping, columns) and the charts shown (of the runs the filter keeps),
// one chart block per run of metrics that share their settings. `settingsOf(metric)`
// gives a chart's settings.
export function blocksFromView({ view, defaultBy, metrics, settingsOf }) {
  const by = view.by === null || view.by === undefined ? defaultBy : view.by;
  // the charts draw the runs the filter box keeps (when it parses), less the hidden
  const filters = withText(hiddenFilter(by, view.hide), parses(view.q) ? view.q : "");
  const blocks = [
    { type: "markdown", text: "" },
    { type: "runs", filters: null, q: view.q || "", by, columns: view.cols || [] },
  ];
  let last = null;
  for (const metric of metrics) {
    const settings = { ...CHART_DEFAULTS, ...settingsOf(metric) };
    if (last && JSON.stringify(last.settings) === JSON.stringify(settings)) last.metrics.push(metric);
    else {
      last = { type: "chart", metrics: [metric], by, filters, settings };
      blocks.push(last);
    }
  }
  return blocks;
}

// Links and images in rendered markdown: http(s), mailto, or relative (no scheme).
// Browsers ignore control characters and spaces inside a scheme ("java\tscript:"),
// so they are dropped before looking.
export function safeUrl(url) {
  const t = String(url || "").replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(t);
  if (!scheme) return true; // relative (or //host, which is http(s) anyway)
  return ["http", "https", "mailto"].includes(scheme[1].toLowerCase());
}

// Newest updated first (the server's order too; a list merged from two answers stays right).
export const newestFirst = (reports) => [...reports].sort((a, b) => (b.updated_at || 0) - (a.updated_at || 0));

const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp|avif)$/i;
export const isImagePath = (path) => IMAGE.test(path || "");
