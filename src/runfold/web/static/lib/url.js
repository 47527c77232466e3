// View state in the query string: a link (or a reload) reproduces the view.
//   by=group&by=job_type   grouping keys in order; nogroup=1 when cleared
//   q=text                 the text filter
//   sort=-summary.loss     sort column, '-' for descending
//   open=<key json>        expanded groups (repeat)
//   agg.<column>=std       per summary column aggregate (mean is the default)

export function readView(search = window.location.search) {
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
    agg,
  };
}

export function viewSearch(view) {
  const p = new URLSearchParams();
  if (view.by && view.by.length === 0) p.set("nogroup", "1");
  for (const key of view.by || []) p.append("by", key);
  if (view.q) p.set("q", view.q);
  if (view.sort) p.set("sort", view.sort);
  for (const key of view.open || []) p.append("open", key);
  for (const [col, how] of Object.entries(view.agg || {})) {
    if (how && how !== "mean") p.set(`agg.${col}`, how);
  }
  const text = p.toString();
  return text ? `?${text}` : "";
}

export function writeView(view) {
  const search = viewSearch(view);
  if (search === window.location.search) return;
  const url = `${window.location.pathname}${search}${window.location.hash}`;
  window.history.replaceState(window.history.state, "", url);
  window.dispatchEvent(new Event("runfold:view")); // charts follow the table's view
}
