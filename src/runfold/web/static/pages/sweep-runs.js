// The sweep page's runs table: each proposal (index, run, its state, the proposal's
// state and why it ended, its parameters, the metric value, its k-fold runs), grouped
// by default by every config value but the seed, so repeated configs fold. The group
// rows are the server's, as in the workspace (GET .../groups, by
// "config.* except seed"); the view (by, sort, open) is kept in the address like the
// workspace's runs table (lib/url.js).
import { enc, getJSON } from "../lib/api.js";
import { exact, lookup } from "../lib/runvalues.js";
import { bestRun, EXCEPT_SEED, foldsHref, joinGroups, sortSweepRuns } from "../lib/sweeps.js";
import { readView, writeView } from "../lib/url.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Failure, fmt } from "./common.js";
import { aggregateText } from "./runstable.js";

const STATE_ORDER = ["running", "crashed", "failed", "stopped", "finished"];

// The server's group rows for `by` over the sweep's runs, and its k-fold runs' counts
// by job type (the fold runs of a sweep run: group = sweep id, job_type = its name).
function useGroups(project, sweep, by) {
  const [answer, setAnswer] = useState({ key: null, groups: null, folds: new Map() });
  const [error, setError] = useState(null);
  const ids = sweep.runs.map((r) => r.run_id).filter(Boolean);
  const stamp = sweep.runs.map((r) => `${r.run_id}:${r.state}:${r.value}`).join(",");
  const key = JSON.stringify([project, sweep.id, by, stamp]);
  useEffect(() => {
    let live = true;
    const base = `/projects/${enc(project)}/groups`;
    const grouped = by.length && ids.length
      ? getJSON(base, { by, filters: JSON.stringify({ id: { $in: ids } }) }).then((b) => b.groups)
      : Promise.resolve(null);
    const folds = getJSON(base, { by: "job_type", filters: JSON.stringify({ group: sweep.id }) })
      .then((b) => new Map(b.groups.filter((g) => g.key[0] !== null).map((g) => [g.key[0], g.count])));
    Promise.all([grouped, folds]).then(([groups, f]) => {
      if (live) { setAnswer({ key, groups, folds: f }); setError(null); }
    }, (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [key]);
  return [answer, error];
}

export function SweepRunsTable({ project, sweep, params }) {
  const [view, setView] = useState(() => readView());
  const update = (patch) => {
    const next = { ...view, ...patch };
    setView(next);
    writeView(next);
  };
  const by = view.by === null ? [EXCEPT_SEED] : view.by;
  const [answer, error] = useGroups(project, sweep, by);
  if (error) return html`<${Failure} error=${error} />`;
  if (!answer.key) return html`<p class="loading">Loading runs…</p>`;

  const metric = sweep.metric;
  const sorted = sortSweepRuns(sweep.runs, view.sort);
  // until the new grouping's rows are in, the table keeps the last ones
  const { groups, rest } = joinGroups(by.length ? answer.groups || [] : [], sorted);
  const best = metric ? bestRun(sweep.runs, metric.goal) : null;
  const anyFolds = sweep.runs.some((r) => r.name && answer.folds.has(r.name));
  const ctx = { project, sweep, params, metric, folds: answer.folds, anyFolds, best };
  const openKeys = new Set(view.open);
  const allKeys = groups.map((g) => JSON.stringify(g.group.key));
  const toggle = (k) => update({ open: openKeys.has(k) ? view.open.filter((x) => x !== k) : [...view.open, k] });
  const onSort = (col) => update({ sort: view.sort === col ? `-${col}` : col });

  const body = [
    ...groups.flatMap(({ group, members }) => {
      const k = JSON.stringify(group.key);
      const open = openKeys.has(k);
      return [
        html`<${GroupRow} key=${k} group=${group} members=${members} ctx=${ctx} open=${open}
          onToggle=${() => toggle(k)} />`,
        ...(open ? members.map((r) => html`<${RunRow} key=${rowKey(r)} run=${r} ctx=${ctx} member=${true} />`) : []),
      ];
    }),
    ...rest.map((r) => html`<${RunRow} key=${rowKey(r)} run=${r} ctx=${ctx} member=${false} />`),
  ];
  const head = (col, label, cls = "") => {
    const on = view.sort === col || view.sort === `-${col}`;
    const desc = view.sort === `-${col}`;
    return html`<th class=${`${cls} ${on ? "sorted" : ""}`} data-col=${col} tabindex="0"
      aria-sort=${on ? (desc ? "descending" : "ascending") : "none"} title=${`Sort by ${label}`}
      onClick=${() => onSort(col)}
      onKeyDown=${(e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSort(col); } }}>
      ${label}${on ? (desc ? " ▼" : " ▲") : ""}</th>`;
  };
  return html`
    <div class="runs-table sweep-runs">
      <${GroupControl} by=${by} params=${params} update=${update} groups=${groups.length}
        runs=${sweep.runs.length} allOpen=${allKeys.length > 0 && allKeys.every((k) => openKeys.has(k))}
        onOpenAll=${(on) => update({ open: on ? allKeys : [] })} />
      <div class="table-wrap">
        <table class="grid runs" data-testid="sweep-runs">
          <thead><tr>
            ${head("index", "#", "num")}${head("name", "Run")}${head("state", "State")}
            ${head("proposal", "Proposal")}
            ${params.map((p) => head(`param.${p}`, p, "cfg"))}
            ${metric ? head("value", `${metric.name} (${metric.goal === "maximize" ? "max" : "min"})`, "num") : null}
            ${anyFolds ? html`<th>Folds</th>` : null}
          </tr></thead>
          <tbody>${body}</tbody>
        </table>
      </div>
      ${sweep.runs.length === 0 ? html`<p class="muted" data-testid="no-sweep-runs">No runs yet: start an
        agent with <code>runfold agent --project ${project} ${sweep.id}</code>.</p>` : null}
    </div>`;
}

const rowKey = (r) => `${r.index}:${r.run_id}`;

function GroupControl({ by, params, update, groups, runs, allOpen, onOpenAll }) {
  const options = [EXCEPT_SEED, ...params.map((p) => `config.${p}`), "state"];
  const value = by.length === 0 ? "" : by.length === 1 ? by[0] : "\u0000custom";
  const pick = (v) => update({ by: v ? [v] : [], open: [] });
  return html`
    <div class="toolbar" data-testid="sweep-group-control">
      <label><span class="label">Group by</span>
        <select data-testid="sweep-group-by" value=${value} onChange=${(e) => pick(e.currentTarget.value)}>
          ${options.map((o) => html`<option value=${o}>${o}</option>`)}
          ${value === "\u0000custom" ? html`<option value="\u0000custom">${by.join(" then ")}</option>` : null}
          <option value="">none (single runs)</option>
        </select></label>
      ${groups ? html`<button data-testid="sweep-open-all" onClick=${() => onOpenAll(!allOpen)}>
        ${allOpen ? "Collapse all" : "Expand all"}</button>` : null}
      <span class="spacer"></span>
      <span class="muted" data-testid="sweep-run-counts">${runs} ${runs === 1 ? "run" : "runs"}${groups
        ? ` · ${groups} ${groups === 1 ? "group" : "groups"}` : ""}</span>
    </div>`;
}

function StateRollup({ states }) {
  const names = Object.keys(states || {}).sort((a, b) => rank(a) - rank(b));
  return html`<span class="rollup">${names.map((s) => html`
    <span class=${`state ${s}`} data-state=${s}>${s} ${states[s]}</span>`)}</span>`;
}
const rank = (s) => (STATE_ORDER.includes(s) ? STATE_ORDER.indexOf(s) : STATE_ORDER.length);

function GroupRow({ group, members, ctx, open, onToggle }) {
  const proposals = {};
  for (const r of members) proposals[r.proposal_state] = (proposals[r.proposal_state] || 0) + 1;
  const cell = (v) => (v === "mixed" ? html`<span class="mixed">mixed</span>` : exact(v));
  return html`
    <tr class=${`group ${open ? "open" : ""}`} data-testid="sweep-group-row" data-key=${JSON.stringify(group.key)}
      onClick=${onToggle} aria-expanded=${open ? "true" : "false"}>
      <td></td>
      <td class="gname">
        <button class="caret" aria-label=${open ? `Collapse ${group.name}` : `Expand ${group.name}`}
          onClick=${(e) => { e.stopPropagation(); onToggle(); }}>${open ? "▾" : "▸"}</button>
        <span class="name">${group.name}</span>
        <span class="count" data-testid="group-count">${group.count} ${group.count === 1 ? "run" : "runs"}</span>
      </td>
      <td><${StateRollup} states=${group.states} /></td>
      <td><${StateRollup} states=${proposals} /></td>
      ${ctx.params.map((p) => html`<td data-col=${`param.${p}`}>${cell(lookup(group.config, p))}</td>`)}
      ${ctx.metric ? html`<td class="num" data-col="value" title="mean ± std over the group's runs">
        ${aggregateText((group.summary || {})[ctx.metric.name], "mean_std")}</td>` : null}
      ${ctx.anyFolds ? html`<td></td>` : null}
    </tr>`;
}

function RunRow({ run, ctx, member }) {
  const { project, sweep } = ctx;
  const folds = run.name ? ctx.folds.get(run.name) : undefined;
  const best = run === ctx.best;
  return html`
    <tr class=${`${member ? "member" : "single"}${best ? " best" : ""}`} data-testid="sweep-run-row"
      data-index=${run.index} data-id=${run.run_id || ""}>
      <td class="num">${run.index}</td>
      <td class="rname">${run.run_id && run.name
        ? html`<a href=${`/projects/${enc(project)}/runs/${enc(run.run_id)}`}>${run.name}</a>`
        : html`<span class="muted">${run.run_id || "not started"}</span>`}
        ${best ? html` <span class="best-mark" title="The best value so far">★ best</span>` : null}</td>
      <td>${run.state ? html`<span class=${`state ${run.state}`}>${run.state}</span>` : null}</td>
      <td class="proposal"><span class=${`state ${run.proposal_state}`} data-testid="proposal-state">
        ${run.proposal_state}</span>${run.reason ? html` <span class="reason" data-testid="proposal-reason"
        title=${run.reason}>${run.reason}</span>` : null}</td>
      ${ctx.params.map((p) => html`<td data-col=${`param.${p}`}>${exact((run.params || {})[p])}</td>`)}
      ${ctx.metric ? html`<td class="num" data-col="value" title=${run.value ?? ""}>${fmt(run.value)}</td>` : null}
      ${ctx.anyFolds ? html`<td>${folds ? html`<a data-testid="folds-link" href=${foldsHref(project, sweep.id, run.name)}
        title=${`The runs of group ${sweep.id} with job type ${run.name}`}>${folds} ${folds === 1 ? "fold" : "folds"}</a>`
        : null}</td>` : null}
    </tr>`;
}
