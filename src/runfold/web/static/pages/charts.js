// Grouped line charts: a panel per metric, in sections by key prefix (DESIGN §2.6–2.8).
// ChartsSection fetches the metric keys (unless given), then one series request for every
// metric shown; a panel whose own settings need other data (x axis, smoothing, a zoom)
// fetches just its metric, and with shading "member runs" also its groups' runs.
//
// A chart's settings live in the address (lib/chartparams.js), one parameter per chart
// that differs from the defaults, so a link reproduces the view:
//   chart.<metric>=line:median;shading:std;x:_runtime;smooth:0.6;log:1;max:5;ymin:0;ymax:2;outliers:ignore;zoom:100..250
// Drag along x to zoom (the server re-buckets just that range: finer points); double-click
// resets. While a run drawn is running the series are fetched again every 5 s.
import { html, render, useEffect, useLayoutEffect, useMemo, useRef, useState } from "../lib/ui.js";
import { enc, getJSON } from "../lib/api.js";
import { isGrouped, RUNS_PARAMS, seriesFields, seriesKind, seriesParams, seriesPath } from "../lib/seriesquery.js";
import { exportCSV, exportJSON } from "../lib/chartexport.js";
import { colorFor } from "../lib/colors.js";
import { NO_STYLE, splitFacets, styleEntries } from "../lib/facets.js";
import { chartFromParams, setChartParam } from "../lib/chartparams.js";
import { pickLines } from "../lib/legend.js";
import { anyRunning, useLiveFetch } from "../lib/live.js";
import { memberPlan } from "../lib/members.js";
import { chartSections, defaultMetrics } from "../lib/series.js";
import { groupLabel } from "../lib/workspace.js";
import { readParams, updateParams } from "../lib/url.js";
import uPlot from "../vendor/uplot-1.6.32.mjs";
import { download, downloadPNG, fileName, fmtX, nearestLine, showTip, uplotOptions } from "./chartdraw.js";
import { afterPaint, applyOff, focusLine, isNear, isOnScreen, plotState, publish, useNear } from "./chartlife.js";
import { Legend, Settings } from "./chartparts.js";
import { FacetGrid, StyleControls, YAxisFields } from "./chartstyle.js";

export { exportCSV, exportJSON, plotState };

// Also read, when set: ymin, ymax (a fixed end of the y axis; absent or null: auto) and
// ignoreOutliers (pages/chartstyle.js yScale).
export const DEFAULT_SETTINGS = { line: "mean", shading: "minmax", x: "_step", smoothing: 0, log: false, max: 20 };
export const HEIGHT = 220;

