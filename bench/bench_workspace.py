"""The project workspace in a real browser: load, a filter change, a panel dragged.

    python bench/bench_workspace.py            # 1,000 runs in 10 groups, 24 panels, 5 repeats
    python bench/bench_workspace.py --quick    # 200 runs, 2 repeats, 15 s waits

(with a Python that has Runfold and Playwright, e.g. ``.venv-test/bin/python``).

Issue 20 (item 7, "Speed"): the workspace of 1,000 runs in 10 groups with 24 panels
in 3 sections is interactive in ≤ 1.5 s, a filter change redraws in ≤ 300 ms and
dragging a panel stays at 60 fps.

The store (``--runs`` runs in ``--groups`` groups, job_type ``train``; the 12-key
config of the query datasets; 24 metrics over ``--steps`` steps: 8 ``train/*`` at
every step, 8 ``perf/*`` every 10th, 8 ``eval/*`` every 50th; in groups g1, g4 and
g7 every 9th run failed, the rest finished) is written through ``store.ingest`` and
cached under ``bench/out/``. So the workspace opens with 24 line panels in 3
sections (``train/``, ``eval/``, ``perf/``). A real ``runfold ui`` serves it on
loopback (``bench_browser.py``'s server and browser session); Debian's chromium,
driven by Playwright at 1280×800, opens ``/projects/bench-workspace`` in a fresh
context (empty cache) per repeat, after one load that is not counted (cold server).
The saved layout is reset (``PUT /workspace {"spec": null}``) before the first load
and after each drag, so every repeat opens the automatic layout.

Every "first frame where …" is found by a ``requestAnimationFrame`` loop that checks
the condition once per frame; the figure is the time the frame was painted (the task
after that frame's rendering). Charts are read through ``window.__runfoldCharts[panel
id]`` (pages/chartlife.js ``publish``): ``painted`` (uPlot drew it; a chart far below
the fold has its numbers but waits), ``drawnGroups`` (its lines) and ``at`` (when).

- **interactive**: navigation start → the first frame where the sidebar shows its 10
  ``group-row``s, the grid has its 24 ``ws-panel``s, and every panel with any part
  inside the 1280×800 viewport has drawn its 10 group lines. **all panels**: the same
  for all 24 (those below the fold are drawn when the page is idle, without
  scrolling: chartlife.js ``drawLater``).
- **filter**: the whole text ``state=failed`` put in the sidebar's filter box in one
  ``input`` event (as a paste, or the last key typed) → the first frame where the
  sidebar shows the 3 groups that have failed runs and every on-screen panel has
  drawn 3 lines, published after the change; then the box cleared → 10 rows and 10
  lines again. Includes the page's 50 ms wait for typing to rest before it asks the
  server (workspace.js ``SETTLE_MS``). "all" is the same for all 24 panels.
- **drag**: the first panel's handle (⠿) pressed, then moved in 60 steps over about
  1 s (Playwright's mouse, which Chromium turns into HTML drag events) to the right
  half of the last panel of the first section whose middle is on screen, and let go.
  The frames are ``requestAnimationFrame`` timestamps between ``dragstart`` and
  ``drop``: fps is 1000 / the median interval, "worst" the longest interval, "late"
  the intervals over 25 ms (a frame missed); 60 fps is held when the median is
  ≥ 57 fps and no interval exceeds two vsyncs. Long tasks are those that ended
  before the drop. **drop**: ``drop`` → the first frame with the panel in its new
  place (checked: a drop that does not move it is a failure).

Besides: when the sidebar's rows alone and the on-screen charts alone were right
(condition met, not painted), long tasks (≥ 50 ms) before the figure's frame, and
per API request (Playwright's timings, as in ``bench_browser.py``) when it was sent
and done, server and body times and its size on the wire (gzip).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from bench_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Session,
    UiServer,
    _call_name,
    _request_summary,
    _requests,
    _summary,
    serve,
)
from common import emit, median
from gen_data import _config, _identity, cached_store
from machine import describe, load

PROJECT = "bench-workspace"
# section prefix -> (logged every N steps, its 8 metric names)
SECTIONS = {
    "train": (1, ("loss", "acc", "lr", "grad_norm", "param_norm", "ppl", "top5",
                  "entropy")),
    "eval": (50, ("loss", "acc", "top5", "ppl", "f1", "precision", "recall",
                  "calibration")),
    "perf": (10, ("samples_per_s", "mfu", "step_ms", "data_ms", "mem_gb",
                  "tokens_per_s", "gpu_util", "comm_ms")),
}  # fmt: skip
METRICS = [f"{p}/{n}" for p, (_, names) in SECTIONS.items() for n in names]
FAILED_GROUPS = (1, 4, 7)  # every 9th run of these groups failed
FILTER = "state=failed"
TARGET_INTERACTIVE_MS = 1500.0
TARGET_FILTER_MS = 300.0
TARGET_FPS = 60.0
LATE_MS = 25.0  # a frame interval past 1.5 vsyncs: a frame was missed
DRAG_STEPS = 60
DRAG_S = 1.0
_VERSION = 1

# Resolves with the first frames where the view is shown: the sidebar has `rows`
# group rows, the grid `panels` panels, and every panel on screen ("screen"), then
# every panel ("all"), has drawn `lines` lines published after `after` (null: any).
# Checked in a requestAnimationFrame callback (once per frame, just before it is
# rendered); "painted" is the task after that frame. Times are ms since `t0`.
WAIT_JS = """
async ({ t0, rows, panels, lines, after, timeoutMs }) => {
  const charts = () => window.__runfoldCharts || {};
  const onScreen = (el) => {
    const b = el.getBoundingClientRect();
    return b.bottom > 0 && b.top < window.innerHeight && b.right > 0 && b.left < window.innerWidth;
  };
  const drawn = (id) => {
    const c = charts()[id];
    return !!c && c.painted && c.drawnGroups === lines && Array.isArray(c.data) && c.data.length > 1
      && c.data[0].length > 0 && (after === null || c.at > after);
  };
  const rowCount = () =>
    document.querySelectorAll("[data-testid=group-sidebar] [data-testid=group-row]").length;
  const boxes = () => [...document.querySelectorAll("[data-testid=ws-panel]")];
  const out = { screen: null, all: null, sidebar: null, charts: null };
  const start = performance.now();
  return await new Promise((resolve) => {
    const frame = () => {
      const now = performance.now();
      const list = boxes();
      // each part alone: the sidebar's rows, the on-screen charts
      const rowsDone = rowCount() === rows;
      if (out.sidebar === null && rowsDone) out.sidebar = now - t0;
      if (out.charts === null && list.length === panels) {
        const shown = list.filter(onScreen);
        if (shown.length && shown.every((b) => drawn(b.dataset.panelId))) out.charts = now - t0;
      }
      if (rowsDone && list.length === panels) {
        if (!out.screen) {
          const shown = list.filter(onScreen);
          if (shown.length && shown.every((b) => drawn(b.dataset.panelId))) {
            const met = { met: now - t0, panels: shown.map((b) => b.dataset.panelId) };
            out.screen = met;
            setTimeout(() => { met.painted = performance.now() - t0; }, 0);
          }
        }
        if (out.screen && list.every((b) => drawn(b.dataset.panelId))) {
          const met = { met: now - t0 };
          out.all = met;
          setTimeout(() => { met.painted = performance.now() - t0; resolve(out); }, 0);
          return;
        }
      }
      if (now - start > timeoutMs) {
        const c = charts();
        const missing = list.filter((b) => !drawn(b.dataset.panelId)).map((b) => {
          const e = c[b.dataset.panelId];
          return `${b.dataset.panelId}${onScreen(b) ? " (on screen)" : ""}: ` + (e
            ? `${e.drawnGroups} lines, painted ${e.painted}, at ${Math.round(e.at - t0)}` : "no chart");
        });
        out.timedOut = `${rowCount()} group rows, ${list.length} panels; not drawn: ` +
          (missing.slice(0, 6).join("; ") || "none") + (missing.length > 6 ? ` (+${missing.length - 6})` : "");
        // a frame has passed since the last check: what was met is painted
        resolve(out);
        return;
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}
"""

# Puts `text` in the sidebar's filter box in one input event (a paste, or the last
# key of a typed filter); returns the time of the change (performance.now()).
FILTER_JS = """
(text) => {
  const input = document.querySelector("[data-testid=group-sidebar] [data-testid=filter]");
  const t0 = performance.now();
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  return t0;
}
"""

# Where the drag goes: from the first panel's handle to the right half of the last
# panel of the first section whose drop point is on screen (it lands after it).
DRAG_PLAN_JS = """
() => {
  const section = document.querySelector("[data-testid=panel-section]");
  const list = [...section.querySelectorAll("[data-testid=ws-panel]")];
  const dropAt = (b) => {
    const r = b.getBoundingClientRect();
    return { x: r.left + r.width * 0.75, y: r.top + Math.min(r.height * 0.4, 120) };
  };
  const targets = list.slice(1).filter((b) => {
    const p = dropAt(b);
    return p.y > 0 && p.y < window.innerHeight - 8;
  });
  if (!targets.length) return null;
  const target = targets[targets.length - 1];
  const handle = list[0].querySelector("[data-testid=panel-drag]").getBoundingClientRect();
  return {
    section: section.dataset.section, order: list.map((b) => b.dataset.panelId),
    source: list[0].dataset.panelId, target: target.dataset.panelId,
    from: { x: handle.left + handle.width / 2, y: handle.top + handle.height / 2 },
    to: dropAt(target),
  };
}
"""

# Records every frame (requestAnimationFrame timestamps) and the drag's events.
DRAG_RECORD_JS = """
() => {
  const rec = (window.__drag = { frames: [], start: null, overs: 0, drop: null, end: null, on: true });
  const tick = (t) => { rec.frames.push(t); if (rec.on) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  document.addEventListener("dragstart", () => { if (rec.start === null) rec.start = performance.now(); }, true);
  document.addEventListener("dragover", () => { rec.overs += 1; }, true);
  document.addEventListener("drop", () => { rec.drop = performance.now(); }, true);
  document.addEventListener("dragend", () => { rec.end = performance.now(); }, true);
}
"""

# After the drop: the first frame where the section lists its panels in `expected`
# order (the time the frame was painted), then the recording stops.
DROP_WAIT_JS = """
async ({ section, expected, timeoutMs }) => {
  const rec = window.__drag;
  const order = () => [...document.querySelectorAll(
    `[data-testid=panel-section][data-section="${CSS.escape(section)}"] [data-testid=ws-panel]`,
  )].map((b) => b.dataset.panelId);
  const want = JSON.stringify(expected);
  const start = performance.now();
  const moved = await new Promise((resolve) => {
    const frame = () => {
      if (JSON.stringify(order()) === want) {
        const met = performance.now();
        setTimeout(() => resolve({ met, painted: performance.now() }), 0);
        return;
      }
      if (performance.now() - start > timeoutMs) { resolve(null); return; }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  rec.on = false;
  return { frames: rec.frames, start: rec.start, overs: rec.overs, drop: rec.drop, end: rec.end,
    moved, order: order(), tasks: window.__bench.longTasks };
}
"""

NAV_JS = """
(() => { const n = performance.getEntriesByType('navigation')[0];
  return { dcl: n.domContentLoadedEventEnd, origin: performance.timeOrigin,
           tasks: window.__bench.longTasks }; })()
"""


# ---- the store ----------------------------------------------------------------


def _failed(run: int, groups: int) -> bool:
    return run % groups in FAILED_GROUPS and (run // groups) % 9 == 0


def failed_groups(runs: int, groups: int) -> int:
    """How many groups the filter ``state=failed`` keeps."""
    return len({run % groups for run in range(runs) if _failed(run, groups)})


def _history(run: int, group: int, steps: int, t0: float) -> list[Any]:
    """Rows as the SDK writes them: train/* every step, perf/* and eval/* sparser."""
    rng = np.random.default_rng(run)
    x = np.arange(steps, dtype=np.float64)
    base = (1.0 + 0.1 * group) * np.exp(-x / max(1, steps // 3)) + 0.2
    by_every: dict[int, list[tuple[str, list[float]]]] = {}
    for k, metric in enumerate(METRICS):
        every = SECTIONS[metric.split("/", 1)[0]][0]
        col = base * (1.0 + 0.15 * (k % 8)) + rng.normal(0, 0.02, steps) + 0.1 * k
        by_every.setdefault(every, []).append((metric, col.tolist()))
    times = (t0 + x * 0.05).tolist()
    rows = []
    for s in range(steps):
        values: dict[str, float] = {}
        for every, cols in by_every.items():
            if s % every == every - 1 or every == 1:
                values.update((m, col[s]) for m, col in cols)
        rows.append((s, times[s], values))
    return rows


def ensure_store(runs: int, groups: int, steps: int) -> tuple[Path, float]:
    """The RUNFOLD_DIR of the store, and seconds spent building it (0: cached)."""

    def fill(store: Any) -> None:
        t0 = time.time() - runs * 60
        for run in range(runs):
            group, start = run % groups, t0 + run * 60
            failed = _failed(run, groups)
            end = {"state": "failed" if failed else "finished",
                   "exit_code": 1 if failed else 0, "at": start + steps * 0.05}  # fmt: skip
            store.ingest(PROJECT, f"w{run:05d}", [
                (1, "run", _identity(run, group, start)),
                (2, "config", _config(run, group)),
                (3, "history", _history(run, group, steps, start)),
                (4, "finish", end),
            ])  # fmt: skip

    return cached_store(f"workspace-{runs}r-{steps}s-{groups}g-v{_VERSION}", fill)


def reset_layout(server: UiServer) -> None:
    """Back to the automatic layout (a drag saved the moved one)."""
    request = urllib.request.Request(
        f"{server.url}/api/v1/projects/{PROJECT}/workspace",
        data=json.dumps({"spec": None}).encode(),
        headers={"content-type": "application/json"},
        method="PUT",
    )
    urllib.request.urlopen(request, timeout=30).read()


# ---- the browser ------------------------------------------------------------------


class WorkspaceSession(Session):
    """``bench_browser.Session`` (fresh context per load, request log, settle) on the
    workspace: load, a filter change, a drag."""

    def __init__(
        self, browser: Any, server: UiServer, groups: int, panels: int, filtered: int
    ) -> None:
        super().__init__(browser, server, groups)
        self.panels, self.filtered = panels, filtered

    def _wait(
        self, t0: float, lines: int, after: float | None, timeout_ms: int
    ) -> dict[str, Any]:
        return self.page.evaluate(WAIT_JS, {
            "t0": t0, "rows": lines, "panels": self.panels, "lines": lines,
            "after": after, "timeoutMs": timeout_ms})  # fmt: skip

    def _tasks(self) -> list[list[float]]:
        return self.page.evaluate("window.__bench.longTasks")

    def load(self, timeout_ms: int) -> dict[str, Any]:
        """Navigate; ms from navigation start to interactive and to all panels."""
        self.open()
        page = self.page
        page.goto(f"{self.server.url}/projects/{PROJECT}", wait_until="commit")
        ready = self._wait(0, self.groups, None, timeout_ms)
        if ready["screen"] is None:
            return {"timed_out": ready["timedOut"]}
        settled = self.settle(timeout_ms)
        nav = page.evaluate(NAV_JS)
        requests = _requests(self.log)
        for r in requests:  # when it was sent and done, from navigation start
            r["sent_ms"] = r["start_epoch_ms"] - nav["origin"]
            r["done_ms"] = r["end_epoch_ms"] - nav["origin"]
        met = ready["screen"]["met"]
        before = [d for t, d in nav["tasks"] if t < met]
        static = [r for r in self.log if _call_name(r.url) is None]
        return {
            "interactive_ms": ready["screen"]["painted"],
            "all_panels_ms": ready["all"]["painted"] if ready["all"] else None,
            "all_timed_out": ready.get("timedOut"),
            "first_screen": ready["screen"]["panels"],
            "sidebar_rows_ms": ready["sidebar"],
            "screen_charts_ms": ready["charts"],
            "static_files": len(static),
            "static_done_ms": max(r.timing["startTime"] + r.timing["responseEnd"]
                                  for r in static) - nav["origin"],
            "dom_content_loaded_ms": nav["dcl"],
            "network_done_ms": max(r["done_ms"] for r in requests) if settled else None,
            "long_tasks_ms": sum(before),
            "longest_task_ms": max(before, default=0.0),
            "requests": requests,
        }  # fmt: skip

    def filter(self, text: str, timeout_ms: int) -> dict[str, Any]:
        """Put ``text`` in the filter box; ms to every panel redrawn."""
        page = self.page
        lines = self.filtered if text else self.groups
        self.log.clear()
        tasks_before = len(self._tasks())
        t0 = page.evaluate(FILTER_JS, text)
        ready = self._wait(t0, lines, t0, timeout_ms)
        if ready["screen"] is None:
            return {"timed_out": ready["timedOut"], "requests": _requests(self.log)}
        tasks = self._tasks()[tasks_before:]
        self.settle(timeout_ms)
        requests = _requests(self.log)
        change = page.evaluate("performance.timeOrigin") + t0
        for r in requests:  # when it was sent and done, from the change
            r["sent_ms"] = r["start_epoch_ms"] - change
            r["done_ms"] = r["end_epoch_ms"] - change
        met = ready["screen"]["met"]
        before = [d for t, d in tasks if t < t0 + met]
        return {
            "redraw_ms": ready["screen"]["painted"],
            "all_ms": ready["all"]["painted"] if ready["all"] else None,
            "sidebar_rows_ms": ready["sidebar"],
            "screen_charts_ms": ready["charts"],
            "all_timed_out": ready.get("timedOut"),
            "lines": lines,
            "long_tasks_ms": sum(before),
            "longest_task_ms": max(before, default=0.0),
            "requests": requests,
        }

    def drag(self, timeout_ms: int) -> dict[str, Any]:
        """Drag the first panel by its handle onto a panel further on; frame times."""
        page = self.page
        plan = page.evaluate(DRAG_PLAN_JS)
        if plan is None:
            return {"timed_out": "no panel to drop on is on screen"}
        expected = [p for p in plan["order"] if p != plan["source"]]
        expected.insert(expected.index(plan["target"]) + 1, plan["source"])
        (x0, y0), (x1, y1) = (plan["from"]["x"], plan["from"]["y"]), (
            plan["to"]["x"], plan["to"]["y"])  # fmt: skip
        page.evaluate(DRAG_RECORD_JS)
        page.mouse.move(x0, y0)
        page.mouse.down()
        start = time.perf_counter()
        for i in range(1, DRAG_STEPS + 1):
            f = i / DRAG_STEPS
            page.mouse.move(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)
            rest = start + DRAG_S * f - time.perf_counter()
            if rest > 0:
                time.sleep(rest)
        page.mouse.up()
        moved_s = time.perf_counter() - start
        rec = page.evaluate(DROP_WAIT_JS, {
            "section": plan["section"], "expected": expected, "timeoutMs": timeout_ms})  # fmt: skip
        out: dict[str, Any] = {
            "source": plan["source"], "target": plan["target"],
            "dragovers": rec["overs"], "move_s": moved_s,
        }  # fmt: skip
        if rec["start"] is None or rec["drop"] is None:
            out["timed_out"] = (
                f"the drag did not {'start' if rec['start'] is None else 'drop'} "
                f"({rec['overs']} dragover events)"
            )
            return out
        if rec["moved"] is None:
            out["timed_out"] = f"the drop did not move the panel: {rec['order']}"
            return out
        frames = [t for t in rec["frames"] if rec["start"] <= t <= rec["drop"]]
        gaps = np.diff(frames).tolist() if len(frames) > 1 else []
        if not gaps:
            out["timed_out"] = (
                f"no frames during the drag ({len(rec['frames'])} in all)"
            )
            return out
        # long tasks during the drag; the drop's own task (the grid re-rendered) apart
        tasks = [
            d for t, d in rec["tasks"] if t >= rec["start"] and t + d <= rec["drop"]
        ]
        drop_task = [d for t, d in rec["tasks"] if t <= rec["drop"] < t + d]
        out.update(
            drag_ms=rec["drop"] - rec["start"],
            frames=len(frames),
            fps=1000.0 / median(gaps),
            fps_mean=1000.0 * len(gaps) / (frames[-1] - frames[0]),
            worst_frame_ms=max(gaps),
            late_frames=sum(g > LATE_MS for g in gaps),
            # where the late frames ended, ms after dragstart: [when, interval]
            late=[
                [round(frames[i + 1] - rec["start"]), round(g)]
                for i, g in enumerate(gaps)
                if g > LATE_MS
            ],
            long_tasks_ms=sum(tasks),
            longest_task_ms=max(tasks, default=0.0),
            drop_ms=rec["moved"]["painted"] - rec["drop"],
            drop_task_ms=drop_task[0] if drop_task else 0.0,
        )
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:  # the moved layout is saved; the next repeat starts from the automatic one
            page.locator("[data-testid=save-state][data-state=saved]").wait_for(
                timeout=timeout_ms
            )
        except PlaywrightTimeout as e:  # reported; the layout is reset all the same
            out["save"] = f"not saved: {e}".splitlines()[0]
        self.settle(timeout_ms)
        return out


# ---- figures ----------------------------------------------------------------------


def _phase(samples: list[dict[str, Any]], figures: tuple[str, ...]) -> dict[str, Any]:
    done = [s for s in samples if "timed_out" not in s]
    out: dict[str, Any] = {
        f: _summary([s[f] for s in done if s.get(f) is not None]) for f in figures
    }
    out.update(
        requests=_request_summary([s["requests"] for s in samples if "requests" in s]),
        samples=len(done),
        timed_out=[s["timed_out"] for s in samples if "timed_out" in s],
        all_timed_out=[s["all_timed_out"] for s in done if s.get("all_timed_out")],
    )
    return out


def measure(
    server: UiServer, groups: int, filtered: int, repeat: int, timeout_ms: int
) -> dict[str, Any]:
    """Per repeat, in a fresh context: load, filter on, filter off, drag. A filter
    that times out ends its repeat (the server is restarted to drop the request it
    was serving)."""
    from playwright.sync_api import sync_playwright

    loads: list[dict[str, Any]] = []
    ons: list[dict[str, Any]] = []
    offs: list[dict[str, Any]] = []
    drags: list[dict[str, Any]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        session = WorkspaceSession(browser, server, groups, len(METRICS), filtered)
        reset_layout(server)
        first = session.load(timeout_ms)  # the server's first reads
        for _ in range(repeat):
            loads.append(session.load(timeout_ms))
            if "timed_out" in loads[-1]:
                continue
            for text, into in ((FILTER, ons), ("", offs)):
                into.append(session.filter(text, timeout_ms))
                if "timed_out" in into[-1]:
                    break
            else:
                drags.append(session.drag(timeout_ms))
                reset_layout(server)
                continue
            session.close()
            server.restart()
        session.close()
        browser.close()
    load_phase = _phase(loads, ("interactive_ms", "all_panels_ms", "sidebar_rows_ms",
                                "screen_charts_ms", "static_done_ms",
                                "dom_content_loaded_ms", "network_done_ms",
                                "long_tasks_ms", "longest_task_ms"))  # fmt: skip
    done = [s for s in loads if "timed_out" not in s]
    load_phase["first_screen"] = done[-1]["first_screen"] if done else None
    load_phase["static_files"] = done[-1]["static_files"] if done else None
    drag_phase = _phase(drags, ("fps", "fps_mean", "worst_frame_ms", "late_frames",
                                "frames", "dragovers", "drag_ms", "drop_ms", "drop_task_ms",
                                "long_tasks_ms", "longest_task_ms"))  # fmt: skip
    drag_phase["moves"] = [f"{d['source']} → after {d['target']}" for d in drags[:1]]
    drag_phase["save"] = [d["save"] for d in drags if "save" in d]
    drag_phase["late"] = [late for d in drags for late in d.get("late", [])]
    filter_figures = ("redraw_ms", "all_ms", "sidebar_rows_ms", "screen_charts_ms",
                      "long_tasks_ms", "longest_task_ms")  # fmt: skip
    return {
        "first_load_ms": first.get("interactive_ms"),
        "first_load_timed_out": first.get("timed_out"),
        "load": load_phase,
        "filter_on": _phase(ons, filter_figures),
        "filter_off": _phase(offs, filter_figures),
        "drag": drag_phase,
        "page_errors": session.errors[:10],
    }


# ---- report -----------------------------------------------------------------------


def _ms(figure: dict[str, float] | None) -> str:
    if figure is None:
        return "n/a"
    return f"{figure['median']:,.0f} ms ({figure['min']:,.0f}–{figure['max']:,.0f})"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _under(figure: dict[str, float] | None, limit: float) -> bool:
    return figure is not None and figure["median"] <= limit


def _held(drag: dict[str, Any]) -> bool:
    """60 fps held: the median frame made its vsync (fps ≥ 95 % of the target) and no
    frame took more than two vsyncs."""
    fps, worst = drag["fps"], drag["worst_frame_ms"]
    return (
        fps is not None
        and fps["median"] >= TARGET_FPS * 0.95
        and worst["max"] <= 2000.0 / TARGET_FPS + 1
    )


def report(result: dict[str, Any]) -> str:
    data, ld, drag = result["data"], result["load"], result["drag"]
    machine = result.get("machine", {})
    first = result["first_load_ms"]
    lines = [
        "machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()),
        f"workspace, {data['runs']:,} runs in {data['groups']} groups, "
        f"{data['panels']} line panels in 3 sections, {data['steps']:,} steps; "
        f"{result['repeat']} repeats, median (min–max):",
        f"- interactive: {_ms(ld['interactive_ms'])} (target ≤ "
        f"{TARGET_INTERACTIVE_MS:,.0f}) "
        f"{_verdict(_under(ld['interactive_ms'], TARGET_INTERACTIVE_MS))}; "
        f"{len(ld['first_screen'] or [])} panels on the first screen "
        f"({', '.join(ld['first_screen'] or [])})",
        f"  all {data['panels']} panels drawn {_ms(ld['all_panels_ms'])}; sidebar rows "
        f"{_ms(ld['sidebar_rows_ms'])}, on-screen charts {_ms(ld['screen_charts_ms'])}"
        f" (each alone, condition met); {ld['static_files']} static files done "
        f"{_ms(ld['static_done_ms'])}; DOMContentLoaded "
        f"{_ms(ld['dom_content_loaded_ms'])}; last API response "
        f"{_ms(ld['network_done_ms'])}; long tasks before interactive "
        f"{_ms(ld['long_tasks_ms'])}, longest {_ms(ld['longest_task_ms'])}; first "
        "load (cold server) "
        + (
            f"{first:,.0f} ms"
            if first
            else f"TIMED OUT ({result['first_load_timed_out']})"
        ),
    ]
    for name, label in (
        ("filter_on", f"filter {FILTER!r} ({data['filtered_groups']} groups)"),
        ("filter_off", f"filter cleared ({data['groups']} groups)"),
    ):
        res = result[name]
        lines += [
            f"- {label}: on-screen panels redrawn {_ms(res['redraw_ms'])} (target ≤ "
            f"{TARGET_FILTER_MS:,.0f}) "
            f"{_verdict(_under(res['redraw_ms'], TARGET_FILTER_MS))}",
            f"  all panels {_ms(res['all_ms'])}; sidebar rows "
            f"{_ms(res['sidebar_rows_ms'])}, on-screen charts "
            f"{_ms(res['screen_charts_ms'])} (each alone, condition met); long tasks "
            f"{_ms(res['long_tasks_ms'])}, longest {_ms(res['longest_task_ms'])}",
        ]
    fps = drag["fps"]
    if fps is None:
        lines.append("- drag: n/a")
    else:
        lines += [
            f"- drag: {fps['median']:.1f} fps ({fps['min']:.1f}–{fps['max']:.1f}), "
            f"worst frame {_ms(drag['worst_frame_ms'])} (target {TARGET_FPS:.0f} fps: "
            f"median ≥ {TARGET_FPS * 0.95:.0f}, no frame over 2 vsyncs) "
            f"{_verdict(_held(drag))}",
            f"  {drag['moves'][0]}, {DRAG_STEPS} moves over {DRAG_S:.0f} s: "
            f"{drag['frames']['median']:.0f} frames, mean "
            f"{drag['fps_mean']['median']:.1f} fps, "
            f"{drag['late_frames']['median']:.0f} (max "
            f"{drag['late_frames']['max']:.0f}) over {LATE_MS:.0f} ms, at [ms after "
            f"dragstart, interval] {drag['late']}; "
            f"{drag['dragovers']['median']:.0f} dragover events; long tasks "
            f"{_ms(drag['long_tasks_ms'])}; drop → panel moved {_ms(drag['drop_ms'])} "
            f"(the drop's long task {_ms(drag['drop_task_ms'])})",
        ]
    for phase in ("load", "filter_on", "filter_off", "drag"):
        res = result[phase]
        for why in (
            res["timed_out"] + res.get("all_timed_out", []) + res.get("save", [])
        ):
            lines.append(f"  - {phase}: TIMED OUT or failed: {why}")
    for phase in ("load", "filter_on", "filter_off"):
        for call, r in result[phase]["requests"].items():
            lines.append(
                f"  - {phase}: GET {call} ×{r['count']}: server {_ms(r['server_ms'])}, "
                f"body {_ms(r['body_ms'])}, {r['bytes'] / 1e6:,.2f} MB on the wire"
                + (f"; sent at {_ms(r['sent_ms'])}, done at {_ms(r['done_ms'])}"
                   if r["sent_ms"] else "")
            )  # fmt: skip
    if result["page_errors"]:
        lines.append(f"- page errors: {result['page_errors']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="default 1000 (200)")
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=None, help="default 5 (2)")
    parser.add_argument("--timeout", type=float, default=None, help="s per wait")
    parser.add_argument("--quick", action="store_true", help="200 runs, 2 repeats")
    args = parser.parse_args()
    runs = args.runs or (200 if args.quick else 1000)
    repeat = args.repeat or (2 if args.quick else 5)
    filtered = failed_groups(runs, args.groups)
    if not 0 < filtered < args.groups:
        parser.error(
            f"with {runs} runs in {args.groups} groups the filter {FILTER!r} keeps "
            f"{filtered} groups: it must keep some but not all (--groups ≥ 2, "
            f"--runs ≥ {args.groups + 2})"
        )
    if not Path(CHROMIUM).exists():
        emit({"skipped": f"{CHROMIUM} is missing: apt-get install chromium"})
        return
    machine = describe()
    directory, build_s = ensure_store(runs, args.groups, args.steps)
    timeout_ms = int((args.timeout or (15 if args.quick else 30)) * 1000)
    with serve(directory) as server:
        result = measure(server, args.groups, filtered, repeat, timeout_ms)
    machine["load average after"] = load()
    result.update(
        data={"runs": runs, "groups": args.groups, "steps": args.steps,
              "panels": len(METRICS), "filtered_groups": filtered},
        repeat=repeat, build_s=build_s, machine=machine,
        figures={
            "interactive_ms": result["load"]["interactive_ms"],
            "all_panels_ms": result["load"]["all_panels_ms"],
            "filter_ms": {"on": result["filter_on"]["redraw_ms"],
                          "off": result["filter_off"]["redraw_ms"]},
            "drag_fps": result["drag"]["fps"],
            "drag_worst_frame_ms": result["drag"]["worst_frame_ms"],
        },
    )  # fmt: skip
    print(report(result), file=sys.stderr)
    emit(result)


if __name__ == "__main__":
    main()
