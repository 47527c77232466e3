import { test } from "node:test";
import assert from "node:assert/strict";
import { columns, label, layout } from "./lineage.js";

const nodes = [
  { id: "run:prep", kind: "run", name: "prep" },
  { id: "artifact:data:v0", kind: "artifact", name: "data", version: 0 },
  { id: "run:train", kind: "run", name: "train" },
  { id: "artifact:model:v0", kind: "artifact", name: "model", version: 0 },
  { id: "run:eval", kind: "run", name: "eval" },
];
const edges = [
  { source: "run:prep", target: "artifact:data:v0", role: "logged" },
  { source: "artifact:data:v0", target: "run:train", role: "used" },
  { source: "run:train", target: "artifact:model:v0", role: "logged" },
  { source: "artifact:model:v0", target: "run:eval", role: "used" },
  { source: "artifact:data:v0", target: "run:eval", role: "used" },
];

test("each node sits one column right of everything it comes from", () => {
  assert.deepEqual(columns(nodes, edges), {
    "run:prep": 0, "artifact:data:v0": 1, "run:train": 2, "artifact:model:v0": 3, "run:eval": 4,
  });
});

test("a cycle does not loop for ever", () => {
  const loop = [{ source: "a", target: "b" }, { source: "b", target: "a" }];
  const c = columns([{ id: "a" }, { id: "b" }], loop);
  assert.equal(Object.keys(c).length, 2);
});

test("layout places columns apart and draws every edge", () => {
  const out = layout(nodes, edges, { w: 100, h: 20, gapX: 50, gapY: 10, pad: 0 });
  const x = Object.fromEntries(out.nodes.map((n) => [n.id, n.x]));
  assert.equal(x["run:eval"], 4 * 150);
  assert.equal(out.edges.length, 5);
  assert.match(out.edges[0].path, /^M\d+,\d+ C/);
  assert.equal(out.width, 4 * 150 + 100);
});

test("labels name versions as name:vN", () => {
  assert.equal(label(nodes[1]), "data:v0");
  assert.equal(label({ kind: "run", run_id: "x1" }), "x1");
});
