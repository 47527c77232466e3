// node --test: how the UI reads media REFs (lib/media.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { colorFor } from "./colors.js";
import {
  boxLabel, boxRect, classToggle, describe, fileUrl, hexRGB, imagesOf, keyPath, mediaKind,
  orderKeys, overlayClasses, paintMask, stepIndexAt,
} from "./media.js";

test("mediaKind maps W&B types and leaves the rest unknown", () => {
  assert.equal(mediaKind({ _type: "image-file" }), "image");
  assert.equal(mediaKind({ _type: "images/separated", items: [] }), "gallery");
  assert.equal(mediaKind({ _type: "chart", chart: "bar" }), "chart");
  assert.equal(mediaKind({ _type: "plotly-file" }), "plotly");
  assert.equal(mediaKind({ _type: "molecule-file" }), "unknown");
  assert.equal(mediaKind(null), "unknown");
  assert.equal(mediaKind([1, 2]), "unknown");
});

test("file and key paths keep their slashes and escape the rest", () => {
  assert.equal(fileUrl("my proj", "r1", "media/images/ab.png"),
    "/api/v1/projects/my%20proj/runs/r1/files/media/images/ab.png");
  assert.equal(keyPath("eval/ex #1"), "eval/ex%20%231");
});

test("stepIndexAt finds the largest step at or before the one asked", () => {
  const steps = [0, 5, 10, 20];
  assert.equal(stepIndexAt(steps, null), 3);
  assert.equal(stepIndexAt(steps, 10), 2);
  assert.equal(stepIndexAt(steps, 19), 2);
  assert.equal(stepIndexAt(steps, 100), 3);
  assert.equal(stepIndexAt(steps, -1), 0);
  assert.equal(stepIndexAt([], 3), -1);
});

test("boxRect reads fractions, pixels and middle/width/height", () => {
  const frac = { position: { minX: 0.1, maxX: 0.5, minY: 0.2, maxY: 0.6 } };
  assert.deepEqual(boxRect(frac, 100, 50), { x: 10, y: 10, w: 40, h: 20 });
  const px = { position: { middle: [30, 20], width: 10, height: 8 }, domain: "pixel" };
  assert.deepEqual(boxRect(px, 100, 50), { x: 25, y: 16, w: 10, h: 8 });
  const swapped = { position: { minX: 50, maxX: 10, minY: 5, maxY: 1 }, domain: "pixel" };
  assert.deepEqual(boxRect(swapped, 100, 50), { x: 10, y: 1, w: 40, h: 4 });
  assert.equal(boxRect({ position: { minX: "a" } }, 10, 10), null);
  assert.equal(boxRect({}, 10, 10), null);
});

test("boxLabel is the caption or the class name, with scores", () => {
  assert.equal(boxLabel({ class_id: 1, scores: { acc: 0.93456 } }, { 1: "cat" }), "cat acc 0.935");
  assert.equal(boxLabel({ class_id: 2, box_caption: "dog!" }, { 2: "dog" }), "dog!");
  assert.equal(boxLabel({ class_id: 7 }, {}), "7");
});

test("overlayClasses lists mask labels and the classes boxes use", () => {
  const ref = {
    masks: { pred: { class_labels: { 2: "dog", 1: "cat" } } },
    boxes: { gt: { class_labels: { 1: "cat", 2: "dog", 3: "cow" }, box_data: [{ class_id: 3 }, { class_id: 1 }] } },
  };
  const got = overlayClasses(ref).map((c) => [c.set, c.kind, c.id, c.label, c.color]);
  assert.deepEqual(got, [
    ["pred", "mask", "1", "cat", colorFor(1)], ["pred", "mask", "2", "dog", colorFor(2)],
    ["gt", "boxes", "1", "cat", colorFor(1)], ["gt", "boxes", "3", "cow", colorFor(3)],
  ]);
  assert.deepEqual(overlayClasses({}), []);
  assert.notEqual(classToggle("a", "1"), classToggle("a1", ""));
});

test("paintMask colours shown classes, leaves background and hidden ones clear", () => {
  // pixels: class 0, class 1, class 2, transparent class 1
  const rgba = new Uint8ClampedArray([0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255, 1, 1, 1, 0]);
  const [out, present] = paintMask(rgba, (id) => id !== 2, 100);
  assert.deepEqual(present, [0, 1, 2]);
  assert.deepEqual([...out.slice(0, 4)], [0, 0, 0, 0]);
  assert.deepEqual([...out.slice(4, 8)], [...hexRGB(colorFor(1)), 100]);
  assert.deepEqual([...out.slice(8, 12)], [0, 0, 0, 0]);
  assert.deepEqual([...out.slice(12, 16)], [0, 0, 0, 0]);
});

test("imagesOf and describe", () => {
  const img = { _type: "image-file", width: 4, height: 3 };
  assert.deepEqual(imagesOf(img), [img]);
  assert.deepEqual(imagesOf({ _type: "images/separated", items: [img, img], count: 2 }), [img, img]);
  assert.deepEqual(imagesOf({ _type: "table-file" }), []);
  assert.equal(describe(img), "image 4×3");
  assert.equal(describe({ _type: "table-file", nrows: 10, ncols: 3 }), "table 10 rows × 3 columns");
  assert.equal(describe({ _type: "chart", chart: "confusion_matrix" }), "confusion matrix chart");
  assert.equal(describe({ _type: "images/separated", items: [img], count: 1 }), "images × 1");
});

test("orderKeys puts pictures first, then by kind and key", () => {
  const keys = [
    { key: "t", type: "table-file" }, { key: "b", type: "image-file" }, { key: "z", type: "chart" },
    { key: "a", type: "images/separated" }, { key: "m", type: "molecule-file" }, { key: "s", type: "audio-file" },
  ];
  assert.deepEqual(orderKeys(keys).map((k) => k.key), ["a", "b", "s", "z", "t", "m"]);
});
