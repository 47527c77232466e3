// "/projects/<project>/artifacts": the project's artifacts by type (datasets,
// models ...), each with its version count, latest version, size and last update;
// a name opens its artifact page.
import { enc, getJSON } from "../lib/api.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { artifactHref } from "./artifact-links.js";
import { Failure, Header, when } from "./common.js";
import { bytes } from "./run.js";

export function ArtifactsPage({ project }) {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    document.title = `Artifacts · ${project} · Runfold`;
    getJSON(`/projects/${enc(project)}/artifacts`).then((body) => setRows(body.artifacts), setError);
  }, [project]);
  const types = [...new Set((rows || []).map((r) => r.type))];
  return html`
    <${Header} project=${project} group="artifacts" />
    <main class="artifacts-page">
      <div class="rf-title-row">
        <h1>Artifacts</h1>
        <a class="rf-button" href=${`/projects/${enc(project)}`}>Runs workspace</a>
      </div>
      ${error ? html`<${Failure} error=${error} />` : null}
      ${!error && rows === null ? html`<p class="loading">Loading artifacts…</p>` : null}
      ${rows && !rows.length ? html`<div data-testid="no-artifacts"><p class="muted">No artifacts in
        ${project} yet. Version a dataset or a model from a run:</p>
        <pre class="snippet">artifact = runfold.Artifact("mnist", type="dataset")
artifact.add_dir("data/")
run.log_artifact(artifact)</pre></div>` : null}
      ${types.map((type) => html`
        <section class="art-type" data-type=${type}>
          <h2>${type}</h2>
          <table class="grid" data-testid="artifacts-table">
            <thead><tr><th>Name</th><th class="num">Versions</th><th>Latest</th>
              <th class="num">Size</th><th>Updated</th></tr></thead>
            <tbody>${rows.filter((r) => r.type === type).map((r) => html`
              <tr data-testid="artifact-row" data-name=${r.name}>
                <td><a href=${artifactHref(project, r.name)}>${r.name}</a></td>
                <td class="num" data-col="versions">${r.versions}</td>
                <td>${r.latest === null ? "" : `v${r.latest}`}</td>
                <td class="num">${bytes(r.size)}</td>
                <td class="muted">${when(r.updated_at)}</td>
              </tr>`)}</tbody>
          </table>
        </section>`)}
    </main>`;
}
