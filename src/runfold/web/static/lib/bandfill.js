// How a chart fills a band (pure; no DOM). A min–max band of 100 noisy runs × 1,000
// steps has thousands of jagged edges; filling between them as uPlot does (a clip by
// the lower edge's outline) is slow in software rendering. At the canvas's resolution
// the band covers, in each pixel column, the highest upper edge to the lowest lower
// edge of its points there: an outline of at most two points per column, which is
// one cheap polygon to fill.
//
// Input: xs (canvas x per index, ascending: uPlot's x data always is), hi and lo
// (values per index: null where the band has no value, e.g. n = 1, which breaks it;
// undefined where the line has no point, which it is drawn across) and toY, which
// turns a value into canvas y (mapped here, point by point: no arrays in between).
// Output: the band's stretches, each {x, top, bottom}: per whole pixel column its x,
// its highest (smallest) and lowest (largest) canvas y.

export function bandStretches(xs, hi, lo, toY = (v) => v) {
  const stretches = [];
  let s = null;
  for (let i = 0; i < xs.length; i++) {
    if (hi[i] === undefined || lo[i] === undefined) continue;
    const h = hi[i] === null ? NaN : toY(hi[i]);
    const l = lo[i] === null ? NaN : toY(lo[i]);
    if (!Number.isFinite(xs[i]) || !Number.isFinite(h) || !Number.isFinite(l)) {
      s = null;
      continue;
    }
    const x = Math.round(xs[i]);
    const top = h < l ? h : l;
    const bottom = h < l ? l : h;
    if (s === null) {
      s = { x: [], top: [], bottom: [] };
      stretches.push(s);
    }
    const n = s.x.length - 1;
    if (n >= 0 && s.x[n] === x) {
      if (top < s.top[n]) s.top[n] = top;
      if (bottom > s.bottom[n]) s.bottom[n] = bottom;
    } else {
      s.x.push(x);
      s.top.push(top);
      s.bottom.push(bottom);
    }
  }
  return stretches;
}

// Trace the stretches as closed outlines (along the tops, back along the bottoms)
// on a canvas path: `path` has moveTo, lineTo, rect and closePath (a 2D context or
// a Path2D). A stretch of one column is a one-pixel-wide rectangle.
export function traceBand(path, stretches) {
  for (const { x, top, bottom } of stretches) {
    if (x.length === 1) {
      path.rect(x[0], top[0], 1, bottom[0] - top[0]);
      continue;
    }
    path.moveTo(x[0], top[0]);
    for (let j = 1; j < x.length; j++) path.lineTo(x[j], top[j]);
    for (let j = x.length - 1; j >= 0; j--) path.lineTo(x[j], bottom[j]);
    path.closePath();
  }
}
