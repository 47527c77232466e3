// "/projects/<project>": the workspace: a sidebar of groups, the runs table with
// its Group control, and (below) the charts.
import { getJSON, enc } from "../lib/api.js";
import { chartFromParams } from "../lib/chartparams.js";
import { blocksFromView, CHART_DEFAULTS } from "../lib/reportblocks.js";
import { defaultMetrics } from "../lib/series.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { readParams, readView } from "../lib/url.js";
import { Failure, Header } from "./common.js";
import { LinkedCharts } from "./linked.js";
import { MediaGroups } from "./media-grouped.js";
import { createReport } from "./reports.js";
import { RunsTable } from "./runstable.js";

const DEFAULT_BY = ["group", "job_type"];

export function ProjectPage({ project }) {
  useEffect(() => { document.title = `${project} · Runfold`; }, [project]);
  return html`
    <${Header} project=${project} />
    <div class="workspace">
      <${GroupSidebar} project=${project} />
      <main class="ws-main">
        <div class="rf-title-row">
          <h1>${project}</h1>
          <a class="rf-button" href=${`/projects/${enc(project)}/reports`} data-testid="reports-link">Reports</a>
          <a class="rf-button" href=${`/projects/${enc(project)}/sweeps`} data-testid="sweeps-link">Sweeps</a>
          <${ReportFromView} project=${project} />
        </div>
        <${RunsTable} project=${project} defaultBy=${DEFAULT_BY} autoOff=${true} />
        <${LinkedCharts} project=${project} defaultBy=${DEFAULT_BY} />
        <${MediaGroups} project=${project} defaultBy=${DEFAULT_BY} />
      </main>
    </div>`;
}

function GroupSidebar({ project }) {
  const [groups, setGroups] = useState(null);
  useEffect(() => {
    getJSON(`/projects/${enc(project)}/groups`, { by: "group" })
      .then((body) => setGroups(body.groups), () => setGroups([]));
  }, [project]);
  const named = (groups || []).filter((g) => g.key[0] !== null);
  return html`
    <aside class="ws-side" data-testid="group-sidebar">
      <h2>Groups</h2>
      ${groups === null ? html`<p class="muted">…</p>` : null}
      ${groups && named.length === 0 ? html`<p class="muted">No groups yet: pass
        <code>group="exp-1"</code> to <code>runfold.init</code>.</p>` : null}
      <ul>
        ${named.map((g) => html`<li>
          <a href=${`/projects/${enc(project)}/groups/${enc(g.key[0])}`}>${g.name}</a>
          <span class="muted">${g.count}</span></li>`)}
      </ul>
    </aside>`;
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
// its charts (grouping, hidden runs and groups, each chart's settings) become blocks.
function ReportFromView({ project }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const view = readView();
      const params = readParams();
      const settingsOf = (m) => chartFromParams(params, m, CHART_DEFAULTS).settings;
      const blocks = blocksFromView({ view, defaultBy: DEFAULT_BY, metrics: await shownMetrics(project), settingsOf });
      const by = view.by === null ? DEFAULT_BY : view.by;
      const title = `${project}${by.length ? ` by ${by.join(" / ")}` : ""}${view.q ? `, “${view.q}”` : ""}`;
      await createReport(project, { title, blocks });
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
