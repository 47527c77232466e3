import { test } from "node:test";
import assert from "node:assert/strict";
import { bandArrays, SHADINGS } from "./bands.js";

const entry = {
  x: [0, 1, 2], count: [3, 1, 2],
  mean: [1, 2, 3], median: [1.1, 2, 2.9], min: [0, 2, 2.5], max: [2, 2, 3.5],
  std: [0.5, null, 0.2], stderr: [0.25, null, 0.1],
};
const at = (shading, i) => {
  const { lo, hi } = bandArrays(entry, shading);
  return [lo[i], hi[i]];
};

test("each shading choice gives its own band", () => {
  assert.deepEqual(at("none", 0), [null, null]);
  assert.deepEqual(at("members", 0), [null, null]); // runs drawn instead
  assert.deepEqual(at("minmax", 0), [0, 2]);
  assert.deepEqual(at("std", 0), [0.5, 1.5]);
  assert.deepEqual(at("stderr", 0), [0.75, 1.25]);
  assert.throws(() => bandArrays(entry, "iqr"));
  assert.deepEqual(SHADINGS, ["none", "minmax", "std", "stderr", "members"]);
});

test("a point with n = 1 has no band, whatever the shading", () => {
  for (const s of SHADINGS) assert.deepEqual(at(s, 1), [null, null]);
  const { lo, hi } = bandArrays(entry, "std");
  assert.ok(Math.abs(lo[2] - 2.8) < 1e-12 && Math.abs(hi[2] - 3.2) < 1e-12);
});

test("a statistic the answer left out (fields=) gives no band, not a wrong one", () => {
  const { min, max, ...rest } = entry;
  assert.deepEqual(bandArrays(rest, "minmax"), { lo: [null, null, null], hi: [null, null, null] });
});
