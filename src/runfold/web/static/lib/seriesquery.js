// A grouped-series question in the one shape the HTTP API takes (docs/api.md,
// GET /api/v1/projects/{project}/series; runfold.query.SeriesQuery.params() on the
// server side): metric (repeated), by or ungrouped, x, buckets, smoothing, x_min,
// x_max, limit, fields, filters. A request's address is also its key: two charts
// asking the same question share it, and any change of the question changes it.

import { enc, query } from "./api.js";

const isGrouped = (by) => by === undefined || (Array.isArray(by) ? by.length > 0 : !!by);

// The arrays a chart with these settings draws: its line, its band (a line of one run
// has none), n, and the bucket ranges for the tooltip. Other statistics are not sent.
export function seriesFields(settings, grouped) {
  const fields = new Set([settings.line, "count", "x_lo", "x_hi"]);
  if (grouped && settings.shading === "minmax") ["min", "max"].forEach((f) => fields.add(f));
  if (grouped && (settings.shading === "std" || settings.shading === "stderr")) {
    ["mean", settings.shading].forEach((f) => fields.add(f));
  }
  return [...fields].sort();
}

// The query parameters of a page of charts: ctx {by, filters}, the metrics, a chart's
// settings {x, smoothing, line, shading, max} and its zoom ([x_min, x_max] or null).
export function seriesParams({ by, filters }, metrics, settings, zoom) {
  const grouped = isGrouped(by);
  const params = { metric: metrics, x: settings.x, fields: seriesFields(settings, grouped) };
  if (grouped && by !== undefined) params.by = by;
  // one line per run: ask for the lines drawn only (the reply's total counts them all)
  if (!grouped) { params.ungrouped = "true"; params.limit = settings.max; }
  if (settings.smoothing > 0) params.smoothing = settings.smoothing;
  if (filters && (typeof filters === "string" ? filters : Object.keys(filters).length)) {
    params.filters = typeof filters === "string" ? filters : JSON.stringify(filters);
  }
  if (zoom) [params.x_min, params.x_max] = zoom;
  return params;
}

// The address of a question: what is fetched, and its key.
export const seriesPath = (project, params) => `/projects/${enc(project)}/series${query(params)}`;

// The key of an answer's kind, leaving out the parts named (e.g. which runs it covers):
// a chart keeps showing its last answer while the next loads only if their kinds match.
export function seriesKind(project, params, leaveOut) {
  const kept = Object.fromEntries(Object.entries(params).filter(([k]) => !leaveOut.includes(k)));
  return seriesPath(project, kept);
}

// Which runs an answer covers: leave these out for a kind that outlives a new view.
export const RUNS_PARAMS = ["by", "ungrouped", "limit", "filters"];

export { isGrouped };
