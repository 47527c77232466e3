// "/projects/<project>/compare?run=<id>&run=<id>" or "?group=<name>&group=<name>": the
// compared runs (or groups) side by side: config and summary diffs, a parallel-coordinates
// plot of config keys against a summary metric, and their charts overlaid.
// The page's own view (axes, metric, "only differences") is kept in the address too.
import { enc, getJSON } from "../lib/api.js";
import { colorFor, groupColor, runColor } from "../lib/colors.js";
import {
  BEST_RULE, configRows, flatten, groupSummary, MISSING, MIXED, runSummary, sharedConfig, summaryRows,
} from "../lib/diff.js";
import { readParams, updateParams } from "../lib/url.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { ChartsSection } from "./charts.js";
import { Failure, Header, fmt } from "./common.js";
import { ParallelCoordinates } from "./compare-parcoords.js";

const RUN_LIMIT = 1000;

// What the address asks to compare: runs win when it names both.
function readSelection() {
  const p = readParams();
  const runs = p.getAll("run").filter(Boolean);
  const groups = p.getAll("group").filter(Boolean);
  if (runs.length) return { kind: "run", ids: [...new Set(runs)], both: groups.length > 0 };
  return { kind: "group", ids: [...new Set(groups)], both: false };
}

export function ComparePage({ project }) {
  const [sel, setSel] = useState(readSelection);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const wanted = sel.ids.join("\n");

  useEffect(() => { document.title = `Compare · ${project} · Runfold`; }, [project]);
  useEffect(() => {
    // removing an item needs no new request: what is loaded already holds it
    if (!sel.ids.length || (data && data.kind === sel.kind && sel.ids.every((id) => data.asked.includes(id)))) {
      return undefined;
    }
    let live = true;
    setError(null);
    load(project, sel).then((d) => live && setData(d), (e) => live && setError(e));
    return () => { live = false; };
  }, [project, sel.kind, wanted]);

  const remove = (id) => {
    const ids = sel.ids.filter((x) => x !== id);
    updateParams((p) => {
      p.delete(sel.kind);
      for (const x of ids) p.append(sel.kind, x);
    });
    setSel({ ...sel, ids });
  };
  const body = !sel.ids.length ? html`<${EmptyState} project=${project} />`
    : error ? html`<${Failure} error=${error} />`
    : !data ? html`<p class="loading">Loading…</p>`
    : html`<${Comparison} project=${project} sel=${sel} data=${data} onRemove=${remove} />`;
  return html`
    <${Header} project=${project} />
    <main class="compare-page">
      <h1>Compare ${sel.kind === "group" ? "groups" : "runs"}</h1>
      ${sel.both ? html`<p class="note muted" data-testid="compare-both">The address names runs and groups;
        a comparison is of one kind, so it shows the runs. Drop the <code>run=</code> parameters to
        compare the groups.</p>` : null}
      ${body}
    </main>`;
}

async function load(project, sel) {
  const path = `/projects/${enc(project)}`;
  if (sel.kind === "run") {
    const filters = JSON.stringify({ id: { $in: sel.ids } });
    const body = await getJSON(`${path}/runs`, { filters, limit: RUN_LIMIT });
    return { kind: "run", asked: sel.ids, runs: body.runs, total: body.total, groups: [] };
  }
  const filters = JSON.stringify({ group: { $in: sel.ids } });
  const [runs, groups] = await Promise.all([
    getJSON(`${path}/runs`, { filters, limit: RUN_LIMIT }),
    getJSON(`${path}/groups`, { by: "group", filters }),
  ]);
  return { kind: "group", asked: sel.ids, runs: runs.runs, total: runs.total, groups: groups.groups };
}

// The compared columns in the address's order, each with its colour, link, flattened
// config and summary cells; ids the project does not have go to `missing`.
function columnsOf(project, sel, data) {
  const columns = [];
  const missing = [];
  for (const id of sel.ids) {
    const col = sel.kind === "run" ? runColumn(project, id, data) : groupColumn(project, id, data);
    if (col) columns.push(col);
    else missing.push(id);
  }
  const paint = sel.kind === "run" ? runColor : groupColor;
  columns.forEach((c, i) => { c.color = paint(i); });
  return { columns, missing };
}

