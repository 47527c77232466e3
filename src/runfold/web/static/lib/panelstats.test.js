import { test } from "node:test";
import assert from "node:assert/strict";
import { barRows, extent, niceTicks, scalarOf, scatterPoints, spread } from "./panelstats.js";

const runs = [
  { id: "a", name: "run-a", config: { lr: 0.1 }, summary: { acc: 0.5, loss: 2 }, colorIndex: 0 },
  { id: "b", name: "run-b", config: { lr: 0.2 }, summary: { acc: 0.7 }, colorIndex: 1 },
  { id: "c", name: "run-c", config: { lr: 0.2 }, summary: { acc: "n/a", loss: 1 }, colorIndex: 2 },
];
const stats = (mean, std, count) => ({ mean, std, stderr: std === null ? null : std / Math.sqrt(count), count });
const groups = [
  { key: [0.1], name: "0.1", label: "lr=0.1", count: 1, config: { lr: 0.1 }, summary: { acc: stats(0.5, null, 1) }, colorIndex: 0 },
  { key: [0.2], name: "0.2", label: "lr=0.2", count: 2, config: { lr: 0.2, seed: "mixed" },
    summary: { acc: stats(0.7, 0.1, 2), loss: stats(1, null, 1) }, colorIndex: 1 },
];

test("bars per run take each run's summary value and count the runs without one", () => {
  const { rows, missing } = barRows({ runs, per: "run", metric: "acc" });
  assert.deepEqual(rows.map((r) => [r.key, r.label, r.value, r.lo]), [["a", "run-a", 0.5, null], ["b", "run-b", 0.7, null]]);
  assert.equal(missing, 1);
});

test("bars per group are the server's mean with std or stderr error bars", () => {
  const std = barRows({ groups, per: "group", metric: "acc", error: "std" }).rows;
  assert.deepEqual(std.map((r) => [r.label, r.value, r.lo, r.hi, r.n]), [
    ["lr=0.1", 0.5, null, null, 1], ["lr=0.2", 0.7, 0.6, 0.7999999999999999, 2],
  ]);
  const se = barRows({ groups, per: "group", metric: "acc", error: "stderr" }).rows[1];
  assert.ok(Math.abs(se.hi - se.value - 0.1 / Math.sqrt(2)) < 1e-12);
  assert.equal(barRows({ groups, per: "group", metric: "loss" }).missing, 1);
});

test("scatter points per run and per group; a mixed config value has no point", () => {
  const perRun = scatterPoints({ runs, per: "run", x: "config.lr", y: "summary.acc" });
  assert.deepEqual(perRun.points.map((p) => [p.key, p.x, p.y]), [["a", 0.1, 0.5], ["b", 0.2, 0.7]]);
  assert.equal(perRun.missing, 1);
  const perGroup = scatterPoints({ groups, per: "group", x: "config.lr", y: "summary.acc" });
  assert.deepEqual(perGroup.points.map((p) => [p.label, p.x, p.y, p.xErr, p.yErr, p.n]), [
    ["lr=0.1", 0.1, 0.5, null, null, 1], ["lr=0.2", 0.2, 0.7, null, 0.1, 2],
  ]);
  assert.equal(scatterPoints({ groups, per: "group", x: "config.seed", y: "summary.acc" }).missing, 2);
});

test("the scalar's spread uses the sample std (ddof = 1)", () => {
  assert.deepEqual(scalarOf(runs, "loss"), { mean: 1.5, std: Math.SQRT1_2, min: 1, max: 2, n: 2 });
  assert.equal(spread([3]).std, null);
  assert.equal(spread(["x", null]), null);
});

test("ticks are round and cover the range", () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.13, 0.61, 4), [0.2, 0.4, 0.6]);
  assert.deepEqual(niceTicks(2, 2), [2]);
  assert.deepEqual(extent([1, 3]), [0.9, 3.1]);
  assert.deepEqual(extent([5]), [4.95, 5.05]);
  assert.equal(extent([]), null);
});
