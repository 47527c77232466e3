// The runs table with its Group control, text filter, sort and per-column
// aggregates; used by the project workspace and (scoped) by the group page.
import { getJSON, enc } from "../lib/api.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { groupColor, runColor } from "../lib/colors.js";
import { readView, writeView } from "../lib/url.js";
import { Failure, fmt, when } from "./common.js";

const RUN_LIMIT = 1000;
const RUN_FIELDS = ["group", "job_type", "state", "host", "name", "tags"];
const STATE_ORDER = ["running", "crashed", "failed", "finished"];
export const AGGREGATES = [
  ["mean", "mean"], ["mean_std", "mean ± std"], ["min", "min"], ["max", "max"],
  ["median", "median"], ["n", "n"],
];
const MAX_SUMMARY_COLUMNS = 6;

// ---- values -----------------------------------------------------------------

export function flatten(obj, prefix = "", out = {}) {
  for (const [key, value] of Object.entries(obj || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value)) flatten(value, path, out);
    else out[path] = value;
  }
  return out;
}

function lookup(obj, path) {
  // A config path into a nested object; keys may themselves hold dots.
  if (obj === null || obj === undefined) return undefined;
  if (Object.prototype.hasOwnProperty.call(obj, path)) return obj[path];
  const parts = path.split(".");
  for (let i = parts.length - 1; i > 0; i--) {
    const head = parts.slice(0, i).join(".");
    if (Object.prototype.hasOwnProperty.call(obj, head)) {
      const inner = obj[head];
      if (inner === "mixed") return "mixed";
      if (inner && typeof inner === "object") return lookup(inner, parts.slice(i).join("."));
      return undefined;
    }
  }
  return undefined;
}

