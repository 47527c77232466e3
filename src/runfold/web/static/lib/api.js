// The JSON API under /api/v1. Errors carry the server's own message.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// Requests sent ahead of the component that reads them (askEarly), by address: the
// first getJSON of that address takes the answer (once), instead of asking again.
const early = new Map();
const EARLY_KEPT_MS = 2000; // an answer nobody took is dropped this long after it came

// Send GET path?params now: e.g. a section asks for its series before its 24 panels
// render (~50 ms sooner), and the panels' own fetch takes that answer.
export function askEarly(path, params) {
  const url = `${path}${query(params)}`;
  if (early.has(url)) return;
  const answer = fetchJSON(url);
  answer.catch(() => {}); // its reader sees the error
  early.set(url, answer);
  const drop = () => setTimeout(() => { if (early.get(url) === answer) early.delete(url); }, EARLY_KEPT_MS);
  answer.then(drop, drop);
}

export function getJSON(path, params) {
  const url = `${path}${query(params)}`;
  const asked = early.get(url);
  if (asked) {
    early.delete(url);
    return asked;
  }
  return fetchJSON(url);
}

async function fetchJSON(url) {
  const response = await fetch(`/api/v1${url}`, {
    headers: { accept: "application/json" },
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error || response.statusText);
  return body;
}

export const enc = encodeURIComponent;

// The team server's double-submit token: a write with the session cookie sends the
// runfold_csrf cookie back in a header (a keyless local server ignores it).
function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return "";
}

export async function sendJSON(method, path, body) {
  const headers = { accept: "application/json", "content-type": "application/json" };
  const csrf = cookie("runfold_csrf");
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(`/api/v1${path}`, {
    method, headers, credentials: "same-origin", body: JSON.stringify(body),
  });
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, reply.error || response.statusText);
  return reply;
}
