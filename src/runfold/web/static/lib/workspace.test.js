import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addPanel, addSection, autoLayout, duplicatePanel, findPanel, groupLabel, mergeLayout, movePanel,
  normalizeLayout, panelMatcher, placeSection, removePanel, removeSection, renameSection, moveSection, shiftPanel,
  toggleSection, updatePanel, viewFilters,
} from "./workspace.js";

const KEYS = ["train/loss", "train/acc", "eval/acc", "lr", "system/cpu"];
const ids = (layout) => layout.sections.map((s) => [s.id, s.panels.map((p) => p.id)]);

test("the automatic layout has a section per prefix, the rest, then system collapsed", () => {
  const layout = autoLayout(KEYS);
  assert.deepEqual(ids(layout), [
    ["train", ["train/acc", "train/loss"]], ["eval", ["eval/acc"]], ["(rest)", ["lr"]], ["system", ["system/cpu"]],
  ]);
  assert.deepEqual(layout.sections.map((s) => s.collapsed), [false, false, false, true]);
  assert.deepEqual(findPanel(layout, "lr").panel, { id: "lr", type: "line", metric: "lr", w: 1, h: 1 });
});

test("new metrics join their section; removed ones stay away; nothing new keeps the object", () => {
  let layout = removePanel(autoLayout(["train/loss", "lr"]), "lr");
  assert.deepEqual(layout.removed, ["lr"]);
  assert.equal(mergeLayout(layout, ["train/loss", "lr"]), layout);
  layout = mergeLayout(layout, ["train/loss", "lr", "train/acc", "eval/acc", "system/gpu"]);
  assert.deepEqual(ids(layout), [
    ["train", ["train/loss", "train/acc"]], ["(rest)", []], ["eval", ["eval/acc"]], ["system", ["system/gpu"]],
  ]);
  // a later new prefix goes before the system section
  layout = mergeLayout(layout, ["val/x"]);
  assert.deepEqual(layout.sections.map((s) => s.id), ["train", "(rest)", "eval", "val", "system"]);
});

test("duplicate, resize, move and remove panels", () => {
  let layout = autoLayout(KEYS);
  let copy;
  [layout, copy] = duplicatePanel(layout, "train/loss");
  assert.equal(copy, "train/loss#2");
  assert.deepEqual(ids(layout)[0], ["train", ["train/acc", "train/loss", "train/loss#2"]]);
  [layout, copy] = duplicatePanel(layout, "train/loss");
  assert.equal(copy, "train/loss#3");
  layout = updatePanel(layout, "train/loss#2", { w: 3, h: 2 });
  assert.deepEqual([findPanel(layout, "train/loss#2").panel.w, findPanel(layout, "train/loss#2").panel.h], [3, 2]);
  layout = updatePanel(layout, "train/loss#2", { w: 7 }); // out of range: back to 1
  assert.equal(findPanel(layout, "train/loss#2").panel.w, 1);
  layout = movePanel(layout, "train/loss#2", "eval", 0);
  assert.deepEqual(ids(layout)[1], ["eval", ["train/loss#2", "eval/acc"]]);
  layout = shiftPanel(layout, "train/loss#2", 1);
  assert.deepEqual(ids(layout)[1], ["eval", ["eval/acc", "train/loss#2"]]);
  assert.equal(shiftPanel(layout, "train/loss#2", 1), layout); // already last
  layout = removePanel(layout, "train/loss#2");
  assert.deepEqual(layout.removed, []); // train/loss is still charted
  layout = removePanel(removePanel(layout, "train/loss"), "train/loss#3");
  assert.deepEqual(layout.removed, ["train/loss"]);
});

test("panels of other types get ids of their own; adding a removed metric's line brings it back", () => {
  let layout = removePanel(autoLayout(KEYS), "lr");
  let id;
  [layout, id] = addPanel(layout, "eval", "bar", "eval/acc", { per: "group", error: "std" });
  assert.equal(id, "bar:eval/acc");
  assert.deepEqual(findPanel(layout, id).panel.settings, { per: "group", error: "std" });
  [layout, id] = addPanel(layout, "eval", "bar", "eval/acc");
  assert.equal(id, "bar:eval/acc#2");
  [layout, id] = addPanel(layout, "train", "line", "lr");
  assert.equal(id, "lr");
  assert.deepEqual(layout.removed, []);
  // parallel coordinates and the run comparer chart no single metric, and start wide
  [layout, id] = addPanel(layout, "eval", "parcoords", null, { axes: ["config.lr", "summary.eval/acc"] });
  assert.equal(id, "parcoords:panel");
  assert.equal(findPanel(layout, id).panel.w, 2);
  [layout, id] = addPanel(layout, "eval", "comparer", null, { only: true });
  assert.equal(id, "comparer:panel");
  const back = normalizeLayout(JSON.parse(JSON.stringify(layout)));
  assert.deepEqual(back.sections.find((s) => s.id === "eval").panels.slice(-2).map((p) => [p.id, p.type, p.metric, p.w]),
    [["parcoords:panel", "parcoords", null, 2], ["comparer:panel", "comparer", null, 2]]);
});

