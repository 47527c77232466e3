// The runs table with its Group control, filter (words and expressions), column
// picker, sort, per-column aggregates, eye toggles and selection; used by the project
// workspace and (scoped) by the group page. `compact`: the workspace's sidebar (name,
// state, colour, eye and the grouping tree); `source`: runs the page fetched already
// ({data, error, reload}), so the page's panels and this table read one answer.
// The filter box and a sort of more runs than were fetched go to the server, which
// answers over all the project's runs, a page at a time (pages/runpages.js).
import { getJSON, enc } from "../lib/api.js";
import { html, useEffect, useLayoutEffect, useMemo, useRef, useState } from "../lib/ui.js";
import { groupColor, runColor } from "../lib/colors.js";
import { groupColors } from "../lib/facets.js";
import { FilterError, parseFilter, withText } from "../lib/filterexpr.js";
import { columnsOf, compare, defaultColumns, exact, flatten, lookup, runValue, same } from "../lib/runvalues.js";
import { readView, writeView } from "../lib/url.js";
import { groupLabel } from "../lib/workspace.js";
import { Failure, fmt, when } from "./common.js";
import { useChartStyle } from "./chartstyle.js";
import { useRunPool, useRunsById, useSettled } from "./runpages.js";
import { SelectionBar, Toolbar } from "./tabletools.js";

export { exact, flatten };

const PAGE_ROWS = 50; // rows drawn at once; "Show more" draws the next page (and fetches more)
const SETTLE_MS = 50; // the filter box asks the server once typing rests
const STATE_ORDER = ["running", "crashed", "failed", "finished"];
export const AGGREGATES = [
  ["mean", "mean"], ["mean_std", "mean ± std"], ["min", "min"], ["max", "max"],
  ["median", "median"], ["n", "n"],
];

