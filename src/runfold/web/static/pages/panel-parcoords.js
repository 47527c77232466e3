// The workspace's parallel-coordinates panel: an axis per chosen config value or
// summary metric (settings.axes, left to right), a line per run the view shows, in its
// group's colour (its own without grouping). The drawing is the compare page's
// (pages/compare-parcoords.js ParcoordsPlot), the axes' maths lib/parcoords.js.
import { axisCandidates } from "../lib/parcoords.js";
import { flatten, runValue } from "../lib/runvalues.js";
import { html, useMemo } from "../lib/ui.js";
import { HEIGHTS } from "../lib/workspace.js";
import { ParcoordsPlot } from "./compare-parcoords.js";

// What each panel plots, for tests: window.__runfoldPanels[panel id].
const debug = (window.__runfoldPanels = window.__runfoldPanels || {});

// An axis' title: the config path or the summary key, without its prefix.
export const axisLabel = (col) => col.replace(/^(config|summary)\./, "");

// The columns an axis can show: config values that are scalar in every run (lib/
// parcoords.js), then the numeric summary metrics.
export function axisChoices(data) {
  const configs = data.runs.map((r) => flatten(r.config));
  return [...axisCandidates(configs).map((k) => `config.${k}`), ...data.summaryKeys.map((k) => `summary.${k}`)];
}

// The drawer's fields: a checkbox per column, in the choices' order.
export function ParcoordsSettings({ panel, data, setting }) {
  const axes = (panel.settings || {}).axes || [];
  const choices = axisChoices(data);
  const known = new Set(choices);
  // axes of runs no longer shown stay chosen (and listed) until unticked
  const all = [...choices, ...axes.filter((a) => !known.has(a))];
  const toggle = (col, on) => setting("axes", on ? all.filter((c) => c === col || axes.includes(c))
    : axes.filter((c) => c !== col));
  return html`
    <fieldset class="ws-axes" data-testid="pc-axes">
      <legend>Axes</legend>
      ${all.map((c) => html`<label><input type="checkbox" data-testid="pc-axis" value=${c}
        checked=${axes.includes(c)} onChange=${(e) => toggle(c, e.currentTarget.checked)} />${c}</label>`)}
    </fieldset>`;
}

export function ParcoordsPanel({ panel, data }) {
  const axes = (panel.settings || {}).axes || [];
  const axesKey = axes.join("\n");
  const groupOf = useMemo(() => new Map(data.groups.flatMap((g) => g.runs.map((id) => [id, g.label || g.name]))),
    [data.groups]);
  const lines = useMemo(() => data.runs.map((r) => ({
    id: r.id, name: r.name, column: groupOf.get(r.id) ?? r.name,
    color: data.colorOf({ key: r.id, colorIndex: r.colorIndex }),
    values: Object.fromEntries(axes.map((a) => [a, runValue(r, a)])),
  })), [data.runs, groupOf, axesKey, data.colorOf]);
  const axisDefs = useMemo(() => axes.map((a) => ({ key: a, label: axisLabel(a), metric: a.startsWith("summary.") })),
    [axesKey]);
  const record = (drawn) => { debug[panel.id] = { type: "parcoords", axisKeys: axes, ...drawn }; };
  if (!data.runs.length) return html`<p class="muted">No runs shown.</p>`;
  return html`<div class="ws-parcoords" data-testid="panel-parcoords">
    <${ParcoordsPlot} lines=${lines} axes=${axisDefs} height=${HEIGHTS[panel.h] + 40} onDraw=${record}
      hint="Pick two or more axes (config values, summary metrics) in ⚙ Advanced." />
  </div>`;
}
