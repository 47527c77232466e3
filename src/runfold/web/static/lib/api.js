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

export async function getJSON(path, params) {
  const response = await fetch(`/api/v1${path}${query(params)}`, {
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
