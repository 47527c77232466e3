// The grouped media question (GET /api/v1/projects/{project}/media): a key, a step,
// the page's grouping and filters in the same parameters as the series
// (lib/seriesquery.js: by or ungrouped, filters, limit), and the view it follows.
import { enc, query } from "./api.js";

// The page's view as the media panels follow it: the grouping keys (the default when
// the address names none), the runs hidden with the eye toggle, and the group keys
// (JSON arrays) hidden from the charts. `view` is lib/url.js readView().
export function mediaView(view, defaultBy) {
  const hiddenRuns = [];
  const hiddenGroups = [];
  for (const key of view.hide || []) {
    if (key.startsWith("[")) { hiddenGroups.push(key); continue; }
    try {
      const parsed = JSON.parse(key);
      if (parsed && typeof parsed.run === "string") hiddenRuns.push(parsed.run);
    } catch { /* a hand-edited address: ignore the entry */ }
  }
  return { by: view.by === null || view.by === undefined ? defaultBy : view.by, hiddenRuns, hiddenGroups };
}

// The page's filters with the hidden runs left out (as the charts leave them out).
export function mediaFilters(filters, hiddenRuns) {
  const base = filters && Object.keys(filters).length ? filters : null;
  if (!hiddenRuns.length) return base;
  const out = { id: { $nin: hiddenRuns } };
  return base ? { $and: [base, out] } : out;
}

// The parameters of one panel's question. step null: each run's last value;
// limit: at most this many runs (the answer says how many match).
export function mediaParams({ by, filters }, key, step, limit) {
  const params = { key };
  if (step !== null && step !== undefined) params.step = step;
  if (by && by.length) params.by = by;
  else params.ungrouped = "true";
  if (filters && Object.keys(filters).length) params.filters = JSON.stringify(filters);
  if (limit) params.limit = limit;
  return params;
}

export const mediaPath = (project, params) => `/projects/${enc(project)}/media${query(params)}`;

// What a panel says about what it leaves out: runs past the limit (the answer's
// `shown` of `total`) and the groups (or, ungrouped, runs) hidden from the charts.
// "" when everything is shown.
export function leftOutNote(answer, hidden, grouped = true) {
  const parts = [];
  const total = answer.total ?? 0;
  const shown = answer.shown ?? total;
  if (total > shown) parts.push(`Showing ${shown} of ${total} runs.`);
  const unit = grouped ? "group" : "run";
  if (hidden) parts.push(`${hidden} hidden ${hidden === 1 ? unit : `${unit}s`} not shown.`);
  return parts.join(" ");
}
