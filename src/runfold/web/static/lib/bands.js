// Band maths for grouped charts (pure; no DOM). DESIGN §2.6–2.8: std is the sample
// standard deviation (ddof=1), stderr = std/√n, and a point with n = 1 has no band.

export const LINES = ["mean", "median", "min", "max"];
// "members": no band; the group's runs are drawn faintly behind its line instead.
export const SHADINGS = ["none", "minmax", "std", "stderr", "members"];
export const SHADING_LABELS = {
  none: "none", minmax: "min–max", std: "std dev", stderr: "std error", members: "member runs",
};

// A value as a chart takes it: a finite number, else null (no point).
export const finite = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

// Whether every point has n ≥ 2 and both statistics (the usual min–max band).
function everyPointBanded(count, a, b, len) {
  if (count.length !== len || a.length !== len || b.length !== len) return false;
  for (let i = 0; i < len; i++) {
    if (!(count[i] >= 2) || finite(a[i]) === null || finite(b[i]) === null) return false;
  }
  return true;
}

// Whole band arrays of an entry: {lo, hi}, each as long as entry.x; null where a
// point has no band. Built by push, so a band without a gap stays an array of
// doubles (V8 keeps those unboxed: a page of charts makes no garbage of them).
export function bandArrays(entry, shading) {
  if (!SHADINGS.includes(shading)) throw new Error(`unknown shading: ${shading}`);
  const len = entry.x.length;
  const lo = [];
  const hi = [];
  if (shading === "none" || shading === "members") {
    for (let i = 0; i < len; i++) { lo.push(null); hi.push(null); }
    return { lo, hi };
  }
  const count = entry.count || [];
  const minmax = shading === "minmax";
  const a = (minmax ? entry.min : entry.mean) || [];
  const b = (minmax ? entry.max : entry[shading]) || [];
  if (minmax && everyPointBanded(count, a, b, len)) return { lo: a, hi: b }; // as they came
  for (let i = 0; i < len; i++) {
    const n = finite(count[i]);
    const u = finite(a[i]);
    const v = finite(b[i]);
    if (n === null || n < 2 || u === null || v === null) {
      lo.push(null);
      hi.push(null);
    } else {
      lo.push(minmax ? u : u - v);
      hi.push(minmax ? v : u + v);
    }
  }
  return { lo, hi };
}
