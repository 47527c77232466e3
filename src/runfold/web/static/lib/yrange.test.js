import { test } from "node:test";
import assert from "node:assert/strict";
import { outlierRange, percentile, readBound, yRangeOf } from "./yrange.js";

test("percentiles interpolate between ranks as NumPy's default does", () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(xs, 0), 1);
  assert.equal(percentile(xs, 100), 10);
  assert.equal(percentile(xs, 50), 5.5);
  assert.ok(Math.abs(percentile(xs, 5) - 1.45) < 1e-12); // np.percentile(range(1, 11), 5)
  assert.ok(Math.abs(percentile(xs, 95) - 9.55) < 1e-12);
  assert.equal(percentile([], 5), null);
  assert.equal(percentile([3], 95), 3);
});

test("the outlier range is the 5th-95th percentile of every line's values", () => {
  const spiky = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000];
  const [lo, hi] = outlierRange([spiky.slice(0, 5), [null, ...spiky.slice(5)]]);
  assert.ok(Math.abs(lo - 1.45) < 1e-12);
  assert.ok(Math.abs(hi - 554.05) < 1e-9); // np.percentile(spiky, [5, 95])
  assert.equal(outlierRange([[2, 2, 2]]), null); // flat: uPlot's own range
  assert.equal(outlierRange([[]]), null);
  // a log scale takes only positive values
  assert.deepEqual(outlierRange([[-5, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]], true)[0], 1);
});

test("bounds are numbers or null; the fixed ends replace auto's", () => {
  assert.equal(readBound(""), null);
  assert.equal(readBound("  "), null);
  assert.equal(readBound("abc"), null);
  assert.equal(readBound("-0.5"), -0.5);
  assert.deepEqual(yRangeOf([0, 10], {}), [0, 10]);
  assert.deepEqual(yRangeOf([0, 10], { ymin: 2 }), [2, 10]);
  assert.deepEqual(yRangeOf([0, 10], { ymax: 4 }), [0, 4]);
  assert.deepEqual(yRangeOf([0, 10], { ymin: 2, ymax: 4 }), [2, 4]);
  // an end past the other: the other moves, the one set stays
  assert.deepEqual(yRangeOf([0, 10], { ymin: 20 }), [20, 40]);
  assert.deepEqual(yRangeOf([0, 10], { ymax: -3 }), [-6, -3]);
  // a log scale cannot start at 0: that end stays auto
  assert.deepEqual(yRangeOf([0.1, 10], { ymin: 0, log: true }), [0.1, 10]);
  assert.deepEqual(yRangeOf([0.1, 10], { ymin: 100, log: true }), [100, 1000]);
});
