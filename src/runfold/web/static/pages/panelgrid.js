// The workspace's panels: sections (collapsible, renamable, reordered by dragging their
// heading) of panels in a grid that fills the width; panels are dragged by their handle
// to move them, and resized by their corner (or from their settings drawer, with the
// keyboard). The layout itself is data (lib/workspace.js); `edit(fn)` applies a change
// to it.
//
// Line panels of one open section are fetched in one request (at the page's default
// settings) once the section comes near the view; a panel with its own settings
// fetches its own (pages/charts.js ChartPanel).
import { NO_STYLE } from "../lib/facets.js";
import { RUNS_PARAMS, seriesKind, seriesParams, seriesPath } from "../lib/seriesquery.js";
import { anyRunning, useLiveFetch } from "../lib/live.js";
import { askEarly, getJSON, keepRecent, recentJSON } from "../lib/api.js";
import { html, lazy, useLayoutEffect, useMemo, useRef, useState } from "../lib/ui.js";
import { HEIGHTS, movePanel, panelMatcher, placeSection, toggleSection, updatePanel } from "../lib/workspace.js";
import { ChartPanel } from "./charts.js";
import { afterScreen, holdScreen, useNear, useOnScreen } from "./chartlife.js";
import { AddPanel, PanelTools, SectionMenu } from "./paneledit.js";

const DRAG_TYPE = "text/x-runfold-panel";
const SECTION_DRAG_TYPE = "text/x-runfold-section";
// bar, scatter, scalar, parallel coordinates and run comparer panels: their modules
// come when a layout first has one
const SummaryPanel = lazy(() => import("./summarypanels.js").then((m) => m.SummaryPanel),
  html`<p class="loading">Loading…</p>`);
let dragging = null; // the id of the panel being dragged
let draggingSection = null; // the id of the section being dragged

// Props: layout; edit(fn) (fn: layout → layout); ctx (the line charts' context:
// project, by, filters, colorOf, labelOf, keys, hidden, defaults, style); summary
// (the summary panels' runs and groups); search (the panel search's text).
export function PanelGrid({ layout, edit, ctx, summary, search }) {
  const match = useMemo(() => panelMatcher(search), [search]);
  const sections = layout.sections.map((s) => ({ ...s, shown: s.panels.filter(match) }));
  const searching = !!(search || "").trim();
  const found = sections.reduce((n, s) => n + s.shown.length, 0);
  return html`
    <div class="ws-sections" data-testid="panel-grid" id="ws-charts">
      ${searching && !found ? html`<p class="muted" data-testid="panels-none">No panel matches “${search}”.</p>` : null}
      ${sections.map((s, i) => (searching && !s.shown.length ? null : html`<${Section} key=${s.id} section=${s}
        first=${i === 0} last=${i === sections.length - 1} layout=${layout} edit=${edit} ctx=${ctx}
        summary=${summary} searching=${searching} />`))}
    </div>`;
}

