// Runfold's web UI: a small router over the pages.
import { html, render } from "./lib/ui.js";
import { ProjectsPage } from "./pages/projects.js";

function route(pathname) {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return html`<${ProjectsPage} />`;
  return html`<${NotFound} path=${pathname} />`;
}

function NotFound({ path }) {
  return html`<main><h1>Not found</h1><p>No page at ${path}. <a href="/">All projects</a></p></main>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the static "Loading…" placeholder is not Preact's to diff
render(route(window.location.pathname), root);
