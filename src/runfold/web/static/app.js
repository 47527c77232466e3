// Runfold's web UI: a small router over the pages.
import { html, render } from "./lib/ui.js";
import { ProjectsPage } from "./pages/projects.js";
import { ProjectPage } from "./pages/project.js";
import { GroupPage } from "./pages/group.js";
import { RunPage } from "./pages/run.js";
import { ComparePage } from "./pages/compare.js";
import { ReportPage } from "./pages/report.js";
import { ReportsPage } from "./pages/reports.js";

function route(pathname) {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return html`<${ProjectsPage} />`;
  if (parts[0] === "projects" && parts.length === 2) return html`<${ProjectPage} project=${parts[1]} />`;
  if (parts[0] === "projects" && parts.length === 3 && parts[2] === "compare") {
    return html`<${ComparePage} project=${parts[1]} />`;
  }
  if (parts[0] === "projects" && parts.length === 3 && parts[2] === "reports") {
    return html`<${ReportsPage} project=${parts[1]} />`;
  }
  if (parts[0] === "projects" && parts.length === 4 && parts[2] === "reports") {
    return html`<${ReportPage} project=${parts[1]} reportId=${parts[3]} />`;
  }
  if (parts[0] === "projects" && parts.length === 4 && parts[2] === "runs") {
    return html`<${RunPage} project=${parts[1]} runId=${parts[3]} />`;
  }
  if (parts[0] === "projects" && parts.length === 4 && parts[2] === "groups") {
    return html`<${GroupPage} project=${parts[1]} group=${parts[3]} />`;
  }
  return html`<${NotFound} path=${pathname} />`;
}

function NotFound({ path }) {
  return html`<main><h1>Not found</h1><p>No page at ${path}. <a href="/">All projects</a></p></main>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the static "Loading…" placeholder is not Preact's to diff
render(route(window.location.pathname), root);
