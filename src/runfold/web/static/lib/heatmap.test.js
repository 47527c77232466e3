// node --test: the heatmap's re-binning maths (lib/heatmap.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { columnAt, columnSpans, heatmapGrid, intensity, rampColor, rebin, valueRange } from "./heatmap.js";

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const sum = (xs) => Array.from(xs).reduce((s, x) => s + x, 0);

test("valueRange covers every step's edges and ignores non-finite ones", () => {
  assert.deepEqual(valueRange([{ bins: [0, 1, 2] }, { bins: [-3, 0.5, NaN, 1.5] }]), [-3, 2]);
  assert.equal(valueRange([]), null);
  assert.equal(valueRange([{ bins: [NaN, Infinity] }]), null);
  assert.deepEqual(valueRange([{ bins: [2, 2] }]), [1.5, 2.5]);
});

test("rebin onto the same edges keeps the counts", () => {
  assert.deepEqual(Array.from(rebin([0, 1, 2, 3], [4, 5, 6], 0, 3, 3)), [4, 5, 6]);
});

test("rebin onto finer bins splits a count by overlap", () => {
  assert.deepEqual(Array.from(rebin([0, 2], [10], 0, 2, 4)), [2.5, 2.5, 2.5, 2.5]);
  // one source bin over half of a target bin each side
  const out = rebin([0.5, 1.5], [8], 0, 2, 2);
  close(out[0], 4);
  close(out[1], 4);
});

test("rebin onto coarser bins adds counts up", () => {
  assert.deepEqual(Array.from(rebin([0, 1, 2, 3, 4], [1, 2, 3, 4], 0, 4, 2)), [3, 7]);
});

test("rebin keeps the total of uneven edges inside the range", () => {
  const edges = [-1.3, -0.2, 0.05, 0.7, 2.9];
  const counts = [3, 11, 7, 2];
  const out = rebin(edges, counts, -2, 3, 17);
  close(sum(out), 23);
});

test("rebin drops what falls outside the range and keeps the overlap", () => {
  const out = rebin([-2, 0, 2], [4, 4], -1, 1, 2);
  close(out[0], 2);
  close(out[1], 2);
});

test("rebin puts a zero-width bin's count where its edge falls", () => {
  assert.deepEqual(Array.from(rebin([1, 1], [5], 0, 4, 4)), [0, 5, 0, 0]);
  assert.deepEqual(Array.from(rebin([4, 4], [5], 0, 4, 4)), [0, 0, 0, 5]);
});

test("rebin skips empty, NaN and non-finite bins, and an empty range", () => {
  assert.deepEqual(Array.from(rebin([0, 1, 2], [NaN, 0], 0, 2, 2)), [0, 0]);
  assert.deepEqual(Array.from(rebin([0, Infinity], [3], 0, 2, 2)), [0, 0]);
  assert.deepEqual(Array.from(rebin([0, 1], [3], 1, 1, 2)), [0, 0]);
});

test("heatmapGrid re-bins every step onto shared edges and finds the largest cell", () => {
  const grid = heatmapGrid([
    { bins: [0, 1, 2], counts: [1, 3] },
    { bins: [2, 3, 4], counts: [5, 1] },
  ], 4);
  assert.deepEqual([grid.lo, grid.hi], [0, 4]);
  assert.deepEqual(grid.edges, [0, 1, 2, 3, 4]);
  assert.deepEqual(grid.columns.map((c) => Array.from(c)), [[1, 3, 0, 0], [0, 0, 5, 1]]);
  assert.equal(grid.max, 5);
});

test("heatmapGrid of steps with no finite edges is empty, not an error", () => {
  const grid = heatmapGrid([{ bins: [NaN, NaN], counts: [1] }], 8);
  assert.equal(grid.max, 0);
  assert.equal(grid.columns.length, 1);
});

test("columnSpans meet half way between steps and columnAt finds them", () => {
  const spans = columnSpans([0, 10, 40]);
  assert.deepEqual(spans, [[-5, 5], [5, 25], [25, 55]]);
  assert.equal(columnAt(spans, -100), 0);
  assert.equal(columnAt(spans, 4.9), 0);
  assert.equal(columnAt(spans, 5), 1);
  assert.equal(columnAt(spans, 30), 2);
  assert.equal(columnAt(spans, 1e9), 2);
  assert.deepEqual(columnSpans([7]), [[6.5, 7.5]]);
  assert.equal(columnAt([], 1), -1);
});

test("intensity is linear or logarithmic in the count, 0 for nothing", () => {
  assert.equal(intensity(5, 10), 0.5);
  assert.equal(intensity(10, 10, "log"), 1);
  assert.ok(intensity(1, 100, "log") > intensity(1, 100));
  assert.equal(intensity(0, 10), 0);
  assert.equal(intensity(3, 0), 0);
});

test("rampColor runs from viridis' dark purple to its yellow", () => {
  assert.deepEqual(rampColor(0), [68, 1, 84]);
  assert.deepEqual(rampColor(1), [253, 231, 37]);
  assert.deepEqual(rampColor(2), [253, 231, 37]);
  assert.deepEqual(rampColor(NaN), [68, 1, 84]);
  assert.deepEqual(rampColor(0.0625), [70, 23, 103]);
});
