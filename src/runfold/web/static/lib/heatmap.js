// Histograms over steps as a heatmap: each step's histogram (its own bin edges) is
// re-binned onto one value grid shared by every step, so a column is comparable with
// its neighbours. Pure functions, tested by heatmap.test.js.

// The value range [lo, hi] covering every step's edges (non-finite edges ignored);
// null when no step has a finite edge.
export function valueRange(hists) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of hists) {
    for (const e of h.bins) {
      if (!Number.isFinite(e)) continue;
      if (e < lo) lo = e;
      if (e > hi) hi = e;
    }
  }
  if (lo > hi) return null;
  if (lo === hi) return [lo - 0.5, hi + 0.5]; // NumPy's own widening for a constant
  return [lo, hi];
}

// `counts` (bins between `edges`) re-binned onto n equal bins over [lo, hi]. A source
// bin's count is spread over the target bins in proportion to the overlap (values are
// taken as uniform inside a bin); a zero-width bin puts its count where its edge
// falls. Counts outside [lo, hi] are dropped. Returns a Float64Array of length n.
export function rebin(edges, counts, lo, hi, n) {
  const out = new Float64Array(n);
  const width = (hi - lo) / n;
  if (!(width > 0)) return out;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    const a = edges[i];
    const b = edges[i + 1];
    if (!c || !Number.isFinite(c) || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (b <= a) {
      if (a >= lo && a <= hi) out[Math.min(n - 1, Math.floor((a - lo) / width))] += c;
      continue;
    }
    const from = Math.max(a, lo);
    const to = Math.min(b, hi);
    if (to <= from) continue;
    const first = Math.min(n - 1, Math.floor((from - lo) / width));
    const last = Math.min(n - 1, Math.max(first, Math.ceil((to - lo) / width) - 1));
    for (let j = first; j <= last; j++) {
      const overlap = Math.min(to, lo + (j + 1) * width) - Math.max(from, lo + j * width);
      if (overlap > 0) out[j] += (c * overlap) / (b - a);
    }
  }
  return out;
}

// The heatmap of `hists` ([{bins, counts}] in step order) on n value bins: the range,
// the n + 1 shared edges, one re-binned column per step and the largest cell.
export function heatmapGrid(hists, n = 64) {
  const range = valueRange(hists);
  if (!range) {
    return { lo: null, hi: null, n, edges: [], columns: hists.map(() => new Float64Array(n)), max: 0 };
  }
  const [lo, hi] = range;
  const edges = Array.from({ length: n + 1 }, (_, j) => (j === n ? hi : lo + ((hi - lo) * j) / n));
  let max = 0;
  const columns = hists.map((h) => {
    const col = rebin(h.bins, h.counts, lo, hi, n);
    for (const v of col) if (v > max) max = v;
    return col;
  });
  return { lo, hi, n, edges, columns, max };
}

// Where each step's column spans on the x axis, in step units: from half way to the
// previous step to half way to the next (a lone step spans one unit around itself).
export function columnSpans(steps) {
  const n = steps.length;
  return steps.map((s, i) => {
    const left = i > 0 ? (steps[i - 1] + s) / 2 : s - (n > 1 ? (steps[1] - s) / 2 : 0.5);
    const right = i < n - 1 ? (s + steps[i + 1]) / 2 : s + (n > 1 ? (s - steps[n - 2]) / 2 : 0.5);
    return [left, right];
  });
}

// The index of the step whose column holds x (clamped to the first and last).
export function columnAt(spans, x) {
  if (!spans.length) return -1;
  let lo = 0;
  let hi = spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < spans[mid][1]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// A cell's colour strength in [0, 1]: linear, or log(1 + count) so that a few large
// bins do not wash out the tails.
export function intensity(count, max, scale = "linear") {
  if (!(count > 0) || !(max > 0)) return 0;
  if (scale === "log") return Math.log1p(count) / Math.log1p(max);
  return Math.min(1, count / max);
}

// Viridis, sampled at 9 stops: readable on light and dark backgrounds, and ordered
// for colour-blind readers.
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

// [r, g, b] for t in [0, 1], interpolated between the stops.
export function rampColor(t) {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * f));
}