function Section({ section, first, last, layout, edit, ctx, summary, searching }) {
  const el = useRef(null);
  const near = useNear(el, true);
  const open = !section.collapsed || searching;
  const lines = section.shown.filter((p) => p.type === "line" && !(p.settings && p.settings.lines === "runs"));
  const metrics = [...new Set(lines.map((p) => p.metric))];
  const params = seriesParams(ctx, metrics, ctx.defaults);
  const [key, onScreen, deferred] = useScreenFirst(el, open && near && metrics.length ? seriesPath(ctx.project, params) : null);
  // asked before the panels render (~50 ms sooner); useLiveFetch takes the answer
  useMemo(() => { if (key !== null && !recentJSON(key)) askEarly(key); }, [key]);
  const load = () => {
    const kept = recentJSON(key);
    if (kept) return Promise.resolve(kept);
    return getJSON(key).then((b) => { if (!anyRunning(b.series)) keepRecent(key, b, numbersIn(b.series)); return b; });
  };
  const [body, error, fresh] = useLiveFetch(
    key, load, (b) => anyRunning(b.series),
    seriesKind(ctx.project, params, [...RUNS_PARAMS, "metric", "fields"]),
  );
  // while its lines are on their way, the sections off screen wait to ask
  const waits = onScreen && key !== null && !fresh && !error;
  useLayoutEffect(() => (waits ? holdScreen() : undefined), [waits, key]);
  // deferred: the lines shown are the last view's, drawn as they are until the new come
  const sectionCtx = { ...ctx, sharedTotal: body ? body.total : null, sharedStale: !fresh || deferred };
  const shared = (m) => (body ? body.series[m] ?? null : null);
  // a panel set to "one line per run" (its own grouping) fetches its own lines
  const runsCtx = { ...sectionCtx, by: [], hidden: [], style: NO_STYLE, labelOf: (e) => e.name };
  const perRun = (p) => !!p.settings && p.settings.lines === "runs";
  const toggle = () => edit((l) => toggleSection(l, section.id));
  const drag = useSectionDrag(el, section, edit);
  return html`
    <section class="rf-chart-section ws-section" data-section=${section.id} data-testid="panel-section" ref=${el}
      aria-label=${section.title} onDragOver=${drag.over} onDragLeave=${drag.leave} onDrop=${drag.drop}>
      <h2 class="ws-section-head" data-testid="section-head" onPointerDown=${drag.arm} onDragStart=${drag.start}
        onDragEnd=${drag.end}>
        <span class="ws-drag ws-section-drag" aria-hidden="true"
          title="Drag the heading to move this section (or use Move up / Move down in ⋯)">⠿</span>
        <button class="rf-toggle" aria-expanded=${open} data-testid="section-toggle" onClick=${toggle}>
          ${open ? "▾" : "▸"} <span class="ws-section-title">${section.title}</span></button>
        <span class="muted rf-count">${section.shown.length}</span>
        <${SectionMenu} section=${section} first=${first} last=${last} edit=${edit} />
        <${AddPanel} section=${section} edit=${edit} keys=${ctx.keys} summary=${summary} />
      </h2>
      ${error ? html`<p class="error" role="alert">${String(error.message || error)}</p>` : null}
      ${open ? html`<div class="ws-grid" onDragOver=${allowDrop} onDrop=${(e) => dropAtEnd(e, section, edit)}>
        ${section.shown.map((p) => html`<${PanelBox} key=${p.id} panel=${p} section=${section} edit=${edit}>
          ${p.type === "line"
            ? html`<${ChartPanel} id=${p.id} metric=${p.metric} ctx=${perRun(p) ? runsCtx : sectionCtx}
                shared=${perRun(p) ? undefined : shared(p.metric)}
                height=${HEIGHTS[p.h]} head=${html`<${DragHandle} id=${p.id} />`}
                extra=${html`<${PanelTools} panel=${p} section=${section} layout=${layout} edit=${edit} />`} />`
            : html`<${SummaryPanel} panel=${p} data=${summary} edit=${edit}
                head=${html`<${DragHandle} id=${p.id} />`}
                tools=${html`<${PanelTools} panel=${p} section=${section} layout=${layout} edit=${edit} />`} />`}
        <//>`)}
        ${!section.shown.length ? html`<p class="muted ws-empty">No panels here yet: add one with “+ Panel”,
          or drag one in.</p>` : null}
      </div>` : null}
    </section>`;
}

// How many numbers a series answer holds (what keepRecent counts).
function numbersIn(series) {
  let n = 0;
  for (const entries of Object.values(series)) {
    for (const e of entries) for (const v of Object.values(e)) if (Array.isArray(v)) n += v.length;
  }
  return n;
}

// The request a section makes for `wanted` (an address, or null): at once when the
// section is on screen, else once the sections on screen have their lines
// (chartlife.js afterScreen); until then the last one asked (its lines stay).
// Returns [key, onScreen, deferred (the key is not yet `wanted`)].
function useScreenFirst(el, wanted) {
  const onScreen = useOnScreen(el);
  const [released, setReleased] = useState(null);
  const last = useRef(null);
  const now = wanted === null || onScreen || released === wanted;
  useLayoutEffect(() => (now ? undefined : afterScreen(() => setReleased(wanted))), [wanted, now]);
  if (now) last.current = wanted;
  return [last.current, onScreen, last.current !== wanted];
}

// A section is dragged by its heading (not from its menus' fields, where a drag selects
// text): the heading is draggable from the pointer's press until the drag ends. Dropped
// on the upper half of another section it goes before it, on the lower half after it.
function useSectionDrag(el, section, edit) {
  const clear = () => {
    for (const s of document.querySelectorAll(".ws-section-before, .ws-section-after")) {
      s.classList.remove("ws-section-before", "ws-section-after");
    }
  };
  const later = (e) => {
    const r = el.current.getBoundingClientRect();
    return e.clientY > r.top + r.height / 2;
  };
  return {
    arm: (e) => {
      const head = e.currentTarget;
      if (e.target.closest("input, select, textarea, .ws-pop-body")) return;
      head.draggable = true;
      const disarm = () => { if (!draggingSection) head.draggable = false; };
      window.addEventListener("pointerup", disarm, { once: true });
    },
    start: (e) => {
      if (e.target !== e.currentTarget) return; // a panel's drag, or text
      draggingSection = section.id;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData(SECTION_DRAG_TYPE, section.id);
      requestAnimationFrame(() => el.current && el.current.classList.add("ws-dragging"));
    },
    end: (e) => {
      draggingSection = null;
      e.currentTarget.draggable = false;
      el.current?.classList.remove("ws-dragging");
      clear();
    },
    over: (e) => {
      if (!draggingSection || draggingSection === section.id) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      const after = later(e);
      el.current.classList.toggle("ws-section-after", after);
      el.current.classList.toggle("ws-section-before", !after);
    },
    leave: (e) => {
      if (!el.current.contains(e.relatedTarget)) el.current.classList.remove("ws-section-before", "ws-section-after");
    },
    drop: (e) => {
      if (!draggingSection || draggingSection === section.id) return;
      e.preventDefault();
      const id = draggingSection;
      const after = later(e);
      draggingSection = null;
      clear();
      edit((l) => placeSection(l, id, section.id, after));
    },
  };
}

