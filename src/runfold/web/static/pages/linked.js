// The charts of a page, following the runs table's grouping (kept in the URL) and
// drawing each group in the same colour as its row.
import { colorFor } from "../lib/colors.js";
import { readView } from "../lib/url.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { ChartsSection } from "./charts.js";

export function LinkedCharts({ project, filters, defaultBy }) {
  const [by, setBy] = useState(() => currentBy(defaultBy));
  useEffect(() => {
    const follow = () => {
      const next = currentBy(defaultBy);
      setBy((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    };
    window.addEventListener("runfold:view", follow);
    return () => window.removeEventListener("runfold:view", follow);
  }, []);
  const stableFilters = useMemo(() => filters, [JSON.stringify(filters || null)]);
  return html`
    <section class="charts-slot" data-testid="charts-slot">
      <${ChartsSection} project=${project} by=${by} filters=${stableFilters} colorOf=${colorFor} />
    </section>`;
}

function currentBy(defaultBy) {
  const view = readView();
  return view.by === null ? defaultBy : view.by;
}