function runtime(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function aggregate(stats, how) {
  if (!stats) return undefined;
  if (how === "n") return stats.count;
  if (how === "mean_std") return stats.mean;
  return stats[how || "mean"];
}

export function aggregateText(stats, how) {
  if (!stats) return "";
  if (how === "mean_std") {
    return stats.std === null || stats.std === undefined
      ? fmt(stats.mean) : `${fmt(stats.mean)} ± ${fmt(stats.std)}`;
  }
  return fmt(aggregate(stats, how));
}

const runHideKey = (id) => JSON.stringify({ run: id });

function useFilter(text) {
  return useMemo(() => {
    try {
      return { filter: parseFilter(text), error: null };
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      return { filter: { words: [], terms: [] }, error: e.message };
    }
  }, [text]);
}

// ---- the component ----------------------------------------------------------

export function RunsTable({ project, filters, defaultBy, autoOff, groupLinks = true, compact = false, source }) {
  const [view, setView] = useState(() => readView());
  const [groupData, setGroupData] = useState(null); // {key, groups}: all the page's groups
  const [filteredGroups, setFilteredGroups] = useState(null); // {by, groups}: those the filter keeps
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState(() => new Set());
  const [reload, setReload] = useState(0);
  const [rows, setRows] = useState(PAGE_ROWS);

  const update = (patch) => setView((v) => ({ ...v, ...patch }));
  // The address (and the charts, which follow it) change in the same task as the
  // table, not a frame later: a regrouped chart's request goes out at once.
  useLayoutEffect(() => writeView(view), [view]);

  const requestedBy = view.by === null ? defaultBy : view.by;
  const filterText = filters ? JSON.stringify(filters) : "";
  const sortDesc = view.sort.startsWith("-");
  const sortCol = sortDesc ? view.sort.slice(1) : view.sort;

  // The page's runs (the workspace's `source`, or fetched here), which give runs
  // their colours; and, under the filter box, the runs it keeps, which the server
  // picks among all the project's runs ({"$text": ...}), once typing rests.
  const all = useRunPool(project, filters || null, null, reload, source ? source.data : undefined);
  const { filter, error: filterError } = useFilter(view.q);
  const filtering = filter.words.length > 0 || filter.terms.length > 0;
  const q = useSettled(filtering ? view.q.trim() : "", SETTLE_MS);
  // the server sorts when the table has not every run (else the rows sort here)
  const incomplete = !!all.body && all.body.total > all.body.runs.length;
  const order = incomplete && sortCol ? view.sort : null;
  const own = !!q || !!order;
  const kept = useRunPool(project, withText(filters, q), order, reload, own ? undefined : all.body);
  const data = all.body;
  useRowHover();
  const groupsKey = JSON.stringify([project, filterText, requestedBy, reload]);
  useLayoutEffect(() => { // sent as the view changes, before the frame is painted
    if (!requestedBy.length) return undefined;
    let live = true;
    getJSON(`/projects/${enc(project)}/groups`, { filters: filterText || undefined, by: requestedBy })
      .then((body) => { if (live) setGroupData({ key: groupsKey, groups: body.groups }); },
        (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [groupsKey]);

  const runs = data ? data.runs : [];
  const anyGroup = runs.some((r) => r.group !== null && r.group !== undefined);
  const by = view.by === null && autoOff && data && !anyGroup ? [] : requestedBy;
  // The rows follow a new grouping once its group rows are in; until then the table
  // keeps showing the grouping it had (no blank, no jump), the toolbar the new one.
  const shownRef = useRef({ by: [], groups: null });
  if (!by.length) shownRef.current = { by, groups: null };
  else if (groupData && groupData.key === groupsKey) shownRef.current = { by, groups: groupData.groups };
  const rowsBy = shownRef.current.by;
  const grouped = rowsBy.length > 0 && data ? shownRef.current.groups : null;
  const [chartStyle] = useChartStyle(rowsBy); // a row's colour is its line's (facet and dash set)
  const cols = useMemo(() => {
    const c = columnsOf(runs);
    return { ...c, defaults: defaultColumns(c) };
  }, [data]);

  // Under a filter the group rows are those of the matching runs only (all of them,
  // not only those fetched), aggregated by the server like any other group row.
  const filteredKey = q && grouped ? JSON.stringify([project, filterText, q, rowsBy, reload]) : null;
  useEffect(() => {
    if (!filteredKey) return undefined;
    let live = true;
    getJSON(`/projects/${enc(project)}/groups`, { by: rowsBy, filters: JSON.stringify(withText(filters, q)) })
      .then((body) => { if (live) setFilteredGroups({ by: JSON.stringify(rowsBy), groups: body.groups }); },
        (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [filteredKey]);

  const shown = kept.body ? kept.body.runs : [];
  const shownTotal = kept.body ? kept.body.total : 0;
  const runIndex = new Map(runs.map((r, i) => [r.id, i]));
  const byId = new Map([...runs, ...shown].map((r) => [r.id, r]));
  const hidden = new Set(view.hide);
  // the group rows the filter keeps: the last answer for this grouping, until the next
  const keptGroups = filteredGroups && filteredGroups.by === JSON.stringify(rowsBy) ? filteredGroups.groups : [];
  const openGroups = grouped ? (q ? keptGroups : grouped)
    .filter((g) => view.open.includes(JSON.stringify(g.key))) : [];
  const fetched = useRunsById(project, openGroups.flatMap((g) => g.runs), byId);
  for (const [id, r] of fetched) if (!byId.has(id)) byId.set(id, r);

  const failure = error || all.error || kept.error;
  if (source && source.error) return null; // the page says it once
  if (failure) return html`<${Failure} error=${failure} />`;
  if (!data || !kept.body || (rowsBy.length > 0 && !grouped) || (by.length > 0 && !groupData)) {
    return html`<p class="loading">Loading runs…</p>`;
  }

  const columns = (view.cols ?? cols.defaults).map((id) => ({
    id, label: id.replace(/^(config|summary)\./, ""), kind: id.startsWith("summary.") ? "summary" : "config",
  }));
  const onSort = (col) => setView((v) => ({ ...v, sort: v.sort === col ? `-${col}` : col }));
  const sortRuns = (list) => {
    if (!sortCol) return list;
    return [...list].sort((a, b) => compare(runValue(a, sortCol), runValue(b, sortCol), sortDesc));
  };
  const toggleHide = (key) => update({ hide: hidden.has(key) ? view.hide.filter((k) => k !== key) : [...view.hide, key] });
  const toggleSelect = (ids, on) => setSelected((prev) => {
    const next = new Set(prev);
    for (const id of ids) if (on) next.add(id); else next.delete(id);
    return next;
  });
  // a run past the page's first runs takes its place among those listed, as its line
  // takes its place among the chart's lines (charts.js colorFor)
  const colorOfRun = (id) => runColor(runIndex.get(id) ?? shown.findIndex((r) => r.id === id));

  let body;
  let groupRows = null;
  let drawn = 0;
  if (grouped) {
    const colors = groupColors(grouped.map((g) => g.key), rowsBy, chartStyle);
    const everyGroup = grouped.map((g, i) => ({ ...g, color: colors[i] }));
    const colorOf = new Map(everyGroup.map((g) => [JSON.stringify(g.key), g.color]));
    const rowsOf = q ? keptGroups : grouped;
    groupRows = rowsOf.map((g) => ({ ...g, color: colorOf.get(JSON.stringify(g.key)) || groupColor(0) }));
    if (sortCol) {
      const gv = (g) => groupValue(g, sortCol, view.agg, byId);
      groupRows.sort((x, y) => compare(gv(x), gv(y), sortDesc));
    }
    body = groupRows.slice(0, rows).map((g) => {
      const keyText = JSON.stringify(g.key);
      const open = view.open.includes(keyText);
      const toggle = () => update({
        open: open ? view.open.filter((k) => k !== keyText) : [...view.open, keyText],
      });
      const memberIds = g.runs;
      const members = open ? sortRuns(memberIds.map((id) => byId.get(id)).filter(Boolean)) : [];
      drawn += 1;
      return html`
        <${GroupRow} key=${keyText} project=${project} group=${g} by=${rowsBy} columns=${columns} compact=${compact}
          agg=${view.agg} open=${open} onToggle=${toggle} byId=${byId} groupLinks=${groupLinks}
          hidden=${hidden.has(keyText)} onHide=${() => toggleHide(keyText)}
          checked=${memberIds.length > 0 && memberIds.every((id) => selected.has(id))}
          onCheck=${(on) => toggleSelect(memberIds, on)} />
        ${members.map((r) => html`<${RunRow} key=${r.id} project=${project} run=${r} compact=${compact}
          columns=${columns} color=${g.color} member=${true} hidden=${hidden.has(runHideKey(r.id))}
          onHide=${() => toggleHide(runHideKey(r.id))} checked=${selected.has(r.id)}
          onCheck=${(on) => toggleSelect([r.id], on)} />`)}
        ${open && members.length < memberIds.length ? html`<tr class="member"><td></td>
          <td colspan="2" class="muted loading">Loading ${memberIds.length - members.length} more runs…</td></tr>` : null}`;
    });
  } else {
    const list = order ? shown : sortRuns(shown); // sorted by the server when it has more
    drawn = Math.min(rows, list.length);
    body = list.slice(0, rows).map((r) => html`<${RunRow} key=${r.id} project=${project} run=${r} compact=${compact}
      columns=${columns} color=${colorOfRun(r.id)} hidden=${hidden.has(runHideKey(r.id))}
      onHide=${() => toggleHide(runHideKey(r.id))} checked=${selected.has(r.id)}
      onCheck=${(on) => toggleSelect([r.id], on)} />`);
  }
  const total = groupRows ? groupRows.length : shownTotal;
  const showMore = () => {
    const next = rows + PAGE_ROWS;
    if (!groupRows && next > shown.length) kept.more();
    setRows(next);
  };

  const head = (id, label, cls = "") => html`
    <th class=${`${cls} ${sortCol === id ? "sorted" : ""}`} data-col=${id} onClick=${() => onSort(id)}
      tabindex="0" onKeyDown=${(e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSort(id); } }}
      title=${`Sort by ${label}`} aria-sort=${sortCol === id ? (sortDesc ? "descending" : "ascending") : "none"}>
      ${label}${sortCol === id ? (sortDesc ? " ▼" : " ▲") : ""}
    </th>`;

  const gi = rowsBy.indexOf("group");
  const selectedGroups = gi < 0 || !groupRows ? [] : groupRows
    .filter((g) => g.key[gi] !== null && g.runs.length && g.runs.every((id) => selected.has(id)))
    .map((g) => g.key[gi]);
  const groupNames = [...new Set(runs.map((r) => r.group).filter((g) => g !== null && g !== undefined))].sort();
  const count = q ? shownTotal : data.total;

  return html`
    <div class=${`runs-table${compact ? " compact" : ""}`} aria-busy=${kept.stale ? "true" : "false"}>
      <${Toolbar} by=${by} cols=${cols} view=${view} update=${update} filterError=${filterError} compact=${compact}
        counts=${{ runs: count, total: data.total, groups: groupRows ? groupRows.length : null }} />
      <${SelectionBar} project=${project} selected=${selected} groups=${selectedGroups} groupNames=${groupNames}
        clear=${() => setSelected(new Set())}
        onMoved=${() => { setSelected(new Set()); if (source) source.reload(); setReload((n) => n + 1); }} />
      <div class="table-wrap">
        <table class="grid runs" data-testid="runs-table">
          <thead>
            <tr>
              <th class="pick" aria-label="Select and show"></th>
              ${head("name", "Name", "first")}${head("state", "State")}
              ${compact ? null : html`${head("group", "Group")}
              ${head("job_type", "Job type")}${head("created_at", "Created")}${head("runtime", "Runtime", "num")}
              ${columns.map((c) => head(c.id, c.label, c.kind === "summary" ? "num" : "cfg"))}`}
            </tr>
            ${grouped && !compact ? html`
              <tr class="agg-row">
                <th></th>
                <th colspan="6" class="muted">Group rows aggregate each summary column:</th>
                ${columns.map((c) => c.kind !== "summary" ? html`<th></th>` : html`
                  <th class="num">
                    <select data-testid=${`agg-${c.id}`} aria-label=${`Aggregate of ${c.label}`}
                      value=${view.agg[c.id] || "mean"}
                      onChange=${(e) => update({ agg: { ...view.agg, [c.id]: e.currentTarget.value } })}>
                      ${AGGREGATES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
                    </select>
                  </th>`)}
              </tr>` : null}
          </thead>
          <tbody>${body}</tbody>
        </table>
      </div>
      ${total > drawn ? html`<p class="note"><button class="rf-link" data-testid="show-more" disabled=${kept.busy}
        onClick=${showMore}>${kept.busy ? "Loading…" : `Show ${Math.min(PAGE_ROWS, total - drawn)} more`}</button>
        <span class="muted">(${drawn} of ${total} ${groupRows ? "groups" : "runs"} shown)</span></p>` : null}
      ${count === 0 ? html`<p class="muted" data-testid="no-runs">No runs match${view.q ? ` “${view.q}”` : ""}.</p>` : null}
    </div>`;
}

// The row of the line a chart's pointer is on is marked (charts send runfold:hover
// with the line's key as JSON; a run's line when ungrouped is keyed by its id).
function useRowHover() {
  useEffect(() => {
    const mark = (e) => {
      for (const row of document.querySelectorAll("tr.line-hover")) row.classList.remove("line-hover");
      if (!e.detail) return;
      for (const row of document.querySelectorAll("table.runs tr[data-key]")) {
        if (row.dataset.key === e.detail) row.classList.add("line-hover");
      }
    };
    window.addEventListener("runfold:hover", mark);
    return () => window.removeEventListener("runfold:hover", mark);
  }, []);
}

function groupValue(g, col, agg, byId) {
  if (col === "name") return g.name;
  if (col === "state") return g.state;
  if (col.startsWith("summary.")) return aggregate((g.summary || {})[col.slice(8)], agg[col]);
  if (col.startsWith("config.")) return sharedConfig(g, col.slice(7), byId);
  if (col === "group" || col === "job_type") return sharedField(g, col, byId);
  return undefined;
}

function sharedField(g, field, byId) {
  const members = g.runs.map((id) => byId.get(id)).filter(Boolean);
  if (members.length === 0) return undefined;
  const first = members[0][field];
  return members.every((r) => same(r[field], first)) ? first : "mixed";
}

function sharedConfig(g, path, byId) {
  const value = lookup(g.config, path);
  if (value !== "mixed" || Object.prototype.hasOwnProperty.call(g.config || {}, path)) return value;
  // a nested key under a top-level key that differs: look at the members
  const members = g.runs.map((id) => byId.get(id)).filter(Boolean);
  if (members.length !== g.runs.length || members.length === 0) return "mixed";
  const first = lookup(members[0].config, path);
  return members.every((r) => same(lookup(r.config, path), first)) ? first : "mixed";
}

// compact (the sidebar): a coloured dot and count per state, the state in its title.
function StateRollup({ states, compact }) {
  const known = STATE_ORDER.filter((s) => states[s]);
  const other = Object.keys(states).filter((s) => !STATE_ORDER.includes(s));
  return html`<span class="rollup">${[...known, ...other].map((s) => (compact
    ? html`<span class=${`state-dot ${s}`} data-state=${s} title=${`${s} ${states[s]}`}>${states[s]}</span>`
    : html`<span class=${`state ${s}`} data-state=${s}>${s} ${states[s]}</span>`))}</span>`;
}

// The first cell of a row: select it, and show or hide it in the charts.
function Pick({ checked, onCheck, hidden, onHide, label }) {
  const stop = (e) => e.stopPropagation();
  return html`
    <td class="pick" onClick=${stop}>
      <input type="checkbox" checked=${checked} aria-label=${`Select ${label}`} data-testid="select"
        onChange=${(e) => onCheck(e.currentTarget.checked)} />
      <button class=${`eye ${hidden ? "off" : ""}`} data-testid="eye" aria-pressed=${hidden ? "false" : "true"}
        title=${hidden ? `Show ${label} in the charts` : `Hide ${label} from the charts`}
        aria-label=${hidden ? `Show ${label} in the charts` : `Hide ${label} from the charts`}
        onClick=${onHide}>${hidden ? "◌" : "●"}</button>
    </td>`;
}

function GroupRow({ project, group, by, columns, agg, open, onToggle, byId, groupLinks, hidden, onHide, checked, onCheck, compact }) {
  const gi = by.indexOf("group");
  const label = groupLabel(group.key, by, group.name);
  const groupName = gi >= 0 ? group.key[gi] : null;
  const stop = (e) => e.stopPropagation();
  const cell = (value) => value === "mixed"
    ? html`<span class="mixed">mixed</span>` : exact(value);
  return html`
    <tr class=${`group ${open ? "open" : ""} ${hidden ? "hidden-line" : ""}`} data-testid="group-row"
      data-key=${JSON.stringify(group.key)} onClick=${onToggle} aria-expanded=${open ? "true" : "false"}>
      <${Pick} checked=${checked} onCheck=${onCheck} hidden=${hidden} onHide=${onHide} label=${label} />
      <td class="gname first">
        <button class="caret" aria-label=${open ? `Collapse ${label}` : `Expand ${label}`}
          onClick=${(e) => { stop(e); onToggle(); }}>${open ? "▾" : "▸"}</button>
        <span class="swatch" style=${{ background: group.color }}></span>
        ${groupLinks && groupName !== null && groupName !== undefined
          ? html`<a class="name" href=${`/projects/${enc(project)}/groups/${enc(groupName)}`} onClick=${stop}
              title=${`${label}: open the group page`}>${label}</a>`
          : html`<span class="name" title=${label}>${label}</span>`}
        <span class="count" data-testid="group-count">${group.count} ${group.count === 1 ? "run" : "runs"}</span>
      </td>
      <td><${StateRollup} states=${group.states} compact=${compact} /></td>
      ${compact ? null : html`
      <td>${cell(sharedField(group, "group", byId))}</td>
      <td>${cell(sharedField(group, "job_type", byId))}</td>
      <td></td><td></td>
      ${columns.map((c) => c.kind === "summary"
        ? html`<td class="num" data-col=${c.id}>${aggregateText((group.summary || {})[c.label], agg[c.id])}</td>`
        : html`<td data-col=${c.id}>${cell(sharedConfig(group, c.label, byId))}</td>`)}`}
    </tr>`;
}

function RunRow({ project, run, columns, color, member, hidden, onHide, checked, onCheck, compact }) {
  return html`
    <tr class=${`${member ? "member" : "single"} ${hidden ? "hidden-line" : ""}`} data-testid="run-row" data-id=${run.id}
      data-key=${member ? undefined : JSON.stringify([run.id])}>
      <${Pick} checked=${checked} onCheck=${onCheck} hidden=${hidden} onHide=${onHide} label=${run.name} />
      <td class="rname first">
        <span class="swatch" style=${{ background: color }}></span>
        <a href=${`/projects/${enc(project)}/runs/${enc(run.id)}`} title=${run.name}>${run.name}</a>
        ${(run.tags || []).map((t) => html` <span class="tag">${t}</span>`)}
      </td>
      <td>${compact ? html`<span class=${`state-dot ${run.state}`} title=${run.state} data-state=${run.state}
        aria-label=${run.state}></span>` : html`<span class=${`state ${run.state}`}>${run.state}</span>`}</td>
      ${compact ? null : html`
      <td>${run.group === null || run.group === undefined ? html`<span class="muted">—</span>` : run.group}</td>
      <td>${run.job_type || ""}</td>
      <td class="muted">${when(run.created_at)}</td>
      <td class="num">${runtime(run.runtime)}</td>
      ${columns.map((c) => html`<td class=${c.kind === "summary" ? "num" : ""} data-col=${c.id}>
        ${c.kind === "summary" ? fmt(runValue(run, c.id)) : exact(runValue(run, c.id))}</td>`)}`}
    </tr>`;
}
