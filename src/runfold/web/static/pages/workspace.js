// The workspace: a runs sidebar (the runs table, compact: name, state, colour, eye
// and the grouping tree; expanded into the full table with one click) beside a grid
// of panels that fills the rest. One view drives everything: the filter, grouping,
// hidden runs and groups, sort and x axis (in the address, lib/url.js) apply to the
// sidebar, the table and every panel. The layout of sections and panels is the
// user's (saved as they edit it) or a named view's (pages/views.js).
import { enc, getJSON } from "../lib/api.js";
import { colorFor, runColor } from "../lib/colors.js";
import { effectiveStyle, groupColors } from "../lib/facets.js";
import { FilterError, matches, parseFilter, withText } from "../lib/filterexpr.js";
import { columnsOf } from "../lib/runvalues.js";
import { useLiveFetch } from "../lib/live.js";
import { html, memo, useEffect, useMemo, useRef, useState } from "../lib/ui.js";
import { readParams, readView, updateParams } from "../lib/url.js";
import { groupLabel, viewFilters } from "../lib/workspace.js";
import { DEFAULT_SETTINGS } from "./charts.js";
import { StyleControls, useChartStyle } from "./chartstyle.js";
import { Failure } from "./common.js";
import { MediaGroups } from "./media-grouped.js";
import { PanelGrid } from "./panelgrid.js";
import { WorkspaceTools } from "./paneltools.js";
import { useSettled } from "./runpages.js";
import { RunsSidebar } from "./sidebar.js";
import { LayoutBar, useLayout, ViewsMenu } from "./views.js";

const RUN_LIMIT = 1000;
const NO_RUNS = [];
const Panels = memo(PanelGrid); // not drawn again for a keystroke in the filter box
const SETTLE_MS = 50; // typing rests this long: the charts ask (answers are kept: ~15 ms)

