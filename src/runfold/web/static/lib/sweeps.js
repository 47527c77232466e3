// The sweep pages' client-side pieces (pure; no DOM): the state buttons a sweep
// offers, relative times, the definition as YAML, the numbers the progress chart
// draws, the runs table's order and groups, the link to a sweep run's k-fold runs
// and the importance table's rows.
import { rampColor } from "./heatmap.js";
import { compare } from "./runvalues.js";

// The runs table's default grouping: every config value that varies but the seed
// (the server's grouping key, as the workspace's "config.* except seed" button).
export const EXCEPT_SEED = "config.* except seed";

// An agent not heard from for this long may have died (the agent's own default,
// RUNFOLD_SWEEP_LOST_AFTER, after which its run is handed out again).
export const LOST_AFTER_S = 60;

// What each state button asks the server for.
const ACTIONS = {
  pause: { label: "Pause", state: "paused", title: "Agents finish their run and wait" },
  resume: { label: "Resume", state: "running", title: "Agents take new runs again" },
  stop: { label: "Stop", state: "finished", title: "No new runs; running runs finish" },
  cancel: { label: "Cancel", state: "canceled", title: "No new runs; running runs are ended", danger: true },
};

// The buttons a sweep in `state` offers, in order.
export function stateActions(state) {
  if (state === "running") return [ACTIONS.pause, ACTIONS.stop, ACTIONS.cancel];
  if (state === "paused") return [ACTIONS.resume, ACTIONS.stop, ACTIONS.cancel];
  return [];
}

// "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" (times in seconds).
export function ago(ts, now) {
  if (ts === null || ts === undefined) return "";
  const s = Math.max(0, Math.round(now - ts));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// Whether a running agent has been silent long enough to be lost.
export function agentSilent(agent, now, lostAfter = LOST_AFTER_S) {
  return agent.state === "running" && now - agent.seen_at > lostAfter;
}

// Agents of a list: how many, and how many are running.
export function agentCounts(agents) {
  const list = agents || [];
  return { total: list.length, running: list.filter((a) => a.state === "running").length };
}

// ---- the definition as YAML -------------------------------------------------

const PLAIN = /^[A-Za-z_./][\w./ -]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~)$/i;

function scalar(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") {
    const plain = PLAIN.test(value) && !RESERVED.test(value) && value.trim() === value;
    return plain ? value : JSON.stringify(value);
  }
  return typeof value === "number" && !Number.isFinite(value) ? JSON.stringify(String(value)) : String(value);
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isFlat = (list) => list.every((v) => !v || typeof v !== "object");
const keyText = (k) => scalar(k);

function lines(value, indent) {
  const pad = " ".repeat(indent);
  const out = [];
  for (const [k, v] of Object.entries(value)) {
    if (isObject(v) && Object.keys(v).length) {
      out.push(`${pad}${keyText(k)}:`, ...lines(v, indent + 2));
    } else if (Array.isArray(v) && v.length && !isFlat(v)) {
      out.push(`${pad}${keyText(k)}:`, ...items(v, indent + 2));
    } else {
      out.push(`${pad}${keyText(k)}: ${inline(v)}`);
    }
  }
  return out;
}

function items(list, indent) {
  const pad = " ".repeat(indent);
  return list.flatMap((v) => {
    if (isObject(v) && Object.keys(v).length) {
      const [first, ...rest] = lines(v, indent + 2);
      return [`${pad}- ${first.trimStart()}`, ...rest];
    }
    return [`${pad}- ${inline(v)}`];
  });
}