test("a section dragged onto another goes before or after it", () => {
  const layout = autoLayout(KEYS);
  const order = (l) => l.sections.map((s) => s.id);
  assert.deepEqual(order(layout), ["train", "eval", "(rest)", "system"]);
  assert.deepEqual(order(placeSection(layout, "(rest)", "train")), ["(rest)", "train", "eval", "system"]);
  assert.deepEqual(order(placeSection(layout, "train", "(rest)", true)), ["eval", "(rest)", "train", "system"]);
  assert.deepEqual(order(placeSection(layout, "train", "system", true)), ["eval", "(rest)", "system", "train"]);
  // onto itself, onto its own place, or an unknown section: the same object
  assert.equal(placeSection(layout, "eval", "eval"), layout);
  assert.equal(placeSection(layout, "eval", "train", true), layout);
  assert.equal(placeSection(layout, "nope", "train"), layout);
  // panels travel with their section
  assert.deepEqual(placeSection(layout, "eval", "train").sections[0].panels.map((p) => p.id), ["eval/acc"]);
});

test("sections are renamed, collapsed, reordered, added and removed without losing panels", () => {
  let layout = autoLayout(KEYS);
  layout = renameSection(layout, "train", "Training");
  assert.equal(layout.sections[0].title, "Training");
  assert.equal(renameSection(layout, "train", "  "), layout);
  layout = toggleSection(layout, "train");
  assert.equal(layout.sections[0].collapsed, true);
  layout = moveSection(layout, "eval", -1);
  assert.deepEqual(layout.sections.map((s) => s.id), ["eval", "train", "(rest)", "system"]);
  let id;
  [layout, id] = addSection(layout, "Mine");
  assert.deepEqual(layout.sections.map((s) => s.id), ["eval", "train", "(rest)", "section-1", "system"]);
  layout = movePanel(layout, "lr", id);
  layout = removeSection(layout, id);
  assert.deepEqual(ids(layout)[2], ["(rest)", ["lr"]]);
});

test("a layout read back keeps what fits and drops the rest", () => {
  assert.equal(normalizeLayout(null), null);
  assert.equal(normalizeLayout({ sections: "no" }), null);
  const layout = normalizeLayout({
    sections: [
      { id: "a", title: "", panels: [
        { id: "x", type: "line", metric: "x", w: 2, h: 9 }, { id: "x", type: "line", metric: "x" },
        { id: "y", type: "pie", metric: "y" }, { id: "z", type: "bar", metric: "z", settings: [1] },
        "junk",
      ] },
      { id: "a", panels: [] }, { title: "no id" },
    ],
    removed: ["q", 3],
  });
  assert.deepEqual(layout, {
    version: 1,
    sections: [{ id: "a", title: "a", collapsed: false, system: false, panels: [
      { id: "x", type: "line", metric: "x", w: 2, h: 1 }, { id: "z", type: "bar", metric: "z", w: 1, h: 1 },
    ] }],
    removed: ["q"],
  });
});

test("the panel search is a regular expression, or text when it is not one", () => {
  const m = panelMatcher("^train/");
  assert.equal(m({ metric: "train/loss" }), true);
  assert.equal(m({ metric: "eval/loss" }), false);
  assert.equal(panelMatcher("")({ metric: "x" }), true);
  assert.equal(panelMatcher("acc(")({ metric: "eval/acc(top1)" }), true);
  assert.equal(panelMatcher("LR")({ metric: null, settings: { x: "config.lr", y: "summary.acc" } }), true);
  assert.equal(panelMatcher("^summary.eval")({ metric: null, settings: { axes: ["config.lr", "summary.eval/acc"] } }), true);
  assert.equal(panelMatcher("loss")({ metric: null, type: "comparer", settings: { only: true } }), false);
});

test("group labels carry their keys; group and job_type read as a path", () => {
  assert.equal(groupLabel([0.001, "adam"], ["config.lr", "config.optimizer"], "0.001 / adam"),
    "lr=0.001 · optimizer=adam");
  assert.equal(groupLabel(["ddp", "train"], ["group", "job_type"], "ddp / train"), "ddp / train");
  assert.equal(groupLabel(["ddp", 0.1, null], ["group", "config.lr", "state"], "ddp / 0.1 / (none)"), "ddp · lr=0.1 · state=(none)");
  assert.equal(groupLabel([1], ["config.lr"], "1.0"), "lr=1.0"); // the API's text of the value
  assert.equal(groupLabel([{ a: 1 }], ["config.net"], {}), 'net={"a":1}'); // no name: from the key
  assert.equal(groupLabel(null, [], "run-1"), "run-1");
  assert.equal(groupLabel(["a"], ["group", "job_type"], "a"), "a"); // key and by disagree: the name
});

test("the view's run filter: the shorter of $in and $nin, hidden runs left out", () => {
  const all = ["a", "b", "c", "d", "e"];
  assert.equal(viewFilters(undefined, null, all, []), undefined);
  assert.deepEqual(viewFilters({ group: "g" }, null, all, []), { group: "g" });
  assert.deepEqual(viewFilters(null, null, all, ["c"]), { id: { $nin: ["c"] } });
  assert.deepEqual(viewFilters(null, ["b", "a"], all, []), { id: { $in: ["a", "b"] } });
  assert.deepEqual(viewFilters(null, ["a", "b", "c", "d"], all, ["b"]), { id: { $nin: ["b", "e"] } });
  assert.deepEqual(viewFilters(null, ["a", "b"], all, ["b"]), { id: { $in: ["a"] } });
  assert.deepEqual(viewFilters(null, [], all, []), { id: { $in: [] } });
  assert.equal(viewFilters(null, all, all, []), undefined); // a filter that keeps every run
  assert.deepEqual(viewFilters({ group: "g" }, ["a"], all, []), { $and: [{ group: "g" }, { id: { $in: ["a"] } }] });
});
