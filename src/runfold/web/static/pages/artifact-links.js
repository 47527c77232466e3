// A run's (or a group's) artifacts: the versions it used (inputs) and the ones it
// logged or linked (outputs), each linking to its artifact page. Used by the run
// page and the group page.
import { enc, getJSON } from "../lib/api.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Failure } from "./common.js";

export const artifactHref = (project, name, version) =>
  `/projects/${enc(project)}/artifacts/${enc(name)}${version === undefined ? "" : `?version=v${version}`}`;

// {used: [...], made: [...]}: one row per version, with the runs in `links`.
export function splitLinks(links) {
  const used = new Map();
  const made = new Map();
  for (const link of links) {
    const v = link.version;
    const key = `${v.name}:v${v.version}`;
    const into = link.role === "used" ? used : made;
    if (!into.has(key)) into.set(key, { version: v, runs: [], role: link.role });
    const row = into.get(key);
    if (!row.runs.some((r) => r.id === link.run_id)) row.runs.push({ id: link.run_id, name: link.run_name });
  }
  return { used: [...used.values()], made: [...made.values()] };
}

export function ArtifactLinks({ project, path, params, showRuns = false, testid = "run-artifacts" }) {
  const [links, setLinks] = useState(null);
  const [error, setError] = useState(null);
  const key = JSON.stringify(params || {});
  useEffect(() => {
    getJSON(path, params).then((body) => setLinks(body.links), setError);
  }, [path, key]);
  if (error) return html`<${Failure} error=${error} />`;
  if (links === null) return html`<p class="loading">Loading artifacts…</p>`;
  const { used, made } = splitLinks(links);
  if (!used.length && !made.length) {
    return html`<p class="muted" data-testid=${testid}>No artifacts used or logged. Version data and
      models with <code>run.log_artifact(artifact)</code> and <code>run.use_artifact("name:latest")</code>.</p>`;
  }
  return html`
    <div class="art-io" data-testid=${testid}>
      <${Side} title="Inputs (used)" rows=${used} project=${project} showRuns=${showRuns} role="used" />
      <${Side} title="Outputs (logged)" rows=${made} project=${project} showRuns=${showRuns} role="made" />
    </div>`;
}

function Side({ title, rows, project, showRuns, role }) {
  return html`
    <section class="panel">
      <h3>${title}</h3>
      ${rows.length ? html`<table class="grid kv" data-testid=${`artifacts-${role}`}><tbody>
        ${rows.map(({ version: v, runs }) => html`<tr data-artifact=${`${v.name}:v${v.version}`}>
          <td><a href=${artifactHref(project, v.name, v.version)}>${v.name}:v${v.version}</a></td>
          <td class="muted">${v.type}</td>
          <td>${(v.aliases || []).map((a) => html`<span class="chip">${a}</span> `)}</td>
          ${showRuns ? html`<td class="muted">${runs.map((r) => html`<a href=${`/projects/${enc(project)}/runs/${enc(r.id)}`}>${r.name || r.id}</a> `)}</td>` : null}
        </tr>`)}
      </tbody></table>` : html`<p class="muted">None.</p>`}
    </section>`;
}
