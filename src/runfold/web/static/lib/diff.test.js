import { test } from "node:test";
import assert from "node:assert/strict";
import {
  configRows, flatten, groupSummary, lowerIsBetter, MISSING, MIXED, runSummary, sharedConfig, summaryRows,
} from "./diff.js";

test("flatten gives dotted paths and keeps lists whole", () => {
  assert.deepEqual(flatten({ lr: 0.1, opt: { name: "adam", betas: [0.9, 0.99] }, empty: {} }),
    { lr: 0.1, "opt.name": "adam", "opt.betas": [0.9, 0.99], empty: {} });
});

test("a group shares a value only when all its runs have it, equal as JSON", () => {
  const shared = sharedConfig([
    { lr: 0.1, seed: 1, flag: true, only: "x" },
    { lr: 0.1, seed: 2, flag: 1 },
  ]);
  assert.deepEqual(shared, { flag: MIXED, lr: 0.1, only: MIXED, seed: MIXED });
});

test("config rows differ exactly where the columns show different values", () => {
  const rows = configRows([
    { config: { lr: 0.1, arch: "resnet", seed: MIXED, a: null } },
    { config: { lr: 0.01, arch: "resnet", seed: MIXED } },
  ]);
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  assert.deepEqual(rows.map((r) => r.key), ["a", "arch", "lr", "seed"]);
  assert.equal(by.lr.differs, true);
  assert.equal(by.arch.differs, false);
  assert.equal(by.seed.differs, false);
  assert.equal(by.seed.allMixed, true);
  assert.equal(by.a.differs, true); // null vs missing
  assert.equal(by.a.values[1], MISSING);
});

test("the best value is the lowest for loss/error keys, else the highest", () => {
  assert.ok(lowerIsBetter("val/loss") && lowerIsBetter("top1_error") && lowerIsBetter("ERR"));
  assert.ok(!lowerIsBetter("eval/acc"));
  const rows = summaryRows([
    { summary: runSummary({ "train/loss": 0.5, acc: 0.7, name: "x", same: 1 }) },
    { summary: runSummary({ "train/loss": 0.2, acc: 0.9, same: 1 }) },
    { summary: runSummary({ "train/loss": 0.2, acc: 0.8, same: 1, flag: true }) },
  ]);
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  assert.deepEqual(Object.keys(by), ["acc", "same", "train/loss"]);
  assert.deepEqual(by["train/loss"].best, [1, 2]);
  assert.deepEqual(by.acc.best, [1]);
  assert.deepEqual(by.same.best, []); // all equal: nothing to point out
  assert.equal(by.acc.delta[0], null);
  assert.ok(Math.abs(by.acc.delta[1] - 0.2) < 1e-12);
  assert.ok(Math.abs(by["train/loss"].delta[2] + 0.3) < 1e-12);
});

test("group cells are the mean with std and n", () => {
  const cells = groupSummary({ loss: { mean: 1.5, std: 0.5, count: 2 }, bad: { mean: null, count: 0 } });
  assert.deepEqual(cells, { loss: { value: 1.5, std: 0.5, n: 2 } });
  const rows = summaryRows([{ summary: cells }, { summary: {} }]);
  assert.deepEqual(rows[0].cells[1], null);
  assert.deepEqual(rows[0].best, []);
});

test("values equal up to float noise tie: no best, a zero difference", () => {
  const a = (0.71 + 0.74 + 0.73) / 3;
  const b = (0.8 + 0.78 + 0.6) / 3;
  assert.notEqual(a, b); // the same mean, summed in another order
  const [row] = summaryRows([{ summary: { acc: { value: a } } }, { summary: { acc: { value: b } } }]);
  assert.deepEqual(row.best, []);
  assert.equal(row.delta[1], 0);
});
