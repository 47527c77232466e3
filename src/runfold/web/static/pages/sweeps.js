// "/projects/<project>/sweeps": the project's sweeps, newest first, each with its
// state, search method, metric, run count and agents; a row opens the sweep's page.
import { enc, getJSON } from "../lib/api.js";
import { agentCounts } from "../lib/sweeps.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Failure, Header, when } from "./common.js";

export const sweepHref = (project, id) => `/projects/${enc(project)}/sweeps/${enc(id)}`;

export function SweepState({ state }) {
  return html`<span class=${`state sweep-state ${state}`} data-testid="sweep-state">${state}</span>`;
}

export function SweepsPage({ project }) {
  const [sweeps, setSweeps] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    document.title = `Sweeps · ${project} · Runfold`;
    getJSON(`/projects/${enc(project)}/sweeps`).then((body) => setSweeps(body.sweeps), setError);
  }, [project]);
  return html`
    <${Header} project=${project} group="sweeps" />
    <main class="sweeps-page">
      <div class="rf-title-row">
        <h1>Sweeps</h1>
        <a class="rf-button" href=${`/projects/${enc(project)}`}>Runs workspace</a>
      </div>
      ${error ? html`<${Failure} error=${error} />` : null}
      ${!error && sweeps === null ? html`<p class="loading">Loading sweeps…</p>` : null}
      ${sweeps && !sweeps.length ? html`<${NoSweeps} project=${project} />` : null}
      ${sweeps && sweeps.length ? html`<${SweepsTable} project=${project} sweeps=${sweeps} />` : null}
    </main>`;
}

function NoSweeps({ project }) {
  return html`
    <div data-testid="no-sweeps">
      <p class="muted">No sweeps in ${project} yet. Write the search as W&B's sweep YAML, then:</p>
      <pre class="snippet">runfold sweep --project ${project} sweep.yaml   # prints the sweep id
runfold agent --project ${project} SWEEP_ID      # in as many processes or machines as you like</pre>
      <p class="muted">or from Python: <code>sweep_id = runfold.sweep(config, project="${project}")</code>${" "}
        then <code>runfold.agent(sweep_id, function=train)</code>.</p>
    </div>`;
}

function SweepsTable({ project, sweeps }) {
  return html`
    <div class="table-wrap">
      <table class="grid sweeps" data-testid="sweeps-table">
        <thead><tr>
          <th>ID</th><th>Name</th><th>State</th><th>Method</th><th>Metric</th>
          <th class="num">Runs</th><th class="num">Agents</th><th>Created</th>
        </tr></thead>
        <tbody>${sweeps.map((s) => html`<${SweepRow} key=${s.id} project=${project} sweep=${s} />`)}</tbody>
      </table>
    </div>`;
}

function SweepRow({ project, sweep }) {
  const config = sweep.config || {};
  const metric = config.metric;
  const agents = agentCounts(sweep.agents);
  return html`
    <tr data-testid="sweep-row" data-id=${sweep.id}>
      <td><a href=${sweepHref(project, sweep.id)}><code>${sweep.id}</code></a></td>
      <td>${sweep.name ? html`<a href=${sweepHref(project, sweep.id)}>${sweep.name}</a>`
        : html`<span class="muted">—</span>`}</td>
      <td><${SweepState} state=${sweep.state} /></td>
      <td>${config.method || ""}</td>
      <td>${metric ? html`${metric.name} <span class="muted">(${metric.goal || "minimize"})</span>` : ""}</td>
      <td class="num" data-col="runs">${sweep.run_count}</td>
      <td class="num" data-col="agents" title=${`${agents.running} running of ${agents.total}`}>
        ${agents.total}${agents.running ? html` <span class="muted">(${agents.running} running)</span>` : null}</td>
      <td class="muted">${when(sweep.created_at)}</td>
    </tr>`;
}
