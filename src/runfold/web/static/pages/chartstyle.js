// Facet by and Dash by (DESIGN §2.6): the controls above the charts, the style they
// set (kept in the address: facet=config.dataset&dash=config.seed) and the grid of small
// charts a faceted panel draws. The rules themselves are lib/facets.js. Also the y
// axis a chart is drawn on: its fixed ends and "ignore outliers" (lib/yrange.js).
import { colorKeys, effectiveStyle, facetMemberPlans, NO_STYLE, sharedRange } from "../lib/facets.js";
import { outlierRange, readBound, yRangeOf } from "../lib/yrange.js";
import { html, useEffect, useMemo, useRef, useState } from "../lib/ui.js";
import { readChartStyle, updateParams, writeChartStyle } from "../lib/url.js";
import uPlot from "../vendor/uplot-1.6.32.mjs";

const sameStyle = (a, b) => a.facet === b.facet && a.dash === b.dash;

// [style, setStyle]: the address's facet and dash keys, kept only while they are
// grouping keys (`by`); the style follows the address as other parts change it.
// With `prune`, a key that is no longer a grouping key also leaves the address (one
// owner prunes: the charts; the runs table only reads).
export function useChartStyle(by, { prune = false } = {}) {
  const [asked, setAsked] = useState(() => readChartStyle());
  useEffect(() => {
    const follow = () => {
      const next = readChartStyle();
      setAsked((prev) => (sameStyle(prev, next) ? prev : next));
    };
    window.addEventListener("runfold:view", follow);
    return () => window.removeEventListener("runfold:view", follow);
  }, []);
  const byKey = JSON.stringify(by ?? null);
  const style = useMemo(() => effectiveStyle(asked, by), [asked, byKey]);
  const known = Array.isArray(by); // by undefined: the server's default grouping, unknown here
  useEffect(() => {
    if (prune && known && !sameStyle(style, asked)) updateParams((p) => writeChartStyle(p, style));
  }, [prune, known, style, asked]);
  const set = (next) => updateParams((p) => writeChartStyle(p, effectiveStyle(next, by)));
  return [style, set];
}

// Two selects above the charts. Offered with one grouping key too: faceting by it gives
// one small chart per group (lines with bands that overlap are read apart), and its dash
// tells lines apart where colour cannot (a grey print, colour blindness).
export function StyleControls({ by, style = NO_STYLE, onChange }) {
  if (!Array.isArray(by) || by.length === 0 || !onChange) return null;
  const select = (name, label, testid) => html`
    <label>${label}
      <select data-testid=${testid} value=${style[name] || ""}
        onChange=${(e) => onChange({ ...style, [name]: e.currentTarget.value || null })}>
        <option value="">none</option>
        ${by.map((k) => html`<option value=${k}>${k}</option>`)}
      </select></label>`;
  const styled = style.facet !== null || style.dash !== null;
  return html`
    <div class="rf-chart-style" data-testid="chart-style">
      ${select("facet", "Facet by", "facet-by")}
      ${select("dash", "Dash by", "dash-by")}
      ${styled ? html`<span class="muted" data-testid="color-by">colour: ${colorKeys(by, style).join(" / ")}</span>` : null}
    </div>`;
}

// The small charts of one faceted panel, one per facet (lib/facets.js splitFacets), all
// on one y range. chart(entries, settings, members, plot, height) draws one of them (the
// panel's Chart); each small chart's settings carry its facet and the shared range.
export function FacetGrid({ facets, settings, members, height, chart }) {
  const drawn = useMemo(() => facets.map((f) => f.entries.slice(0, settings.max)), [facets, settings.max]);
  // ignoring outliers, the small charts share the percentiles of all their lines
  const range = useMemo(() => (settings.ignoreOutliers
    ? outlierRange(facetLines(drawn, settings, members && members.entries), settings.log)
    : sharedRange(drawn, settings, members && members.entries)), [drawn, settings, members]);
  const exact = !!settings.ignoreOutliers && range !== null;
  const plans = useMemo(
    () => (members ? facetMemberPlans(members.plan, facets, settings.max) : null), [members, facets, settings.max],
  );
  return html`
    <div class="rf-facets" data-testid="facets">
      ${facets.map((f, i) => html`<${FacetCell} key=${`${f.key}\n${JSON.stringify(f.value)}`} facet=${f}
        settings=${settings} range=${range} exact=${exact} members=${members} plan=${plans && plans[i]}
        height=${height} chart=${chart} />`)}
    </div>`;
}