function runColumn(project, id, data) {
  const run = data.runs.find((r) => r.id === id);
  if (!run) return null;
  return {
    id, label: run.name, state: run.state, members: [run],
    href: `/projects/${enc(project)}/runs/${enc(id)}`,
    config: flatten(run.config), summary: runSummary(run.summary),
  };
}

function groupColumn(project, name, data) {
  const row = data.groups.find((g) => g.key[0] === name);
  if (!row) return null;
  const members = data.runs.filter((r) => r.group === name);
  // With every member loaded, share per dotted path (a nested dict may share some keys);
  // otherwise fall back on the server's per-key shared config.
  const complete = members.length === row.count;
  const config = complete ? sharedConfig(members.map((r) => flatten(r.config))) : serverShared(row.config);
  return {
    id: name, label: row.name, count: row.count, state: row.state, members,
    href: `/projects/${enc(project)}/groups/${enc(name)}`, config, summary: groupSummary(row.summary),
  };
}

function serverShared(config) {
  const out = {};
  for (const [key, value] of Object.entries(config || {})) {
    if (value === "mixed") out[key] = MIXED;
    else Object.assign(out, flatten({ [key]: value }));
  }
  return out;
}

function Comparison({ project, sel, data, onRemove }) {
  const { columns, missing } = useMemo(() => columnsOf(project, sel, data), [project, sel, data]);
  const byName = useMemo(() => new Map(columns.map((c) => [c.id, c.color])), [columns]);
  // series entries are named by run id (ungrouped) or group name: the same colour as above
  const colorOf = useMemo(() => (i, name) => byName.get(name) ?? colorFor(i), [byName]);
  const ids = columns.map((c) => c.id);
  const filters = sel.kind === "run" ? { id: { $in: ids } } : { group: { $in: ids } };
  return html`
    <${Chips} columns=${columns} kind=${sel.kind} onRemove=${onRemove} />
    ${missing.map((id) => html`
      <${Missing} project=${project} kind=${sel.kind} id=${id} onRemove=${onRemove} />`)}
    ${columns.length ? html`
      <${ConfigDiff} columns=${columns} />
      <${SummaryDiff} columns=${columns} kind=${sel.kind} />
      <${ParallelCoordinates} columns=${columns} kind=${sel.kind} total=${data.total} />
      <section class="cmp-section">
        <h2>Charts</h2>
        <${ChartsSection} key=${sel.kind} project=${project} by=${sel.kind === "run" ? [] : ["group"]}
          filters=${filters} colorOf=${colorOf} />
      </section>` : null}`;
}

function Chips({ columns, kind, onRemove }) {
  return html`
    <ul class="cmp-chips" data-testid="compare-items">
      ${columns.map((c) => html`
        <li class="cmp-chip" data-id=${c.id} style=${{ borderColor: c.color }}>
          <span class="swatch" style=${{ background: c.color }}></span>
          <a href=${c.href}>${c.label}</a>
          ${kind === "group" ? html`<span class="muted">${c.count} ${c.count === 1 ? "run" : "runs"}</span>`
            : html`<span class=${`state ${c.state}`}>${c.state}</span>`}
          <button class="cmp-remove" data-testid="compare-remove" onClick=${() => onRemove(c.id)}
            aria-label=${`Remove ${c.label} from the comparison`} title="Remove from the comparison">×</button>
        </li>`)}
    </ul>`;
}

function Missing({ project, kind, id, onRemove }) {
  const what = kind === "run"
    ? `Run “${id}” is not in project “${project}”: check the run id in the address, or remove it.`
    : `Group “${id}” has no runs in project “${project}”: check the group name in the address, or remove it.`;
  return html`
    <p class="error cmp-missing" role="alert" data-testid="compare-missing" data-id=${id}>
      ${what} <button class="rf-link" onClick=${() => onRemove(id)}>Remove</button></p>`;
}

function EmptyState({ project }) {
  return html`
    <div class="cmp-empty" data-testid="compare-empty">
      <p>Nothing to compare yet. In the <a href=${`/projects/${enc(project)}`}>runs table of ${project}</a>,
        tick two or more runs (or group rows) and press <b>Compare</b>.</p>
      <p class="muted">Or name them in the address:</p>
      <pre class="snippet">/projects/${project}/compare?run=RUN_ID&run=OTHER_ID
/projects/${project}/compare?group=GROUP&group=OTHER_GROUP</pre>
    </div>`;
}

