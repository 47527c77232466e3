// A line chart's y range (pure; no DOM): the settings' fixed ends (ymin, ymax; null =
// auto) and "ignore outliers" (W&B's rule: the axis spans the 5th to the 95th
// percentile of the plotted values; every point is still drawn, and what lies outside
// is clipped at the chart's edge).

export const OUTLIER_PERCENTILES = [5, 95];

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

// The p-th percentile (0-100) of numbers sorted ascending, interpolated linearly
// between the two nearest ranks (NumPy's default), or null for none.
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const at = (Math.max(0, Math.min(100, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

// [p5, p95] of the finite values of some lines (arrays; nulls skipped; on a log
// scale only the positive ones), or null when there are none or they are all equal.
export function outlierRange(lines, log = false) {
  const values = [];
  for (const line of lines) {
    for (const v of line || []) if (isNum(v) && (!log || v > 0)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const [lo, hi] = OUTLIER_PERCENTILES.map((p) => percentile(values, p));
  return lo !== null && hi > lo ? [lo, hi] : null;
}

// A typed bound: a finite number, or null (blank, or text that is no number).
export function readBound(text) {
  if (text === null || text === undefined || String(text).trim() === "") return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

// The y range drawn: `auto` ([lo, hi]: uPlot's own range of the data, or a shared one)
// with the fixed ends put in. An end that cannot be drawn is left to auto (on a log
// scale, one at or below 0); an end on the wrong side of the other is moved past it.
export function yRangeOf(auto, { ymin = null, ymax = null, log = false } = {}) {
  const usable = (v) => isNum(v) && (!log || v > 0);
  let lo = usable(ymin) ? ymin : auto[0];
  let hi = usable(ymax) ? ymax : auto[1];
  if (!(hi > lo)) {
    if (usable(ymin) && !usable(ymax)) hi = log ? lo * 10 : lo + (Math.abs(lo) || 1);
    else if (usable(ymax) && !usable(ymin)) lo = log ? hi / 10 : hi - (Math.abs(hi) || 1);
    else hi = log ? lo * 10 : lo + (Math.abs(lo) || 1);
  }
  return [lo, hi];
}
