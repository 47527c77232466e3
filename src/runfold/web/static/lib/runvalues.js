// A run's values as the runs table shows, sorts and filters them (pure; no DOM).

export const RUN_FIELDS = ["name", "id", "state", "group", "job_type", "host", "tags", "notes",
  "created_at", "runtime"];

// Nested config → {"a.b": value}; lists stay whole values. An empty object is
// dropped, or kept as a value with keepEmpty (a diff shows that a key holds {}).
export function flatten(obj, { keepEmpty = false } = {}) {
  const out = {};
  const walk = (node, prefix) => {
    for (const [key, value] of Object.entries(node || {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      const nested = value && typeof value === "object" && !Array.isArray(value);
      if (nested && (!keepEmpty || Object.keys(value).length)) walk(value, path);
      else out[path] = value;
    }
  };
  walk(obj, "");
  return out;
}

// A config path into a nested object; keys may themselves hold dots.
export function lookup(obj, path) {
  if (obj === null || obj === undefined || typeof obj !== "object") return undefined;
  if (Object.prototype.hasOwnProperty.call(obj, path)) return obj[path];
  const parts = path.split(".");
  for (let i = parts.length - 1; i > 0; i--) {
    const head = parts.slice(0, i).join(".");
    if (Object.prototype.hasOwnProperty.call(obj, head)) {
      const inner = obj[head];
      if (inner === "mixed") return "mixed";
      if (inner && typeof inner === "object") return lookup(inner, parts.slice(i).join("."));
      return undefined;
    }
  }
  return undefined;
}

// Config values are shown exactly: no rounding that would merge or split values.
export function exact(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function runValue(run, col) {
  if (col.startsWith("config.")) return lookup(run.config, col.slice(7));
  if (col.startsWith("summary.")) return (run.summary || {})[col.slice(8)];
  return run[col];
}

// Missing values sort last in either direction.
export function compare(a, b, desc = false) {
  const am = a === undefined || a === null || a === "";
  const bm = b === undefined || b === null || b === "";
  if (am || bm) return am && bm ? 0 : am ? 1 : -1;
  const sign = desc ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return sign * (a - b);
  const text = (v) => String(typeof v === "object" ? JSON.stringify(v) : v);
  return sign * text(a).localeCompare(text(b), undefined, { numeric: true });
}

// The columns a set of runs offers: every config path (and those that vary) and every
// numeric summary key, `train/` and `eval/`-style keys first. Kept per list of runs
// (1,000 runs take ~100 ms): the workspace, its sidebar and its table ask of the same
// list. Read-only.
const columnsKept = new WeakMap();
export function columnsOf(runs) {
  let cols = columnsKept.get(runs);
  if (!cols) {
    cols = findColumns(runs);
    columnsKept.set(runs, cols);
  }
  return cols;
}

function findColumns(runs) {
  const configValues = new Map();
  const summaryKeys = new Set();
  for (const run of runs) {
    for (const [path, value] of Object.entries(flatten(run.config))) {
      if (value === null || value === undefined) continue;
      if (!configValues.has(path)) configValues.set(path, new Set());
      configValues.get(path).add(JSON.stringify(value));
    }
    for (const [key, value] of Object.entries(run.summary || {})) {
      if (typeof value === "number" && !key.startsWith("_")) summaryKeys.add(key);
    }
  }
  const configKeys = [...configValues.keys()].sort();
  const varying = configKeys.filter((k) => configValues.get(k).size > 1);
  const summary = [...summaryKeys].sort((a, b) => {
    const sa = a.includes("/") ? 0 : 1;
    const sb = b.includes("/") ? 0 : 1;
    return sa - sb || a.localeCompare(b);
  });
  return { configKeys, varying, summary };
}

// The default columns: the config keys that vary, then the summary keys that exist.
export function defaultColumns(cols, maxSummary = 12) {
  return [
    ...cols.varying.map((k) => `config.${k}`),
    ...cols.summary.slice(0, maxSummary).map((k) => `summary.${k}`),
  ];
}