function Head({ columns, first }) {
  return html`<thead><tr><th>${first}</th>${columns.map((c) => html`
    <th data-id=${c.id}><span class="swatch" style=${{ background: c.color }}></span>${c.label}</th>`)}
  </tr></thead>`;
}

function configText(value) {
  if (value === MIXED) return html`<span class="mixed">mixed</span>`;
  if (value === MISSING) return html`<span class="muted" title="not set">–</span>`;
  if (value === null) return html`<span class="muted">null</span>`;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function ConfigDiff({ columns }) {
  const rows = useMemo(() => configRows(columns), [columns]);
  const differing = rows.filter((r) => r.differs).length;
  const param = readParams().get("diff");
  const [only, setOnly] = useState(param ? param === "only" : differing > 0);
  const toggle = (e) => {
    setOnly(e.target.checked);
    updateParams((p) => p.set("diff", e.target.checked ? "only" : "all"));
  };
  const shown = only ? rows.filter((r) => r.differs) : rows;
  return html`
    <section class="cmp-section">
      <h2>Config</h2>
      <div class="toolbar">
        <label><input type="checkbox" data-testid="only-differences" checked=${only} onChange=${toggle} />
          Only differences</label>
        <span class="muted" data-testid="config-count">${`${differing} of ${rows.length} `}${
          differing === 1 ? "key differs" : "keys differ"}</span>
      </div>
      ${!rows.length ? html`<p class="muted">No config logged: pass <code>config={"lr": 0.1}</code> to${" "}
        <code>runfold.init</code>.</p>`
      : !shown.length ? html`<p class="muted" data-testid="config-same">All ${rows.length} config keys are
        equal.</p>`
      : html`<div class="table-wrap"><table class="grid cmp-table" data-testid="config-diff">
        <${Head} columns=${columns} first="key" />
        <tbody>${shown.map((r) => html`
          <tr data-key=${r.key} class=${r.differs ? "differs" : r.allMixed ? "all-mixed" : ""}
            data-differs=${r.differs ? "true" : "false"}>
            <th class="key" scope="row">${r.key}</th>
            ${r.values.map((v) => html`<td>${configText(v)}</td>`)}
          </tr>`)}</tbody>
      </table></div>`}
    </section>`;
}

function signed(value) {
  if (value === 0) return "±0";
  return `${value > 0 ? "+" : "−"}${fmt(Math.abs(value))}`;
}

function SummaryCell({ cell, delta, best, kind }) {
  if (!cell) return html`<td class="num muted">–</td>`;
  const spread = kind === "group"
    ? html` <span class="muted">${cell.std !== null ? `± ${fmt(cell.std)} ` : ""}(n=${cell.n})</span>` : null;
  return html`
    <td class=${`num${best ? " best" : ""}`} data-value=${String(cell.value)}
      data-std=${cell.std === null ? "" : String(cell.std)} data-n=${String(cell.n)}>
      <span class="v">${fmt(cell.value)}</span>${spread}
      ${delta !== null
        ? html`<span class="delta" title="difference to the first column">${signed(delta)}</span>` : null}
    </td>`;
}

function SummaryDiff({ columns, kind }) {
  const rows = useMemo(() => summaryRows(columns), [columns]);
  return html`
    <section class="cmp-section">
      <h2>Summary</h2>
      <p class="muted note">${kind === "group" ? "Each group: mean ± std (n runs). " : ""}
        Best per row in bold (<span title=${BEST_RULE} class="rule" data-testid="best-rule">lowest for
        loss/error, else highest</span>); the small number is the difference to the first column.</p>
      ${!rows.length ? html`<p class="muted">No numeric summary values: <code>run.log({"loss": 0.1})</code>${" "}
        sets one.</p>` : html`
      <div class="table-wrap"><table class="grid cmp-table" data-testid="summary-diff">
        <${Head} columns=${columns} first="metric" />
        <tbody>${rows.map((r) => html`
          <tr data-key=${r.key}>
            <th class="key" scope="row" title=${r.lower ? "lower is better" : "higher is better"}>
              ${r.key} <span class="muted dir">${r.lower ? "↓" : "↑"}</span></th>
            ${r.cells.map((cell, i) => html`<${SummaryCell} cell=${cell} delta=${r.delta[i]}
              best=${r.best.includes(i)} kind=${kind} />`)}
          </tr>`)}</tbody>
      </table></div>`}
    </section>`;
}
