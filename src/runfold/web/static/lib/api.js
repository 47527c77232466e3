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

// Answers the page had a moment ago, by address (keepRecent): a view left and come
// back to (a filter typed, then cleared) is drawn again without asking. Only answers
// about finished runs are kept (one about running runs is followed by asking again),
// for RECENT_MS and up to RECENT_SIZE in all (the caller's measure, e.g. the numbers
// in a series answer): a page does not look for new runs while it is open either (a
// reload does).
const recent = new Map(); // path → {body, size, at}, oldest first
const RECENT_MS = 30000;
const RECENT_SIZE = 4e6;
let recentSize = 0;

export function keepRecent(path, body, size = 0) {
  if (size > RECENT_SIZE) return;
  forget(path);
  recent.set(path, { body, size, at: Date.now() });
  recentSize += size;
  while (recentSize > RECENT_SIZE) forget(recent.keys().next().value);
}

function forget(path) {
  const kept = recent.get(path);
  if (!kept) return;
  recent.delete(path);
  recentSize -= kept.size;
}

// The answer kept for `path`, or null.
export function recentJSON(path) {
  const kept = recent.get(path);
  if (!kept) return null;
  if (Date.now() - kept.at > RECENT_MS) {
    forget(path);
    return null;
  }
  return kept.body;
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
