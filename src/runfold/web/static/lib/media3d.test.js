// node --test: 3-D points and their view (lib/media3d.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { colorFor } from "./colors.js";
import { cloudPoints, viewPoints } from "./media3d.js";

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

test("cloudPoints reads plain rows, categories, colours and lidar docs", () => {
  const got = cloudPoints([[0, 0, 0], [1, 2, 3, 2], [1, 1, 1, 255, 0, 10.4], [1, "x", 2], [1, 2]]);
  assert.deepEqual(got.xyz, [[0, 0, 0], [1, 2, 3], [1, 1, 1]]);
  assert.deepEqual(got.color, [null, colorFor(2), "rgb(255,0,10)"]);
  assert.deepEqual(cloudPoints({ type: "lidar/beta", points: [[1, 2, 3]] }).xyz, [[1, 2, 3]]);
  assert.deepEqual(cloudPoints({}).xyz, []);
});

test("viewPoints: seen from the front, x runs right and z up, fitted to the box", () => {
  const pts = viewPoints([[-1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, -1]], 0, 0, 100, 100, 10);
  close(pts[0][0], 10); close(pts[1][0], 90);
  close(pts[2][1], 10); close(pts[3][1], 90);
  // a quarter turn brings y across the screen
  const turned = viewPoints([[0, -1, 0], [0, 1, 0]], Math.PI / 2, 0, 100, 100, 10);
  close(turned[0][0], 90); close(turned[1][0], 10);
  assert.deepEqual(viewPoints([], 0, 0, 10, 10), []);
});
