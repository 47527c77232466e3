// node --test: custom charts' specs as what is drawn (lib/mediacharts.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cellShade, chartData, ChartSpecError, confusionMatrix, histogramBins } from "./mediacharts.js";

test("a line chart splits its rows by the class column, in order of appearance", () => {
  const doc = { columns: ["class", "fpr", "tpr"], data: [["b", 0, 0], ["a", 0, 0.5], ["b", 1, 1], ["a", 1, 1]] };
  const got = chartData({ chart: "roc_curve", fields: {} }, doc);
  assert.equal(got.type, "lines");
  assert.equal(got.xLabel, "fpr");
  assert.deepEqual(got.series, [{ name: "b", x: [0, 1], y: [0, 1] }, { name: "a", x: [0, 1], y: [0.5, 1] }]);
});

test("W&B's line_series fields and a plain line's x/y", () => {
  const doc = { columns: ["step", "lineKey", "lineVal"], data: [[0, "u", 1], [1, "u", 2], [0, "v", 3]] };
  const spec = { chart: "line_series", fields: { step: "step", lineKey: "lineKey", lineVal: "lineVal" } };
  assert.deepEqual(chartData(spec, doc).series.map((s) => s.name), ["u", "v"]);
  const line = chartData({ chart: "line", fields: { x: "a", y: "b" } }, { columns: ["a", "b"], data: [[1, 2], [2, null]] });
  assert.deepEqual(line.series, [{ name: "b", x: [1], y: [2] }]);
  const pts = chartData({ chart: "scatter", fields: { x: "a", y: "b" } }, { columns: ["a", "b"], data: [[1, 2]] });
  assert.equal(pts.type, "points");
});

test("a missing column is a ChartSpecError naming it", () => {
  assert.throws(() => chartData({ chart: "line", fields: { x: "nope", y: "b" } }, { columns: ["b"], data: [] }),
    (e) => e instanceof ChartSpecError && /"nope"/.test(e.message));
});

test("bars and histograms", () => {
  const bars = chartData({ chart: "bar", fields: { label: "k", value: "v" } }, { columns: ["k", "v"], data: [["x", 2], [null, 3]] });
  assert.deepEqual([bars.labels, bars.values], [["x", ""], [2, 3]]);
  assert.deepEqual(histogramBins([0, 1, 2, 3], 2), { edges: [0, 1.5, 3], counts: [2, 2] });
  assert.deepEqual(histogramBins([5, 5], 1), { edges: [4.5, 5.5], counts: [2] });
  assert.deepEqual(histogramBins([NaN, null]), { edges: [], counts: [] });
  const h = chartData({ chart: "histogram", fields: { value: "v" } }, { columns: ["v"], data: [[1], [2], [3], [4]] });
  assert.equal(h.counts.reduce((a, b) => a + b, 0), 4);
});

test("a confusion matrix sums counts per (actual, predicted)", () => {
  const doc = {
    columns: ["Actual", "Predicted", "nPredictions"],
    data: [["cat", "cat", 5], ["cat", "dog", 2], ["dog", "dog", 7], ["dog", "cat", 1], ["cat", "dog", 1], ["cow", "cow", 0]],
  };
  const m = confusionMatrix({ fields: {} }, doc);
  assert.deepEqual(m.classes, ["cat", "dog", "cow"]);
  assert.deepEqual(m.counts, [[5, 3, 0], [1, 7, 0], [0, 0, 0]]);
  assert.equal(m.max, 7);
  assert.equal(chartData({ chart: "custom" }, doc).type, "table");
});

test("cellShade runs from pale to deep blue", () => {
  assert.deepEqual(cellShade(0, 10), { rgb: [247, 250, 255], light: false });
  assert.deepEqual(cellShade(10, 10), { rgb: [29, 78, 216], light: true });
  assert.deepEqual(cellShade(3, 0).rgb, [247, 250, 255]);
});
