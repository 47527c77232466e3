import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chartFromParams, formatChartParam, paramName, parseChartParam, setChartParam,
} from "./chartparams.js";

const DEFAULTS = { line: "mean", shading: "minmax", x: "_step", smoothing: 0, log: false, max: 20 };

test("only settings that differ from the defaults are written", () => {
  assert.equal(formatChartParam(DEFAULTS, null, DEFAULTS), "");
  const s = { ...DEFAULTS, line: "median", shading: "std", x: "_runtime", smoothing: 0.6, log: true, max: 5 };
  assert.equal(formatChartParam(s, [10, 250.5], DEFAULTS),
    "line:median;shading:std;x:_runtime;smooth:0.6;log:1;max:5;zoom:10..250.5");
});

test("the text reads back to the same settings and zoom", () => {
  const s = { ...DEFAULTS, shading: "members", x: "eval/acc;odd:key", smoothing: 0.25 };
  const text = formatChartParam(s, [1, 2], DEFAULTS);
  assert.ok(!text.includes("odd:key"));
  const back = parseChartParam(text);
  assert.deepEqual({ ...DEFAULTS, ...back.settings }, s);
  assert.deepEqual(back.zoom, [1, 2]);
});

test("unreadable parts fall back to the defaults", () => {
  const { settings, zoom } = parseChartParam("line:p99;shading:;smooth:2;log:yes;max:0;zoom:5..1;x:%E0;junk");
  assert.deepEqual(settings, {});
  assert.equal(zoom, null);
  assert.equal(parseChartParam("zoom:..3").zoom, null);
  assert.equal(parseChartParam(null).zoom, null);
});

test("a chart's parameter is set, read and removed in URLSearchParams", () => {
  const p = new URLSearchParams("by=group&chart.loss=line:max");
  assert.deepEqual(chartFromParams(p, "loss", DEFAULTS), { settings: { ...DEFAULTS, line: "max" }, zoom: null });
  setChartParam(p, "train/acc", { ...DEFAULTS, log: true }, [0, 9], DEFAULTS);
  assert.equal(p.get(paramName("train/acc")), "log:1;zoom:0..9");
  setChartParam(p, "loss", DEFAULTS, null, DEFAULTS);
  assert.equal(p.toString(), "by=group&chart.train%2Facc=log%3A1%3Bzoom%3A0..9");
});

test("the y range and ignoring outliers are written only when set, and read back", () => {
  const defaults = { ...DEFAULTS, ymin: null, ymax: null, ignoreOutliers: false };
  assert.equal(formatChartParam({ ...defaults, ymin: null, ymax: null }, null, defaults), "");
  const s = { ...defaults, ymin: -0.5, ymax: 2, ignoreOutliers: true };
  const text = formatChartParam(s, null, defaults);
  assert.equal(text, "ymin:-0.5;ymax:2;outliers:ignore");
  assert.deepEqual({ ...defaults, ...parseChartParam(text).settings }, s);
  // one end only; 0 is a bound, not "unset"
  assert.equal(formatChartParam({ ...defaults, ymin: 0 }, null, defaults), "ymin:0");
  assert.deepEqual(parseChartParam("ymax:0").settings, { ymax: 0 });
  // defaults without these settings (a report block's): off and auto are not written
  assert.equal(formatChartParam({ ...DEFAULTS, ignoreOutliers: false, ymin: null }, null, DEFAULTS), "");
  // unreadable bounds fall back to auto
  assert.deepEqual(parseChartParam("ymin:;ymax:abc;outliers:maybe").settings, {});
});