// The address's view, followed as any part of the page changes it.
function useAddress() {
  const read = () => ({ view: readView(), params: readParams().toString() });
  const [state, setState] = useState(read);
  useEffect(() => {
    const follow = () => {
      const next = read();
      setState((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    };
    window.addEventListener("runfold:view", follow);
    window.addEventListener("popstate", follow);
    return () => { window.removeEventListener("runfold:view", follow); window.removeEventListener("popstate", follow); };
  }, []);
  return state;
}

// The runs of the page (its own filters, e.g. a group page's group), fetched once for
// the sidebar, the table and the summary panels, and again every 5 s while
// `follow.current(answer)` says so (a run the summary panels show is running).
// data.refresh counts the answers after the first (live ones, or a reload).
function useRuns(project, filters, follow) {
  const [tick, setTick] = useState(0);
  const filterText = filters ? JSON.stringify(filters) : "";
  const base = JSON.stringify([project, filterText]);
  const count = useRef({ base: null, n: -1 });
  const load = () => getJSON(`/projects/${enc(project)}/runs`, { filters: filterText || undefined, limit: RUN_LIMIT })
    .then((body) => {
      const c = count.current;
      if (c.base !== base) Object.assign(c, { base, n: -1 });
      c.n += 1;
      return { ...body, refresh: c.n };
    });
  const following = useRef(false); // the last answer is followed
  const isLive = (body) => { following.current = follow.current(body); return following.current; };
  const [data, error] = useLiveFetch(`${base}\n${tick}`, load, isLive, base);
  return useMemo(() => ({
    data, error: data ? null : error, reload: () => setTick((t) => t + 1), following: () => following.current,
  }), [data, error]);
}

// The answer of GET path?params (null until it comes); `again` changing fetches it
// anew, keeping the last answer until then.
function useFetch(path, params, on = true, again = 0) {
  const [answer, setAnswer] = useState({ key: null, body: null });
  const key = on ? JSON.stringify([path, params]) : null;
  useEffect(() => {
    if (key === null) return undefined;
    let live = true;
    getJSON(path, params).then((body) => live && setAnswer({ key, body }), () => live && setAnswer({ key, body: null }));
    return () => { live = false; };
  }, [key, again]);
  return answer.key === key ? answer.body : null;
}

// Props: project; filters (the page's own); defaultBy (grouping when the address
// names none); autoOff (no grouping when no run has a group); scope ("project": the
// layout is saved, with named views; "group": a group page's); layoutScope (a
// group page's layout is saved under it, e.g. "group:exp-1"; "" with scope
// "group": the automatic layout, edited for this visit only); title (the heading
// row's content).
export function Workspace({ project, filters, defaultBy, autoOff = false, scope = "project", layoutScope = "", title }) {
  const { view, params } = useAddress();
  const p = new URLSearchParams(params);
  const follow = useRef(() => false); // set below, once the layout and the view are known
  const runs = useRuns(project, filters, follow);
  const metricsBody = useFetch(`/projects/${enc(project)}/metrics`, null);
  const keys = metricsBody ? metricsBody.metrics : null;
  const layout = useLayout(project, keys, { saved: scope === "project" || !!layoutScope, scope: layoutScope, viewId: p.get("view") });
  const tableOpen = p.get("table") === "1";
  const [search, setSearch] = useState("");
  const side = useSide();

  const all = runs.data ? runs.data.runs : null;
  const anyGroup = !!all && all.some((r) => r.group !== null && r.group !== undefined);
  const by = view.by !== null ? view.by : autoOff && all && !anyGroup ? [] : defaultBy;
  const byKnown = view.by !== null || !autoOff || !!all;
  const [style, setStyle] = useChartStyle(byKnown ? by : undefined, { prune: byKnown });

  // The panels follow the filter box once typing rests (not "s", "st", "sta" … of
  // "state=failed"): until then a keystroke re-renders the sidebar, not the panels.
  const q = useSettled(view.q, SETTLE_MS);
  // the runs the filter box keeps (null: no filter, or one with a mistake: all runs)
  const filter = useMemo(() => {
    try { return parseFilter(q); } catch (e) { if (e instanceof FilterError) return null; throw e; }
  }, [q]);
  const filtering = !!filter && (filter.words.length > 0 || filter.terms.length > 0);
  const hiddenRuns = useMemo(() => view.hide.flatMap((k) => {
    try { const v = JSON.parse(k); return v && !Array.isArray(v) && typeof v.run === "string" ? [v.run] : []; } catch { return []; }
  }), [view.hide.join("\n")]);
  const hiddenGroups = useMemo(() => view.hide.filter((k) => k.startsWith("[")), [view.hide.join("\n")]);
  const matched = useMemo(() => (filtering && all ? all.filter((r) => matches(r, filter)).map((r) => r.id) : null),
    [all, filter, filtering]);
  const ready = byKnown && (!filtering || !!all);
  // the filter box goes to the server ({"$text": ...}): it covers every run, not only those fetched
  const textQ = filtering ? q : "";
  const chartFilters = useMemo(() => viewFilters(withText(filters, textQ), null, [], hiddenRuns),
    [JSON.stringify(filters || null), textQ, hiddenRuns.join()]);
  const filtersKey = JSON.stringify(chartFilters ?? null);

  // Colours by key, from the page's groups before the filter, so a group keeps its
  // colour as the filter changes (the runs table colours its rows the same way).
  const grouped = by.length > 0;
  const allGroups = useFetch(`/projects/${enc(project)}/groups`,
    { by, filters: filters ? JSON.stringify(filters) : undefined }, ready && grouped);
  const colorByKey = useMemo(() => {
    const map = new Map();
    if (all) all.forEach((r, i) => { map.set(r.id, runColor(i)); map.set(JSON.stringify([r.id]), runColor(i)); });
    if (grouped && allGroups) {
      const keysOf = allGroups.groups.map((g) => g.key);
      groupColors(keysOf, by, effectiveStyle(style, by)).forEach((c, i) => map.set(JSON.stringify(keysOf[i]), c));
    }
    return map;
  }, [all, allGroups, JSON.stringify(by), JSON.stringify(style)]);

  // The summary panels' numbers: the runs shown and their group rows under the view,
  // fetched again with the runs while one of the runs shown is running.
  const summaryPanels = !!layout.layout
    && layout.layout.sections.some((s) => s.panels.some((pn) => pn.type !== "line"));
  const needGroups = ready && grouped && summaryPanels;
  const shownGroups = useFetch(`/projects/${enc(project)}/groups`,
    { by, filters: chartFilters ? JSON.stringify(chartFilters) : undefined }, !!needGroups,
    runs.data ? runs.data.refresh : 0);
  const shownRun = useMemo(() => {
    const hide = new Set(hiddenRuns);
    const keep = matched ? new Set(matched) : null;
    return (r) => !hide.has(r.id) && (!keep || keep.has(r.id));
  }, [hiddenRuns.join(), matched]);
  follow.current = (body) => summaryPanels && body.runs.some((r) => r.state === "running" && shownRun(r));
  const followNow = summaryPanels && !!all && all.some((r) => r.state === "running" && shownRun(r));
  // e.g. a summary panel added, or a running run shown again: follow from now on
  useEffect(() => { if (followNow && !runs.following()) runs.reload(); }, [followNow]);
  const summary = useMemo(() => {
    // with grouping on, the runs of a hidden group leave the panels with their group
    const hiddenKeys = new Set(hiddenGroups);
    const inHidden = new Set(grouped && shownGroups ? shownGroups.groups
      .filter((g) => hiddenKeys.has(JSON.stringify(g.key))).flatMap((g) => g.runs) : []);
    const shown = (all || []).map((r, i) => ({ ...r, colorIndex: i }))
      .filter((r) => shownRun(r) && !inHidden.has(r.id));
    const cols = columnsOf(all || NO_RUNS);
    const groups = grouped && shownGroups ? shownGroups.groups
      .filter((g) => !hiddenKeys.has(JSON.stringify(g.key)))
      .map((g, i) => ({ ...g, label: groupLabel(g.key, by, g.name), colorIndex: i })) : [];
    // with grouping on, a run's point or bar takes its group's colour
    const groupOfRun = new Map(groups.flatMap((g) => g.runs.map((id) => [id, JSON.stringify(g.key)])));
    return {
      // grouped, the panels wait for the group rows (which also say the hidden groups' runs)
      loading: !all || (grouped && !shownGroups),
      runs: shown, groups, grouped, sort: view.sort, summaryKeys: cols.summary, configKeys: cols.configKeys,
      colorOf: (item) => colorByKey.get(groupOfRun.get(item.key) ?? item.key) ?? colorFor(item.colorIndex ?? 0),
    };
  }, [all, matched, hiddenRuns.join(), hiddenGroups.join(), shownGroups, grouped, view.sort, colorByKey]);

  const x = p.get("x") || "_step";
  const defaults = useMemo(() => ({ ...DEFAULT_SETTINGS, x }), [x]);
  // the same object while nothing in it changes: the panel grid renders again only then
  const byKey = JSON.stringify(by);
  const ctx = useMemo(() => ({
    project, by, filters: chartFilters, keys: keys || [], hidden: hiddenGroups, defaults, inUrl: true, style,
    colorOf: (i, name, key) => colorByKey.get(JSON.stringify(key)) ?? colorFor(i),
    labelOf: (e) => groupLabel(e.key, by, e.name),
  }), [project, byKey, filtersKey, colorByKey, keys, hiddenGroups, defaults, JSON.stringify(style)]);

  const error = runs.error || (p.get("view") && layout.error);
  if (p.get("view") && !layout.view && !layout.error) return html`<p class="loading">Loading the view…</p>`;
  return html`
    <div class=${`workspace${side.collapsed && !tableOpen ? " side-collapsed" : ""}${tableOpen ? " table-open" : ""}`}
      style=${{ "--side-w": `${side.width}px` }} data-testid="workspace">
      <${RunsSidebar} project=${project} filters=${filters} defaultBy=${defaultBy} autoOff=${autoOff}
        source=${runs} tableOpen=${tableOpen} side=${side} groupLinks=${scope === "project"} />
      <main class="ws-main" id="ws-panels" aria-label="Charts and panels" hidden=${tableOpen}>
        <div class="rf-title-row">
          ${title}
          ${scope === "project" ? html`<${ViewsMenu} project=${project} layout=${layout} />`
            : layoutScope ? html`<${LayoutBar} layout=${layout} />` : null}
        </div>
        ${error ? html`<${Failure} error=${error} />` : null}
        ${!error ? html`
          <${WorkspaceTools} layout=${layout} search=${search} onSearch=${setSearch} x=${x} keys=${keys || []}
            onX=${(v) => updateParams((q) => { if (v === "_step") q.delete("x"); else q.set("x", v); })}>
            <${StyleControls} by=${by} style=${style} onChange=${setStyle} />
          <//>
          ${!keys || !layout.layout || !ready ? html`<p class="loading">Loading panels…</p>`
            : !keys.length && !layout.layout.sections.some((s) => s.panels.length)
              ? html`<p class="muted" data-testid="charts-empty">No metrics logged yet: <code>run.log({"loss": 0.1})</code>${" "}draws the first chart.</p>`
              : html`<section class="charts-slot" data-testid="charts-slot" data-filters=${filtersKey}>
                  <${Panels} layout=${layout.layout} edit=${layout.edit}
                    ctx=${ctx} summary=${summary} search=${search} />
                </section>`}
          ${ready ? html`<${MediaGroups} project=${project} filters=${chartFilters} defaultBy=${defaultBy} />` : null}` : null}
      </main>
    </div>`;
}

// The page's first stop for Tab (put before the header): it moves the keyboard's place
// to the panels, so the next Tab reaches the first panel's tools. (The panels' element
// takes focus only then: one that kept a tabindex would take it on any click inside,
// and Tab would start over from it.)
export const SkipLink = () => html`<a class="skip-link" href="#ws-charts" data-testid="skip-to-panels"
  onClick=${skipToPanels}>Skip to the charts</a>`;

function skipToPanels(e) {
  e.preventDefault();
  const main = document.getElementById("ws-charts") || document.getElementById("ws-panels");
  if (!main) return;
  main.setAttribute("tabindex", "-1");
  main.focus();
  main.addEventListener("blur", () => main.removeAttribute("tabindex"), { once: true });
}

// The sidebar's width and whether it is collapsed, kept in this browser.
function useSide() {
  const [width, setWidthState] = useState(() => Number(localStorage.getItem("runfold-side-width"))
    || Math.round(Math.min(320, Math.max(240, window.innerWidth * 0.24))));
  const [collapsed, setCollapsedState] = useState(() => localStorage.getItem("runfold-side-collapsed") === "1");
  const setWidth = (w) => {
    const v = Math.round(Math.max(220, Math.min(720, w)));
    setWidthState(v);
    localStorage.setItem("runfold-side-width", String(v));
  };
  const setCollapsed = (c) => {
    setCollapsedState(c);
    localStorage.setItem("runfold-side-collapsed", c ? "1" : "0");
  };
  return { width, setWidth, collapsed, setCollapsed };
}
