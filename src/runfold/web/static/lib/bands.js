// Band maths for grouped charts (pure; no DOM). DESIGN §2.6–2.8: std is the sample
// standard deviation (ddof=1), stderr = std/√n, and a point with n = 1 has no band.

export const LINES = ["mean", "median", "min", "max"];
// "members": no band; the group's runs are drawn faintly behind its line instead.
export const SHADINGS = ["none", "minmax", "std", "stderr", "members"];
export const SHADING_LABELS = {
  none: "none", minmax: "min–max", std: "std dev", stderr: "std error", members: "member runs",
};

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

// The line's value of an entry at index i (null where it has none).
export function lineValue(entry, line, i) {
  if (!LINES.includes(line)) throw new Error(`unknown line: ${line}`);
  return num(entry[line]?.[i]);
}

// [lower, upper] of the band at index i, or [null, null] where there is none.
export function bandAt(entry, shading, i) {
  if (!SHADINGS.includes(shading)) throw new Error(`unknown shading: ${shading}`);
  const n = num(entry.count?.[i]);
  if (shading === "none" || shading === "members" || n === null || n < 2) return [null, null];
  if (shading === "minmax") {
    const lo = num(entry.min?.[i]);
    const hi = num(entry.max?.[i]);
    return lo === null || hi === null ? [null, null] : [lo, hi];
  }
  const mean = num(entry.mean?.[i]);
  const spread = num(entry[shading]?.[i]); // "std" or "stderr"
  if (mean === null || spread === null) return [null, null];
  return [mean - spread, mean + spread];
}

// Whole band arrays of an entry: {lo, hi}, each as long as entry.x.
export function bandArrays(entry, shading) {
  const lo = [];
  const hi = [];
  for (let i = 0; i < entry.x.length; i++) {
    const [l, h] = bandAt(entry, shading, i);
    lo.push(l);
    hi.push(h);
  }
  return { lo, hi };
}
