// Runfold's web UI: a small router over the pages. Each page's module loads when its
// address is opened, so a page waits only for the code it uses.
import { html, render } from "./lib/ui.js";

const PAGES = {
  projects: () => import("./pages/projects.js").then((m) => m.ProjectsPage),
  project: () => import("./pages/project.js").then((m) => m.ProjectPage),
  compare: () => import("./pages/compare.js").then((m) => m.ComparePage),
  reports: () => import("./pages/reports.js").then((m) => m.ReportsPage),
  report: () => import("./pages/report.js").then((m) => m.ReportPage),
  run: () => import("./pages/run.js").then((m) => m.RunPage),
  group: () => import("./pages/group.js").then((m) => m.GroupPage),
  sweeps: () => import("./pages/sweeps.js").then((m) => m.SweepsPage),
  sweep: () => import("./pages/sweep.js").then((m) => m.SweepPage),
  artifacts: () => import("./pages/artifacts.js").then((m) => m.ArtifactsPage),
  artifact: () => import("./pages/artifact.js").then((m) => m.ArtifactPage),
};

// [page, props] for an address, or null.
function route(pathname) {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return ["projects", {}];
  if (parts[0] !== "projects") return null;
  const project = parts[1];
  if (parts.length === 2) return ["project", { project }];
  if (parts.length === 3 && parts[2] === "compare") return ["compare", { project }];
  if (parts.length === 3 && parts[2] === "reports") return ["reports", { project }];
  if (parts.length === 4 && parts[2] === "reports") return ["report", { project, reportId: parts[3] }];
  if (parts.length === 4 && parts[2] === "runs") return ["run", { project, runId: parts[3] }];
  if (parts.length === 4 && parts[2] === "groups") return ["group", { project, group: parts[3] }];
  if (parts.length === 3 && parts[2] === "sweeps") return ["sweeps", { project }];
  if (parts.length === 4 && parts[2] === "sweeps") return ["sweep", { project, sweepId: parts[3] }];
  if (parts.length === 3 && parts[2] === "artifacts") return ["artifacts", { project }];
  if (parts.length === 4 && parts[2] === "artifacts") return ["artifact", { project, name: parts[3] }];
  return null;
}

function NotFound({ path }) {
  return html`<main><h1>Not found</h1><p>No page at ${path}. <a href="/">All projects</a></p></main>`;
}

const root = document.getElementById("app");
const found = route(window.location.pathname);
const page = found ? PAGES[found[0]]() : Promise.resolve(null);
page.then((Page) => {
  root.textContent = ""; // the static "Loading…" placeholder is not Preact's to diff
  render(Page ? html`<${Page} ...${found[1]} />` : html`<${NotFound} path=${window.location.pathname} />`, root);
});
