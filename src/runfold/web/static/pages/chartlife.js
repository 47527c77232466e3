// How a line chart lives on the page: what it plots (plotState), the page's record of
// it (publish, for tests and "export gives exactly what is plotted"), when it is drawn
// (near the view, when the page is idle, before printing), and the legend's effects on
// the drawing (lines hidden, one line brought forward). pages/charts.js composes them.
import { withFacetRecord } from "../lib/facets.js";
import { alignWithMembers } from "../lib/members.js";
import { alignSeries, seriesIndex, toUPlotData } from "../lib/series.js";
import { useEffect, useLayoutEffect, useState } from "../lib/ui.js";

// What the page shows, for tests and for "export gives exactly what is plotted".
const debug = (window.__runfoldCharts = window.__runfoldCharts || {});

// The plotted state of one chart: what uPlot draws, as plain arrays. With member runs
// their lines come first in uPlot's data (drawn behind the groups): groupOffset of them.
export function plotState(metric, entries, settings, members = null, zoom = null, total = null) {
  const drawn = entries.slice(0, settings.max);
  const withMembers = settings.shading === "members" && members && members.entries;
  const aligned = withMembers ? alignWithMembers(drawn, members.entries, settings) : alignSeries(drawn, settings);
  const groupData = toUPlotData(aligned);
  const memberLines = (aligned.members || []).map((m) => m.line.map((v, j) => (m.src[j] < 0 ? undefined : v)));
  const data = [groupData[0], ...memberLines, ...groupData.slice(1)];
  // a small chart's settings also carry its facet and its panel's y range, exact or to
  // be padded (chartstyle.js)
  const { facet = null, yRange = null, yExact = false, ...own } = settings;
  return {
    metric, settings: own, zoom, total: total ?? entries.length, drawn, aligned, data,
    groupOffset: memberLines.length, memberPlan: members ? members.plan : null, facet, yRange, yExact,
  };
}

// u: the uPlot drawing it, or null while the chart is off screen (its numbers are
// ready; it is drawn when it comes near the viewport). A small chart's record goes in
// its panel's `facets` list (lib/facets.js withFacetRecord).
export function publish(id, { state, colors, bands, off }, u) {
  const { aligned, drawn } = state;
  const record = {
    id, metric: state.metric, settings: state.settings, zoom: state.zoom, total: state.total,
    drawnGroups: drawn.length, x: aligned.x,
    groups: aligned.groups.map((g, gi) => ({
      name: g.name, label: drawn[gi].label ?? g.name, key: g.key, color: colors[gi], line: g.line, lo: g.lo,
      hi: g.hi, n: g.n, dash: drawn[gi].dash ? drawn[gi].dash.name : null,
      shown: !(off && off.has(gi)),
    })),
    members: (aligned.members || []).map((m) => ({ id: m.id, group: m.group, line: m.line })),
    memberPlan: state.memberPlan, groupOffset: state.groupOffset,
    bands: bands.map((b) => b.series),
    data: u ? u.data : state.data, size: u ? { width: u.width, height: u.height } : null, painted: !!u,
    get yScale() { return u ? [u.scales.y.min, u.scales.y.max] : null; }, // as drawn (set once uPlot commits)
    at: performance.now(), // when (benchmarks)
  };
  debug[id] = state.facet ? withFacetRecord(debug[id], state.facet, record) : record;
}

export const NEAR_PX = 400;

// Charts far from the view wait; once the page is idle they are drawn one at a time
// anyway, and all at once before printing, so a printed or whole-page capture shows
// every chart (not blanks below the fold).
const later = new Set();
let idleAsked = false;
function drawLater(wake) {
  later.add(wake);
  if (idleAsked) return;
  idleAsked = true;
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 200));
  const next = () => {
    const [first] = later;
    if (first) { later.delete(first); first(); }
    if (later.size) idle(next, { timeout: 2000 });
    else idleAsked = false;
  };
  idle(next, { timeout: 2000 });
}
window.addEventListener("beforeprint", () => { for (const wake of [...later]) wake(); later.clear(); });

// The charts on screen are answered first: while a section on screen waits for its
// lines (holdScreen), the sections off screen wait to ask for theirs (afterScreen), so
// the server and the page work on what is seen first. Each waits 1.5 s at most.
let screenBusy = 0;
const afterScreenDrawn = new Set();
const AFTER_SCREEN_MAX_MS = 1500;

