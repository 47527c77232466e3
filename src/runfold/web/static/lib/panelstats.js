// The numbers of the workspace's summary panels (bar, scatter, scalar), from the runs
// the view shows and their group rows as the API returns them (pure; no DOM). A group's
// value is the server's aggregate (its summary's mean, std, stderr, n), so a panel
// plots exactly what runfold.Api().groups() gives.
import { lookup, runValue } from "./runvalues.js";

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

// A column ("summary.<key>" or "config.<path>") of a group row: the summary's
// statistics ({mean, std, stderr, count ...}) or the config value its runs share.
export function groupValue(group, col) {
  if (col.startsWith("summary.")) {
    const s = (group.summary || {})[col.slice(8)];
    return s && isNum(s.mean) ? s : null;
  }
  if (col.startsWith("config.")) {
    const v = lookup(group.config, col.slice(7));
    return isNum(v) ? { mean: v, std: null, stderr: null, count: group.count } : null;
  }
  return null;
}

// One bar per run or group: {key, label, value, lo, hi, n, colorIndex}; items without
// a number are counted in `missing`. error: "std", "stderr" or "none" (groups only).
export function barRows({ runs, groups, per, metric, error = "std" }) {
  const col = `summary.${metric}`;
  const rows = [];
  let missing = 0;
  if (per === "group") {
    (groups || []).forEach((g) => {
      const s = groupValue(g, col);
      if (!s) { missing += 1; return; }
      const spread = error === "none" ? null : s[error];
      rows.push({
        key: JSON.stringify(g.key), label: g.label || g.name, value: s.mean, n: s.count,
        lo: isNum(spread) ? s.mean - spread : null, hi: isNum(spread) ? s.mean + spread : null,
        colorIndex: g.colorIndex,
      });
    });
  } else {
    (runs || []).forEach((r) => {
      const v = runValue(r, col);
      if (!isNum(v)) { missing += 1; return; }
      rows.push({ key: r.id, label: r.name, value: v, n: 1, lo: null, hi: null, colorIndex: r.colorIndex });
    });
  }
  return { rows, missing };
}

// One point per run or group: {key, label, x, y, xErr, yErr, n, colorIndex}; a group's
// error bars are its std (x and y that are summary metrics; a config value has none).
export function scatterPoints({ runs, groups, per, x, y }) {
  const points = [];
  let missing = 0;
  if (per === "group") {
    (groups || []).forEach((g) => {
      const sx = groupValue(g, x);
      const sy = groupValue(g, y);
      if (!sx || !sy) { missing += 1; return; }
      points.push({
        key: JSON.stringify(g.key), label: g.label || g.name, x: sx.mean, y: sy.mean,
        xErr: isNum(sx.std) ? sx.std : null, yErr: isNum(sy.std) ? sy.std : null, n: sy.count,
        colorIndex: g.colorIndex,
      });
    });
  } else {
    (runs || []).forEach((r) => {
      const vx = runValue(r, x);
      const vy = runValue(r, y);
      if (!isNum(vx) || !isNum(vy)) { missing += 1; return; }
      points.push({ key: r.id, label: r.name, x: vx, y: vy, xErr: null, yErr: null, n: 1, colorIndex: r.colorIndex });
    });
  }
  return { points, missing };
}

// A metric over the runs shown: mean, sample std (ddof = 1, none for one run), min,
// max and n, as runfold's aggregates define them; null without a number.
export function spread(values) {
  const xs = values.filter(isNum);
  if (!xs.length) return null;
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs), n };
}

export const scalarOf = (runs, metric) => spread((runs || []).map((r) => runValue(r, `summary.${metric}`)));

// About `count` round tick values covering [lo, hi] (axes of the SVG panels).
export function niceTicks(lo, hi, count = 5) {
  if (!isNum(lo) || !isNum(hi)) return [];
  if (lo === hi) return [lo];
  const span = hi - lo;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

// [lo, hi] of values and their error bars, padded by 5 % (a single value gets ±1 %).
export function extent(values) {
  const xs = values.filter(isNum);
  if (!xs.length) return null;
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.abs(lo) * 0.01 || 1;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}
