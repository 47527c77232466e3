import { test } from "node:test";
import assert from "node:assert/strict";
import { FilterError, matches, parseFilter, splitText, withText } from "./filterexpr.js";

const runs = [
  { id: "a", name: "bert-base", group: "exp 1", state: "finished", tags: ["best"],
    config: { lr: 0.01, opt: { name: "adam" }, flag: true }, summary: { loss: 0.2 } },
  { id: "b", name: "gpt-small", group: null, state: "crashed", tags: [],
    config: { lr: 0.1, opt: { name: "sgd" }, flag: false }, summary: { loss: 0.9 } },
  { id: "c", name: "bert-large", group: "exp 2", state: "finished", tags: ["wip"],
    config: { lr: 0.001 }, summary: {} },
];
const pick = (text) => runs.filter((r) => matches(r, parseFilter(text))).map((r) => r.id);

test("plain words search name, group and tags", () => {
  assert.deepEqual(pick("bert"), ["a", "c"]);
  assert.deepEqual(pick("BEST"), ["a"]);
  assert.deepEqual(pick("bert exp"), ["a", "c"]);
  assert.deepEqual(pick(""), ["a", "b", "c"]);
});

test("numeric comparisons on config and summary, with or without spaces", () => {
  assert.deepEqual(pick("config.lr>0.005"), ["a", "b"]);
  assert.deepEqual(pick("config.lr >= 0.01"), ["a", "b"]);
  assert.deepEqual(pick("summary.loss<0.5"), ["a"]); // c has no loss: it does not match
  assert.deepEqual(pick("config.lr<=0.01 bert"), ["a", "c"]);
});

test("equality, inequality, nested paths, booleans and missing values", () => {
  assert.deepEqual(pick("config.opt.name=adam"), ["a"]);
  assert.deepEqual(pick("config.flag=false"), ["b"]);
  assert.deepEqual(pick("state!=crashed"), ["a", "c"]);
  assert.deepEqual(pick("group=null"), ["b"]);
  assert.deepEqual(pick('group="exp 1"'), ["a"]);
  assert.deepEqual(pick("config.opt.name!=adam"), ["b", "c"]);
});

test("tags and regular expressions", () => {
  assert.deepEqual(pick("tags=best"), ["a"]);
  assert.deepEqual(pick("tags!=best"), ["b", "c"]);
  assert.deepEqual(pick("name~^BERT-"), ["a", "c"]);
  assert.deepEqual(pick("tags~^w"), ["c"]);
});

test("mistakes say what to fix", () => {
  assert.throws(() => parseFilter("colour=red"), (e) => e instanceof FilterError && /Unknown field “colour”/.test(e.message));
  assert.throws(() => parseFilter("config.lr>big"), /compares with a number/);
  assert.throws(() => parseFilter("config.lr>"), /needs a value/);
  assert.throws(() => parseFilter(">3"), /needs a field/);
  assert.throws(() => parseFilter('group="open'), /not closed/);
  assert.throws(() => parseFilter("name~(("), /not a valid regular expression/);
});

test("the box's text goes to the server as {$text}, with the page's own filters", () => {
  assert.equal(withText(null, ""), null);
  assert.equal(withText({}, "  "), null);
  assert.deepEqual(withText(null, " state=failed "), { $text: "state=failed" });
  assert.deepEqual(withText({ group: "g" }, ""), { group: "g" });
  assert.deepEqual(withText({ group: "g" }, "bert"), { $and: [{ group: "g" }, { $text: "bert" }] });
});

test("a stored filter splits into the box's text and what no term says", () => {
  assert.deepEqual(splitText(null), { text: "", rest: null });
  assert.deepEqual(splitText({ $text: "bert lr" }), { text: "bert lr", rest: null });
  // JSON written before the box: terms where they say the same
  assert.deepEqual(splitText({ group: "exp-a" }), { text: "group=exp-a", rest: null });
  assert.deepEqual(splitText({ group: "exp 1", "config.lr": { $gt: 0.01, $lte: 1 }, "config.bs": "64" }),
    { text: 'group="exp 1" config.lr>0.01 config.lr<=1 config.bs="64"', rest: null });
  assert.deepEqual(splitText({ group: null, state: { $ne: "crashed" }, "config.flag": true }),
    { text: "group=null state!=crashed config.flag=true", rest: null });
  assert.deepEqual(splitText({ $and: [{ group: "g" }, { $text: "bert" }] }), { text: "group=g bert", rest: null });
  // and what they cannot: kept as it is, beside the text
  const odd = { state: { $in: ["failed", "crashed"] } };
  assert.deepEqual(splitText(odd), { text: "", rest: odd });
  assert.deepEqual(splitText({ ...odd, $text: "bert" }), { text: "bert", rest: odd });
  assert.deepEqual(splitText({ $or: [{ group: "a" }, { group: "b" }] }),
    { text: "", rest: { $or: [{ group: "a" }, { group: "b" }] } });
  assert.deepEqual(splitText({ name: 'say "hi"' }), { text: "", rest: { name: 'say "hi"' } });
  // the text keeps the runs the JSON kept
  assert.deepEqual(pick(splitText({ group: "exp 1" }).text), ["a"]);
  assert.deepEqual(pick(splitText({ "config.lr": { $gte: 0.01 } }).text), ["a", "b"]);
  assert.deepEqual(pick(splitText({ tags: "best", state: { $ne: "crashed" } }).text), ["a"]);
});
