// The run page's histograms: per key a heatmap over steps (x = step, y = value,
// colour = count, every step re-binned onto one value grid) and the histogram of one
// chosen step as bars, with its own bins exactly as logged.
import { enc, getJSON } from "../lib/api.js";
import { columnAt, columnSpans, heatmapGrid, intensity, rampColor } from "../lib/heatmap.js";
import { cssVar, useThemeVersion } from "../lib/theme.js";
import { html, useEffect, useMemo, useRef, useState, useWidth } from "../lib/ui.js";
import { fmtNum } from "../lib/series.js";

const HEIGHT = 200;
const failed = (what, error) => `Could not load ${what}: ${error.message || error}`;
const PAD = { left: 56, right: 8, top: 6, bottom: 22 };

// What the page draws, for tests (as window.__runfoldCharts does for the line charts).
const debug = (window.__runfoldHeatmaps = window.__runfoldHeatmaps || {});

const keyPath = (key) => key.split("/").map(enc).join("/");

// tick: changes while the run is live, so the list and the keys are fetched again.
export function Histograms({ project, runId, tick }) {
  const [keys, setKeys] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    getJSON(`/projects/${enc(project)}/runs/${enc(runId)}/histograms`)
      .then((body) => live && (setKeys(body.keys), setError(null)))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project, runId, tick]);
  if (error) {
    return html`<p class="error" role="alert">${failed("the histograms", error)}</p>`;
  }
  if (!keys) return html`<p class="loading">Loading histograms…</p>`;
  if (!keys.length) {
    return html`<p class="muted" data-testid="histograms-empty">No histograms logged. Log a
      distribution like a value: <code>run.log({"weights": runfold.Histogram(values)})</code>,
      or <code>runfold.watch(model)</code> for PyTorch gradients.</p>`;
  }
  return html`<div class="rp-hists" data-testid="histograms">
    ${keys.map((k) => html`<${HistogramPanel} key=${k.key} project=${project} runId=${runId} info=${k} />`)}
  </div>`;
}

function HistogramPanel({ project, runId, info }) {
  const [body, setBody] = useState(null);
  const [error, setError] = useState(null);
  const [picked, setPicked] = useState(null); // a step index; null follows the last step
  const [scale, setScale] = useState("linear");
  useEffect(() => {
    let live = true;
    getJSON(`/projects/${enc(project)}/runs/${enc(runId)}/histograms/${keyPath(info.key)}`)
      .then((b) => live && setBody(b))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project, runId, info.key, info.steps, info.last_step]);

  const hists = useMemo(
    () => (body ? body.steps.map((s, i) => ({ bins: body.bins[i], counts: body.counts[i] })) : []),
    [body],
  );
  const grid = useMemo(() => {
    const most = hists.reduce((m, h) => Math.max(m, h.counts.length), 0);
    return heatmapGrid(hists, Math.min(128, Math.max(32, most)));
  }, [hists]);
  const spans = useMemo(() => (body ? columnSpans(body.steps) : []), [body]);
  const index = body ? Math.min(picked ?? body.steps.length - 1, body.steps.length - 1) : -1;

  useEffect(() => {
    if (!body) return;
    debug[info.key] = {
      key: info.key, total: body.total, sampled: body.sampled, steps: body.steps,
      lo: grid.lo, hi: grid.hi, nbins: grid.n, max: grid.max, columns: grid.columns.map((c) => Array.from(c)),
      selected: { index, step: body.steps[index], bins: body.bins[index], counts: body.counts[index] },
    };
  }, [body, grid, index]);

  return html`
    <div class="panel rp-hist" data-key=${info.key} data-testid="histogram-panel">
      <div class="rf-panel-head">
        <h3 title=${info.key}>${info.key}</h3>
        <span class="muted rp-hist-meta">${info.steps} ${info.steps === 1 ? "step" : "steps"}
          <label>colour <select value=${scale} onChange=${(e) => setScale(e.target.value)}
            data-testid="heatmap-scale">
            <option value="linear">linear</option><option value="log">log</option></select></label></span>
      </div>
      ${error ? html`<p class="error">${failed(info.key, error)}</p>`
        : !body ? html`<div class="rf-chart-placeholder loading">Loading…</div>`
        : html`
          ${body.sampled ? html`<p class="note" data-testid="heatmap-sampled">
            ${`Showing ${body.steps.length} of ${body.total} steps, evenly spaced.`}</p>` : null}
          <p class="note muted rp-legend">count <span>0</span>
            <i style=${`background:${RAMP_CSS}`}></i>
            <span>${fmtNum(round3(grid.max))}${scale === "log" ? " (log)" : ""}</span></p>
          <${Heatmap} grid=${grid} spans=${spans} steps=${body.steps} index=${index} scale=${scale}
            onPick=${setPicked} />
          <label class="rp-step">step <input type="range" min="0" max=${body.steps.length - 1} value=${index}
            aria-label=${`Step of ${info.key}`} data-testid="histogram-step"
            onInput=${(e) => setPicked(Number(e.target.value))} />
            <span class="rf-num" data-testid="histogram-step-value">${body.steps[index]}</span></label>
          <${Bars} bins=${body.bins[index]} counts=${body.counts[index]} />`}
    </div>`;
}

function setupCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  return ctx;
}

function Heatmap({ grid, spans, steps, index, scale, onPick }) {
  const wrap = useRef(null);
  const canvas = useRef(null);
  const [hover, setHover] = useState(null);
  const width = useWidth(wrap);
  const theme = useThemeVersion();
  const x0 = spans.length ? spans[0][0] : 0;
  const x1 = spans.length ? spans[spans.length - 1][1] : 1;
  const plotW = Math.max(1, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const px = (x) => PAD.left + ((x - x0) / (x1 - x0)) * plotW;

  useEffect(() => {
    if (!width) return;
    const ctx = setupCanvas(canvas.current, width, HEIGHT);
    const cellH = plotH / grid.n;
    const [r0, g0, b0] = rampColor(0); // an empty cell is the ramp's zero, as in the legend
    ctx.fillStyle = `rgb(${r0},${g0},${b0})`;
    grid.columns.forEach((col, j) => {
      const left = Math.floor(px(spans[j][0]));
      ctx.fillRect(left, PAD.top, Math.max(1, Math.ceil(px(spans[j][1])) - left), plotH);
    });
    grid.columns.forEach((col, j) => {
      const left = Math.floor(px(spans[j][0]));
      const w = Math.max(1, Math.ceil(px(spans[j][1])) - left);
      for (let b = 0; b < grid.n; b++) {
        const t = intensity(col[b], grid.max, scale);
        if (t <= 0) continue;
        const [r, g, bl] = rampColor(t);
        ctx.fillStyle = `rgb(${r},${g},${bl})`;
        ctx.fillRect(left, PAD.top + plotH - (b + 1) * cellH, w, Math.ceil(cellH));
      }
    });
    const muted = cssVar("--muted", "#6b7280");
    const line = cssVar("--line", "#e5e7eb");
    ctx.strokeStyle = line;
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, plotW - 1, plotH - 1);
    if (index >= 0) { // the chosen step, in white: it sits on the ramp's dark purple in either theme
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.5;
      const left = px(spans[index][0]);
      ctx.strokeRect(left, PAD.top, Math.max(2, px(spans[index][1]) - left), plotH);
      ctx.lineWidth = 1;
    }
    ctx.fillStyle = muted;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    if (grid.lo !== null) {
      for (const f of [0, 0.5, 1]) {
        ctx.fillText(fmtNum(grid.lo + (grid.hi - grid.lo) * f), PAD.left - 6, PAD.top + plotH * (1 - f));
      }
    }
    ctx.textBaseline = "top";
    ctx.textAlign = "center";
    for (const i of stepTicks(steps)) {
      const x = Math.min(Math.max(px(steps[i]), PAD.left + 10), PAD.left + plotW - 10);
      ctx.fillText(String(steps[i]), x, HEIGHT - PAD.bottom + 5);
    }
  }, [grid, spans, index, scale, width, theme]);

  const at = (e) => {
    const rect = canvas.current.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    if (x < PAD.left || x > PAD.left + plotW || y < PAD.top || y > PAD.top + plotH) return null;
    const j = columnAt(spans, x0 + ((x - PAD.left) / plotW) * (x1 - x0));
    const b = Math.min(grid.n - 1, Math.floor(((PAD.top + plotH - y) / plotH) * grid.n));
    return { j, b, x, y };
  };
  const tip = hover && grid.lo !== null ? hover : null;
  return html`
    <div class="rp-heatmap" ref=${wrap}>
      <canvas ref=${canvas} data-testid="heatmap" role="img"
        aria-label="Histogram over steps: x is the step, y the value, colour the count"
        onMouseMove=${(e) => setHover(at(e))} onMouseLeave=${() => setHover(null)}
        onClick=${(e) => { const p = at(e); if (p) onPick(p.j); }}></canvas>
      ${tip ? html`<div class="rf-tip rp-tip"
        style=${`left:${Math.min(tip.x + 12, width - 200)}px;top:${tip.y + 8}px`}>
        <div class="rf-tip-x">step ${steps[tip.j]}</div>
        <div>value ${fmtNum(grid.edges[tip.b])} – ${fmtNum(grid.edges[tip.b + 1])}</div>
        <div>count ≈ ${fmtNum(round3(grid.columns[tip.j][tip.b]))} <span class="muted">(re-binned)</span></div>
      </div>` : null}
    </div>`;
}

