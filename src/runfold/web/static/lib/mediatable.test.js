// node --test: a logged table's rows as the table panel shows them (lib/mediatable.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cellText, compareCells, isNumberColumn, nextSort, shownColumns, tableRows } from "./mediatable.js";

const rows = [
  [3, "b", { _type: "image-file", caption: "a cat", width: 2, height: 2 }],
  [null, "A", null],
  [1, "c10", true],
  [10, "c9", { x: 1 }],
  [2, null, "dog"],
];

test("sort by a number column, empties last in both directions", () => {
  assert.deepEqual(tableRows(rows, { sort: { index: 0, desc: false } }), [2, 4, 0, 3, 1]);
  assert.deepEqual(tableRows(rows, { sort: { index: 0, desc: true } }), [3, 0, 4, 2, 1]);
});

test("sort by text is case-blind and numeric-aware", () => {
  assert.deepEqual(tableRows(rows, { sort: { index: 1 } }), [1, 0, 3, 2, 4]);
});

test("ties keep the file's order", () => {
  const same = [[1, "x"], [1, "y"], [0, "z"]];
  assert.deepEqual(tableRows(same, { sort: { index: 0, desc: true } }), [0, 1, 2]);
});

test("the text filter matches any cell, a media caption too, or only picked columns", () => {
  assert.deepEqual(tableRows(rows, { text: "CAT" }), [0]);
  assert.deepEqual(tableRows(rows, { text: "c" }), [0, 2, 3]);
  assert.deepEqual(tableRows(rows, { text: "c", columns: [0, 2] }), [0]);
  assert.deepEqual(tableRows(rows, { text: "  " }), [0, 1, 2, 3, 4]);
});

test("cellText, compareCells, nextSort, isNumberColumn, shownColumns", () => {
  assert.equal(cellText(null), "");
  assert.equal(cellText({ a: [1] }), '{"a":[1]}');
  assert.equal(cellText(false), "false");
  assert.ok(compareCells(2, "a") < 0);
  assert.ok(compareCells(NaN, 1) > 0);
  assert.deepEqual(nextSort(null, 2), { index: 2, desc: false });
  assert.deepEqual(nextSort({ index: 2, desc: false }, 2), { index: 2, desc: true });
  assert.equal(nextSort({ index: 2, desc: true }, 2), null);
  assert.deepEqual(nextSort({ index: 1, desc: true }, 2), { index: 2, desc: false });
  assert.equal(isNumberColumn(rows, 0), true);
  assert.equal(isNumberColumn(rows, 1), false);
  assert.equal(isNumberColumn([[null]], 0), false);
  assert.deepEqual(shownColumns(["a", "b", "c"], null), [0, 1, 2]);
  assert.deepEqual(shownColumns(["a", "b", "c"], ["c", "a"]), [0, 2]);
});
