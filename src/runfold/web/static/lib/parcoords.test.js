import { test } from "node:test";
import assert from "node:assert/strict";
import {
  axisCandidates, axisTicks, buildAxis, defaultAxes, defaultMetric, layout, niceTicks, position, tickLabel,
  varyingKeys,
} from "./parcoords.js";

const close = (a, b) => Math.abs(a - b) < 1e-12;

test("candidates are scalar keys; defaults are the varying ones, at most six", () => {
  const configs = [
    { lr: 0.1, arch: "a", list: [1], seed: 1, b: true, c: 1, d: 1, e: 1, f: 1 },
    { lr: 0.2, arch: "a", list: [2], seed: 2, b: false, c: 2, d: 2, e: 2, f: 2 },
  ];
  assert.deepEqual(axisCandidates(configs), ["arch", "b", "c", "d", "e", "f", "lr", "seed"]);
  assert.deepEqual(varyingKeys(configs), ["b", "c", "d", "e", "f", "lr", "seed"]);
  assert.deepEqual(defaultAxes(configs), ["b", "c", "d", "e", "f", "lr"]);
  assert.deepEqual(varyingKeys([{ x: 1 }, {}]), ["x"]); // missing is a value of its own
});

test("the default metric is the numeric key most runs have", () => {
  assert.equal(defaultMetric([{ b: 1, a: "x" }, { b: 2, c: 1 }, { c: 3 }]), "b");
  assert.equal(defaultMetric([{}]), null);
});

test("numbers get a linear axis, positive ones spanning > 2 decades a log axis", () => {
  const lin = buildAxis("lr", [0.001, 0.1, null, 0.05]);
  assert.equal(lin.kind, "linear"); // exactly two decades
  assert.equal(position(lin, 0.001), 0);
  assert.equal(position(lin, 0.1), 1);
  assert.ok(close(position(lin, 0.0505), 0.5));
  assert.equal(position(lin, null), null);
  const log = buildAxis("lr", [1e-4, 1e-3, 1e-1]);
  assert.equal(log.kind, "log");
  assert.ok(close(position(log, 1e-3), 1 / 3));
  assert.equal(buildAxis("x", [-1, 1000]).kind, "linear"); // log needs positive values
  assert.equal(position(buildAxis("x", [3, 3]), 3), 0.5);
});

test("anything else is categorical, sorted and evenly spaced", () => {
  const axis = buildAxis("opt", ["sgd", "adam", 1, true, "adam", undefined]);
  assert.equal(axis.kind, "category");
  assert.deepEqual(axis.categories, [true, 1, "adam", "sgd"]);
  assert.deepEqual(["sgd", "adam", 1, true].map((v) => position(axis, v)), [1, 2 / 3, 1 / 3, 0]);
  assert.equal(position(axis, "1"), null); // "1" is not 1
  assert.equal(position(buildAxis("o", ["only"]), "only"), 0.5);
});

test("ticks: round numbers, powers of ten, or the categories", () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(16, 64), [20, 30, 40, 50, 60]);
  const log = axisTicks(buildAxis("lr", [1e-4, 0.5]));
  assert.deepEqual(log.map((t) => t.value), [1e-4, 1e-3, 1e-2, 1e-1]);
  const names = Array.from({ length: 30 }, (_, i) => `v${String(i).padStart(2, "0")}`);
  const many = axisTicks(buildAxis("c", names), 10);
  assert.equal(many.length, 10);
  assert.equal(many[0].t, 0);
});

test("layout: higher values sit higher (smaller y); missing values sit under the axis", () => {
  const axes = [buildAxis("lr", [1, 2, 3]), buildAxis("opt", ["a", "b", "a"])];
  const rows = [
    { id: "r1", values: { lr: 1, opt: "a" } },
    { id: "r2", values: { lr: 3, opt: "b" } },
    { id: "r3", values: { opt: "a" } },
  ];
  const out = layout(axes, rows, { width: 400, height: 300, left: 50, right: 50, top: 20, bottom: 30 });
  assert.deepEqual(out.axes.map((a) => a.x), [50, 350]);
  const [a, b, c] = out.lines;
  assert.deepEqual(a.points[0], [50, 270]);
  assert.deepEqual(b.points[0], [50, 20]);
  assert.equal(c.ts[0], null);
  assert.ok(c.points[0][1] > 270);
  assert.ok(b.points[1][1] < a.points[1][1]);
  assert.deepEqual(a.values, [1, "a"]);
});

test("tick labels are short", () => {
  assert.deepEqual([0.1, 0.0001, 1e-5, 2.5, 64, 0.30000000000000004, 2e6, 0].map(tickLabel),
    ["0.1", "0.0001", "1e-5", "2.5", "64", "0.3", "2e+6", "0"]);
  assert.equal(tickLabel("adam"), "adam");
});