// Up to 6 step indices to label, first and last included.
function stepTicks(steps) {
  const n = steps.length;
  if (!n) return [];
  const k = Math.min(n, 6);
  return [...new Set(Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / Math.max(1, k - 1))))];
}

const round3 = (v) => Math.round(v * 1000) / 1000;
const RAMP_CSS = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1]
  .map((t) => `rgb(${rampColor(t).join(",")})`).join(", ")})`;

function Bars({ bins, counts }) {
  const wrap = useRef(null);
  const canvas = useRef(null);
  const [hover, setHover] = useState(null);
  const width = useWidth(wrap);
  const theme = useThemeVersion();
  const height = 150;
  const plotW = Math.max(1, width - PAD.left - PAD.right);
  const plotH = height - PAD.top - PAD.bottom;
  const lo = bins[0];
  const hi = bins[bins.length - 1];
  const span = hi > lo ? hi - lo : 1;
  const max = counts.reduce((m, c) => (c > m ? c : m), 0);
  const total = counts.reduce((t, c) => t + c, 0);
  const px = (v) => PAD.left + ((v - lo) / span) * plotW;

  useEffect(() => {
    if (!width) return;
    const ctx = setupCanvas(canvas.current, width, height);
    const accent = cssVar("--accent", "#2563eb");
    ctx.fillStyle = accent;
    counts.forEach((c, i) => {
      if (!(c > 0) || !(max > 0)) return;
      const left = px(bins[i]);
      const h = (c / max) * plotH;
      ctx.globalAlpha = i === hover ? 1 : 0.75;
      ctx.fillRect(left, PAD.top + plotH - h, Math.max(1, px(bins[i + 1]) - left - 1), h);
    });
    ctx.globalAlpha = 1;
    ctx.strokeStyle = cssVar("--line", "#e5e7eb");
    ctx.beginPath();
    ctx.moveTo(PAD.left, PAD.top + plotH + 0.5);
    ctx.lineTo(PAD.left + plotW, PAD.top + plotH + 0.5);
    ctx.stroke();
    ctx.fillStyle = cssVar("--muted", "#6b7280");
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(fmtNum(max), PAD.left - 6, PAD.top + 4);
    ctx.fillText("0", PAD.left - 6, PAD.top + plotH);
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(fmtNum(lo), PAD.left, height - PAD.bottom + 5);
    ctx.textAlign = "right";
    ctx.fillText(fmtNum(hi), PAD.left + plotW, height - PAD.bottom + 5);
  }, [bins, counts, width, theme, hover]);

  const onMove = (e) => {
    const x = e.clientX - canvas.current.getBoundingClientRect().left;
    const v = lo + ((x - PAD.left) / plotW) * span;
    const i = bins.findIndex((edge, k) => k < counts.length && v >= edge && v < bins[k + 1]);
    setHover(i >= 0 ? i : null);
  };
  return html`
    <div class="rp-bars" ref=${wrap}>
      <canvas ref=${canvas} data-testid="histogram-bars" role="img" aria-label="Histogram at the chosen step"
        onMouseMove=${onMove} onMouseLeave=${() => setHover(null)}></canvas>
      <p class="note muted rp-bar-info">${hover !== null
        ? `[${fmtNum(bins[hover])}, ${fmtNum(bins[hover + 1])}): ${fmtNum(counts[hover])}`
        : `${counts.length} bins, ${fmtNum(total)} values — hover a bar for its count`}</p>
    </div>`;
}
