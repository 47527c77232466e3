import { test } from "node:test";
import assert from "node:assert/strict";
import { colorFor } from "./colors.js";
import { memberPlan } from "./members.js";
import {
  colorIndices, colorKeys, DASHES, dashesOf, effectiveStyle, facetLabel, facetMemberPlans, groupColors,
  NO_STYLE, sharedRange, splitFacets, styleEntries, valueText, withFacetRecord,
} from "./facets.js";

const BY = ["config.optimizer", "config.dataset"];
// the API's order: sorted by key, (none) last
const KEYS = [["adam", "cifar"], ["adam", "mnist"], ["sgd", "cifar"], ["sgd", "mnist"], [null, "mnist"]];
const entry = (key, i) => ({ key, name: key.map(valueText).join(" / "), colorIndex: i, x: [0, 1], mean: [i, i + 1] });
const ENTRIES = KEYS.map(entry);

test("a style key that is not a grouping key is dropped", () => {
  assert.deepEqual(effectiveStyle({ facet: "config.dataset", dash: null }, BY), { facet: "config.dataset", dash: null });
  assert.equal(effectiveStyle({ facet: "config.seed", dash: "config.lr" }, BY), NO_STYLE);
  assert.deepEqual(effectiveStyle({ facet: "config.dataset", dash: "config.seed" }, BY), { facet: "config.dataset", dash: null });
  assert.equal(effectiveStyle({ facet: "group", dash: null }, undefined), NO_STYLE); // the server's default grouping
  assert.equal(effectiveStyle(null, BY), NO_STYLE);
});

test("without a style a group keeps its own index (the colours of today)", () => {
  assert.deepEqual(colorIndices(KEYS, BY, NO_STYLE), [0, 1, 2, 3, 4]);
  assert.deepEqual(groupColors(KEYS, BY, NO_STYLE), [0, 1, 2, 3, 4].map(colorFor));
  assert.deepEqual(dashesOf(KEYS, BY, NO_STYLE), [null, null, null, null, null]);
});

test("with a facet, colour follows the key without the facet level: one optimizer, one colour", () => {
  const style = { facet: "config.dataset", dash: null };
  assert.deepEqual(colorKeys(BY, style), ["config.optimizer"]);
  assert.deepEqual(colorIndices(KEYS, BY, style), [0, 0, 1, 1, 2]);
  const colors = groupColors(KEYS, BY, style);
  assert.equal(colors[0], colors[1]);
  assert.notEqual(colors[0], colors[2]);
});

test("with dash, each value of the dash key gets its pattern in first-appearance order", () => {
  const style = { facet: null, dash: "config.dataset" };
  assert.deepEqual(dashesOf(KEYS, BY, style).map((d) => d.name), ["solid", "dashed", "solid", "dashed", "dashed"]);
  assert.deepEqual(colorIndices(KEYS, BY, style), [0, 0, 1, 1, 2]);
  const many = Array.from({ length: DASHES.length + 1 }, (_, i) => ["a", i]);
  const dashes = dashesOf(many, BY, style);
  assert.equal(new Set(dashes.slice(0, DASHES.length).map((d) => d.name)).size, DASHES.length);
  assert.equal(dashes[DASHES.length], DASHES[0]); // more values than patterns: start again
});

test("facet and dash taking every key leave colour per group", () => {
  const style = { facet: "config.dataset", dash: "config.optimizer" };
  assert.deepEqual(colorKeys(BY, style), BY);
  assert.deepEqual(colorIndices(KEYS, BY, style), [0, 1, 2, 3, 4]);
  assert.deepEqual(colorIndices([["a"], ["b"]], ["group"], { facet: "group", dash: null }), [0, 1]);
});

test("styleEntries colours visible entries by their place in the full list", () => {
  const style = { facet: "config.dataset", dash: "config.dataset" };
  const visible = [ENTRIES[3], ENTRIES[4]]; // the others hidden
  const styled = styleEntries(visible, ENTRIES, BY, style);
  assert.deepEqual(styled.map((e) => e.colorIndex), [1, 2]);
  assert.deepEqual(styled.map((e) => e.dash.name), ["dashed", "dashed"]);
  assert.equal(styleEntries(visible, ENTRIES, BY, NO_STYLE), visible);
  assert.equal(styleEntries(null, ENTRIES, BY, style), null);
});

