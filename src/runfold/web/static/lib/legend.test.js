import { test } from "node:test";
import assert from "node:assert/strict";
import { byValue, pickLines } from "./legend.js";

const set = (...xs) => new Set(xs);

test("a click isolates a line and a second click shows all again", () => {
  assert.deepEqual(pickLines(set(), 3, 1, false), set(0, 2));
  assert.deepEqual(pickLines(set(0, 2), 3, 1, false), set());
  assert.deepEqual(pickLines(set(0, 2), 3, 0, false), set(1, 2)); // another line: isolate it
});

test("shift-click hides or shows one line; never all hidden", () => {
  assert.deepEqual(pickLines(set(), 3, 1, true), set(1));
  assert.deepEqual(pickLines(set(1), 3, 1, true), set());
  assert.deepEqual(pickLines(set(0, 1), 3, 2, true), set());
});

test("tooltip rows sort by value, highest first, missing values last", () => {
  const rows = [{ name: "a", value: 1 }, { name: "b", value: null }, { name: "c", value: 3 }, { name: "d", value: 2 }];
  assert.deepEqual(byValue(rows).map((r) => r.name), ["c", "d", "a", "b"]);
});
