// Facets and line dash (DESIGN §2.6, last paragraph): besides colour, a grouping key can
// split each chart into one small chart per value (facet) or set each line's dash, so two
// keys are read at once (colour = optimizer, facet = dataset). Pure; no DOM.
//
// A style is {facet, dash}: each a grouping key (an entry of `by`) or null. Group keys
// (the API's `key` lists) are aligned with `by`.
import { bandArrays } from "./bands.js";
import { colorFor } from "./colors.js";

export const NO_STYLE = Object.freeze({ facet: null, dash: null });

// Dash patterns in CSS pixels, in the order values are given them; more values than
// patterns start again from the first.
export const DASHES = [
  { name: "solid", pattern: [] },
  { name: "dashed", pattern: [8, 4] },
  { name: "dotted", pattern: [2, 3] },
  { name: "dash-dot", pattern: [8, 3, 2, 3] },
  { name: "long dash", pattern: [16, 5] },
  { name: "dash-dot-dot", pattern: [8, 3, 2, 3, 2, 3] },
];

export const dashAt = (index) => DASHES[((index % DASHES.length) + DASHES.length) % DASHES.length];

// The style that applies under `by`: a facet or dash key that is no longer a grouping
// key is dropped (a link made under another grouping still opens, just without it).
export function effectiveStyle(style, by) {
  const keys = Array.isArray(by) ? by : [];
  const keep = (k) => (typeof k === "string" && keys.includes(k) ? k : null);
  const out = { facet: keep(style && style.facet), dash: keep(style && style.dash) };
  return out.facet === null && out.dash === null ? NO_STYLE : out;
}

const isOn = (style) => !!style && (style.facet !== null || style.dash !== null);

// The grouping keys that colour picks: all but the facet and dash keys. When those take
// every key, colour stays per group (the whole key), so rows and lines are still told
// apart (one key, faceted: one small chart per group, each in its row's colour).
export function colorKeys(by, style) {
  const keys = Array.isArray(by) ? by : [];
  const rest = keys.filter((k) => k !== style?.facet && k !== style?.dash);
  return rest.length ? rest : keys;
}

// Index of each item's token among the distinct tokens, in first-appearance order.
function firstSeen(items, token) {
  const seen = new Map();
  return items.map((item) => {
    const t = token(item);
    if (!seen.has(t)) seen.set(t, seen.size);
    return seen.get(t);
  });
}

const levelsOf = (by, names) => names.map((k) => by.indexOf(k));
const pick = (key, levels) => JSON.stringify(levels.map((i) => (key || [])[i] ?? null));

// The colour index of each group key (keys in the API's order): the index of its key
// with the facet and dash levels removed among the distinct such keys, so "adam" is one
// colour in every facet and every dash. With no style: the group's own index.
export function colorIndices(keys, by, style) {
  if (!isOn(style)) return keys.map((_, i) => i);
  const levels = levelsOf(by, colorKeys(by, style));
  return firstSeen(keys, (key) => pick(key, levels));
}

// The one colour rule of a group: its row in the runs table and its line in every chart.
export function groupColors(keys, by, style, colorOf = colorFor) {
  return colorIndices(keys, by, style).map((i) => colorOf(i));
}

// The dash of each group key (by the dash key's value, first appearance first), or null
// for every key when no dash key is set.
export function dashesOf(keys, by, style) {
  if (!style || style.dash === null) return keys.map(() => null);
  const level = by.indexOf(style.dash);
  return firstSeen(keys, (key) => pick(key, [level])).map(dashAt);
}

// Visible entries (each with colorIndex: its index in `all`, the API's full list) styled:
// colorIndex becomes the colour rule's index and each gets its dash ({name, pattern} or
// null). Without a style the entries are returned as they are.
export function styleEntries(visible, all, by, style) {
  if (!visible || !all || !isOn(style)) return visible;
  const keys = all.map((e) => e.key);
  const colors = colorIndices(keys, by, style);
  const dashes = dashesOf(keys, by, style);
  return visible.map((e) => ({ ...e, colorIndex: colors[e.colorIndex], dash: dashes[e.colorIndex] }));
}

// A key's value as the page shows it: exactly, and null (or missing) as "(none)".
export function valueText(value) {
  if (value === null || value === undefined) return "(none)";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export const facetLabel = (key, value) => `${key} = ${valueText(value)}`;

// Entries split by the facet key's value, in first-appearance order:
// [{key, value, label, index, signature, entries}]; null when no facet is set.
export function splitFacets(entries, by, facet) {
  if (!entries || !facet || !Array.isArray(by) || !by.includes(facet)) return null;
  const level = by.indexOf(facet);
  const facets = new Map();
  for (const e of entries) {
    const value = (e.key || [])[level] ?? null;
    const token = JSON.stringify(value);
    if (!facets.has(token)) facets.set(token, { key: facet, value, label: facetLabel(facet, value), entries: [] });
    facets.get(token).entries.push(e);
  }
  const list = [...facets.values()];
  // names the split as a whole: a page record follows the facets drawn now, not old ones
  const signature = JSON.stringify([facet, list.map((f) => f.value)]);
  return list.map((f, index) => ({ ...f, index, count: list.length, signature }));
}

// Per facet, the part of the panel's member-run plan (lib/members.js memberPlan over
// every facet's drawn entries, in facet order) for its own drawn groups.
export function facetMemberPlans(plan, facets, max) {
  let at = 0;
  return facets.map((f) => {
    const groups = f.entries.slice(0, max);
    const counts = plan.counts.slice(at, at + groups.length);
    at += groups.length;
    const ids = groups.flatMap((g, i) => (g.run_ids || []).slice(0, counts[i] ? counts[i].shown : 0));
    return { ids, counts, capped: counts.some((c) => c.shown < c.total) };
  });
}

// The y range [low, high] the small charts of one panel share: every value drawn (lines,
// bands, member runs of the drawn groups), positive ones only on a log scale; null when
// nothing is drawn. groupsByFacet: each facet's drawn entries.
export function sharedRange(groupsByFacet, { line = "mean", shading = "minmax", log = false } = {}, members = null) {
  let lo = Infinity;
  let hi = -Infinity;
  const take = (v) => {
    if (typeof v !== "number" || !Number.isFinite(v) || (log && v <= 0)) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  const owned = new Set();
  for (const groups of groupsByFacet) {
    for (const e of groups) {
      for (const id of e.run_ids || []) owned.add(id);
      const band = bandArrays(e, shading);
      for (let i = 0; i < e.x.length; i++) [(e[line] || [])[i], band.lo[i], band.hi[i]].forEach(take);
    }
  }
  if (shading === "members") {
    for (const m of members || []) {
      if (owned.has(m.key[0])) for (let i = 0; i < m.x.length; i++) take((m[line] || [])[i]);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

// The page's record of a faceted panel (window.__runfoldCharts[metric]) with one small
// chart's record put in its place (the record itself, given its facet's value and label:
// its getters stay live). A record of other facets (another split) starts anew.
export function withFacetRecord(panel, facet, record) {
  const same = panel && panel.facetSignature === facet.signature;
  const facets = same ? [...panel.facets] : new Array(facet.count).fill(null);
  facets[facet.index] = Object.assign(record, { value: facet.value, label: facet.label });
  return {
    metric: record.metric, facetBy: facet.key, facetSignature: facet.signature,
    settings: record.settings, zoom: record.zoom, facets,
    painted: facets.every((f) => f !== null && f.painted), at: record.at,
  };
}
