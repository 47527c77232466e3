// "/projects/<project>/reports": the project's reports, newest first; also the list a
// group page shows ("Reports about this experiment") and the ways to start a report.
import { enc, getJSON, sendJSON } from "../lib/api.js";
import { newestFirst } from "../lib/reportblocks.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Failure, Header, when } from "./common.js";

export const reportURL = (project, id, params = "") =>
  `/projects/${enc(project)}/reports/${enc(id)}${params}`;

// A report not saved yet ("New report from this view"): the editor opens it at
// /projects/<p>/reports/new?edit=1, and nothing is stored until Save.
export const DRAFT_ID = "new";
const draftKey = (project) => `runfold-report-draft:${project}`;

export function openDraft(project, { title, group = null, blocks = [] }) {
  sessionStorage.setItem(draftKey(project), JSON.stringify({ title, group, blocks }));
  window.location.assign(reportURL(project, DRAFT_ID, "?edit=1"));
}

// The draft as the editor takes a report (version 0, no id), or null.
export function readDraft(project) {
  try {
    const d = JSON.parse(sessionStorage.getItem(draftKey(project)) || "null");
    return d && { id: null, title: d.title || "", group: d.group || null, blocks: d.blocks || [], version: 0 };
  } catch { return null; }
}

export const dropDraft = (project) => sessionStorage.removeItem(draftKey(project));

// Create a report and open it in the editor.
export async function createReport(project, { title, group = null, blocks = [] }) {
  const report = await sendJSON("POST", `/projects/${enc(project)}/reports`, { title, group, blocks });
  window.location.assign(reportURL(project, report.id, "?edit=1"));
  return report;
}

export function ReportsPage({ project }) {
  useEffect(() => { document.title = `Reports · ${project} · Runfold`; }, [project]);
  return html`
    <${Header} project=${project} />
    <main class="rf-reports-page">
      <div class="rf-title-row">
        <h1>Reports</h1>
        <${NewReportButton} project=${project} />
      </div>
      <${ReportsList} project=${project} />
    </main>`;
}

export function NewReportButton({ project, group = null, label = "New report" }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const start = () => {
    setBusy(true);
    setError(null);
    const blocks = [{ type: "markdown", text: "" }];
    if (group) blocks.push({ type: "group", group });
    createReport(project, { title: group ? `${group}: what we found` : "Untitled report", group, blocks })
      .catch((e) => { setError(e); setBusy(false); });
  };
  return html`
    <span class="rf-new-report">
      <button class="rf-button primary" data-testid="new-report" disabled=${busy} onClick=${start}>${label}</button>
      ${error ? html`<${Failure} error=${error} />` : null}
    </span>`;
}

// The reports of the project, or of one group (then without the group column).
export function ReportsList({ project, group }) {
  const [reports, setReports] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    getJSON(`/projects/${enc(project)}/reports`, { group })
      .then((body) => live && setReports(newestFirst(body.reports)), (e) => live && setError(e));
    return () => { live = false; };
  }, [project, group]);
  if (error) return html`<${Failure} error=${error} />`;
  if (!reports) return html`<p class="loading">Loading reports…</p>`;
  if (!reports.length) return html`<${EmptyReports} project=${project} group=${group} />`;
  return html`
    <table class="grid rf-reports" data-testid="reports-list">
      <thead><tr><th>Title</th>${group ? null : html`<th>Group</th>`}<th>Author</th><th>Updated</th></tr></thead>
      <tbody>
        ${reports.map((r) => html`
          <tr data-testid="report-row" data-id=${r.id}>
            <td><a href=${reportURL(project, r.id)}>${r.title || "Untitled report"}</a></td>
            ${group ? null : html`<td>${r.group
              ? html`<a href=${`/projects/${enc(project)}/groups/${enc(r.group)}`}>${r.group}</a>`
              : html`<span class="muted">—</span>`}</td>`}
            <td>${r.author || html`<span class="muted">—</span>`}</td>
            <td class="muted" title=${`version ${r.version}`}>${when(r.updated_at)}</td>
          </tr>`)}
      </tbody>
    </table>`;
}

function EmptyReports({ project, group }) {
  return html`
    <div class="rf-empty" data-testid="reports-empty">
      <p>${group ? `No reports about ${group} yet.` : "No reports in this project yet."}</p>
      <p class="muted">A report is a write-up of what an experiment showed: your text next to live charts,
        runs tables and group summaries from this project, so the words and the numbers never drift apart.
        Every saved version is kept. Start one here, or from the workspace with “New report from this view”.</p>
      ${group ? null : html`<${NewReportButton} project=${project} />`}
    </div>`;
}
