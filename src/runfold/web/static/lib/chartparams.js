// One chart's settings as a URL parameter, so a link (or a reload) draws the same chart:
//   chart.<metric>=line:median;shading:std;x:_runtime;smooth:0.6;log:1;max:5;zoom:100..250
//   chart.<metric>=ymin:0;ymax:2.5;outliers:ignore
// Only settings that differ from the defaults are written; a chart at its defaults has
// no parameter. ymin and ymax fix an end of the y axis (absent: auto); outliers:ignore
// scales the y axis to the plotted values' 5th-95th percentile (lib/yrange.js). x is
// percent-encoded (a metric key may hold ';' or ':'). zoom is the x range "low..high"
// (steps, seconds or the x metric's values). Parts that do not parse
// are ignored: a hand-edited link falls back to the defaults, never to an error.
import { LINES, SHADINGS } from "./bands.js";
import { readBound } from "./yrange.js";

export const PARAM_PREFIX = "chart.";
export const paramName = (metric) => `${PARAM_PREFIX}${metric}`;

const FIELDS = {
  line: { key: "line", write: (v) => v, read: (t) => (LINES.includes(t) ? t : undefined) },
  shading: { key: "shading", write: (v) => v, read: (t) => (SHADINGS.includes(t) ? t : undefined) },
  x: { key: "x", write: (v) => encodeURIComponent(v), read: (t) => safeDecode(t) || undefined },
  smoothing: { key: "smooth", write: String, read: (t) => inRange(Number(t), 0, 0.99) },
  log: { key: "log", write: (v) => (v ? "1" : "0"), read: (t) => (t === "1" ? true : t === "0" ? false : undefined) },
  max: { key: "max", write: String, read: (t) => positiveInt(t) },
  ymin: { key: "ymin", write: String, read: (t) => readBound(t) ?? undefined },
  ymax: { key: "ymax", write: String, read: (t) => readBound(t) ?? undefined },
  ignoreOutliers: {
    key: "outliers", none: false, write: (v) => (v ? "ignore" : "show"),
    read: (t) => (t === "ignore" ? true : t === "show" ? false : undefined),
  },
};
const BY_KEY = Object.fromEntries(Object.entries(FIELDS).map(([name, f]) => [f.key, name]));

function safeDecode(text) {
  try { return decodeURIComponent(text); } catch { return undefined; }
}
function inRange(v, lo, hi) {
  return Number.isFinite(v) && v >= lo && v <= hi ? v : undefined;
}
function positiveInt(text) {
  const v = Number(text);
  return Number.isInteger(v) && v >= 1 && v <= 500 ? v : undefined;
}

// "line:median;zoom:1..2" → {settings: {line: "median"}, zoom: [1, 2]} (settings holds
// only what the text sets; zoom is null when absent or unreadable).
export function parseChartParam(text) {
  const settings = {};
  let zoom = null;
  for (const part of (text || "").split(";")) {
    const at = part.indexOf(":");
    if (at < 0) continue;
    const key = part.slice(0, at);
    const value = part.slice(at + 1);
    if (key === "zoom") zoom = parseZoom(value);
    else if (BY_KEY[key]) {
      const name = BY_KEY[key];
      const v = FIELDS[name].read(value);
      if (v !== undefined) settings[name] = v;
    }
  }
  return { settings, zoom };
}

function parseZoom(text) {
  const parts = text.split("..");
  if (parts.length !== 2 || parts.some((p) => p.trim() === "")) return null;
  const [lo, hi] = parts.map(Number);
  return Number.isFinite(lo) && Number.isFinite(hi) && lo < hi ? [lo, hi] : null;
}

// The parameter's text for settings and zoom, or "" when both are the defaults (a
// setting that is null, an auto y bound, is not written either).
export function formatChartParam(settings, zoom, defaults) {
  const parts = [];
  for (const [name, f] of Object.entries(FIELDS)) {
    const v = settings[name];
    if (v !== undefined && v !== null && v !== (defaults[name] ?? f.none ?? null)) {
      parts.push(`${f.key}:${f.write(v)}`);
    }
  }
  if (zoom) parts.push(`zoom:${zoom[0]}..${zoom[1]}`);
  return parts.join(";");
}

// A chart's settings and zoom from the address's parameters (URLSearchParams).
export function chartFromParams(params, metric, defaults) {
  const { settings, zoom } = parseChartParam(params.get(paramName(metric)));
  return { settings: { ...defaults, ...settings }, zoom };
}

// Write (or, at the defaults, remove) a chart's parameter in URLSearchParams.
export function setChartParam(params, metric, settings, zoom, defaults) {
  const text = formatChartParam(settings, zoom, defaults);
  if (text) params.set(paramName(metric), text);
  else params.delete(paramName(metric));
}
