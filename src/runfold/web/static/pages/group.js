// "/projects/<project>/groups/<group>": one experiment: its shared config, its
// runs' states, its aggregated summary, and its runs sub-grouped by job_type, beside
// its panels (their layout kept per group page: the workspace's scope "group:<name>").
import { getJSON, enc } from "../lib/api.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { ArtifactLinks } from "./artifact-links.js";
import { Failure, Header, fmt } from "./common.js";
import { NewReportButton, ReportsList } from "./reports.js";
import { exact, flatten } from "./runstable.js";
import { SkipLink, Workspace } from "./workspace.js";

export function GroupPage({ project, group }) {
  const [row, setRow] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    document.title = `${group} · ${project} · Runfold`;
    getJSON(`/projects/${enc(project)}/groups`, { by: "group", filters: JSON.stringify({ group }) })
      .then((body) => setRow(body.groups[0] || false), setError);
  }, [project, group]);
  if (error || row === false) {
    return html`
      <${Header} project=${project} group=${group} />
      <main class="group-page">
        <h1>${error ? group : "Group not found"}</h1>
        ${error ? html`<${Failure} error=${error} />` : html`<p data-testid="no-group">No runs in group
          “${group}” of ${project}: it may have been renamed, or its runs moved.${" "}
          <a href=${`/projects/${enc(project)}`}>Back to ${project}</a></p>`}
      </main>`;
  }
  return html`
    <${SkipLink} />
    <${Header} project=${project} group=${group} />
    <div class="group-page">
      <section class="group-head" aria-label=${`Group ${group}`}>
        <h1>${group}</h1>
        ${row ? html`<${Overview} row=${row} />` : html`<p class="loading">Loading…</p>`}
        <section class="rf-group-reports" data-testid="group-reports">
          <div class="rf-title-row">
            <h2>Reports about this experiment</h2>
            <${NewReportButton} project=${project} group=${group} />
          </div>
          <${ReportsList} project=${project} group=${group} />
        </section>
        <section class="rf-group-artifacts">
          <h2>Artifacts its runs used and made</h2>
          <${ArtifactLinks} project=${project} path=${`/projects/${enc(project)}/lineage`}
            params=${{ filters: JSON.stringify({ group }) }} showRuns=${true} testid="group-artifacts" />
        </section>
      </section>
      <${Workspace} project=${project} filters=${{ group }} defaultBy=${["job_type"]} scope="group"
        layoutScope=${`group:${group}`} title=${html`<h2>Runs by job type, and their charts</h2>`} />
    </div>`;
}

// Shared config, state counts and aggregated summary (also a report's group block).
export function Overview({ row }) {
  const config = Object.entries(flatten(row.config)).sort(([a], [b]) => a.localeCompare(b));
  const summary = Object.entries(row.summary || {}).sort(([a], [b]) => a.localeCompare(b));
  return html`
    <div class="group-overview">
      <section data-testid="group-states">
        <h2>${row.count} ${row.count === 1 ? "run" : "runs"}</h2>
        ${Object.entries(row.states).map(([s, n]) => html`<span class=${`state ${s}`}>${s} ${n}</span> `)}
      </section>
      <section>
        <h2>Shared config</h2>
        <table class="grid kv" data-testid="group-config">
          <tbody>${config.map(([k, v]) => html`<tr><th>${k}</th>
            <td>${v === "mixed" ? html`<span class="mixed">mixed</span>` : exact(v)}</td></tr>`)}</tbody>
        </table>
      </section>
      <section>
        <h2>Summary across runs</h2>
        <table class="grid kv" data-testid="group-summary">
          <thead><tr><th>metric</th><th class="num">mean</th><th class="num">std</th><th class="num">min</th>
            <th class="num">median</th><th class="num">max</th><th class="num">n</th></tr></thead>
          <tbody>${summary.map(([k, s]) => html`<tr data-metric=${k}><td>${k}</td>
            <td class="num">${fmt(s.mean)}</td><td class="num">${fmt(s.std)}</td><td class="num">${fmt(s.min)}</td>
            <td class="num">${fmt(s.median)}</td><td class="num">${fmt(s.max)}</td><td class="num">${s.count}</td></tr>`)}
          </tbody>
        </table>
      </section>
    </div>`;
}
