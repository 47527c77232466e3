// "/projects/<project>": the workspace (pages/workspace.js): the runs sidebar beside
// the panels, with the project's links and "New report from this view".
import { getJSON, enc } from "../lib/api.js";
import { chartFromParams } from "../lib/chartparams.js";
import { blocksFromView, CHART_DEFAULTS } from "../lib/reportblocks.js";
import { defaultMetrics } from "../lib/series.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { readParams, readView } from "../lib/url.js";
import { Failure, Header } from "./common.js";
import { SkipLink, Workspace } from "./workspace.js";

const DEFAULT_BY = ["group", "job_type"];

export function ProjectPage({ project }) {
  useEffect(() => { document.title = `${project} · Runfold`; }, [project]);
  return html`
    <${SkipLink} />
    <${Header} project=${project} />
    <${Workspace} project=${project} defaultBy=${DEFAULT_BY} autoOff=${true} scope="project" title=${html`
      <h1>${project}</h1>
      <a class="rf-button" href=${`/projects/${enc(project)}/reports`} data-testid="reports-link">Reports</a>
      <a class="rf-button" href=${`/projects/${enc(project)}/sweeps`} data-testid="sweeps-link">Sweeps</a>
      <a class="rf-button" href=${`/projects/${enc(project)}/artifacts`} data-testid="artifacts-link">Artifacts</a>
      <${ReportFromView} project=${project} />`} />`;
}

// The chart panels the page shows now (in their order on the page); before the charts
// have loaded, the metrics they will show first.
async function shownMetrics(project) {
  const panels = document.querySelectorAll("[data-testid=charts-slot] [data-testid=chart-panel][data-metric]");
  if (panels.length) return [...new Set([...panels].map((p) => p.dataset.metric))];
  const body = await getJSON(`/projects/${enc(project)}/metrics`);
  return defaultMetrics(body.metrics);
}

// A report that starts as this view: its runs table (filter, grouping, columns) and
// its charts (grouping, the runs the filter keeps, hidden runs and groups, each
// chart's settings) become blocks of a draft, stored only when the editor saves it.
function ReportFromView({ project }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const view = readView();
      const params = readParams();
      // a report's chart takes the settings it knows (not yet a panel's y range)
      const known = (settings) => Object.fromEntries(Object.keys(CHART_DEFAULTS).map((k) => [k, settings[k]]));
      const settingsOf = (m) => known(chartFromParams(params, m, CHART_DEFAULTS).settings);
      const blocks = blocksFromView({ view, defaultBy: DEFAULT_BY, metrics: await shownMetrics(project), settingsOf });
      // the charts draw the runs the filter box keeps, as the workspace's panels do
      const drawn = document.querySelector("[data-testid=charts-slot]")?.dataset.filters;
      const kept = view.q && drawn && drawn !== "null" ? JSON.parse(drawn) : null;
      for (const b of blocks) {
        if (b.type === "chart" && kept) b.filters = b.filters ? { $and: [b.filters, kept] } : kept;
      }
      const by = view.by === null ? DEFAULT_BY : view.by;
      const title = `${project}${by.length ? ` by ${by.join(" / ")}` : ""}${view.q ? `, “${view.q}”` : ""}`;
      const { openDraft } = await import("./reports.js"); // not part of the workspace's first load
      openDraft(project, { title, blocks });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return html`
    <button class="rf-button" data-testid="report-from-view" disabled=${busy} onClick=${start}
      title="A new report with this runs table and these charts as its first blocks">New report from this view</button>
    ${error ? html`<${Failure} error=${error} />` : null}`;
}
