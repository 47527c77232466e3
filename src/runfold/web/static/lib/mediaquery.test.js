// node --test: the grouped media question (lib/mediaquery.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { leftOutNote, mediaFilters, mediaParams, mediaPath, mediaView } from "./mediaquery.js";

test("mediaView takes the default grouping and splits hidden runs from hidden groups", () => {
  const view = { by: null, hide: ['["exp-1"]', '{"run":"r1"}', "junk"] };
  assert.deepEqual(mediaView(view, ["group"]), { by: ["group"], hiddenRuns: ["r1"], hiddenGroups: ['["exp-1"]'] });
  assert.deepEqual(mediaView({ by: [], hide: [] }, ["group"]).by, []);
});

test("mediaFilters leaves hidden runs out of the page's filters", () => {
  assert.equal(mediaFilters(undefined, []), null);
  assert.deepEqual(mediaFilters({ group: "g" }, []), { group: "g" });
  assert.deepEqual(mediaFilters(null, ["a"]), { id: { $nin: ["a"] } });
  assert.deepEqual(mediaFilters({ group: "g" }, ["a"]), { $and: [{ group: "g" }, { id: { $nin: ["a"] } }] });
});

test("mediaParams: by or ungrouped, step and filters only when set", () => {
  assert.deepEqual(mediaParams({ by: ["group", "job_type"], filters: null }, "ex", null, 50),
    { key: "ex", by: ["group", "job_type"], limit: 50 });
  assert.deepEqual(mediaParams({ by: [], filters: { group: "g" } }, "ex", 0),
    { key: "ex", step: 0, ungrouped: "true", filters: '{"group":"g"}' });
  assert.equal(mediaPath("p q", { key: "a/b", by: ["group"], step: 3 }),
    "/projects/p%20q/media?key=a%2Fb&by=group&step=3");
});

test("leftOutNote says what is not shown, never nothing when something is", () => {
  assert.equal(leftOutNote({ total: 3, shown: 3 }, 0), "");
  assert.equal(leftOutNote({ total: 300, shown: 200 }, 0), "Showing 200 of 300 runs.");
  assert.equal(leftOutNote({ total: 2, shown: 2 }, 1), "1 hidden group not shown.");
  assert.equal(leftOutNote({ total: 5, shown: 4 }, 2, false), "Showing 4 of 5 runs. 2 hidden runs not shown.");
});
