// Series API entries → uPlot data, tooltip models and chart sections (pure; no DOM).
import { bandArrays, finite, LINES, SHADINGS } from "./bands.js";

export { LINES, SHADINGS };

// Align the groups of one metric on a shared x: the sorted union of their x values;
// each group's arrays hold null where it has no point. Returns
// {x, mode, groups: [{key, name, runs, index, src, line, lo, hi, n}]} where src[j] is
// the entry's own index at x[j] (or -1).
export function alignSeries(entries, { line = "mean", shading = "minmax", log = false } = {}) {
  const x = sharedX(entries);
  const at = x === entries[0]?.x ? null : new Map(x.map((v, j) => [v, j]));
  const positive = (v) => (log && v !== null && v <= 0 ? null : v);
  if (!LINES.includes(line)) throw new Error(`unknown line: ${line}`);
  const groups = entries.map((e, index) => {
    if (at === null) return sameX(e, index, line, shading, positive);
    const len = x.length;
    const g = {
      key: e.key, name: e.name, runs: e.runs, mode: e.mode, index,
      src: new Array(len).fill(-1),
      line: new Array(len).fill(null),
      lo: new Array(len).fill(null),
      hi: new Array(len).fill(null),
      n: new Array(len).fill(null),
    };
    const band = bandArrays(e, shading);
    const values = e[line] || [];
    const count = e.count || [];
    for (let i = 0; i < e.x.length; i++) {
      const j = at.get(e.x[i]);
      g.src[j] = i;
      g.line[j] = positive(finite(values[i]));
      g.lo[j] = positive(band.lo[i]);
      g.hi[j] = positive(band.hi[i]);
      g.n[j] = count[i] ?? null;
    }
    return g;
  });
  const mode = entries.some((e) => e.mode === "buckets") ? "buckets" : "exact";
  return { x, mode, groups };
}

// A group on the shared x (its own): its arrays as they came where nothing is to
// change (no gap, no log-scale cut), built by push otherwise, so arrays of numbers
// stay arrays of doubles (unboxed in V8: no garbage per point).
function sameX(e, index, line, shading, positive) {
  const band = bandArrays(e, shading);
  const keep = (arr) => (isClean(arr, positive) ? arr : arr.map((v) => positive(finite(v))));
  const len = e.x.length;
  const src = [];
  for (let i = 0; i < len; i++) src.push(i);
  const count = e.count || [];
  return {
    key: e.key, name: e.name, runs: e.runs, mode: e.mode, index, src,
    line: keep(e[line] || new Array(len).fill(null)),
    lo: keep(band.lo),
    hi: keep(band.hi),
    n: count.length === len ? count : src.map((i) => count[i] ?? null),
  };
}

// Whether the array is already what `keep` would make of it (a loop: this runs on
// every point of every chart).
function isClean(arr, positive) {
  for (let i = 0; i < arr.length; i++) {
    if (arr[i] !== null && positive(finite(arr[i])) !== arr[i]) return false;
  }
  return true;
}

// The sorted union of the entries' x values; the first entry's own array when every
// entry has the same x values (the usual case: groups of runs logging the same steps).
function sharedX(entries) {
  const first = entries[0]?.x;
  const same = (xs) => xs.length === first.length && xs.every((v, i) => v === first[i]);
  if (first && entries.every((e) => e.x === first || same(e.x))
    && first.every((v, i) => i === 0 || first[i - 1] < v)) return first;
  const xs = new Set();
  for (const e of entries) for (const v of e.x) xs.add(v);
  return [...xs].sort((a, b) => a - b);
}

// uPlot's data and the series order: per group [line, upper, lower]. Where a group has
// no point at a shared x (alignment only) the value is undefined, which uPlot draws
// across; null (no value, e.g. no band where n = 1) stays a gap.
export function toUPlotData(aligned) {
  const data = [aligned.x];
  for (const g of aligned.groups) {
    const whole = g.src.every((i) => i >= 0); // the usual case: nothing to mark
    const own = (arr) => (whole ? arr : arr.map((v, j) => (g.src[j] < 0 ? undefined : v)));
    data.push(own(g.line), own(g.hi), own(g.lo));
  }
  return data;
}

// The uPlot series index of group gi's line, upper and lower edge.
export const seriesIndex = (gi) => ({ line: 1 + gi * 3, upper: 2 + gi * 3, lower: 3 + gi * 3 });

// What the tooltip shows at shared index j: x (or the bucket's range) and one row per
// group with a point there: name, value, band and n.
export function tooltipModel(aligned, entries, j) {
  if (j === null || j === undefined || j < 0 || j >= aligned.x.length) return null;
  const rows = [];
  let range = null;
  for (const g of aligned.groups) {
    const i = g.src[j];
    if (i < 0) continue;
    const e = entries[g.index];
    if (e.mode === "buckets" && range === null) range = [e.x_lo[i], e.x_hi[i]];
    rows.push({
      index: g.index, name: g.name, value: g.line[j],
      band: g.lo[j] === null || g.hi[j] === null ? null : [g.lo[j], g.hi[j]],
      n: g.n[j],
    });
  }
  return { x: aligned.x[j], mode: aligned.mode, range, rows };
}

const SYSTEM = "system/";

// Chart panels in sections by key prefix: train/, eval/, other prefixes, the rest,
// and system/ keys last, collapsed by default.
export function chartSections(metricKeys) {
  const byPrefix = new Map();
  const rest = [];
  const system = [];
  for (const key of [...metricKeys].sort()) {
    if (key.startsWith(SYSTEM)) system.push(key);
    else if (key.includes("/") && key.indexOf("/") > 0) {
      const prefix = key.slice(0, key.indexOf("/"));
      if (!byPrefix.has(prefix)) byPrefix.set(prefix, []);
      byPrefix.get(prefix).push(key);
    } else rest.push(key);
  }
  const rank = (p) => (p === "train" ? 0 : p === "eval" ? 1 : 2);
  const prefixes = [...byPrefix.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const sections = prefixes.map((p) => ({ id: p, title: `${p}/`, keys: byPrefix.get(p), collapsed: false }));
  if (rest.length) sections.push({ id: "(rest)", title: "Charts", keys: rest, collapsed: false });
  if (system.length) sections.push({ id: "system", title: "System", keys: system, collapsed: true, system: true });
  return sections;
}

// The metrics a page shows by default: the first `limit` non-system keys, in section order.
export function defaultMetrics(metricKeys, limit = 8) {
  return chartSections(metricKeys).filter((s) => !s.system).flatMap((s) => s.keys).slice(0, limit);
}

// Number formatting for tooltips and axes.
export function fmtNum(v) {
  if (v === null || v === undefined) return "–";
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}
