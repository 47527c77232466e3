// "/projects/<project>/reports/<id>": one report. The read view (a stable URL), the
// editor with ?edit=1 (pages/report-editor.js), and an older version with ?version=N
// (read only, under a banner, with a way to restore it). Every saved version is kept.
import { enc, getJSON, sendJSON } from "../lib/api.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Failure, Header, when } from "./common.js";
import { Block } from "./report-blocks.js";
import { ReportEditor } from "./report-editor.js";
import { DRAFT_ID, readDraft, reportURL } from "./reports.js";

const reportPath = (project, id) => `/projects/${enc(project)}/reports/${enc(id)}`;

export function ReportPage({ project, reportId }) {
  const params = new URLSearchParams(window.location.search);
  const version = params.get("version");
  const editing = params.get("edit") === "1" && !version;
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    if (reportId === DRAFT_ID) { // a draft lives in this tab until it is saved
      setReport(readDraft(project) || { id: null, title: "", group: null, blocks: [], version: 0 });
      return;
    }
    getJSON(reportPath(project, reportId), { version: version || undefined }).then(setReport, setError);
  }, [project, reportId, version]);
  useEffect(() => {
    document.title = `${report ? report.title : "Report"} · ${project} · Runfold`;
  }, [report && report.title]);

  let body;
  if (error) {
    body = html`<${Failure} error=${error} />
      <p><a href=${`/projects/${enc(project)}/reports`}>All reports of ${project}</a></p>`;
  } else if (!report) body = html`<p class="loading">Loading report…</p>`;
  else if (editing || report.id === null) body = html`<${ReportEditor} project=${project} report=${report} />`;
  else body = html`<${ReportView} project=${project} report=${report} old=${!!version} />`;
  return html`
    <${Header} project=${project} />
    <main class=${`rf-report-page${editing ? " editing" : ""}`}>
      <nav class="rf-crumbs muted"><a href=${`/projects/${enc(project)}/reports`}>Reports</a>
        ${report && report.group ? html` · <a href=${`/projects/${enc(project)}/groups/${enc(report.group)}`}>
          ${report.group}</a>` : null}</nav>
      ${body}
    </main>`;
}

function ReportView({ project, report, old }) {
  const [versions, setVersions] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJSON(`${reportPath(project, report.id)}/versions`).then((b) => setVersions(b.versions), setError);
  }, [project, report.id]);
  const latest = versions && versions.length ? versions[0].version : null;
  const restore = (n) => sendJSON("POST", `${reportPath(project, report.id)}/restore`, { version: n })
    .then(() => window.location.assign(reportURL(project, report.id)), setError);
  return html`
    ${old ? html`<${OldVersionBanner} project=${project} report=${report} latest=${latest}
      restore=${restore} />` : null}
    <div class="rf-title-row">
      <h1 data-testid="report-title">${report.title || "Untitled report"}</h1>
      ${old ? null : html`<a class="rf-button" data-testid="edit-report"
        href=${reportURL(project, report.id, "?edit=1")}>Edit</a>`}
    </div>
    <p class="muted rf-report-meta" data-testid="report-meta">
      ${report.author ? `by ${report.author} · ` : ""}updated ${when(report.updated_at)}${" · "}version
      ${" "}${report.version}</p>
    ${error ? html`<${Failure} error=${error} />` : null}
    <article class="rf-report" data-testid="report">
      ${report.blocks.length ? report.blocks.map((b, i) => html`<${Block} key=${`${report.version}:${i}`}
          project=${project} block=${b} index=${i} />`)
        : html`<p class="muted" data-testid="report-no-blocks">This report is empty.${" "}
            <a href=${reportURL(project, report.id, "?edit=1")}>Edit it</a> to add text, charts and tables.</p>`}
    </article>
    <${Versions} project=${project} report=${report} versions=${versions} restore=${restore} />
    <p class="muted note rf-export">To share it without a server: <code>runfold report export ${report.id}
      --format html --out report.html</code> (one self-contained file) or <code>--format md</code> (Markdown with
      the charts as PNG files).</p>`;
}

function OldVersionBanner({ project, report, latest, restore }) {
  return html`
    <div class="rf-banner" role="status" data-testid="version-banner">
      You are looking at version ${report.version} of this report${latest ? ` (the latest is ${latest})` : ""},
      saved ${when(report.updated_at)}${report.author ? ` by ${report.author}` : ""}. It is read only.
      <a href=${reportURL(project, report.id)}>Back to the latest</a>
      ${latest !== report.version ? html`<button class="rf-button" data-testid="restore-this"
        onClick=${() => restore(report.version)}>Restore this version</button>` : null}
    </div>`;
}

function Versions({ project, report, versions, restore }) {
  if (!versions) return null;
  const latest = versions.length ? versions[0].version : null;
  return html`
    <details class="rf-versions" data-testid="versions">
      <summary>Versions (${versions.length})</summary>
      <p class="muted note">Every save is kept. Restoring an older version saves it again as the newest;
        nothing is lost.</p>
      <table class="grid">
        <thead><tr><th>Version</th><th>Saved</th><th>By</th><th>Title</th><th></th></tr></thead>
        <tbody>
          ${versions.map((v) => html`
            <tr data-testid="version-row" data-version=${v.version}
              class=${v.version === report.version ? "current" : ""}>
              <td>${v.version}${v.version === latest ? html` <span class="muted">(latest)</span>` : null}</td>
              <td class="muted">${when(v.updated_at)}</td>
              <td>${v.author || html`<span class="muted">—</span>`}</td>
              <td>${v.title}</td>
              <td class="rf-version-actions">
                <a href=${reportURL(project, report.id, v.version === latest ? "" : `?version=${v.version}`)}
                  data-testid="view-version">view</a>
                ${v.version === latest ? null : html`<button class="rf-link" data-testid="restore-version"
                  onClick=${() => restore(v.version)}>restore</button>`}
              </td>
            </tr>`)}
        </tbody>
      </table>
    </details>`;
}
