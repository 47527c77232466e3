import { test } from "node:test";
import assert from "node:assert/strict";
import { alignSeries, chartSections, defaultMetrics, toUPlotData, tooltipModel, seriesIndex } from "./series.js";

const mk = (name, x, mean, count, extra = {}) => ({
  key: [name], name, runs: Math.max(...count), mode: "exact", x, x_lo: x, x_hi: x,
  mean, median: mean, min: mean.map((v) => v - 1), max: mean.map((v) => v + 1),
  std: count.map((n) => (n > 1 ? 0.5 : null)), stderr: count.map((n) => (n > 1 ? 0.25 : null)),
  count, ...extra,
});

const a = mk("a", [0, 1, 2, 3], [10, 11, 12, 13], [3, 3, 2, 1]);
const b = mk("b", [1, 3, 5], [20, 21, 22], [2, 2, 2]);

test("groups with different x align on the sorted union, null where absent", () => {
  const al = alignSeries([a, b], { line: "mean", shading: "none" });
  assert.deepEqual(al.x, [0, 1, 2, 3, 5]);
  assert.deepEqual(al.groups[0].line, [10, 11, 12, 13, null]);
  assert.deepEqual(al.groups[1].line, [null, 20, null, 21, 22]);
  assert.deepEqual(al.groups[1].n, [null, 2, null, 2, 2]);
  assert.deepEqual(al.groups[1].src, [-1, 0, -1, 1, 2]);
  const data = toUPlotData(al);
  assert.equal(data.length, 1 + 2 * 3);
  assert.deepEqual(data[seriesIndex(1).line], [undefined, 20, undefined, 21, 22]);
  assert.deepEqual(data[seriesIndex(0).line], [10, 11, 12, 13, undefined]);
  assert.ok(data.every((arr) => arr.length === al.x.length));
});

test("each line choice and each shading choice", () => {
  for (const line of ["mean", "median", "min", "max"]) {
    const al = alignSeries([a], { line, shading: "none" });
    assert.deepEqual(al.groups[0].line, a[line]);
  }
  const mm = alignSeries([a], { shading: "minmax" }).groups[0];
  assert.deepEqual([mm.lo, mm.hi], [[9, 10, 11, null], [11, 12, 13, null]]);
  const sd = alignSeries([a], { shading: "std" }).groups[0];
  assert.deepEqual([sd.lo, sd.hi], [[9.5, 10.5, 11.5, null], [10.5, 11.5, 12.5, null]]);
  const se = alignSeries([a], { shading: "stderr" }).groups[0];
  assert.deepEqual([se.lo, se.hi], [[9.75, 10.75, 11.75, null], [10.25, 11.25, 12.25, null]]);
  const none = alignSeries([a], { shading: "none" }).groups[0];
  assert.ok(none.lo.every((v) => v === null) && none.hi.every((v) => v === null));
});

test("bands have gaps where n = 1 and the line does not", () => {
  const al = alignSeries([a, b], { shading: "std" });
  const g = al.groups[0];
  assert.equal(g.line[3], 13);
  const data = toUPlotData(al);  // a gap is null; a point only another group has is undefined
  assert.deepEqual(data[seriesIndex(0).upper], [10.5, 11.5, 12.5, null, undefined]);
  assert.equal(g.lo[3], null);
  assert.equal(g.hi[3], null);
});

test("log scale drops non-positive values", () => {
  const z = mk("z", [0, 1], [0, 2], [1, 1]);
  assert.deepEqual(alignSeries([z], { log: true }).groups[0].line, [null, 2]);
});

test("exact tooltip: x, then per group name, value, band and n", () => {
  const al = alignSeries([a, b], { shading: "std" });
  const t = tooltipModel(al, [a, b], 1);
  assert.equal(t.x, 1);
  assert.equal(t.range, null);
  assert.equal(t.mode, "exact");
  assert.deepEqual(t.rows, [
    { index: 0, name: "a", value: 11, band: [10.5, 11.5], n: 3 },
    { index: 1, name: "b", value: 20, band: [19.5, 20.5], n: 2 },
  ]);
  assert.deepEqual(tooltipModel(al, [a, b], 2).rows.map((r) => r.name), ["a"]);
  assert.equal(tooltipModel(al, [a, b], null), null);
  assert.equal(tooltipModel(al, [a, b], 99), null);
});

test("bucket tooltip names the bucket's range", () => {
  const c = mk("c", [1.5, 4.5], [1, 2], [2, 1], { mode: "buckets", x_lo: [1, 4], x_hi: [2, 5] });
  const al = alignSeries([c], { shading: "minmax" });
  assert.equal(al.mode, "buckets");
  const t = tooltipModel(al, [c], 1);
  assert.deepEqual(t.range, [4, 5]);
  assert.deepEqual(t.rows[0], { index: 0, name: "c", value: 2, band: null, n: 1 });
});

test("sections by prefix: train/, eval/, others, the rest; system/ last and collapsed", () => {
  const keys = ["loss", "eval/acc", "system/cpu", "train/loss", "opt/lr", "train/acc", "system/gpu.0.mem"];
  const s = chartSections(keys);
  assert.deepEqual(s.map((x) => x.id), ["train", "eval", "opt", "(rest)", "system"]);
  assert.deepEqual(s[0].keys, ["train/acc", "train/loss"]);
  assert.deepEqual(s.map((x) => x.collapsed), [false, false, false, false, true]);
  assert.deepEqual(s[4].keys, ["system/cpu", "system/gpu.0.mem"]);
  assert.deepEqual(defaultMetrics(keys, 3), ["train/acc", "train/loss", "eval/acc"]);
  assert.deepEqual(chartSections([]), []);
});

test("groups with the same x values share them, point for point", () => {
  const c = mk("c", [0, 1, 2, 3], [5, 6, 7, 8], [2, 2, 2, 2]);
  const al = alignSeries([a, c], { shading: "minmax" });
  assert.deepEqual(al.x, [0, 1, 2, 3]);
  assert.deepEqual(al.groups[1].src, [0, 1, 2, 3]);
  assert.deepEqual(al.groups[1].line, [5, 6, 7, 8]);
  assert.deepEqual(al.groups[0].hi, [11, 12, 13, null]);
  // x out of order in an entry still comes out sorted
  const d = mk("d", [3, 1], [1, 2], [2, 2]);
  assert.deepEqual(alignSeries([d, mk("e", [3, 1], [3, 4], [2, 2])]).x, [1, 3]);
});

test("an unknown line is an error", () => {
  assert.throws(() => alignSeries([a], { line: "p99" }), /unknown line/);
});
