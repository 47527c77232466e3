import { test } from "node:test";
import assert from "node:assert/strict";
import {
  agentCounts, agentSilent, ago, bestRun, foldsHref, goodnessColor, goodnessScale, importanceRows, isDark, joinGroups, paramNames,
  progressData, sortSweepRuns, stateActions, sweepRunValue, toYaml,
} from "./sweeps.js";

test("a running sweep pauses, stops or cancels; a paused one resumes; an ended one offers nothing", () => {
  assert.deepEqual(stateActions("running").map((a) => [a.label, a.state]),
    [["Pause", "paused"], ["Stop", "finished"], ["Cancel", "canceled"]]);
  assert.deepEqual(stateActions("paused").map((a) => a.state), ["running", "finished", "canceled"]);
  assert.deepEqual(stateActions("finished"), []);
  assert.deepEqual(stateActions("canceled"), []);
});

test("relative times", () => {
  assert.equal(ago(100, 102), "just now");
  assert.equal(ago(100, 142), "42 s ago");
  assert.equal(ago(0, 5 * 60 + 59), "5 min ago");
  assert.equal(ago(0, 3 * 3600 + 1), "3 h ago");
  assert.equal(ago(0, 2 * 86400 + 7), "2 d ago");
  assert.equal(ago(200, 100), "just now"); // a clock a little ahead is not "in the future"
  assert.equal(ago(null, 100), "");
});

test("agents: counts, and a running one silent for over a minute", () => {
  const agents = [{ state: "running", seen_at: 0 }, { state: "done", seen_at: 0 }, { state: "running", seen_at: 90 }];
  assert.deepEqual(agentCounts(agents), { total: 3, running: 2 });
  assert.deepEqual(agentCounts(undefined), { total: 0, running: 0 });
  assert.deepEqual(agents.map((a) => agentSilent(a, 100)), [true, false, false]);
});

test("the definition as YAML", () => {
  const defn = {
    method: "bayes",
    metric: { name: "eval/loss", goal: "minimize" },
    parameters: {
      lr: { distribution: "log_uniform_values", min: 0.0001, max: 0.1 },
      batch: { values: [16, 32] },
      opt: { parameters: { name: { values: ["adam", "sgd"] } } },
      flag: { value: true },
      note: { value: "a: b" },
      empty: { values: [] },
    },
    command: ["${env}", "python", "${program}", "${args}"],
    early_terminate: { type: "hyperband", min_iter: 3 },
    steps: [{ a: 1, b: "yes" }, 2],
    run_cap: null,
  };
  assert.equal(toYaml(defn), [
    "method: bayes",
    "metric:",
    "  name: eval/loss",
    "  goal: minimize",
    "parameters:",
    "  lr:",
    "    distribution: log_uniform_values",
    "    min: 0.0001",
    "    max: 0.1",
    "  batch:",
    "    values: [16, 32]",
    "  opt:",
    "    parameters:",
    "      name:",
    "        values: [adam, sgd]",
    "  flag:",
    "    value: true",
    "  note:",
    '    value: "a: b"',
    "  empty:",
    "    values: []",
    'command: ["${env}", python, "${program}", "${args}"]',
    "early_terminate:",
    "  type: hyperband",
    "  min_iter: 3",
    "steps:",
    "  - a: 1",
    '    b: "yes"',
    "  - 2",
    "run_cap: null",
    "",
  ].join("\n"));
  assert.equal(toYaml({}), "{}\n");
  assert.equal(toYaml({ "1": "10", "": "" }), '"1": "10"\n"": ""\n'); // numbers as text stay text
});

test("the progress chart draws the server's values and best so far, in index order", () => {
  const runs = [
    { index: 2, value: 0.3, best_so_far: 0.3 },
    { index: 0, value: 0.5, best_so_far: 0.5 },
    { index: 1, value: null, best_so_far: 0.5 },
    { index: 3, value: Number.NaN, best_so_far: null },
  ];
  assert.deepEqual(progressData(runs), { x: [0, 1, 2, 3], value: [0.5, null, 0.3, null], best: [0.5, 0.5, 0.3, null] });
  assert.deepEqual(progressData([]), { x: [], value: [], best: [] });
});

test("the best run and the colour scale follow the goal", () => {
  const runs = [{ name: "a", value: 0.5 }, { name: "b", value: 0.25 }, { name: "c", value: null }, { name: "d", value: 0.75 }];
  assert.equal(bestRun(runs, "minimize").name, "b");
  assert.equal(bestRun(runs, "maximize").name, "d");
  assert.equal(bestRun([{ value: null }], "minimize"), null);
  const min = goodnessScale(runs, "minimize");
  const max = goodnessScale(runs, "maximize");
  assert.equal(min(0.25), 1);
  assert.equal(min(0.75), 0);
  assert.equal(max(0.75), 1);
  assert.equal(max(0.5), 0.5);
  assert.equal(max(null), null);
  assert.equal(goodnessScale([{ value: 1 }], "minimize")(1), 1);
});

