// Custom charts (runfold.plot.*: {"_type": "chart", "chart": kind, "fields": {role:
// column}, "table": table REF}) as what is drawn: lines or points per series, bars,
// a histogram, or a confusion matrix's counts. Pure: the table's file comes in as
// {columns, data}. W&B's field names are read too (line_series: step/lineKey/lineVal).

const LINES = new Set(["line", "line_series", "pr_curve", "roc_curve"]);
// Default columns of the curves when their fields do not name them.
const AXES = {
  pr_curve: ["recall", "precision"],
  roc_curve: ["fpr", "tpr"],
  line_series: ["step", "lineVal"],
};
const SERIES_COLUMNS = ["class", "key", "lineKey"];

export class ChartSpecError extends Error {}

function column(columns, name, role) {
  const i = columns.indexOf(name);
  if (i < 0) {
    throw new ChartSpecError(`The chart's ${role} column ${JSON.stringify(name)} is not in its table `
      + `(columns: ${columns.join(", ")}).`);
  }
  return i;
}

const num = (v) => (typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : v === null ? NaN : Number(v));

// The column that splits a chart's rows into series: a field (class, lineKey, key,
// stroke) naming one, else a column called class or key; -1 for one series.
function seriesColumn(columns, fields) {
  for (const role of ["class", "lineKey", "key", "stroke", "series"]) {
    if (typeof fields[role] === "string" && columns.includes(fields[role])) return columns.indexOf(fields[role]);
  }
  for (const name of SERIES_COLUMNS) if (columns.includes(name)) return columns.indexOf(name);
  return -1;
}

// Rows split by series, in order of first appearance: [{name, x: [], y: []}].
function splitSeries(data, xi, yi, si, fallbackName) {
  const byName = new Map();
  for (const row of data) {
    const x = num(row[xi]);
    const y = num(row[yi]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const name = si < 0 ? fallbackName : String(row[si]);
    if (!byName.has(name)) byName.set(name, { name, x: [], y: [] });
    const s = byName.get(name);
    s.x.push(x);
    s.y.push(y);
  }
  return [...byName.values()];
}

function xyChart(kind, spec, doc) {
  const fields = spec.fields || {};
  const [dx, dy] = AXES[kind] || ["x", "y"];
  const xName = fields.x ?? fields.step ?? dx;
  const yName = fields.y ?? fields.lineVal ?? dy;
  const xi = column(doc.columns, xName, "x");
  const yi = column(doc.columns, yName, "y");
  const si = seriesColumn(doc.columns, fields);
  const series = splitSeries(doc.data, xi, yi, si, yName);
  const axes = spec.axes || {};
  return { type: kind === "scatter" ? "points" : "lines", xLabel: axes.x || xName, yLabel: axes.y || yName, series };
}

function barChart(spec, doc) {
  const fields = spec.fields || {};
  const li = column(doc.columns, fields.label ?? "label", "label");
  const vi = column(doc.columns, fields.value ?? "value", "value");
  const labels = [];
  const values = [];
  for (const row of doc.data) {
    labels.push(row[li] === null || row[li] === undefined ? "" : String(row[li]));
    values.push(num(row[vi]));
  }
  return { type: "bars", labels, values, xLabel: doc.columns[li], yLabel: doc.columns[vi] };
}

// Equal-width bins over the finite values: {edges (n + 1), counts (n)}.
export function histogramBins(values, nbins = 0) {
  const xs = values.map(num).filter(Number.isFinite);
  if (!xs.length) return { edges: [], counts: [] };
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const n = nbins || Math.min(64, Math.max(1, Math.ceil(Math.sqrt(xs.length))));
  const width = (hi - lo) / n;
  const edges = Array.from({ length: n + 1 }, (_, i) => (i === n ? hi : lo + i * width));
  const counts = new Array(n).fill(0);
  for (const x of xs) counts[Math.min(n - 1, Math.floor((x - lo) / width))] += 1;
  return { edges, counts };
}

function histogramChart(spec, doc) {
  const fields = spec.fields || {};
  const vi = column(doc.columns, fields.value ?? "value", "value");
  return { type: "histogram", xLabel: doc.columns[vi], ...histogramBins(doc.data.map((r) => r[vi])) };
}

// A confusion matrix from rows (actual, predicted, count): the classes in order of
// first appearance (actual, then predicted), counts[actual][predicted] summed.
export function confusionMatrix(spec, doc) {
  const fields = spec.fields || {};
  const ai = column(doc.columns, fields.Actual ?? fields.actual ?? "Actual", "Actual");
  const pi = column(doc.columns, fields.Predicted ?? fields.predicted ?? "Predicted", "Predicted");
  const ni = column(doc.columns, fields.nPredictions ?? fields.count ?? "nPredictions", "nPredictions");
  const classes = [];
  const index = new Map();
  const add = (c) => { if (!index.has(c)) { index.set(c, classes.length); classes.push(c); } };
  for (const row of doc.data) add(String(row[ai]));
  for (const row of doc.data) add(String(row[pi]));
  const counts = classes.map(() => new Array(classes.length).fill(0));
  for (const row of doc.data) {
    const n = num(row[ni]);
    if (Number.isFinite(n)) counts[index.get(String(row[ai]))][index.get(String(row[pi]))] += n;
  }
  const max = counts.reduce((m, r) => Math.max(m, ...r), 0);
  return { type: "matrix", classes, counts, max, xLabel: "Predicted", yLabel: "Actual" };
}

// What a chart REF draws, from its table's file. {type: "table"} for a custom chart
// (and kinds this UI does not draw): the table is shown instead. Throws
// ChartSpecError when a field names a column the table lacks.
export function chartData(spec, doc) {
  const kind = spec.chart;
  if (LINES.has(kind) || kind === "scatter") return xyChart(kind, spec, doc);
  if (kind === "bar") return barChart(spec, doc);
  if (kind === "histogram") return histogramChart(spec, doc);
  if (kind === "confusion_matrix") return confusionMatrix(spec, doc);
  return { type: "table" };
}

// A cell's colour in a heat map of counts: white (0) to the accent's blue (max), and
// whether its number needs light text.
export function cellShade(count, max) {
  const t = max > 0 ? Math.max(0, Math.min(1, count / max)) : 0;
  const from = [247, 250, 255];
  const to = [29, 78, 216];
  const rgb = from.map((f, i) => Math.round(f + (to[i] - f) * t));
  return { rgb, light: t > 0.55 };
}
