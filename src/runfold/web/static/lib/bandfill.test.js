import { test } from "node:test";
import assert from "node:assert/strict";
import { bandColumns } from "./bandfill.js";

test("a dense band is one column per pixel from its highest to its lowest edge", () => {
  // four points in two pixel columns (10.2 and 10.4 round to 10; 10.6 and 11.1 to 11)
  const xs = [10.2, 10.4, 10.6, 11.1];
  const hi = [5, 3, 4, 6];
  const lo = [9, 12, 8, 7];
  assert.deepEqual(bandColumns(xs, hi, lo), [[10, 3, 12], [11, 4, 8]]);
});

test("columns between two points follow the straight lines between them", () => {
  assert.deepEqual(bandColumns([0, 4], [0, 40], [20, 60]), [
    [0, 0, 20], [1, 10, 30], [2, 20, 40], [3, 30, 50], [4, 40, 60],
  ]);
});

test("no band where a point has none (null); a line without a point there is drawn across", () => {
  const xs = [0, 1, 2, 3, 4, 5];
  const hi = [1, 1, null, 1, undefined, 1];
  const lo = [2, 2, null, 2, undefined, 2];
  assert.deepEqual(bandColumns(xs, hi, lo).map((c) => c[0]), [0, 1, 3, 4, 5]); // none at 2
});

test("edges given the wrong way round still fill between them", () => {
  assert.deepEqual(bandColumns([0.1, 0.3], [9, 8], [1, 2]), [[0, 1, 9]]);
});