test("splitFacets: one facet per value in first-appearance order, values shown exactly", () => {
  const facets = splitFacets(ENTRIES, BY, "config.dataset");
  assert.deepEqual(facets.map((f) => f.label), ["config.dataset = cifar", "config.dataset = mnist"]);
  assert.deepEqual(facets.map((f) => f.entries.map((e) => e.colorIndex)), [[0, 2], [1, 3, 4]]);
  assert.deepEqual(facets.map((f) => [f.index, f.count]), [[0, 2], [1, 2]]);
  assert.equal(facets[0].signature, facets[1].signature);
  const byOpt = splitFacets(ENTRIES, BY, "config.optimizer");
  assert.deepEqual(byOpt.map((f) => f.label), ["config.optimizer = adam", "config.optimizer = sgd", "config.optimizer = (none)"]);
  assert.equal(splitFacets(ENTRIES, BY, null), null);
  assert.equal(splitFacets(ENTRIES, BY, "config.seed"), null);
  assert.equal(facetLabel("config.lr", 0.1), "config.lr = 0.1");
  assert.equal(valueText({ a: [1, "<b>"] }), '{"a":[1,"<b>"]}');
  assert.equal(valueText(false), "false");
});

test("facetMemberPlans splits the panel's plan by facet", () => {
  const groups = [
    { key: ["a", "x"], run_ids: ["r1", "r2"] }, { key: ["b", "x"], run_ids: ["r3"] },
    { key: ["a", "y"], run_ids: ["r4", "r5", "r6"] },
  ].map((g) => ({ ...g, x: [] }));
  const facets = splitFacets(groups, ["k", "f"], "f");
  const drawn = facets.flatMap((f) => f.entries.slice(0, 5));
  const plan = memberPlan(drawn, 20, 4);
  const plans = facetMemberPlans(plan, facets, 5);
  assert.deepEqual(plans.map((p) => p.ids), [["r1", "r2", "r3"], ["r4"]]);
  assert.deepEqual(plans.map((p) => p.capped), [false, true]);
  assert.deepEqual(plans[1].counts, [{ shown: 1, total: 3 }]);
});

test("sharedRange spans lines, bands and member runs of every facet", () => {
  const a = { x: [0, 1], count: [2, 2], mean: [1, 2], min: [0.5, 1.5], max: [1.5, 9], run_ids: ["r1"] };
  const b = { x: [0, 1], count: [1, 2], mean: [-3, 0.25], min: [-3, 0.2], max: [-3, 0.3], run_ids: ["r2"] };
  assert.deepEqual(sharedRange([[a], [b]], { line: "mean", shading: "minmax" }), [-3, 9]);
  assert.deepEqual(sharedRange([[a], [b]], { line: "mean", shading: "none" }), [-3, 2]);
  assert.deepEqual(sharedRange([[a], [b]], { line: "mean", shading: "none", log: true }), [0.25, 2]);
  const members = [{ key: ["r1"], x: [0], mean: [40] }, { key: ["r9"], x: [0], mean: [99] }];
  assert.deepEqual(sharedRange([[a], [b]], { line: "mean", shading: "members" }, members), [-3, 40]);
  assert.equal(sharedRange([[]], {}), null);
});

test("withFacetRecord keeps each small chart's record in its place", () => {
  const [f0, f1] = splitFacets(ENTRIES, BY, "config.dataset");
  const rec = (painted) => ({ metric: "loss", settings: { line: "mean" }, zoom: null, painted, at: 1 });
  let panel = withFacetRecord(undefined, f1, rec(true));
  assert.deepEqual(panel.facets.map((f) => f && f.value), [null, "mnist"]);
  assert.equal(panel.painted, false);
  panel = withFacetRecord(panel, f0, rec(true));
  assert.equal(panel.painted, true);
  assert.equal(panel.facetBy, "config.dataset");
  assert.equal(panel.facets[0].label, "config.dataset = cifar");
  const [g0] = splitFacets(ENTRIES, BY, "config.optimizer");
  assert.deepEqual(withFacetRecord(panel, g0, rec(true)).facets.map((f) => f && f.value), ["adam", null, null]);
});
