import { test } from "node:test";
import assert from "node:assert/strict";
import { PNG_LAYOUT, pngLayout } from "./chartpng.js";

test("the image is the canvas plus a title and one legend line per line drawn", () => {
  const lay = pngLayout(800, 440, 3, 2);
  assert.equal(lay.width, 800);
  assert.equal(lay.head, PNG_LAYOUT.title * 2);
  assert.equal(lay.height, PNG_LAYOUT.title * 2 + 440 + (2 * PNG_LAYOUT.pad + 3 * PNG_LAYOUT.row) * 2);
  assert.equal(lay.legendTop, lay.head + 440);
});

test("a long legend is cut with one '+N more' line", () => {
  const lay = pngLayout(400, 220, 100, 1);
  assert.equal(lay.shown, PNG_LAYOUT.maxRows);
  assert.equal(lay.height, PNG_LAYOUT.title + 220 + 2 * PNG_LAYOUT.pad + (PNG_LAYOUT.maxRows + 1) * PNG_LAYOUT.row);
});
