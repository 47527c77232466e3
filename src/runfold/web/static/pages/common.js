// Pieces every page uses: the header, errors, dates and numbers.
import { html, useEffect, useState } from "../lib/ui.js";
import { enc, getJSON, sendJSON } from "../lib/api.js";

export function Header({ project, group }) {
  return html`
    <header class="top">
      <a class="brand" href="/">Runfold</a>
      <span class="crumbs">
        ${project ? html`/ <a href=${`/projects/${enc(project)}`}>${project}</a>` : null}
        ${group ? html` / ${group}` : null}
      </span>
      <span class="spacer"></span>
      <${SessionBadge} />
      <button class="theme" onClick=${toggleTheme} title="Light or dark" aria-label="Light or dark theme">◐</button>
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
  if (error && error.status === 401) return html`<${LoginForm} reason=${error.message} />`;
  return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
}

// Team mode: who is logged in (nothing on a keyless server, where the question is
// answered with an error).
let sessionAsked = null;
function SessionBadge() {
  const [who, setWho] = useState(null);
  useEffect(() => {
    sessionAsked = sessionAsked || getJSON("/auth/session").then((s) => (s.user ? s : null), () => null);
    sessionAsked.then(setWho);
  }, []);
  if (!who) return null;
  const logout = () => sendJSON("POST", "/auth/logout", {}).finally(() => window.location.assign("/"));
  return html`<span class="session" data-testid="session">${who.user}
    <button class="rf-link" onClick=${logout}>Log out</button></span>`;
}

// A team server answers 401 until the user logs in with their name and an API key.
function LoginForm({ reason }) {
  const [user, setUser] = useState("");
  const [key, setKey] = useState("");
  const [error, setError] = useState(null);
  const submit = (e) => {
    e.preventDefault();
    sendJSON("POST", "/auth/login", { user, key })
      .then(() => window.location.reload(), (err) => setError(err.message));
  };
  return html`
    <form class="login" data-testid="login" onSubmit=${submit}>
      <h2>Log in to this Runfold server</h2>
      <p class="muted">${reason}</p>
      <label>User <input name="user" autocomplete="username" required value=${user}
        onInput=${(e) => setUser(e.currentTarget.value)} /></label>
      <label>API key <input name="key" type="password" autocomplete="current-password" required value=${key}
        onInput=${(e) => setKey(e.currentTarget.value)} /></label>
      <button type="submit">Log in</button>
      ${error ? html`<p class="error" role="alert" data-testid="login-error">${error}</p>` : null}
    </form>`;
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