// Config values are shown exactly: no rounding that would merge or split values.
export function exact(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

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

// Missing values sort last in either direction.
function compare(a, b, desc = false) {
  const am = a === undefined || a === null || a === "";
  const bm = b === undefined || b === null || b === "";
  if (am || bm) return am && bm ? 0 : am ? 1 : -1;
  const sign = desc ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return sign * (a - b);
  return sign * String(typeof a === "object" ? JSON.stringify(a) : a)
    .localeCompare(String(typeof b === "object" ? JSON.stringify(b) : b), undefined, { numeric: true });
}

// ---- columns ----------------------------------------------------------------

function columnsOf(runs) {
  const configValues = new Map();
  const summaryKeys = new Set();
  for (const run of runs) {
    for (const [path, value] of Object.entries(flatten(run.config))) {
      if (value === null || value === undefined) continue;
      if (!configValues.has(path)) configValues.set(path, new Set());
      configValues.get(path).add(JSON.stringify(value));
    }
    for (const [key, value] of Object.entries(run.summary || {})) {
      if (typeof value === "number" && !key.startsWith("_")) summaryKeys.add(key);
    }
  }
  const configKeys = [...configValues.keys()].sort();
  const varying = configKeys.filter((k) => configValues.get(k).size > 1);
  const summary = [...summaryKeys].sort((a, b) => {
    const sa = a.includes("/") ? 0 : 1;
    const sb = b.includes("/") ? 0 : 1;
    return sa - sb || a.localeCompare(b);
  }).slice(0, MAX_SUMMARY_COLUMNS);
  return { configKeys, varying, summary };
}

function runValue(run, col) {
  if (col.startsWith("config.")) return lookup(run.config, col.slice(7));
  if (col.startsWith("summary.")) return (run.summary || {})[col.slice(8)];
  return run[col];
}

// ---- the component ----------------------------------------------------------

export function RunsTable({ project, filters, defaultBy, autoOff, groupLinks = true }) {
  const [view, setView] = useState(() => readView());
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [filteredGroups, setFilteredGroups] = useState(null);
  const [adding, setAdding] = useState("");

  const update = (patch) => setView((v) => ({ ...v, ...patch }));
  useEffect(() => writeView(view), [view]);

  const requestedBy = view.by === null ? defaultBy : view.by;
  const filterText = filters ? JSON.stringify(filters) : "";
  const byText = JSON.stringify(requestedBy);

  useEffect(() => {
    let live = true;
    getJSON(`/projects/${enc(project)}/runs`, {
      filters: filterText || undefined, limit: RUN_LIMIT, by: requestedBy,
    }).then((body) => { if (live) { setData(body); setError(null); } },
      (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [project, filterText, byText]);

  const runs = data ? data.runs : [];
  const anyGroup = runs.some((r) => r.group !== null && r.group !== undefined);
  const by = view.by === null && autoOff && data && !anyGroup ? [] : requestedBy;
  const grouped = by.length > 0 && data && data.groups;
  const cols = useMemo(() => columnsOf(runs), [data]);

  const q = view.q.trim().toLowerCase();
  const shown = useMemo(() => {
    if (!q) return runs;
    return runs.filter((r) => [r.name, r.group || "", ...(r.tags || [])]
      .some((s) => String(s).toLowerCase().includes(q)));
  }, [data, q]);

  // Under a text filter the group rows are those of the matching runs only,
  // aggregated by the server like any other group row.
  useEffect(() => {
    setFilteredGroups(null);
    if (!q || !grouped) return undefined;
    let live = true;
    const ids = { id: { $in: shown.map((r) => r.id) } };
    const combined = filters ? { $and: [filters, ids] } : ids;
    const timer = setTimeout(() => {
      getJSON(`/projects/${enc(project)}/groups`, { by, filters: JSON.stringify(combined) })
        .then((body) => { if (live) setFilteredGroups(body.groups); }, (e) => { if (live) setError(e); });
    }, 150);
    return () => { live = false; clearTimeout(timer); };
  }, [q, data, byText, grouped ? 1 : 0]);

  if (error) return html`<${Failure} error=${error} />`;
  if (!data) return html`<p class="loading">Loading runs…</p>`;

  const columns = [
    ...cols.varying.map((k) => ({ id: `config.${k}`, label: k, kind: "config" })),
    ...cols.summary.map((k) => ({ id: `summary.${k}`, label: k, kind: "summary" })),
  ];
  const sortDesc = view.sort.startsWith("-");
  const sortCol = sortDesc ? view.sort.slice(1) : view.sort;
  const onSort = (col) => setView((v) => ({ ...v, sort: v.sort === col ? `-${col}` : col }));

  const sortRuns = (list) => {
    if (!sortCol) return list;
    return [...list].sort((a, b) => compare(runValue(a, sortCol), runValue(b, sortCol), sortDesc));
  };
  const runIndex = new Map(runs.map((r, i) => [r.id, i]));
  const byId = new Map(runs.map((r) => [r.id, r]));

  let body;
  let groupRows = null;
  if (grouped) {
    const all = data.groups.map((g, i) => ({ ...g, color: groupColor(i) }));
    const colorOf = new Map(all.map((g) => [JSON.stringify(g.key), g.color]));
    const source = q ? (filteredGroups || []) : data.groups;
    groupRows = source.map((g) => ({ ...g, color: colorOf.get(JSON.stringify(g.key)) || groupColor(0) }));
    if (sortCol) {
      const gv = (g) => groupValue(g, sortCol, view.agg, byId);
      groupRows.sort((x, y) => compare(gv(x), gv(y), sortDesc));
    }
    const shownIds = new Set(shown.map((r) => r.id));
    body = groupRows.map((g) => {
      const keyText = JSON.stringify(g.key);
      const open = view.open.includes(keyText);
      const toggle = () => update({
        open: open ? view.open.filter((k) => k !== keyText) : [...view.open, keyText],
      });
      const members = open ? sortRuns(g.runs.map((id) => byId.get(id)).filter((r) => r && shownIds.has(r.id))) : [];
      return html`
        <${GroupRow} key=${keyText} project=${project} group=${g} by=${by} columns=${columns}
          agg=${view.agg} open=${open} onToggle=${toggle} byId=${byId} groupLinks=${groupLinks} />
        ${members.map((r) => html`<${RunRow} key=${r.id} project=${project} run=${r}
          columns=${columns} color=${g.color} member=${true} />`)}`;
    });
  } else {
    body = sortRuns(shown).map((r) => html`<${RunRow} key=${r.id} project=${project} run=${r}
      columns=${columns} color=${runColor(runIndex.get(r.id))} />`);
  }

  const head = (id, label, cls = "") => html`
    <th class=${`${cls} ${sortCol === id ? "sorted" : ""}`} data-col=${id} onClick=${() => onSort(id)}
      title=${`Sort by ${label}`} aria-sort=${sortCol === id ? (sortDesc ? "descending" : "ascending") : "none"}>
      ${label}${sortCol === id ? (sortDesc ? " ▼" : " ▲") : ""}
    </th>`;

  return html`
    <div class="runs-table">
      <${Toolbar} by=${by} cols=${cols} view=${view} update=${update} adding=${adding}
        setAdding=${setAdding} counts=${{ runs: shown.length, total: data.total, groups: groupRows ? groupRows.length : null }} />
      ${data.total > runs.length ? html`<p class="note muted" data-testid="truncated">
        Showing the first ${runs.length} of ${data.total} runs.</p>` : null}
      <div class="table-wrap">
        <table class="grid runs" data-testid="runs-table">
          <thead>
            <tr>
              ${head("name", "Name")}${head("state", "State")}${head("group", "Group")}
              ${head("job_type", "Job type")}${head("created_at", "Created")}${head("runtime", "Runtime", "num")}
              ${columns.map((c) => head(c.id, c.label, c.kind === "summary" ? "num" : "cfg"))}
            </tr>
            ${grouped ? html`
              <tr class="agg-row">
                <th colspan="6" class="muted">${by.length ? "Group rows aggregate each summary column:" : ""}</th>
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
      ${shown.length === 0 ? html`<p class="muted" data-testid="no-runs">No runs match${q ? ` “${view.q}”` : ""}.</p>` : null}
    </div>`;
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

function StateRollup({ states }) {
  const known = STATE_ORDER.filter((s) => states[s]);
  const other = Object.keys(states).filter((s) => !STATE_ORDER.includes(s));
  return html`<span class="rollup">${[...known, ...other].map((s) => html`
    <span class=${`state ${s}`} data-state=${s}>${s} ${states[s]}</span>`)}</span>`;
}

function GroupRow({ project, group, by, columns, agg, open, onToggle, byId, groupLinks }) {
  const gi = by.indexOf("group");
  const groupName = gi >= 0 ? group.key[gi] : null;
  const stop = (e) => e.stopPropagation();
  const cell = (value) => value === "mixed"
    ? html`<span class="mixed">mixed</span>` : exact(value);
  return html`
    <tr class=${`group ${open ? "open" : ""}`} data-testid="group-row" data-key=${JSON.stringify(group.key)}
      onClick=${onToggle} aria-expanded=${open ? "true" : "false"}>
      <td class="gname">
        <button class="caret" aria-label=${open ? "Collapse" : "Expand"} onClick=${(e) => { stop(e); onToggle(); }}>
          ${open ? "▾" : "▸"}</button>
        <span class="swatch" style=${{ background: group.color }}></span>
        ${groupLinks && groupName !== null && groupName !== undefined
          ? html`<a class="name" href=${`/projects/${enc(project)}/groups/${enc(groupName)}`} onClick=${stop}
              title="Open the group page">${group.name}</a>`
          : html`<span class="name">${group.name}</span>`}
        <span class="count" data-testid="group-count">${group.count} ${group.count === 1 ? "run" : "runs"}</span>
      </td>
      <td><${StateRollup} states=${group.states} /></td>
      <td>${cell(sharedField(group, "group", byId))}</td>
      <td>${cell(sharedField(group, "job_type", byId))}</td>
      <td></td><td></td>
      ${columns.map((c) => c.kind === "summary"
        ? html`<td class="num" data-col=${c.id}>${aggregateText((group.summary || {})[c.label], agg[c.id])}</td>`
        : html`<td data-col=${c.id}>${cell(sharedConfig(group, c.label, byId))}</td>`)}
    </tr>`;
}

function RunRow({ project, run, columns, color, member }) {
  return html`
    <tr class=${member ? "member" : "single"} data-testid="run-row" data-id=${run.id}>
      <td class="rname">
        <span class="swatch" style=${{ background: color }}></span>
        <a href=${`/projects/${enc(project)}/runs/${enc(run.id)}`}>${run.name}</a>
        ${(run.tags || []).map((t) => html` <span class="tag">${t}</span>`)}
      </td>
      <td><span class=${`state ${run.state}`}>${run.state}</span></td>
      <td>${run.group === null || run.group === undefined ? html`<span class="muted">—</span>` : run.group}</td>
      <td>${run.job_type || ""}</td>
      <td class="muted">${when(run.created_at)}</td>
      <td class="num">${runtime(run.runtime)}</td>
      ${columns.map((c) => html`<td class=${c.kind === "summary" ? "num" : ""} data-col=${c.id}>
        ${c.kind === "summary" ? fmt(runValue(run, c.id)) : exact(runValue(run, c.id))}</td>`)}
    </tr>`;
}

function Toolbar({ by, cols, view, update, adding, setAdding, counts }) {
  const options = [...RUN_FIELDS, ...cols.configKeys.map((k) => `config.${k}`)].filter((k) => !by.includes(k));
  const add = (key) => { if (key) update({ by: [...by, key], open: [] }); setAdding(""); };
  const remove = (key) => update({ by: by.filter((k) => k !== key), open: [] });
  const exceptSeed = cols.varying.filter((k) => k !== "seed" && !k.endsWith(".seed")).map((k) => `config.${k}`);
  return html`
    <div class="toolbar" data-testid="group-control">
      <input type="search" class="filter" placeholder="Filter name, group, tags" aria-label="Filter runs"
        data-testid="filter" value=${view.q} onInput=${(e) => update({ q: e.currentTarget.value })} />
      <span class="label">Group by</span>
      <span class="chips" data-testid="group-chips">
        ${by.map((k, i) => html`<span class="chip" data-key=${k}>
          ${i > 0 ? html`<span class="muted">then </span>` : null}${k}
          <button aria-label=${`Remove ${k}`} title="Remove" onClick=${() => remove(k)}>×</button></span>`)}
        ${by.length === 0 ? html`<span class="muted">none (single runs)</span>` : null}
      </span>
      <select data-testid="group-add" aria-label="Add a grouping key" value=${adding}
        onChange=${(e) => add(e.currentTarget.value)}>
        <option value="">+ add key…</option>
        ${options.map((k) => html`<option value=${k}>${k}</option>`)}
      </select>
      ${exceptSeed.length ? html`<button data-testid="group-except-seed" title=${exceptSeed.join(", ")}
        onClick=${() => update({ by: exceptSeed, open: [] })}>config.* except seed</button>` : null}
      <button data-testid="group-clear" disabled=${by.length === 0} onClick=${() => update({ by: [], open: [] })}>Clear</button>
      <span class="spacer"></span>
      <span class="muted" data-testid="counts">${counts.runs} of ${counts.total} runs${counts.groups !== null ? ` · ${counts.groups} groups` : ""}</span>
    </div>`;
}
