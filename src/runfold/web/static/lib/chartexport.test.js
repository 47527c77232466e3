import { test } from "node:test";
import assert from "node:assert/strict";
import { exportCSV, exportJSON } from "./chartexport.js";

const aligned = {
  x: [0, 1],
  groups: [{ name: 'a "b"', key: ["a"], src: [0, -1], line: [1, null], lo: [0.5, null], hi: [1.5, null], n: [2, null] }],
  members: [{ id: "r1", group: 0, src: [0, 0], line: [0.5, 7] }],
};
const state = { metric: "loss", settings: { x: "_step", line: "mean" }, aligned, zoom: [0, 1] };

test("CSV holds the group's points, then its member runs", () => {
  assert.equal(exportCSV(state), [
    '"group","_step","mean","lower","upper","n"',
    '"a ""b""",0,1,0.5,1.5,2',
    '"a ""b"" / run r1",0,0.5,,,1',
    '"a ""b"" / run r1",1,7,,,1',
  ].join("\n") + "\n");
});

test("JSON names the zoom and the members", () => {
  const body = JSON.parse(exportJSON(state));
  assert.deepEqual(body.zoom, [0, 1]);
  assert.deepEqual(body.members, [{ run: "r1", group: 'a "b"', line: [0.5, 7] }]);
  assert.deepEqual(body.groups[0].upper, [1.5, null]);
});

test("a small chart's JSON names its facet", () => {
  const facet = { key: "config.dataset", value: null, label: "config.dataset = (none)", index: 2 };
  assert.deepEqual(JSON.parse(exportJSON({ ...state, facet })).facet, { key: "config.dataset", value: null });
  assert.equal("facet" in JSON.parse(exportJSON(state)), false);
});
