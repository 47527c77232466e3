// The charts of a page, following the runs table's view (kept in the URL): its
// grouping, the runs its filter leaves, and the runs and groups hidden with the eye
// toggle; each group is drawn in the same colour as its row.
import { colorFor } from "../lib/colors.js";
import { readView } from "../lib/url.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { ChartsSection } from "./charts.js";
import { useChartStyle } from "./chartstyle.js";

export function LinkedCharts({ project, filters, defaultBy }) {
  const [view, setView] = useState(() => chartView(defaultBy));
  useEffect(() => {
    const follow = () => {
      const next = chartView(defaultBy);
      setView((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    };
    window.addEventListener("runfold:view", follow);
    return () => window.removeEventListener("runfold:view", follow);
  }, []);
  const combined = useMemo(() => chartFilters(filters, view.hiddenRuns), [
    JSON.stringify(filters || null), view.hiddenRuns.join("\n"),
  ]);
  // group keys (JSON arrays) hidden from the charts; runs leave through the filters
  const hidden = useMemo(() => view.hide.filter((k) => k.startsWith("[")), [view.hide.join("\n")]);
  // facet and dash (in the address, like the table's view); the table colours its rows by them too
  const [style, setStyle] = useChartStyle(view.by, { prune: true });
  return html`
    <section class="charts-slot" data-testid="charts-slot">
      <${ChartsSection} project=${project} by=${view.by} filters=${combined} hidden=${hidden}
        colorOf=${colorFor} style=${style} onStyle=${setStyle} />
    </section>`;
}

// A hidden run ({"run": id} in the address) leaves the charts: with grouping on it also leaves its
// group's aggregate, so the line and band are those of the runs still shown.
function chartView(defaultBy) {
  const view = readView();
  const hiddenRuns = [];
  for (const key of view.hide) {
    try {
      const parsed = JSON.parse(key);
      if (parsed && !Array.isArray(parsed) && typeof parsed.run === "string") hiddenRuns.push(parsed.run);
    } catch { /* a hand-edited address: ignore the entry */ }
  }
  return { by: view.by === null ? defaultBy : view.by, hide: view.hide, hiddenRuns };
}

function chartFilters(filters, hiddenRuns) {
  const base = filters && Object.keys(filters).length ? filters : null;
  if (!hiddenRuns.length) return base || undefined;
  const out = { id: { $nin: hiddenRuns } };
  return base ? { $and: [base, out] } : out;
}
