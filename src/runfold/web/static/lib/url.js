// View state in the query string: a link (or a reload) reproduces the view.
// The runs table owns:
//   by=group&by=job_type   grouping keys in order; nogroup=1 when cleared
//   q=text                 the text filter (words, or expressions like config.lr>0.01)
//   sort=-summary.loss     sort column, '-' for descending
//   open=<key json>        expanded groups (repeat)
//   agg.<column>=std       per summary column aggregate (mean is the default)
//   hide=<key json>        a group's key or [run id] hidden from the charts (repeat)
//   cols=<id>              the picked columns (repeat); absent: the defaults
// Other parts of the page keep their own parameters (e.g. chart settings) through
// updateParams; each writer leaves the others' parameters alone. The charts own:
//   facet=config.dataset   one small chart per value of this grouping key
//   dash=config.seed       each value of this grouping key drawn with its own dash

const TABLE_KEYS = new Set(["by", "nogroup", "q", "sort", "open", "hide", "cols", "nocols"]);
const isTableKey = (key) => TABLE_KEYS.has(key) || key.startsWith("agg.");

// The query string as the page sees it. Writing it into the browser's history lays
// the page out first (Chrome keeps the scroll position with the entry): 30 ms with a
// 50-row table, which would hold back the requests of a regrouped view. So the
// history gets it in the next task, once per burst of changes, while every reader
// here sees the new view at once.
let pending = null;
const currentSearch = () => pending ?? window.location.search;

function flushSearch() {
  if (pending === null) return;
  const url = `${window.location.pathname}${pending}${window.location.hash}`;
  pending = null;
  window.history.replaceState(window.history.state, "", url);
}

window.addEventListener("pagehide", flushSearch); // leaving at once still keeps it

export function readView(search = currentSearch()) {
  const p = new URLSearchParams(search);
  const agg = {};
  for (const [key, value] of p.entries()) {
    if (key.startsWith("agg.")) agg[key.slice(4)] = value;
  }
  return {
    by: p.has("nogroup") ? [] : p.getAll("by").length ? p.getAll("by") : null, // null: default
    q: p.get("q") || "",
    sort: p.get("sort") || "",
    open: p.getAll("open"),
    hide: p.getAll("hide"),
    cols: p.has("nocols") ? [] : p.getAll("cols").length ? p.getAll("cols") : null, // null: default
    agg,
  };
}

export function viewSearch(view, base = "") {
  const p = new URLSearchParams(base);
  for (const key of [...p.keys()]) if (isTableKey(key)) p.delete(key);
  if (view.by && view.by.length === 0) p.set("nogroup", "1");
  for (const key of view.by || []) p.append("by", key);
  if (view.q) p.set("q", view.q);
  if (view.sort) p.set("sort", view.sort);
  for (const key of view.open || []) p.append("open", key);
  for (const key of view.hide || []) p.append("hide", key);
  if (view.cols && view.cols.length === 0) p.set("nocols", "1");
  for (const key of view.cols || []) p.append("cols", key);
  for (const [col, how] of Object.entries(view.agg || {})) {
    if (how && how !== "mean") p.set(`agg.${col}`, how);
  }
  const text = p.toString();
  return text ? `?${text}` : "";
}

function replaceSearch(search) {
  if (search === currentSearch()) return;
  if (pending === null) setTimeout(flushSearch, 0);
  pending = search;
  window.dispatchEvent(new Event("runfold:view")); // other parts follow the view
}

export function writeView(view) {
  replaceSearch(viewSearch(view, currentSearch()));
}

// Read and change parameters the runs table does not own: `mutate` gets the
// URLSearchParams of the current address and edits it in place.
export function readParams() {
  return new URLSearchParams(currentSearch());
}

export function updateParams(mutate) {
  const p = new URLSearchParams(currentSearch());
  mutate(p);
  const text = p.toString();
  replaceSearch(text ? `?${text}` : "");
}

// The charts' facet and dash keys ({facet, dash}, each a key or null) in the address;
// whether they are grouping keys now is lib/facets.js effectiveStyle's call.
const STYLE_KEYS = ["facet", "dash"];

export function readChartStyle(p = readParams()) {
  return { facet: p.get("facet") || null, dash: p.get("dash") || null };
}

export function writeChartStyle(p, style) {
  for (const key of STYLE_KEYS) {
    if (style[key]) p.set(key, style[key]);
    else p.delete(key);
  }
}