test("parameter names: the server's order, then any other a run had", () => {
  const sweep = {
    parameters: [{ name: "lr" }, { name: "batch" }],
    runs: [{ params: { batch: 1, lr: 2 } }, { params: { "opt.name": "adam", lr: 1 } }, {}],
  };
  assert.deepEqual(paramNames(sweep), ["lr", "batch", "opt.name"]);
  assert.deepEqual(paramNames({}), []);
});

test("importance rows: highest first, bars against the largest, correlation signed", () => {
  const rows = importanceRows([
    { name: "opt", importance: 0.1, correlation: null },
    { name: "lr", importance: 0.6, correlation: -0.9 },
    { name: "seed", importance: null, correlation: 1.2 },
    { name: "batch", importance: 0.3, correlation: 0.25 },
  ]);
  assert.deepEqual(rows.map((r) => r.name), ["lr", "batch", "opt", "seed"]);
  assert.deepEqual(rows.map((r) => r.importanceBar), [1, 0.5, 0.1 / 0.6, 0]);
  assert.deepEqual(rows.map((r) => r.correlationBar), [-0.9, 0.25, 0, 1]);
  assert.deepEqual(importanceRows(undefined), []);
});

test("a sweep run's folds: its sweep's group, filtered to its job type and opened", () => {
  const href = foldsHref("my proj", "ab12cd34", "sweep run-1");
  const url = new URL(href, "http://x");
  assert.equal(url.pathname, "/projects/my%20proj/groups/ab12cd34");
  assert.equal(url.searchParams.get("q"), 'job_type="sweep run-1"');
  assert.deepEqual(url.searchParams.getAll("open"), ['["sweep run-1"]']);
  const quoted = new URL(foldsHref("p", "s", 'a"b'), "http://x");
  assert.equal(quoted.searchParams.get("q"), null); // a quote cannot be filtered on: just opened
});

const RUNS = [
  { index: 0, run_id: "a", name: "r0", state: "finished", proposal_state: "finished", value: 0.5, params: { lr: 0.1, seed: 1 } },
  { index: 1, run_id: "b", name: "r1", state: "finished", proposal_state: "stopped", value: 0.2, params: { lr: 0.01, seed: 1 } },
  { index: 2, run_id: "c", name: "r2", state: "finished", proposal_state: "finished", value: 0.4, params: { lr: 0.1, seed: 2 } },
  { index: 3, run_id: "d", name: null, state: null, proposal_state: "running", value: null, params: { lr: 0.01, seed: 2 } },
];

test("sweep runs sort by any column, missing values last, ties by index", () => {
  assert.equal(sweepRunValue(RUNS[1], "param.lr"), 0.01);
  assert.equal(sweepRunValue(RUNS[1], "proposal"), "stopped");
  assert.deepEqual(sortSweepRuns(RUNS, "").map((r) => r.index), [0, 1, 2, 3]);
  assert.deepEqual(sortSweepRuns(RUNS, "-index").map((r) => r.index), [3, 2, 1, 0]);
  assert.deepEqual(sortSweepRuns(RUNS, "value").map((r) => r.index), [1, 2, 0, 3]);
  assert.deepEqual(sortSweepRuns(RUNS, "-value").map((r) => r.index), [0, 2, 1, 3]);
  assert.deepEqual(sortSweepRuns(RUNS, "param.lr").map((r) => r.index), [1, 3, 0, 2]);
});

test("group rows take their runs in the table's order; a run in no group comes after", () => {
  const groups = [{ key: [{ lr: 0.1 }], runs: ["a", "c"] }, { key: [{ lr: 0.01 }], runs: ["b"] }];
  const byValue = joinGroups(groups, sortSweepRuns(RUNS, "value"));
  assert.deepEqual(byValue.groups.map((g) => g.members.map((r) => r.run_id)), [["b"], ["c", "a"]]);
  assert.deepEqual(byValue.rest.map((r) => r.index), [3]);
  const byIndex = joinGroups(groups, sortSweepRuns(RUNS, ""));
  assert.deepEqual(byIndex.groups.map((g) => g.group.runs), [["a", "c"], ["b"]]);
  assert.deepEqual(joinGroups([], RUNS).rest.length, 4);
});

test("line colours: the best runs darkest on a light page, brightest on a dark one", () => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.slice(4, -1).split(",").map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  assert.ok(lum(goodnessColor(1)) < lum(goodnessColor(0.5)));
  assert.ok(lum(goodnessColor(0.5)) < lum(goodnessColor(0)));
  assert.ok(lum(goodnessColor(1, true)) > lum(goodnessColor(0.5, true)));
  assert.ok(lum(goodnessColor(0.5, true)) > lum(goodnessColor(0, true)));
  assert.equal(goodnessColor(null), null);
  assert.match(goodnessColor(0.3), /^rgb\(\d+,\d+,\d+\)$/);
  assert.equal(isDark("#111318"), true);
  assert.equal(isDark("#ffffff"), false);
  assert.equal(isDark("#fff"), false);
  assert.equal(isDark("white"), false); // not a hex colour: taken as light
});
