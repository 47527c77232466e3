// Parallel coordinates: axes, scales, ticks and line geometry (pure; no DOM).
// An axis maps a value to t in [0, 1] (0 = bottom, 1 = top), or null when the run
// has no value there (the page draws those just under the axis).
import { token } from "./diff.js";
import { flatten } from "./runvalues.js";

export const MAX_DEFAULT_AXES = 6;
const LOG_SPAN = 100; // more than two decades between min and max: log scale

const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const isScalar = (v) => v === null || ["number", "string", "boolean"].includes(typeof v);
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

// Config keys a parallel-coordinates axis can show: scalar in every run that has them.
export function axisCandidates(flatConfigs) {
  const keys = new Set(flatConfigs.flatMap((c) => Object.keys(c)));
  return [...keys].sort().filter((k) => flatConfigs.every((c) => !has(c, k) || isScalar(c[k])));
}

// The candidates whose value varies among the runs (missing counts as a value).
export function varyingKeys(flatConfigs, keys = axisCandidates(flatConfigs)) {
  return keys.filter((k) => new Set(flatConfigs.map((c) => (has(c, k) ? token(c[k]) : "\u0000"))).size > 1);
}

export function defaultAxes(flatConfigs, max = MAX_DEFAULT_AXES) {
  return varyingKeys(flatConfigs).slice(0, max);
}

// The summary metric to plot first: the numeric key most runs have, by name.
// A new parallel-coordinates panel's axes: the runs' varying config keys, then the
// summary metric if one is given.
export function panelAxes(runs, metric) {
  const varying = varyingKeys(runs.map((r) => flatten(r.config))).slice(0, MAX_DEFAULT_AXES).map((k) => `config.${k}`);
  return metric ? [...varying, `summary.${metric}`] : varying;
}

export function defaultMetric(summaries) {
  const count = new Map();
  for (const s of summaries) {
    for (const [k, v] of Object.entries(s || {})) if (isNum(v)) count.set(k, (count.get(k) || 0) + 1);
  }
  const keys = [...count.keys()].sort((a, b) => count.get(b) - count.get(a) || a.localeCompare(b));
  return keys[0] ?? null;
}

// Categories in a stable, readable order: false < true, numbers ascending, strings.
function compareValues(a, b) {
  const rank = (v) => (typeof v === "boolean" ? 0 : typeof v === "number" ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === "string") return a.localeCompare(b);
  return Number(a) - Number(b);
}

// An axis over the values of `key` in `values` (undefined / null = no value):
// numbers only → "linear", or "log" when positive and spanning > 2 decades;
// anything else → "category", spaced evenly in sorted order.
export function buildAxis(key, values) {
  const present = values.filter((v) => v !== undefined && v !== null);
  if (present.length && present.every(isNum)) {
    const min = Math.min(...present);
    const max = Math.max(...present);
    const kind = min > 0 && max / min > LOG_SPAN ? "log" : "linear";
    return { key, kind, min, max, categories: null };
  }
  const byToken = new Map();
  for (const v of present) byToken.set(token(v), v);
  const categories = [...byToken.values()].sort(compareValues);
  return { key, kind: "category", min: null, max: null, categories };
}

export function position(axis, value) {
  if (value === undefined || value === null) return null;
  if (axis.kind === "category") {
    const n = axis.categories.length;
    const i = axis.categories.findIndex((c) => token(c) === token(value));
    if (i < 0) return null;
    return n === 1 ? 0.5 : i / (n - 1);
  }
  if (!isNum(value)) return null;
  if (axis.max === axis.min) return 0.5;
  if (axis.kind === "log") {
    return (Math.log10(value) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min));
  }
  return (value - axis.min) / (axis.max - axis.min);
}

// Round numbers between min and max, about `count` of them.
export function niceTicks(min, max, count = 5) {
  if (!isNum(min) || !isNum(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

// Tick values with their t: categories (at most `maxLabels`, evenly picked), the
// powers of ten of a log axis (or its ends), round numbers of a linear one.
export function axisTicks(axis, maxLabels = 12) {
  if (axis.kind === "category") {
    const every = Math.max(1, Math.ceil(axis.categories.length / maxLabels));
    return axis.categories
      .filter((_, i) => i % every === 0)
      .map((value) => ({ value, t: position(axis, value) }));
  }
  let values;
  if (axis.kind === "log") {
    values = [];
    const lo = Math.ceil(Math.log10(axis.min) - 1e-9);
    const hi = Math.floor(Math.log10(axis.max) + 1e-9);
    for (let e = lo; e <= hi; e++) values.push(Number(`1e${e}`)); // 10 ** -4 is 9.999…e-5
    if (values.length < 2) values = [axis.min, axis.max];
  } else {
    values = niceTicks(axis.min, axis.max);
  }
  return values.map((value) => ({ value, t: position(axis, value) }));
}

// Lay out axes and lines in a width × height box. `rows` are {id, values: {key: v}};
// returns {axes: [{...axis, x}], lines: [{id, values, ts, points: [[x, y]]}]}. A
// missing value sits `missingGap` pixels under the axis bottom.
export function layout(axes, rows, { width, height, left = 60, right = 60, top = 36, bottom = 40,
  missingGap = 18 } = {}) {
  const span = Math.max(1, width - left - right);
  const xs = axes.map((_, i) => (axes.length === 1 ? left + span / 2 : left + (i * span) / (axes.length - 1)));
  const y0 = height - bottom;
  const yOf = (t) => (t === null ? y0 + missingGap : y0 - t * (y0 - top));
  const lines = rows.map((row) => {
    const values = axes.map((a) => row.values[a.key]);
    const ts = axes.map((a, i) => position(a, values[i]));
    return { id: row.id, values, ts, points: ts.map((t, i) => [xs[i], yOf(t)]) };
  });
  return { axes: axes.map((a, i) => ({ ...a, x: xs[i] })), lines, yOf, y0, top };
}

// A tick label: short, exact enough to read the axis (0.1, 0.0001, 2.5, 1e+6).
export function tickLabel(value) {
  if (typeof value !== "number") return String(value);
  const abs = Math.abs(value);
  if (value !== 0 && (abs >= 1e6 || abs < 1e-4)) return value.toExponential(1).replace(".0e", "e");
  return String(Number(value.toPrecision(4)));
}
