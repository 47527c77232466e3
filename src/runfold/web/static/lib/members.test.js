import { test } from "node:test";
import assert from "node:assert/strict";
import { alignWithMembers, memberPlan } from "./members.js";

const entry = (key, x, mean, extra = {}) => ({
  key, name: key.join(" / "), x, mean, median: mean, min: mean, max: mean, count: x.map(() => 1),
  std: x.map(() => null), stderr: x.map(() => null), mode: "exact", ...extra,
});

test("the plan caps runs per group and in all, and says so", () => {
  const groups = [{ run_ids: ["a", "b", "c"] }, { run_ids: ["d"] }, { run_ids: ["e", "f"] }];
  assert.deepEqual(memberPlan(groups, 2, 4), {
    ids: ["a", "b", "d", "e"], counts: [{ shown: 2, total: 3 }, { shown: 1, total: 1 }, { shown: 1, total: 2 }],
    capped: true,
  });
  assert.equal(memberPlan(groups, 5, 10).capped, false);
});

test("members share the groups' x and keep their group", () => {
  const g = entry(["g"], [0, 2], [1.5, 2.5], { run_ids: ["r1", "r2"], count: [2, 2] });
  const members = [entry(["r1"], [0, 1, 2], [1, 9, 2]), entry(["r2"], [0, 2], [2, 3]), entry(["zz"], [5], [0])];
  const out = alignWithMembers([g], members, { line: "mean", shading: "members" });
  assert.deepEqual(out.x, [0, 1, 2]);
  assert.deepEqual(out.groups[0].line, [1.5, null, 2.5]);
  assert.deepEqual(out.groups[0].src, [0, -1, 1]);
  assert.deepEqual(out.members.map((m) => [m.id, m.group, m.line]), [["r1", 0, [1, 9, 2]], ["r2", 0, [2, null, 3]]]);
});