function DragHandle({ id }) {
  const start = (e) => {
    dragging = id;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData(DRAG_TYPE, id);
    const box = e.currentTarget.closest(".ws-panel");
    if (box) {
      const r = box.getBoundingClientRect();
      e.dataTransfer.setDragImage(box, e.clientX - r.left, e.clientY - r.top);
      requestAnimationFrame(() => box.classList.add("ws-dragging"));
    }
  };
  const end = (e) => {
    dragging = null;
    e.currentTarget.closest(".ws-panel")?.classList.remove("ws-dragging");
    for (const el of document.querySelectorAll(".ws-drop-before, .ws-drop-after")) {
      el.classList.remove("ws-drop-before", "ws-drop-after");
    }
  };
  return html`<span class="ws-drag" draggable="true" aria-hidden="true" data-testid="panel-drag"
    title="Drag to move this panel (or use Move in its settings)" onDragStart=${start} onDragEnd=${end}>⠿</span>`;
}

const allowDrop = (e) => {
  if (!dragging) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = "move";
};

function dropAtEnd(e, section, edit) {
  if (!dragging) return;
  e.preventDefault();
  const id = dragging;
  dragging = null;
  edit((l) => movePanel(l, id, section.id));
}

// Which half of the target the pointer is over: drop before or after it.
const after = (e, el) => {
  const r = el.getBoundingClientRect();
  return e.clientX > r.left + r.width / 2;
};

function PanelBox({ panel, section, edit, children }) {
  const el = useRef(null);
  const [size, setSize] = useState(null); // {w, h} while resizing
  const w = size ? size.w : panel.w;
  const h = size ? size.h : panel.h;
  const over = (e) => {
    if (!dragging || dragging === panel.id) return;
    e.preventDefault();
    e.stopPropagation();
    const later = after(e, el.current);
    el.current.classList.toggle("ws-drop-after", later);
    el.current.classList.toggle("ws-drop-before", !later);
  };
  const leave = () => el.current.classList.remove("ws-drop-before", "ws-drop-after");
  const drop = (e) => {
    if (!dragging || dragging === panel.id) return;
    e.preventDefault();
    e.stopPropagation();
    const id = dragging;
    const later = after(e, el.current);
    dragging = null;
    leave();
    edit((l) => {
      const target = l.sections.find((s) => s.id === section.id);
      const rest = target.panels.filter((p) => p.id !== id);
      const at = rest.findIndex((p) => p.id === panel.id);
      return movePanel(l, id, section.id, later ? at + 1 : at);
    });
  };
  const resize = (e) => startResize(e, el.current, panel, setSize, (next) => edit((l) => updatePanel(l, panel.id, next)));
  return html`
    <div class=${`ws-panel w${w} h${h}`} ref=${el} data-panel-id=${panel.id} data-testid="ws-panel"
      data-w=${panel.w} data-h=${panel.h} onDragOver=${over} onDragLeave=${leave} onDrop=${drop}>
      ${children}
      <span class="ws-resize" aria-hidden="true" data-testid="panel-resize"
        title="Drag to resize (or set Width and Height in its settings)" onPointerDown=${resize}></span>
    </div>`;
}

// Drag the corner: the width snaps to the grid's columns, the height to its steps;
// the layout changes once, when the pointer is let go.
function startResize(e, box, panel, setSize, commit) {
  e.preventDefault();
  const grid = box.parentElement;
  const cols = getComputedStyle(grid).gridTemplateColumns.split(" ").length;
  const gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
  const colW = (grid.clientWidth - gap * (cols - 1)) / cols;
  const rect = box.getBoundingClientRect();
  const chrome = rect.height - HEIGHTS[panel.h];
  let next = { w: panel.w, h: panel.h };
  const move = (ev) => {
    const w = Math.max(1, Math.min(cols, 3, Math.round((ev.clientX - rect.left + gap) / (colW + gap))));
    const tall = ev.clientY - rect.top - chrome;
    const h = [1, 2, 3].reduce((best, k) => (Math.abs(HEIGHTS[k] - tall) < Math.abs(HEIGHTS[best] - tall) ? k : best), 1);
    if (w !== next.w || h !== next.h) {
      next = { w, h };
      setSize(next);
    }
  };
  const up = () => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", up);
    setSize(null);
    if (next.w !== panel.w || next.h !== panel.h) commit(next);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up);
}
