// Config and summary diffs of compared runs or groups (pure; no DOM).
// A column is one run or group: {config: {dotted.path: value}, summary: {key: stats}}.

import { flatten as flattenConfig } from "./runvalues.js";

// A group's value for a config key its runs do not share.
export const MIXED = Object.freeze({ mixed: true });
// A key a column does not have (distinct from a logged null).
export const MISSING = Object.freeze({ missing: true });

// Nested config → {"a.b": value}, keeping an empty object as a value.
export const flatten = (obj) => flattenConfig(obj, { keepEmpty: true });

// Equality as grouping sees it: exact JSON (true is not 1, 1 is not "1").
export function token(value) {
  if (value === MISSING) return "\u0000missing";
  if (value === MIXED) return "\u0000mixed";
  return JSON.stringify(value ?? null);
}

// The config a group's runs share, per dotted path: the value, or MIXED when the runs
// disagree (or some lack the key).
export function sharedConfig(flatConfigs) {
  const keys = new Set(flatConfigs.flatMap((c) => Object.keys(c)));
  const out = {};
  for (const key of [...keys].sort()) {
    const has = (c) => Object.prototype.hasOwnProperty.call(c, key);
    const seen = new Set(flatConfigs.map((c) => token(has(c) ? c[key] : MISSING)));
    out[key] = seen.size === 1 ? flatConfigs[0][key] : MIXED;
  }
  return out;
}

// One row per config key over all columns: {key, values, differs, allMixed}. A row
// differs when its columns show different values; a key every group holds "mixed"
// varies inside the groups, not between them, so it does not.
export function configRows(columns) {
  const keys = new Set(columns.flatMap((c) => Object.keys(c.config)));
  return [...keys].sort().map((key) => {
    const values = columns.map((c) =>
      Object.prototype.hasOwnProperty.call(c.config, key) ? c.config[key] : MISSING);
    const differs = new Set(values.map(token)).size > 1;
    return { key, values, differs, allMixed: values.every((v) => v === MIXED) };
  });
}

export const isNumber = (v) => typeof v === "number" && Number.isFinite(v);

// Which way is better for a summary key.
export const BEST_RULE = "Best value: the lowest for keys containing “loss”, “error” or “err”, "
  + "otherwise the highest.";
export const lowerIsBetter = (key) => /loss|err/i.test(key);

// Equal up to float noise: means of the same numbers summed in another order differ
// in the last bits, and that is no difference to point out.
export const same = (a, b) => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b), 1e-300);

// One row per numeric summary key: per column {value, std, n} (a run's own value, or a
// group's mean, std and count), the best column(s) and each column's difference to the
// first. `best` is empty when fewer than two columns have the key or all are equal.
export function summaryRows(columns) {
  const keys = new Set(columns.flatMap((c) => Object.keys(c.summary)));
  const rows = [];
  for (const key of [...keys].sort()) {
    const cells = columns.map((c) => c.summary[key] || null);
    const present = cells.map((s, i) => [s?.value, i]).filter(([v]) => isNumber(v));
    if (!present.length) continue;
    const lower = lowerIsBetter(key);
    const target = lower ? Math.min(...present.map(([v]) => v)) : Math.max(...present.map(([v]) => v));
    const distinct = present.some(([v]) => !same(v, target));
    const best = distinct ? present.filter(([v]) => same(v, target)).map(([, i]) => i) : [];
    const first = cells[0]?.value;
    const delta = cells.map((s, i) => {
      if (i === 0 || !isNumber(first) || !isNumber(s?.value)) return null;
      return same(s.value, first) ? 0 : s.value - first;
    });
    rows.push({ key, cells, best, lower, delta });
  }
  return rows;
}

// A run's numeric summary values as summaryRows cells.
export function runSummary(summary) {
  const out = {};
  for (const [key, value] of Object.entries(summary || {})) {
    if (isNumber(value)) out[key] = { value, std: null, n: 1 };
  }
  return out;
}

// A group row's summary stats (GET .../groups) as summaryRows cells: the mean.
export function groupSummary(summary) {
  const out = {};
  for (const [key, s] of Object.entries(summary || {})) {
    if (s && isNumber(s.mean)) out[key] = { value: s.mean, std: s.std ?? null, n: s.count };
  }
  return out;
}
