// The workspace's run comparer: the runs the view shows side by side (or, grouped, one
// column per group: the config its runs share and each summary metric's mean ± std),
// a row per config value and summary metric; rows whose values differ are highlighted,
// and "Only differences" (settings.only, on at first) keeps just those. The rows are
// lib/diff.js's, as on the compare page.
import { configRows, flatten, groupSummary, isNumber, MISSING, MIXED, runSummary, same, sharedConfig,
  summaryRows } from "../lib/diff.js";
import { fmtNum } from "../lib/series.js";
import { html, useEffect, useMemo } from "../lib/ui.js";

// What each panel shows, for tests: window.__runfoldPanels[panel id].
const debug = (window.__runfoldPanels = window.__runfoldPanels || {});

export const MAX_COLUMNS = 20; // columns shown at first; "Show all" raises it

// A group's config per dotted path: shared by the runs the page has (MIXED where they
// differ), or the server's shared config when some of its runs are not loaded.
function groupConfig(group, byId) {
  const members = group.runs.map((id) => byId.get(id)).filter(Boolean);
  if (members.length && members.length === group.count) return sharedConfig(members.map((r) => flatten(r.config)));
  const out = {};
  for (const [key, value] of Object.entries(group.config || {})) {
    if (value === "mixed") out[key] = MIXED;
    else Object.assign(out, flatten({ [key]: value }));
  }
  return out;
}

const withoutPrivate = (summary) => Object.fromEntries(Object.entries(summary).filter(([k]) => !k.startsWith("_")));

// The columns: one per group (per "group") or per run, each with its key (as the
// panels' colours know it), label, flattened config and summary cells.
export function comparerColumns(data, per) {
  if (per === "group") {
    const byId = new Map(data.runs.map((r) => [r.id, r]));
    return data.groups.map((g) => ({
      key: JSON.stringify(g.key), label: g.label || g.name, n: g.count, colorIndex: g.colorIndex,
      config: groupConfig(g, byId), summary: withoutPrivate(groupSummary(g.summary)),
    }));
  }
  return data.runs.map((r) => ({
    key: r.id, label: r.name, n: 1, colorIndex: r.colorIndex,
    config: flatten(r.config), summary: withoutPrivate(runSummary(r.summary)),
  }));
}

// Summary rows with `differs`: a column lacks the metric, or two values are not equal
// (up to float noise).
function withDiffers(rows) {
  return rows.map((r) => {
    const values = r.cells.map((c) => (c && isNumber(c.value) ? c.value : null));
    const present = values.filter((v) => v !== null);
    const differs = present.length !== values.length || present.some((v) => !same(v, present[0]));
    return { ...r, differs };
  });
}

function configText(value) {
  if (value === MIXED) return html`<span class="mixed">mixed</span>`;
  if (value === MISSING) return html`<span class="muted" title="not set">–</span>`;
  if (value === null) return html`<span class="muted">null</span>`;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function ComparerPanel({ panel, data, per, setting }) {
  const s = panel.settings || {};
  const only = s.only !== false;
  const max = s.max || MAX_COLUMNS;
  const all = useMemo(() => comparerColumns(data, per), [data, per]);
  const columns = all.slice(0, max);
  const config = useMemo(() => configRows(columns), [all, max]);
  const summary = useMemo(() => withDiffers(summaryRows(columns)), [all, max]);
  const differing = config.filter((r) => r.differs).length + summary.filter((r) => r.differs).length;
  const total = config.length + summary.length;
  const shownConfig = only ? config.filter((r) => r.differs) : config;
  const shownSummary = only ? summary.filter((r) => r.differs) : summary;
  useEffect(() => {
    debug[panel.id] = {
      type: "comparer", per, only, total: all.length,
      columns: columns.map((c) => ({ key: c.key, label: c.label, n: c.n })),
      config: shownConfig.map((r) => ({ key: r.key, values: r.values.map((v) => (v === MIXED ? "(mixed)"
        : v === MISSING ? "(missing)" : v)), differs: r.differs })),
      summary: shownSummary.map((r) => ({ key: r.key, differs: r.differs,
        cells: r.cells.map((c) => (c ? { value: c.value, std: c.std, n: c.n } : null)) })),
    };
  });
  if (!all.length) return html`<p class="muted">No ${per === "group" ? "groups" : "runs"} shown.</p>`;
  const span = columns.length + 1;
  return html`
    <div class="ws-comparer" data-testid="comparer">
      <div class="ws-comparer-bar">
        <label><input type="checkbox" data-testid="comparer-only" checked=${only}
          onChange=${(e) => setting("only", e.currentTarget.checked)} /> Only differences</label>
        <span class="muted" data-testid="comparer-count">${differing} of ${total} ${
          total === 1 ? "row differs" : "rows differ"}</span>
        ${all.length > columns.length ? html`<span class="note" data-testid="comparer-capped">Showing ${columns.length}
          of ${all.length} ${per === "group" ? "groups" : "runs"}.${" "}
          <button class="rf-link" onClick=${() => setting("max", all.length)}>Show all</button></span>` : null}
      </div>
      <div class="table-wrap ws-comparer-wrap"><table class="grid cmp-table" data-testid="comparer-table">
        <thead><tr><th></th>${columns.map((c) => html`<th data-key=${c.key} title=${c.label}>
          <span class="swatch" style=${{ background: data.colorOf(c) }}></span>${c.label}${
          per === "group" ? html` <span class="muted">n=${c.n}</span>` : null}</th>`)}</tr></thead>
        <tbody>
          <tr class="ws-comparer-part"><th colspan=${span}>Config</th></tr>
          ${!shownConfig.length ? html`<tr><td colspan=${span} class="muted">${config.length
            ? "The config is the same in every column." : "No config logged."}</td></tr>` : null}
          ${shownConfig.map((r) => html`<tr data-part="config" data-key=${r.key} class=${r.differs ? "differs" : ""}>
            <th class="key" scope="row">${r.key}</th>${r.values.map((v) => html`<td>${configText(v)}</td>`)}</tr>`)}
          <tr class="ws-comparer-part"><th colspan=${span}>Summary${per === "group" ? " (mean ± std)" : ""}</th></tr>
          ${!shownSummary.length ? html`<tr><td colspan=${span} class="muted">${summary.length
            ? "The summary is the same in every column." : "No numeric summary."}</td></tr>` : null}
          ${shownSummary.map((r) => html`<tr data-part="summary" data-key=${r.key} class=${r.differs ? "differs" : ""}>
            <th class="key" scope="row">${r.key}</th>${r.cells.map((c) => (!c ? html`<td class="num muted">–</td>`
              : html`<td class="num" data-value=${String(c.value)}>${fmtNum(c.value)}${per === "group" && c.std !== null
                ? html` <span class="muted">± ${fmtNum(c.std)}</span>` : null}</td>`))}</tr>`)}
        </tbody>
      </table></div>
    </div>`;
}
