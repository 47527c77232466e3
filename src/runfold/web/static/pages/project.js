// "/projects/<project>": the workspace: a sidebar of groups, the runs table with
// its Group control, and (below) the charts.
import { getJSON, enc } from "../lib/api.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Header } from "./common.js";
import { LinkedCharts } from "./linked.js";
import { RunsTable } from "./runstable.js";

export function ProjectPage({ project }) {
  useEffect(() => { document.title = `${project} · Runfold`; }, [project]);
  return html`
    <${Header} project=${project} />
    <div class="workspace">
      <${GroupSidebar} project=${project} />
      <main class="ws-main">
        <h1>${project}</h1>
        <${RunsTable} project=${project} defaultBy=${["group", "job_type"]} autoOff=${true} />
        <${LinkedCharts} project=${project} defaultBy=${["group", "job_type"]} />
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