function inline(v) {
  if (Array.isArray(v)) return `[${v.map(inline).join(", ")}]`;
  if (isObject(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${keyText(k)}: ${inline(x)}`);
    return `{${parts.join(", ")}}`;
  }
  return scalar(v);
}

// A sweep definition (any JSON value) as YAML text that reads back to the same value.
export function toYaml(value) {
  if (isObject(value) && Object.keys(value).length) return `${lines(value, 0).join("\n")}\n`;
  if (Array.isArray(value) && value.length && !isFlat(value)) return `${items(value, 0).join("\n")}\n`;
  return `${inline(value)}\n`;
}

// ---- numbers the page draws ---------------------------------------------------

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

// The progress chart's columns from the sweep's runs (in index order): x the run
// index, the metric value and the best value so far, as the server computed them
// (null where a run has none yet).
export function progressData(runs) {
  const sorted = [...(runs || [])].sort((a, b) => a.index - b.index);
  return {
    x: sorted.map((r) => r.index),
    value: sorted.map((r) => (isNum(r.value) ? r.value : null)),
    best: sorted.map((r) => (isNum(r.best_so_far) ? r.best_so_far : null)),
  };
}

// The best value among the runs for the goal, with its run; null when none has one.
export function bestRun(runs, goal) {
  let best = null;
  for (const r of runs || []) {
    if (!isNum(r.value)) continue;
    if (!best || (goal === "maximize" ? r.value > best.value : r.value < best.value)) best = r;
  }
  return best;
}

// A function of a value giving t in [0, 1], 1 the best of the runs' values for the
// goal (for the parallel coordinates' colours); null for no value.
export function goodnessScale(runs, goal) {
  const values = (runs || []).map((r) => r.value).filter(isNum);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return (value) => {
    if (!isNum(value)) return null;
    if (hi === lo) return 1;
    const t = (value - lo) / (hi - lo);
    return goal === "maximize" ? t : 1 - t;
  };
}

// A run's line colour for its goodness t (1 the best) on the viridis ramp, the best
// runs the most visible: darkest on a light page, brightest on a dark one; null
// without a value.
export function goodnessColor(t, dark = false) {
  if (t === null || t === undefined) return null;
  const at = dark ? 0.15 + 0.85 * t : 0.9 * (1 - t);
  return `rgb(${rampColor(at).join(",")})`;
}

// Whether a CSS colour ("#111318", "#fff") is dark: the page's theme.
export function isDark(color) {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((color || "").trim());
  if (!hex) return false;
  const h = hex[1].length === 3 ? hex[1].split("").map((c) => c + c).join("") : hex[1];
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

// The parameter names of the sweep's runs: the server's list first (its order),
// then any other a run was given.
export function paramNames(sweep) {
  const names = (sweep.parameters || []).map((p) => p.name);
  const seen = new Set(names);
  for (const r of sweep.runs || []) {
    for (const k of Object.keys(r.params || {})) if (!seen.has(k)) { seen.add(k); names.push(k); }
  }
  return names;
}

// The importance table's rows: highest importance first (none last), each with its
// bar: importance as a share of the largest, correlation as a signed share of 1.
export function importanceRows(parameters) {
  const rows = (parameters || []).map((p) => ({
    name: p.name,
    importance: isNum(p.importance) ? p.importance : null,
    correlation: isNum(p.correlation) ? p.correlation : null,
  }));
  rows.sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1) || a.name.localeCompare(b.name));
  const top = Math.max(0, ...rows.map((r) => r.importance ?? 0));
  return rows.map((r) => ({
    ...r,
    importanceBar: r.importance === null || top === 0 ? 0 : r.importance / top,
    correlationBar: r.correlation === null ? 0 : Math.max(-1, Math.min(1, r.correlation)),
  }));
}

// ---- the runs table ------------------------------------------------------------

// A sweep run's value in a column: index, name, state, proposal, value, param.<name>.
export function sweepRunValue(run, col) {
  if (col.startsWith("param.")) return (run.params || {})[col.slice(6)];
  if (col === "proposal") return run.proposal_state;
  return run[col];
}

// The runs in the order of `sort` ("value", "-index", "param.lr"; "" is by index),
// missing values last, ties by index.
export function sortSweepRuns(runs, sort) {
  const desc = (sort || "").startsWith("-");
  const col = (desc ? sort.slice(1) : sort) || "index";
  return [...(runs || [])].sort((a, b) =>
    compare(sweepRunValue(a, col), sweepRunValue(b, col), desc) || a.index - b.index);
}

// The server's group rows (each with its run ids) over the sorted runs: each group
// with its member runs in that order, the groups in the order of their first member
// (sorted by value, the group holding the best run comes first), and the runs in no
// group (a run not yet started has no row to group) after them.
export function joinGroups(groups, sortedRuns) {
  const position = new Map(sortedRuns.map((r, i) => [r.run_id, i]));
  const joined = (groups || []).map((g) => {
    const ids = new Set(g.runs);
    const members = sortedRuns.filter((r) => r.run_id && ids.has(r.run_id));
    const first = Math.min(Infinity, ...g.runs.map((id) => position.get(id) ?? Infinity));
    return { group: g, members, first };
  });
  joined.sort((a, b) => a.first - b.first);
  const placed = new Set(joined.flatMap((j) => j.members));
  return { groups: joined.map(({ group, members }) => ({ group, members })),
    rest: sortedRuns.filter((r) => !placed.has(r)) };
}

// ---- links ----------------------------------------------------------------------

// A sweep run's k-fold runs: the group named by the sweep id, filtered to the job
// type named by the run (and that job type's row open).
export function foldsHref(project, sweepId, runName) {
  const p = new URLSearchParams();
  if (!runName.includes('"')) p.set("q", `job_type="${runName}"`);
  p.append("open", JSON.stringify([runName]));
  return `/projects/${encodeURIComponent(project)}/groups/${encodeURIComponent(sweepId)}?${p}`;
}