function releaseAfterScreen() {
  if (screenBusy) return;
  [...afterScreenDrawn].forEach((once) => once()); // each leaves the set
}

// Call while what is on screen waits for an answer; the function returned ends the wait.
export function holdScreen() {
  screenBusy += 1;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    screenBusy -= 1;
    if (!screenBusy) afterPaint(releaseAfterScreen); // once the charts are on screen
  };
}

// f() once nothing on screen waits (at the latest AFTER_SCREEN_MAX_MS from now); the
// function returned cancels.
export function afterScreen(f) {
  const once = () => { clearTimeout(timer); if (afterScreenDrawn.delete(once)) f(); };
  const timer = setTimeout(once, AFTER_SCREEN_MAX_MS);
  afterScreenDrawn.add(once);
  if (!screenBusy) setTimeout(releaseAfterScreen, 0);
  return () => { clearTimeout(timer); afterScreenDrawn.delete(once); };
}

// Whether any part of the element is inside the viewport (followed as it scrolls).
export function useOnScreen(ref) {
  const [seen, setSeen] = useState(false);
  useLayoutEffect(() => {
    const box = ref.current.getBoundingClientRect();
    setSeen(box.bottom > 0 && box.top < window.innerHeight && box.height > 0);
    const io = new IntersectionObserver((all) => setSeen(all[all.length - 1].isIntersecting));
    io.observe(ref.current);
    return () => io.disconnect();
  }, []);
  return seen;
}

// Whether the element is on screen or within NEAR_PX of it (charts below the fold
// are drawn as the page scrolls toward them, or when the page is idle).
// `now`: measured at once too (the observer's first answer comes a frame later, and
// a section's request would wait for it; a chart measures itself as it is built).
export function useNear(ref, now = false) {
  const [near, setNear] = useState(false);
  useLayoutEffect(() => { if (now && isNear(ref.current)) setNear(true); }, []);
  useEffect(() => {
    const wake = () => setNear(true);
    const io = new IntersectionObserver((seen) => {
      const now = seen[seen.length - 1].isIntersecting;
      if (now) { later.delete(wake); setNear(true); } else drawLater(wake);
    }, { rootMargin: `${NEAR_PX}px` });
    io.observe(ref.current);
    return () => { io.disconnect(); later.delete(wake); };
  }, []);
  return near;
}

export function isOnScreen(el) {
  const box = el.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
}

// f() once the next frame is painted and the page is idle (100 ms at most): work that
// can wait for what is on screen.
const afterPaintQueue = [];
export function afterPaint(f) {
  afterPaintQueue.push(f);
  if (afterPaintQueue.length > 1) return;
  const idle = window.requestIdleCallback || ((g) => setTimeout(g, 0));
  requestAnimationFrame(() => idle(() => afterPaintQueue.splice(0).forEach((g) => g()), { timeout: 100 }));
}

export function isNear(el) {
  const box = el.getBoundingClientRect();
  return box.bottom > -NEAR_PX && box.top < window.innerHeight + NEAR_PX;
}

// Show or hide each group's line, band and member runs as the legend says.
export function applyOff(u, cur) {
  const { state, off } = cur;
  state.aligned.groups.forEach((g, gi) => {
    const show = !off.has(gi);
    const s = seriesIndex(gi);
    for (const k of [s.line, s.upper, s.lower]) {
      const i = state.groupOffset + k;
      if (u.series[i] && u.series[i].show !== show) u.setSeries(i, { show });
    }
  });
  (state.aligned.members || []).forEach((m, mi) => {
    const show = !off.has(m.group);
    if (u.series[1 + mi] && u.series[1 + mi].show !== show) u.setSeries(1 + mi, { show });
  });
}

// Bring one group's line forward (the others fade), or none (gi = -1); the runs
// table's row of that group is marked too (pages/runstable.js follows runfold:hover).
export function focusLine(u, cur, gi) {
  u.setSeries(gi < 0 ? null : cur.state.groupOffset + seriesIndex(gi).line, { focus: gi >= 0 });
  const entry = gi < 0 ? null : cur.state.drawn[gi];
  window.dispatchEvent(new CustomEvent("runfold:hover", { detail: entry ? JSON.stringify(entry.key) : null }));
}
