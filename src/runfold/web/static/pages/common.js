// Pieces every page uses: the header, errors, dates and numbers.
import { html } from "../lib/ui.js";
import { enc } from "../lib/api.js";

export function Header({ project, group }) {
  return html`
    <header class="top">
      <a class="brand" href="/">Runfold</a>
      <span class="crumbs">
        ${project ? html`/ <a href=${`/projects/${enc(project)}`}>${project}</a>` : null}
        ${group ? html` / ${group}` : null}
      </span>
      <span class="spacer"></span>
      <button class="theme" onClick=${toggleTheme} title="Light or dark">◐</button>
    </header>`;
}

function toggleTheme() {
  const root = document.documentElement;
  const dark = root.dataset.theme
    ? root.dataset.theme === "dark"
    : window.matchMedia("(prefers-color-scheme: dark)").matches;
  root.dataset.theme = dark ? "light" : "dark";
  localStorage.setItem("runfold-theme", root.dataset.theme);
}

const saved = localStorage.getItem("runfold-theme");
if (saved) document.documentElement.dataset.theme = saved;

export function Failure({ error }) {
  return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
}

export function when(ts) {
  if (!ts) return "";
  const d = new Date(ts * 1000);
  return d.toISOString().slice(0, 16).replace("T", " ");
}

export function fmt(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
