import { test } from "node:test";
import assert from "node:assert/strict";
import { bandStretches, traceBand } from "./bandfill.js";

test("a dense band keeps one point per pixel column: its highest and lowest edge", () => {
  // four points in two pixel columns (10.2 and 10.4 round to 10; 10.6 and 11.1 to 11)
  const xs = [10.2, 10.4, 10.6, 11.1];
  const hi = [5, 3, 4, 6];
  const lo = [9, 12, 8, 7];
  assert.deepEqual(bandStretches(xs, hi, lo), [{ x: [10, 11], top: [3, 4], bottom: [12, 8] }]);
});

test("no band where a point has none (null); a line without a point there is drawn across", () => {
  const xs = [0, 1, 2, 3, 4, 5];
  const hi = [1, 1, null, 1, undefined, 1];
  const lo = [2, 2, null, 2, undefined, 2];
  assert.deepEqual(bandStretches(xs, hi, lo).map((s) => s.x), [[0, 1], [3, 5]]); // broken at 2
});

test("edges given the wrong way round still fill between them", () => {
  assert.deepEqual(bandStretches([0.1, 0.3], [9, 8], [1, 2]), [{ x: [0], top: [1], bottom: [9] }]);
});

test("points off the canvas (not finite) break the band", () => {
  assert.deepEqual(bandStretches([0, 1, 2], [1, NaN, 1], [2, 2, 2]).map((s) => s.x), [[0], [2]]);
});

test("values are turned into canvas y by toY", () => {
  const toY = (v) => 100 - 10 * v;
  assert.deepEqual(bandStretches([0, 1], [3, 4], [1, 2], toY), [{ x: [0, 1], top: [70, 60], bottom: [90, 80] }]);
});

test("an outline runs along the tops and back along the bottoms; one column is a rectangle", () => {
  const calls = [];
  const path = new Proxy({}, { get: (_, name) => (...args) => calls.push([name, ...args]) });
  traceBand(path, [{ x: [0, 4], top: [0, 40], bottom: [20, 60] }, { x: [9], top: [1], bottom: [5] }]);
  assert.deepEqual(calls, [
    ["moveTo", 0, 0], ["lineTo", 4, 40], ["lineTo", 4, 60], ["lineTo", 0, 20], ["closePath"],
    ["rect", 9, 1, 1, 4],
  ]);
});
