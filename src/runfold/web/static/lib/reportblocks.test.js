import { test } from "node:test";
import assert from "node:assert/strict";
import {
  blockProblem, blocksFromView, CHART_DEFAULTS, chartSettings, hiddenFilter, moveBlock, newBlock, newestFirst,
  removeBlock, safeUrl, splitKeys,
} from "./reportblocks.js";

test("a workspace view becomes a text block, its runs table and its charts", () => {
  const view = { by: null, q: "state!=crashed", hide: [], cols: ["config.lr", "summary.loss"] };
  const settings = { "train/loss": { line: "median" } };
  const blocks = blocksFromView({
    view, defaultBy: ["group", "job_type"], metrics: ["train/acc", "train/loss", "eval/loss"],
    settingsOf: (m) => settings[m] || {},
  });
  assert.deepEqual(blocks.map((b) => b.type), ["markdown", "runs", "chart", "chart", "chart"]);
  assert.deepEqual(blocks[1], {
    type: "runs", filters: null, q: "state!=crashed", by: ["group", "job_type"], columns: ["config.lr", "summary.loss"],
  });
  // metrics with the same settings share a block, in the order shown
  assert.deepEqual(blocks[2].metrics, ["train/acc"]);
  assert.deepEqual(blocks[3].settings, { ...CHART_DEFAULTS, line: "median" });
  assert.deepEqual(blocks[4].metrics, ["eval/loss"]);
  assert.deepEqual(blocks[4].by, ["group", "job_type"]);
  // the charts draw the runs the filter box keeps, as the workspace's did
  assert.deepEqual(blocks[4].filters, { $text: "state!=crashed" });
  const hidden = blocksFromView({ view: { ...view, q: "config.lr>", hide: [JSON.stringify({ run: "r1" })] },
    defaultBy: [], metrics: ["loss"], settingsOf: () => ({}) });
  assert.deepEqual(hidden[2].filters, { id: { $nin: ["r1"] } }); // a mistake in the box: not sent
});

test("hidden runs and groups leave the chart blocks through the run filter", () => {
  const hide = [JSON.stringify({ run: "r1" }), JSON.stringify(["a", "train"]), "not json"];
  assert.deepEqual(hiddenFilter(["group", "job_type"], hide), {
    $and: [{ id: { $nin: ["r1"] } }, { $or: [{ group: { $ne: "a" } }, { job_type: { $ne: "train" } }] }],
  });
  assert.deepEqual(hiddenFilter(["group"], [JSON.stringify([null])]), { group: { $ne: null } });
  assert.equal(hiddenFilter(["group"], []), null);
  const blocks = blocksFromView({
    view: { by: [], q: "", hide: [JSON.stringify({ run: "x" })], cols: null }, defaultBy: ["group"],
    metrics: ["loss"], settingsOf: () => ({}),
  });
  assert.deepEqual(blocks[2].filters, { id: { $nin: ["x"] } });
  assert.deepEqual(blocks[2].by, []);
  assert.deepEqual(blocks[1].columns, []);
});

test("blocks move, stay in range and are removed", () => {
  const b = ["a", "b", "c"];
  assert.deepEqual(moveBlock(b, 0, 1), ["b", "a", "c"]);
  assert.deepEqual(moveBlock(b, 2, -1), ["a", "c", "b"]);
  assert.equal(moveBlock(b, 0, -1), b);
  assert.equal(moveBlock(b, 2, 1), b);
  assert.deepEqual(removeBlock(b, 1), ["a", "c"]);
});

test("new blocks follow the contract", () => {
  assert.deepEqual(newBlock("chart", { metrics: ["loss", "acc"] }), {
    type: "chart", metrics: ["loss"], by: ["group"], filters: null, settings: CHART_DEFAULTS,
  });
  assert.deepEqual(newBlock("runs", { group: "g" }), {
    type: "runs", filters: { group: "g" }, q: "", by: ["job_type"], columns: [],
  });
  assert.deepEqual(newBlock("group", { group: "g" }), { type: "group", group: "g" });
  assert.throws(() => newBlock("video"), /Unknown block type/);
  assert.deepEqual(chartSettings({ settings: { log: true } }), { ...CHART_DEFAULTS, log: true });
});

test("editor text fields parse", () => {
  assert.deepEqual(splitKeys(" group, job_type ,,"), ["group", "job_type"]);
});

test("only http(s), mailto and relative links are kept", () => {
  for (const ok of ["https://x.org/a", "http://x", "mailto:a@b.c", "/projects/p", "#top", "page.html", "?q=1"]) {
    assert.equal(safeUrl(ok), true, ok);
  }
  for (const bad of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", " javascript:x",
    "data:text/html,<script>", "vbscript:x", "file:///etc/passwd"]) {
    assert.equal(safeUrl(bad), false, bad);
  }
});

test("reports list newest updated first", () => {
  const out = newestFirst([{ id: "a", updated_at: 1 }, { id: "b", updated_at: 3 }, { id: "c", updated_at: 2 }]);
  assert.deepEqual(out.map((r) => r.id), ["b", "c", "a"]);
});

test("blocks that are not finished say what they need", () => {
  assert.match(blockProblem({ type: "chart", metrics: [] }), /metric/);
  assert.match(blockProblem({ type: "group", group: "" }), /group/);
  assert.match(blockProblem({ type: "file", run: "r", path: "" }), /run and one of its files/);
  assert.equal(blockProblem({ type: "file", run: "r", path: "a.png" }), null);
  assert.equal(blockProblem({ type: "markdown", text: "" }), null);
});