// The lines the small charts draw: each group's line, and its member runs' lines.
function facetLines(drawn, settings, memberEntries) {
  const groups = drawn.flat();
  const owned = new Set(groups.flatMap((e) => e.run_ids || []));
  const members = settings.shading === "members" ? (memberEntries || []).filter((m) => owned.has(m.key[0])) : [];
  return [...groups, ...members].map((e) => e[settings.line] || []);
}

function FacetCell({ facet, settings, range, exact, members, plan, height, chart }) {
  const plot = useRef(null); // each small chart holds its own drawing
  const rangeKey = JSON.stringify([range, exact]);
  const own = useMemo(() => ({
    ...settings, yRange: range, yExact: exact,
    facet: {
      key: facet.key, value: facet.value, label: facet.label, index: facet.index, count: facet.count,
      signature: facet.signature,
    },
  }), [settings, facet.signature, facet.index, rangeKey]);
  const facetMembers = useMemo(
    () => (members ? { plan, entries: members.entries } : null), [members, JSON.stringify(plan)],
  );
  return html`
    <div class="rf-facet" data-testid="facet" data-value=${JSON.stringify(facet.value)}>
      <h4 class="rf-facet-title" title=${facet.label}>${facet.label}</h4>
      ${chart(facet.entries, own, facetMembers, plot, height)}
    </div>`;
}

// The uPlot y range of a chart, read from the state it draws now (a live refresh
// replaces it): a small chart's shared range (padded as uPlot pads its own, or exact:
// the percentiles when ignoring outliers), else the plotted lines' 5th–95th percentile
// when ignoring outliers, else uPlot's own; then the settings' fixed ends put in.
export function yScale(current) {
  const ranges = new WeakMap(); // per state drawn: its range before the fixed ends
  const baseOf = (state, lo, hi) => {
    if (!ranges.has(state)) ranges.set(state, ownRange(state));
    const own = ranges.get(state);
    return own || padded(lo ?? 0, hi ?? 1, state.settings.log);
  };
  const { settings, yRange } = current();
  const fixed = [settings.ymin, settings.ymax].some((v) => v !== null && v !== undefined);
  if (!yRange && !settings.ignoreOutliers && !fixed) return {};
  return {
    range: (u, lo, hi) => {
      const state = current();
      return yRangeOf(baseOf(state, lo, hi), state.settings);
    },
  };
}

function ownRange({ settings, yRange, yExact, aligned }) {
  if (yRange) return yExact ? yRange : padded(yRange[0], yRange[1], settings.log);
  if (!settings.ignoreOutliers) return null;
  return outlierRange([...aligned.groups.map((g) => g.line), ...(aligned.members || []).map((m) => m.line)],
    settings.log);
}

const padded = (lo, hi, log) => (log ? uPlot.rangeLog(lo, hi, 10, true) : uPlot.rangeNum(lo, hi, 0.1, true));

// The y axis fields of a line chart's settings drawer: its fixed ends (blank: auto) and
// whether outliers are ignored in its scaling.
export function YAxisFields({ settings, set }) {
  const bound = (name, label) => html`<label>${label} <input type="number" name=${name} step="any"
    placeholder="auto" class="rf-bound" value=${settings[name] ?? ""}
    onChange=${(e) => set(name, readBound(e.currentTarget.value))} /></label>`;
  return html`
    <div class="rf-y-range" role="group" aria-label="Y axis range">
      ${bound("ymin", "Y min")}
      ${bound("ymax", "Y max")}
    </div>
    <label title=${"Scale the y axis to the 5th–95th percentile of the plotted values; "
      + "points outside are still drawn, clipped at the edge"}>
      <input type="checkbox" name="ignoreOutliers" checked=${!!settings.ignoreOutliers}
        onChange=${(e) => set("ignoreOutliers", e.currentTarget.checked)} /> ignore outliers</label>`;
}

// A line's dash (lib/facets.js) for uPlot, which draws it in canvas pixels; none: solid.
export const lineDash = (entry) => (entry && entry.dash && entry.dash.pattern.length
  ? { dash: entry.dash.pattern.map((v) => v * (window.devicePixelRatio || 1)) } : {});

// A short stretch of a line as the chart draws it (the legend's sample of a dash).
export function DashSample({ color, dash }) {
  return html`<svg class="rf-dash-sample" width="24" height="10" role="img" aria-label=${dash.name}>
    <line x1="0" y1="5" x2="24" y2="5" stroke=${color} stroke-width="2"
      stroke-dasharray=${dash.pattern.length ? dash.pattern.join(" ") : undefined} /></svg>`;
}
