import { test } from "node:test";
import assert from "node:assert/strict";
import { bandAt, bandArrays, lineValue, LINES, SHADINGS } from "./bands.js";

const entry = {
  x: [0, 1, 2], count: [3, 1, 2],
  mean: [1, 2, 3], median: [1.1, 2, 2.9], min: [0, 2, 2.5], max: [2, 2, 3.5],
  std: [0.5, null, 0.2], stderr: [0.25, null, 0.1],
};

test("each line choice reads its own statistic", () => {
  for (const line of LINES) assert.equal(lineValue(entry, line, 2), entry[line][2]);
  assert.throws(() => lineValue(entry, "p99", 0));
});

test("each shading choice gives its own band", () => {
  assert.deepEqual(bandAt(entry, "none", 0), [null, null]);
  assert.deepEqual(bandAt(entry, "members", 0), [null, null]); // runs drawn instead
  assert.deepEqual(bandAt(entry, "minmax", 0), [0, 2]);
  assert.deepEqual(bandAt(entry, "std", 0), [0.5, 1.5]);
  assert.deepEqual(bandAt(entry, "stderr", 0), [0.75, 1.25]);
  assert.throws(() => bandAt(entry, "iqr", 0));
  assert.deepEqual(SHADINGS, ["none", "minmax", "std", "stderr", "members"]);
});

test("a point with n = 1 has no band, whatever the shading", () => {
  for (const s of SHADINGS) assert.deepEqual(bandAt(entry, s, 1), [null, null]);
  const { lo, hi } = bandArrays(entry, "std");
  assert.equal(lo[1], null);
  assert.equal(hi[1], null);
  assert.ok(Math.abs(lo[2] - 2.8) < 1e-12 && Math.abs(hi[2] - 3.2) < 1e-12);
});
