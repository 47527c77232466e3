// How one chart is drawn with uPlot (its options, bands, tooltip) and saved as a file;
// pages/charts.js decides what is drawn and when.
import { chartPNG } from "../lib/chartpng.js";
import { bandStretches, traceBand } from "../lib/bandfill.js";
import { byValue } from "../lib/legend.js";
import { cssVar } from "../lib/theme.js";
import { fmtNum, seriesIndex, tooltipModel } from "../lib/series.js";
import { lineDash, yScale } from "./chartstyle.js";

export const X_LABELS = { _step: "step", _timestamp: "wall time", _runtime: "relative time (s)" };

const translucents = new Map();

function translucent(color, alpha = 0.18) {
  const key = `${color} ${alpha}`;
  if (!translucents.has(key)) translucents.set(key, translucentOf(color, alpha));
  return translucents.get(key);
}

function translucentOf(color, alpha) {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color || "");
  if (hex) {
    let h = hex[1];
    if (h.length === 3) h = h.split("").map((c) => c + c).join("");
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r},${g},${b},${alpha})`;
  }
  const fn = /^(rgb|hsl)a?\((.*)\)$/i.exec(color || "");
  if (fn) {
    const parts = fn[2].includes(",") ? fn[2].split(",").slice(0, 3).join(",") : fn[2].split("/")[0].trim().split(/\s+/).join(",");
    return `${fn[1].toLowerCase()}a(${parts},${alpha})`;
  }
  return color;
}

const INT_INCRS = [];
for (let e = 0; e < 12; e++) for (const m of [1, 2, 5]) INT_INCRS.push(m * 10 ** e);

export function fmtX(v, x) {
  if (v === null || v === undefined) return "–";
  if (x === "_timestamp") return new Date(v * 1000).toISOString().slice(0, 19).replace("T", " ");
  return fmtNum(v);
}

// Pan/zoom range from a drag: whole steps for the step axis (DESIGN §2.7: no fractional x).
function zoomRange(lo, hi, x) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  if (x === "_step") return Math.ceil(b) - Math.floor(a) >= 1 ? [Math.max(0, Math.floor(a)), Math.ceil(b)] : null;
  return b > a ? [Number(a.toPrecision(12)), Number(b.toPrecision(12))] : null;
}

// A band's edges draw nothing themselves: after its upper edge's turn, the band is
// filled as one outline of at most two points per pixel column (lib/bandfill.js).
// uPlot's own bands clip a fill with the lower edge's outline, which software
// rendering drew 5× slower.
const noPath = () => null;

function paintBand(u, upper, lower, fill) {
  const toY = (v) => u.valToPos(v, "y", true);
  // every band of a drawing shares the x positions: computed once per drawing
  if (!u.rfXs) u.rfXs = u.data[0].map((x) => u.valToPos(x, "x", true));
  const { left, top, width, height } = u.bbox;
  const { ctx } = u;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.beginPath();
  traceBand(ctx, bandStretches(u.rfXs, u.data[upper], u.data[lower], toY));
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.restore();
}

// cur: {state, colors}, the numbers drawn now (a live refresh replaces them in place).
export function uplotOptions(cur, width, height, onZoom, tip) {
  const { state, colors } = cur;
  const { settings, aligned, groupOffset, zoom } = state;
  const muted = cssVar("--muted", "#6b7280");
  const grid = cssVar("--line", "#e5e7eb");
  const series = [{ label: X_LABELS[settings.x] || settings.x, value: (u, v) => fmtX(v, settings.x) }];
  for (const m of aligned.members || []) {
    const stroke = translucent(colors[m.group], 0.35);
    series.push({ label: `run ${m.id}`, stroke, width: 1, points: { show: false } });
  }
  const bands = [];
  const banded = settings.shading !== "none" && settings.shading !== "members";
  aligned.groups.forEach((g, gi) => {
    const width = settings.shading === "members" ? 2 : 1.5; // stands out of its runs
    const s = seriesIndex(gi);
    const edge = { stroke: "transparent", width: 0, points: { show: false }, paths: noPath };
    series.push({ label: g.name, stroke: colors[gi], width, points: { show: false }, ...lineDash(state.drawn[gi]) });
    series.push({ ...edge, label: `${g.name} upper` });
    series.push({ ...edge, label: `${g.name} lower` });
    if (banded) bands.push({ series: [s.upper + groupOffset, s.lower + groupOffset], fill: translucent(colors[gi]) });
  });
  const bandOf = new Map(bands.map((b) => [b.series[0], b]));
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width, height, legend: { show: false },
    focus: { alpha: 0.3 }, // a hovered line stands out (set by the page, not by proximity)
    cursor: {
      drag: { x: true, y: false, setScale: false }, points: { size: 6 }, focus: { prox: -1 },
      // one crosshair across the page's charts on the same kind of x axis
      sync: { key: `rf-x-${settings.x}`, setSeries: false },
    },
    scales: {
      x: { time: settings.x === "_timestamp", ...(zoom ? { range: () => zoom } : {}) },
      y: { distr: settings.log ? 3 : 1, ...yScale(() => cur.state) },
    },
    axes: [
      { ...axis, label: X_LABELS[settings.x] || settings.x, labelSize: 20, labelFont: "12px system-ui",
        ...(settings.x === "_step" ? { incrs: INT_INCRS } : {}) },
      { ...axis, size: 56, values: (u, vals) => vals.map(fmtNum) },
    ],
    series,
    bandPairs: bands, // for the page's record; paintBand draws them
    hooks: {
      setCursor: [(u) => tip && showTip(u, tip, cur.state, cur.colors, cur.state.settings)],
      drawClear: [(u) => { u.rfXs = null; }],
      drawSeries: [(u, si) => {
        const band = bandOf.get(si);
        if (band) paintBand(u, band.series[0], band.series[1], band.fill);
      }],
      setSelect: [(u) => {
        if (u.select.width < 3) return;
        const { left, width } = u.select;
        const range = zoomRange(u.posToVal(left, "x"), u.posToVal(left + width, "x"), settings.x);
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        if (range) onZoom(range);
      }],
    },
  };
}

// The group line nearest the cursor at the cursor's x (within `px` pixels), or -1.
export function nearestLine(u, state, px = 24) {
  const j = u.cursor.idx;
  if (j === null || j === undefined || u.cursor.top < 0) return -1;
  let best = -1;
  let bestD = px;
  state.aligned.groups.forEach((g, gi) => {
    const v = g.line[j];
    const s = u.series[state.groupOffset + seriesIndex(gi).line];
    if (v === null || v === undefined || !s || !s.show) return;
    const d = Math.abs(u.valToPos(v, "y") - u.cursor.top);
    if (d < bestD) { bestD = d; best = gi; }
  });
  return best;
}

// The tooltip: the x (or the bucket's range), then each line there, highest value
// first, with its band and n; `hot` (a group index) is the line under the cursor.
export function showTip(u, tip, state, colors, settings, hot = -1) {
  const j = u.cursor.idx;
  const model = tooltipModel(state.aligned, state.drawn, j);
  if (!model || !model.rows.length || u.cursor.left < 0) { tip.hidden = true; return; }
  const shown = (r) => u.series[state.groupOffset + seriesIndex(r.index).line]?.show !== false;
  model.rows = byValue(model.rows.filter(shown));
  if (!model.rows.length) { tip.hidden = true; return; }
  tip.textContent = "";
  const head = document.createElement("div");
  head.className = "rf-tip-x";
  head.textContent = model.range
    ? `${X_LABELS[settings.x] || settings.x} ${fmtX(model.range[0], settings.x)} – ${fmtX(model.range[1], settings.x)}`
    : `${X_LABELS[settings.x] || settings.x} ${fmtX(model.x, settings.x)}`;
  tip.appendChild(head);
  for (const r of model.rows.slice(0, 12)) {
    const row = document.createElement("div");
    row.className = r.index === hot ? "rf-tip-row rf-tip-hot" : "rf-tip-row";
    row.dataset.group = r.name;
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = colors[r.index];
    const name = document.createElement("span");
    name.className = "rf-tip-name";
    name.textContent = state.drawn[r.index]?.label ?? r.name;
    const val = document.createElement("span");
    val.className = "rf-tip-val";
    val.textContent = `${settings.line} ${fmtNum(r.value)}` + (r.band ? ` [${fmtNum(r.band[0])}, ${fmtNum(r.band[1])}]` : "");
    const n = document.createElement("span");
    n.className = "rf-tip-n";
    n.dataset.n = String(r.n);
    n.textContent = `n=${r.n}`;
    row.append(sw, name, val, n);
    tip.appendChild(row);
  }
  if (model.rows.length > 12) {
    const more = document.createElement("div");
    more.className = "muted";
    more.textContent = `+${model.rows.length - 12} more`;
    tip.appendChild(more);
  }
  tip.hidden = false;
  const w = u.over.clientWidth;
  const tw = tip.offsetWidth;
  const left = u.cursor.left + 12;
  tip.style.left = `${left + tw > w ? Math.max(-u.over.offsetLeft, u.cursor.left - tw - 12) : left}px`;
  tip.style.top = "4px";
}

export function download(name, type, data) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// A small chart's file and title name its facet too: "train/loss config.dataset = mnist".
const chartTitle = (state) => (state.facet ? `${state.metric}  ${state.facet.label}` : state.metric);
export const fileName = (state) => chartTitle(state).replaceAll("/", "_");

export async function downloadPNG(metric, p, items) {
  if (!p) return;
  const page = getComputedStyle(document.body);
  const bodyBg = page.backgroundColor;
  const blob = await chartPNG(p.u.ctx.canvas, {
    title: chartTitle(p.cur.state), items,
    background: bodyBg && bodyBg !== "rgba(0, 0, 0, 0)" ? bodyBg : cssVar("--bg", "#ffffff"),
    foreground: cssVar("--fg", "#1d2330"), muted: cssVar("--muted", "#6b7280"),
    font: page.fontFamily || "system-ui, sans-serif",
  });
  download(`${fileName(p.cur.state)}.png`, "image/png", blob);
}