// The page's stylesheet may not carry the charts' own rules (the developer page): add it.
function ensureStylesheet() {
  const href = "/static/css/charts-extra.css";
  if (document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.appendChild(link);
}

// The section fetches every metric at the defaults' x, smoothing, line and shading in
// one request; a panel that draws other numbers fetches its own.
export const needsOwnFetch = (s, zoom, base, grouped) =>
  s.x !== base.x || s.smoothing !== base.smoothing || s.max > base.max || !!zoom
  || seriesFields(s, grouped).join() !== seriesFields(base, grouped).join();
export const seriesOf = (project, params) => getJSON(seriesPath(project, params));

// Props: project; by (grouping keys; [] one line per run; absent the server's default);
// filters (object or JSON text); colorOf(index, name, key) (index in the API's order, so a
// colour does not move when other lines are hidden; the workspace picks by key); limit (metrics shown at first);
// metricKeys (the metric keys to chart, instead of the project's: a run page passes its
// own); hidden (JSON.stringify(entry.key) of groups or runs not drawn); settings (every
// panel's starting settings, e.g. a report block's: the block holds them, so these panels
// keep theirs out of the address); style ({facet, dash}: grouping keys that split each
// chart into small charts and set line dashes, pages/chartstyle.js) and onStyle(style)
// (given: the Facet by and Dash by controls are shown).
export function ChartsSection({
  project, by, filters, colorOf = colorFor, limit = 8, metricKeys, hidden, settings,
  style = NO_STYLE, onStyle,
}) {
  const [fetchedKeys, setKeys] = useState(null);
  const keys = metricKeys || fetchedKeys;
  const [shown, setShown] = useState(limit);
  const [keysError, setError] = useState(null);
  const [open, setOpen] = useState({});

  useEffect(ensureStylesheet, []);
  useEffect(() => {
    if (metricKeys) return undefined;
    let live = true;
    setKeys(null);
    getJSON(`/projects/${enc(project)}/metrics`)
      .then((body) => live && setKeys(body.metrics))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project, !metricKeys]);

  const metrics = useMemo(() => (keys ? defaultMetrics(keys, shown) : []), [keys && keys.join("\n"), shown]);
  const sections = useMemo(() => (keys ? chartSections(keys) : []), [keys && keys.join("\n")]);
  const defaults = useMemo(() => ({ ...DEFAULT_SETTINGS, ...(settings || {}) }), [JSON.stringify(settings || null)]);
  const params = seriesParams({ by, filters }, metrics, defaults);
  const same = seriesKind(project, params, [...RUNS_PARAMS, "metric", "fields"]);
  const [body, sharedError, sharedFresh] = useLiveFetch(
    metrics.length ? seriesPath(project, params) : null,
    () => seriesOf(project, params), (b) => anyRunning(b.series), same,
  );
  const shared = body && body.series;
  const sharedTotal = body ? body.total : null;
  const error = keysError || sharedError;

  if (error) return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
  if (!keys) return html`<p class="loading">Loading charts…</p>`;
  if (!keys.length) return html`<p class="muted" data-testid="charts-empty">No metrics logged yet: <code>run.log({"loss": 0.1})</code> draws the first chart.</p>`;
  const total = sections.filter((s) => !s.system).reduce((n, s) => n + s.keys.length, 0);
  const ctx = { sharedTotal, sharedStale: !sharedFresh, project, by, filters, colorOf, keys, hidden: hidden || [], defaults, inUrl: !settings, style };
  ctx.labelOf = (e) => groupLabel(e.key, by, e.name);
  return html`
    <div class="rf-charts" data-testid="charts">
      <${StyleControls} by=${by} style=${style} onChange=${onStyle} />
      ${total > metrics.length ? html`
        <p class="note" data-testid="charts-capped">Showing ${metrics.length} of ${total} metrics.${" "}
          <button class="rf-link" onClick=${() => setShown(total)}>Show all</button></p>` : null}
      ${sections.map((s) => {
        const isOpen = open[s.id] ?? !s.collapsed;
        const keysHere = s.system ? s.keys : s.keys.filter((k) => metrics.includes(k));
        if (!keysHere.length) return null;
        return html`
          <section class="rf-chart-section" data-section=${s.id} key=${s.id}>
            <h2><button class="rf-toggle" aria-expanded=${isOpen}
              onClick=${() => setOpen({ ...open, [s.id]: !isOpen })}>${isOpen ? "▾" : "▸"} ${s.title}</button>
              <span class="muted rf-count">${keysHere.length}</span></h2>
            ${isOpen ? html`<div class="charts">
              ${keysHere.map((m) => html`<${ChartPanel} key=${m} id=${m} metric=${m} ctx=${ctx}
                  shared=${s.system ? undefined : shared ? shared[m] ?? null : null} />`)}
            </div>` : null}
          </section>`;
      })}
    </div>`;
}

// Each entry with the label its legend and tooltip show (lr=0.001 · optimizer=adam).
const labelled = (entries, ctx) => entries && entries.map((e) => ({ ...e, label: ctx.labelOf ? ctx.labelOf(e) : e.name }));

// Entries not hidden, each remembering its index in the API's order (its colour).
export function visibleEntries(entries, hidden) {
  if (!entries) return entries;
  const out = entries.map((e, i) => ({ ...e, colorIndex: i }));
  if (!hidden || !hidden.length) return out;
  const skip = new Set(hidden);
  return out.filter((e) => !skip.has(JSON.stringify(e.key)));
}

// One line chart: `id` names it in the address (chart.<id>) and in the page's record
// (the metric itself for a metric's first panel); `extra` adds the workspace's panel
// tools to its settings drawer; `height` its chart's height.
export function ChartPanel({ id = null, metric, ctx, shared, height = HEIGHT, extra, head }) {
  const pid = id || metric;
  const fromAddress = () => (ctx.inUrl
    ? chartFromParams(readParams(), pid, ctx.defaults) : { settings: ctx.defaults, zoom: null });
  const [view, setView] = useState(fromAddress);
  const defaultsKey = JSON.stringify(ctx.defaults);
  const seenDefaults = useRef(defaultsKey);
  useEffect(() => { // the page's x axis (or a block's settings) changed: follow
    if (seenDefaults.current === defaultsKey) return;
    seenDefaults.current = defaultsKey;
    setView(fromAddress());
  }, [defaultsKey]);
  const { settings, zoom } = view;
  const [full, setFull] = useState(false);
  const [viewportH, setViewportH] = useState(window.innerHeight);
  const plot = useRef(null);
  const panel = useRef(null);
  const change = (nextSettings, nextZoom) => {
    setView({ settings: nextSettings, zoom: nextZoom });
    if (ctx.inUrl) updateParams((p) => setChartParam(p, pid, nextSettings, nextZoom, ctx.defaults));
  };
  const set = (k, v) => change({ ...settings, [k]: v }, k === "x" ? null : zoom);
  const own = needsOwnFetch(settings, zoom, ctx.defaults, isGrouped(ctx.by)) || shared === undefined;
  const ctxKey = JSON.stringify([ctx.project, ctx.by ?? null, ctx.filters || null]);
  const ownParams = seriesParams(ctx, [metric], settings, zoom);
  const [ownBody, error, ownFresh] = useLiveFetch(
    own ? seriesPath(ctx.project, ownParams) : null,
    () => seriesOf(ctx.project, ownParams), (b) => anyRunning(b.series),
    // the last answer stays while the next loads only if it has the arrays drawn now
    seriesKind(ctx.project, ownParams, RUNS_PARAMS),
  );
  const raw = own ? ownBody && (ownBody.series[metric] || []) : shared;
  const stale = own ? !ownFresh : ctx.sharedStale; // the last answer, shown while the next loads
  const hiddenKey = ctx.hidden.join("\n");
  // a new dash key draws anew (the dashes are set when a chart is built)
  const styleKey = JSON.stringify(ctx.style);
  // Lines about to be replaced stay as they were drawn: restyling them for a view whose
  // own lines are on their way would only redraw every chart once more.
  const shownEntries = useRef(null);
  const entries = useMemo(() => (stale && shownEntries.current ? shownEntries.current
    : labelled(styleEntries(visibleEntries(raw, ctx.hidden), raw, ctx.by, ctx.style), ctx)),
  [raw, hiddenKey, styleKey, ctxKey, stale]);
  shownEntries.current = entries;
  const facets = useMemo(() => splitFacets(entries, ctx.by, ctx.style.facet), [entries]);
  // lines the server left out (limit): the note under the chart counts them too
  const serverTotal = own ? ownBody && ownBody.total : ctx.sharedTotal;
  const total = raw && entries && serverTotal > raw.length ? serverTotal - (raw.length - entries.length) : null;
  const drawn = useMemo(() => (facets ? facets.flatMap((f) => f.entries.slice(0, settings.max))
    : entries && entries.slice(0, settings.max)), [entries, facets, settings.max]);
  const members = useMembers(ctx, metric, settings, zoom, drawn);

  useEffect(() => {
    if (!full) return undefined;
    const onKey = (e) => { if (e.key === "Escape") setFull(false); };
    const onResize = () => setViewportH(window.innerHeight);
    document.addEventListener("keydown", onKey);
    window.addEventListener("resize", onResize);
    onResize();
    panel.current?.querySelector("[data-testid=chart-fullscreen]")?.focus();
    return () => {
      document.removeEventListener("keydown", onKey);
      window.removeEventListener("resize", onResize);
    };
  }, [full]);

  return html`
    <div class=${`panel rf-panel${full ? " rf-fullscreen" : ""}${facets ? " rf-faceted" : ""}`} data-metric=${metric} data-testid="chart-panel"
      data-panel=${pid} ref=${panel} role=${full ? "dialog" : undefined} aria-label=${full ? metric : undefined}>
      <div class="rf-panel-head">
        ${head || null}
        <h3 title=${metric}>${metric}</h3>
        <div class="rf-panel-tools">
          <${Settings} metric=${metric} settings=${settings} set=${set} keys=${ctx.keys}
            extra=${html`<${YAxisFields} settings=${settings} set=${set} />${extra || null}`} />
          <button class="rf-icon" data-testid="chart-fullscreen" aria-pressed=${full}
            title=${full ? "Close full screen (Esc)" : "Full screen"}
            onClick=${() => setFull(!full)}>${full ? "✕ Close" : "⤢ Full screen"}</button>
        </div>
      </div>
      ${error ? html`<p class="error" role="alert">${String(error.message || error)}</p>`
        : !entries ? html`<div class="rf-chart-placeholder loading">Loading…</div>`
        : !entries.some((e) => e.x.length) ? html`<div class="rf-chart-placeholder muted" data-testid="chart-nodata">
            ${zoom ? html`<span>No points between ${fmtX(zoom[0], settings.x)} and ${fmtX(zoom[1], settings.x)}.${" "}
              <button class="rf-link" onClick=${() => change(settings, null)}>Reset zoom</button></span>`
              : "No data for the runs shown."}</div>`
        : facets ? html`<${FacetGrid} facets=${facets} settings=${settings} members=${members}
            height=${full ? Math.max(height, Math.round((viewportH - 260) / 2)) : height}
            chart=${(list, own, m, ref, h) => html`<${Chart} key=${styleKey} metric=${metric} id=${pid} entries=${list}
              stale=${stale} settings=${own} zoom=${zoom} total=${null} height=${h} members=${m}
              colorOf=${ctx.colorOf} plot=${ref} onZoom=${(z) => change(settings, z)} />`} />`
        : html`<${Chart} key=${styleKey} metric=${metric} id=${pid} entries=${entries} stale=${stale} settings=${settings} zoom=${zoom} total=${total}
            height=${full ? Math.max(height, viewportH - 200) : height}
            members=${members} colorOf=${ctx.colorOf} plot=${plot} onZoom=${(z) => change(settings, z)}
            onMax=${(max) => change({ ...settings, max }, zoom)} />`}
    </div>`;
}

// Member runs of the drawn groups (shading "members"): {entries, plan} or null
// (entries null while they load).
// drawn: the group entries drawn (of every small chart, when faceted).
function useMembers(ctx, metric, settings, zoom, drawn) {
  const active = settings.shading === "members" && !!drawn && drawn.length > 0;
  const plan = useMemo(() => (active ? memberPlan(drawn) : null), [active, drawn]);
  const ids = plan ? plan.ids : [];
  const params = seriesParams(
    { by: [], filters: { id: { $in: ids } } }, [metric], { ...settings, max: Math.max(1, ids.length) }, zoom,
  );
  const [body] = useLiveFetch(
    active && ids.length ? seriesPath(ctx.project, params) : null,
    () => seriesOf(ctx.project, params), (b) => anyRunning(b.series),
    seriesKind(ctx.project, params, RUNS_PARAMS),
  );
  return useMemo(() => (plan ? { plan, entries: body ? body.series[metric] || [] : null } : null), [plan, body]);
}

function Chart({ metric, id, entries, stale, settings, zoom, total, height, members, colorOf, plot, onZoom, onMax }) {
  const el = useRef(null);
  const [offNames, setOffNames] = useState(() => new Set()); // lines hidden from the legend
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  const near = useNear(el);
  const waiting = useRef(null); // what it will draw once near: {state, colors, bands}
  const state = useMemo(
    () => plotState(metric, entries, settings, members, zoom, total), [metric, entries, settings, members, zoom, total],
  );
  const colors = state.drawn.map((e, i) => colorOf(e.colorIndex ?? i, e.name, e.key));
  const names = state.aligned.groups.map((g) => g.name);
  const off = useMemo(() => new Set(names.flatMap((n, i) => (offNames.has(n) ? [i] : []))),
    [names.join("\n"), offNames]);
  // Rebuild uPlot when what it draws changes shape; new numbers alone (a live refresh) go to setData.
  const shape = JSON.stringify([settings, zoom, height, colors, state.aligned.groups.map((g) => g.name),
    (state.aligned.members || []).map((m) => m.id)]);

  // Built in a layout effect, so the chart is drawn in the frame that shows its panel
  // (a plain effect would paint an empty panel first and draw a frame later). The
  // observer's first answer comes a frame late too: a chart already near is drawn now.
  // Every chart of a render reads its geometry first; the drawing waits for a
  // microtask, after all of them: reads between other charts' DOM changes would lay
  // the page (a 50-row table) out again for each chart.
  useLayoutEffect(() => {
    const p = plot.current;
    // stale: lines about to be replaced (the page asked for others) are not drawn
    // anew, and nothing is measured (that would lay out the page before the request
    // for the new lines is even sent)
    if ((p && p.shape === shape) || stale) return undefined;
    const host = el.current;
    const width = host.clientWidth;
    const visible = near || isNear(host);
    let cancelled = false;
    // a chart near the view but not in it is built once the charts in it are painted
    const build1 = visible && !isOnScreen(host)
      ? () => afterPaint(() => !cancelled && build(host, host.clientWidth, true)) : () => build(host, width, visible);
    queueMicrotask(() => { if (!cancelled) build1(); });
    return () => { cancelled = true; };
  }, [shape, near, stale]);

  function build(host, width, visible) {
    const p = plot.current;
    if (p && p.shape !== shape) {
      p.drop();
      plot.current = null;
    }
    if (plot.current) return;
    const cur = { state, colors, off, hovered: false, hot: -1 };
    const opts = uplotOptions(cur, Math.max(200, width), height, (z) => zoomRef.current(z), null);
    cur.bands = opts.bandPairs;
    waiting.current = visible ? null : cur;
    if (!visible) {
      publish(id, cur, null);
      return;
    }
    const tip = document.createElement("div");
    tip.className = "rf-tip";
    tip.dataset.testid = "chart-tooltip";
    tip.hidden = true;
    // only the chart under the pointer shows its tooltip (the others show the crosshair)
    opts.hooks.setCursor = [(u) => {
      if (!cur.hovered) { tip.hidden = true; return; }
      const hot = nearestLine(u, cur.state);
      if (hot !== cur.hot) { cur.hot = hot; focusLine(u, cur, hot); }
      showTip(u, tip, cur.state, cur.colors, cur.state.settings, hot);
    }];
    const u = new uPlot(opts, state.data, host);
    applyOff(u, cur);
    u.over.appendChild(tip);
    u.over.addEventListener("mouseenter", () => { cur.hovered = true; });
    u.over.addEventListener("mouseleave", () => {
      cur.hovered = false;
      tip.hidden = true;
      if (cur.hot !== -1) { cur.hot = -1; focusLine(u, cur, -1); }
    });
    u.over.addEventListener("dblclick", () => zoomRef.current(null));
    u.over.title = "Drag to zoom, double-click to reset";
    let drawnWidth = width;
    const ro = new ResizeObserver(() => {
      if (host.clientWidth && host.clientWidth !== drawnWidth) {
        drawnWidth = host.clientWidth;
        u.setSize({ width: Math.max(200, drawnWidth), height });
      }
    });
    ro.observe(host);
    plot.current = { u, cur, shape, drop: () => { ro.disconnect(); u.destroy(); } };
    publish(id, cur, u);
  }
  useEffect(() => () => { plot.current?.drop(); plot.current = null; }, []);

  useLayoutEffect(() => {
    const p = plot.current;
    if (p && p.shape !== shape) return; // rebuilt (above) with these numbers
    if (!p) {
      const w = waiting.current;
      if (w && w.state !== state) {
        w.state = state;
        publish(id, w, null);
      }
      return;
    }
    if (p.cur.state === state) return;
    p.cur.state = state; // the tooltip reads cur: it follows
    p.u.setData(state.data);
    publish(id, p.cur, p.u);
  }, [state]);

  // lines hidden or shown from the legend: the drawing follows without a rebuild
  useLayoutEffect(() => {
    const p = plot.current;
    const cur = p ? p.cur : waiting.current;
    if (!cur || cur.off === off) return;
    cur.off = off;
    if (p) applyOff(p.u, cur);
    publish(id, cur, p ? p.u : null);
  }, [off]);

  const items = state.drawn.map((e, i) => ({
    name: state.aligned.groups[i].name, label: e.label ?? e.name, color: colors[i], runs: e.runs,
    running: e.running, dash: e.dash,
  }));
  const pick = (i, toggle) => {
    const next = pickLines(off, items.length, i, toggle);
    setOffNames(new Set([...next].map((j) => names[j])));
  };
  const hover = (i) => {
    const p = plot.current;
    if (p) focusLine(p.u, p.cur, i === null ? -1 : i);
  };
  const capped = state.total > state.drawn.length;
  const mp = state.memberPlan;
  const memberNote = mp && members.entries ? memberText(mp) : mp ? "Loading member runs…" : null;
  return html`
    <div class="rf-chart" ref=${el}></div>
    ${capped ? html`<p class="note" data-testid="chart-capped">Showing ${state.drawn.length} of ${state.total} ${state.total === 1 ? "line" : "lines"} (raise “Max lines” in Advanced).${" "}
      ${onMax && state.total <= 500 ? html`<button class="rf-link" data-testid="chart-show-all"
        onClick=${() => onMax(state.total)}>Show all ${state.total}</button>` : null}</p>` : null}
    ${memberNote ? html`<p class="note" data-testid="chart-members">${memberNote}</p>` : null}
    ${zoom ? html`<p class="note rf-zoom-note" data-testid="chart-zoom">
      Zoomed to ${fmtX(zoom[0], settings.x)} – ${fmtX(zoom[1], settings.x)}.${" "}
      <button class="rf-link" onClick=${() => onZoom(null)}>Reset zoom</button></p>` : null}
    <${Legend} items=${items} off=${off} onPick=${pick} onHover=${hover} />
    <div class="rf-chart-foot">
      <button class="rf-link" onClick=${() => download(`${fileName(state)}.json`, "application/json", exportJSON(state))}>JSON</button>
      <button class="rf-link" onClick=${() => download(`${fileName(state)}.csv`, "text/csv", exportCSV(state))}>CSV</button>
      <button class="rf-link" data-testid="chart-png"
        onClick=${() => downloadPNG(metric, plot.current, items)}>PNG</button>
    </div>`;
}

function memberText(plan) {
  const shown = plan.counts.reduce((n, c) => n + c.shown, 0);
  const total = plan.counts.reduce((n, c) => n + c.total, 0);
  return plan.capped
    ? `Faint lines: ${shown} of ${total} member runs (at most 20 per group, 200 in all).`
    : `Faint lines: the ${total} member ${total === 1 ? "run" : "runs"}.`;
}

// Mount the charts into an element (developer page, tests, embedding).
export function mountCharts(el, props) {
  render(html`<${ChartsSection} ...${props} />`, el);
}
