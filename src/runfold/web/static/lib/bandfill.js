// How a chart fills a band (pure; no DOM): one rectangle per pixel column, in canvas
// pixels, from the highest upper edge to the lowest lower edge of the band's points in
// that column, and along the straight lines between points in the columns between
// them. That is what a filled outline through the points covers at the canvas's
// resolution, but axis-aligned rectangles, which software rendering paints in a
// fraction of the time of an outline of thousands of jagged edges (a min–max band of
// 100 noisy runs × 1,000 steps).
//
// Input: xs (canvas x per index), hi and lo (canvas y per index: null where the band has
// no value, e.g. n = 1, which breaks it; undefined where the line has no point, which
// it is drawn across). Output: [[x, top, bottom], ...], x whole pixels.

export function bandColumns(xs, hi, lo) {
  const stretches = [];
  let stretch = [];
  for (let i = 0; i < xs.length; i++) {
    if (hi[i] === undefined || lo[i] === undefined) continue;
    if (hi[i] === null || lo[i] === null || !Number.isFinite(xs[i])) {
      if (stretch.length) stretches.push(stretch);
      stretch = [];
    } else stretch.push(i);
  }
  if (stretch.length) stretches.push(stretch);
  const columns = [];
  for (const s of stretches) {
    const byColumn = new Map();
    for (const i of s) {
      const x = Math.round(xs[i]);
      const top = Math.min(hi[i], lo[i]);
      const bottom = Math.max(hi[i], lo[i]);
      const c = byColumn.get(x);
      if (c) { c[0] = Math.min(c[0], top); c[1] = Math.max(c[1], bottom); } else byColumn.set(x, [top, bottom]);
    }
    const order = [...byColumn.keys()].sort((a, b) => a - b);
    order.forEach((x, k) => {
      const [top, bottom] = byColumn.get(x);
      columns.push([x, top, bottom]);
      const next = order[k + 1];
      if (next === undefined) return;
      const [nTop, nBottom] = byColumn.get(next);
      for (let gap = x + 1; gap < next; gap++) {
        const t = (gap - x) / (next - x);
        columns.push([gap, top + (nTop - top) * t, bottom + (nBottom - bottom) * t]);
      }
    });
  }
  return columns;
}
