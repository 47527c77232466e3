// "/": the projects, with run and group counts and last activity.
import { getJSON, enc } from "../lib/api.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Header, Failure, when } from "./common.js";

const SNIPPET = `import runfold  # or: import runfold as wandb

run = runfold.init(project="my-project", group="exp-1", config={"lr": 0.01})
for step in range(100):
    runfold.log({"loss": 1 / (step + 1)})
run.finish()`;

export function ProjectsPage() {
  const [projects, setProjects] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJSON("/projects").then((body) => setProjects(body.projects), setError);
  }, []);
  return html`
    <${Header} />
    <main>
      <h1>Projects</h1>
      ${error ? html`<${Failure} error=${error} />` : null}
      ${projects === null && !error ? html`<p class="loading">Loading…</p>` : null}
      ${projects && projects.length === 0 ? html`<${Empty} />` : null}
      ${projects && projects.length > 0 ? html`<${ProjectTable} projects=${projects} />` : null}
    </main>`;
}

function ProjectTable({ projects }) {
  return html`
    <table class="grid" data-testid="projects">
      <thead><tr><th>Project</th><th class="num">Runs</th><th class="num">Groups</th><th>Last activity</th></tr></thead>
      <tbody>
        ${projects.map((p) => html`
          <tr>
            <td><a href=${`/projects/${enc(p.name)}`}>${p.name}</a></td>
            <td class="num">${p.runs}</td>
            <td class="num">${p.groups}</td>
            <td class="muted">${when(p.last_activity)}</td>
          </tr>`)}
      </tbody>
    </table>`;
}

function Empty() {
  return html`
    <div data-testid="empty">
      <p>No runs yet. Add three lines to a training script, or fill a demo project with${" "}
      <code>runfold demo</code>:</p>
      <pre class="snippet">${SNIPPET}</pre>
    </div>`;
}
