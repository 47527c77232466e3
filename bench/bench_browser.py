"""The project page in a real browser: load until interactive, and grouping toggled.

    python bench/bench_browser.py                  # 1,000 runs in 10 groups, 8 charts
    python bench/bench_browser.py --quick          # 200 runs, 3 repeats, 10 s waits
    python bench/bench_browser.py --profile        # also: where the page's CPU time goes

The store (``--runs`` runs, 10 groups of job_type ``train``, 8 metrics over
``--steps`` steps: ``train/*`` every step, ``perf/*`` every 10th, ``eval/*`` every
50th) is written through ``store.ingest`` and cached under ``bench/out/``. A real
``runfold ui`` serves it on loopback; Debian's chromium, driven by Playwright at
1280×800, opens ``/projects/<project>`` in a fresh context (empty cache) per repeat.

"Interactive" is the first frame after the runs table shows its group rows, every
default chart (8) has its numbers (``window.__runfoldCharts[metric].data``) and
every chart on screen has drawn them (``painted``; a chart below the fold draws as
the page scrolls near it, as in the app). A toggle clicks "Clear"
(``group-clear``), then adds ``group`` back (``group-add``), each timed from the
click to the first frame after the table and all 8 charts show the new view, the
charts on screen drawn. Per-request times come from Playwright's network timings: "server"
is request sent → first byte (the server builds the whole JSON body first), "body"
is first → last byte.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from common import emit, median
from gen_data import _config, _identity, cached_store
from machine import describe, load

PROJECT = "bench-browser"
CHROMIUM = "/usr/bin/chromium"
# As tests/browser/conftest.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 800}
# metric -> logged every N steps
METRICS = {
    "train/loss": 1, "train/acc": 1, "train/lr": 1, "train/grad_norm": 1,
    "eval/loss": 50, "eval/acc": 50, "perf/samples_per_s": 10, "perf/mfu": 10,
}  # fmt: skip
TARGET_LOAD_MS = 2000.0
TARGET_TOGGLE_MS = 300.0
_VERSION = 1

# Installed before the app's scripts: long tasks (main thread busy ≥ 50 ms).
INIT_SCRIPT = """
window.__bench = { longTasks: [] };
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
} catch (e) { /* no long task timing: the figures stay without it */ }
"""

# Resolves when the page shows `want` ("grouped": `groups` group rows; "single": run
# rows and no group rows) and the charts are drawn (with `before`: every chart in it
# redrawn with another number of lines), then waits for the next frame to be painted.
# Returns ms since `t0` (performance.now() time) for "condition met" and "painted".
WAIT_JS = """
async ({ t0, want, groups, before, timeoutMs }) => {
  const charts = () => window.__runfoldCharts || {};
  const onScreen = (m) => {
    const panel = document.querySelector(`[data-testid=chart-panel][data-metric="${CSS.escape(m)}"]`);
    const box = panel && panel.getBoundingClientRect();
    return !!box && box.bottom > 0 && box.top < window.innerHeight;
  };
  const drawn = (e) => e && Array.isArray(e.data) && e.data.length > 1 && e.data[0].length > 0
    && (e.painted || !onScreen(e.metric));
  const count = (id) => document.querySelectorAll(`[data-testid=${id}]`).length;
  const done = () => {
    const groupRows = count("group-row");
    if (want === "grouped" ? groupRows !== groups : groupRows !== 0 || !count("run-row")) return false;
    const c = charts();
    if (!before) return Object.values(c).filter((e) => e?.data?.length > 1).length >= 8
      && Object.values(c).filter(drawn).length >= 8;
    // new lines first: onScreen forces a layout, which a wait should not do while
    // the page is still at work
    return Object.entries(before).every(([m, n]) => c[m]?.data?.length !== n && drawn(c[m]));
  };
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > timeoutMs) {
      const lines = Object.fromEntries(Object.entries(charts()).map(([m, e]) => [m, e?.data?.length]));
      return { timedOut: true, state: `${count("group-row")} group rows, ${count("run-row")} run ` +
        `rows, chart data lengths ${JSON.stringify(lines)}` };
    }
    await new Promise((r) => setTimeout(r, 8));
  }
  const met = performance.now();
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return { met: met - t0, painted: performance.now() - t0 };
}
"""

# Clicks a stable control (in the page, so Playwright's own checks are not timed).
CLICK_JS = """
({ action }) => {
  const before = Object.fromEntries(Object.entries(window.__runfoldCharts || {})
    .map(([m, e]) => [m, e?.data?.length ?? 0]));
  const t0 = performance.now();
  if (action === "clear") document.querySelector("[data-testid=group-clear]").click();
  else {
    const add = document.querySelector("[data-testid=group-add]");
    add.value = "group";
    add.dispatchEvent(new Event("change", { bubbles: true }));
  }
  return { t0, before };
}
"""


# ---- the store ----------------------------------------------------------------


def _history(run: int, group: int, steps: int, t0: float) -> list[Any]:
    """Rows as the SDK writes them: train/* every step, perf/* and eval/* sparser."""
    rng = np.random.default_rng(run)
    x = np.arange(steps, dtype=np.float64)
    decay = np.exp(-x / max(1, steps // 3))
    loss = (1.0 + 0.1 * group) * decay + 0.2 + rng.normal(0, 0.02, steps)
    cols = {
        "train/loss": loss,
        "train/acc": 1.0 - loss / 2.5,
        "train/lr": 1e-3 * np.minimum(1.0, (x + 1) / 100.0),
        "train/grad_norm": 1.0 + 0.5 * np.abs(rng.normal(0, 1, steps)),
        "eval/loss": loss * 1.05 + rng.normal(0, 0.01, steps),
        "eval/acc": 0.97 - loss / 2.6,
        "perf/samples_per_s": 2000.0 + rng.normal(0, 50, steps),
        "perf/mfu": 0.41 + rng.normal(0, 0.01, steps),
    }
    lists = {k: v.tolist() for k, v in cols.items()}
    times = (t0 + x * 0.05).tolist()
    rows = []
    for s in range(steps):
        rows.append(
            (s, times[s], {k: lists[k][s] for k, every in METRICS.items()
                           if s % every == every - 1 or every == 1})
        )  # fmt: skip
    return rows


def ensure_store(runs: int, groups: int, steps: int) -> tuple[Path, float]:
    """The RUNFOLD_DIR of the store, and seconds spent building it (0: cached)."""

    def fill(store: Any) -> None:
        t0 = time.time() - runs * 60
        for run in range(runs):
            group, start = run % groups, t0 + run * 60
            end = {"state": "finished", "exit_code": 0, "at": start + steps * 0.05}
            store.ingest(PROJECT, f"b{run:05d}", [
                (1, "run", _identity(run, group, start)),
                (2, "config", _config(run, group)),
                (3, "history", _history(run, group, steps, start)),
                (4, "finish", end),
            ])  # fmt: skip

    return cached_store(f"browser-{runs}r-{steps}s-{groups}g-v{_VERSION}", fill)


# ---- the server -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class UiServer:
    """``runfold ui`` over a store on a loopback port, in its own process."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> UiServer:
        port = _free_port()
        runfold = Path(sys.executable).with_name("runfold")
        self._proc = subprocess.Popen(
            [str(runfold), "ui", "--dir", str(self.directory), "--port", str(port),
             "--no-browser"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/projects", timeout=5).read()
                return self
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(
                        f"runfold ui did not start: {self._output()}"
                    ) from None
                time.sleep(0.1)

    def _output(self) -> str:
        out = self._proc.stdout if self._proc else None
        return out.read().decode(errors="replace")[-2000:] if out else ""

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def restart(self) -> None:
        """Drop work still running for a request the page gave up on."""
        self.stop()
        self.start()


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[UiServer]:
    server = UiServer(directory).start()
    try:
        yield server
    finally:
        server.stop()


# ---- the browser ------------------------------------------------------------------


def _call_name(url: str) -> str | None:
    """A short name for an API request: runs, series, groups, metrics."""
    parts = urlsplit(url)
    if "/api/v1/" not in parts.path:
        return None
    name = parts.path.rsplit("/", 1)[-1]
    query = parse_qs(parts.query)
    if name == "series":
        mode = (
            "ungrouped"
            if query.get("ungrouped")
            else "by " + ",".join(query.get("by", ["group"]))
        )
        return f"series {len(query.get('metric', []))} metrics, {mode}"
    if name in ("runs", "groups") and query.get("by"):
        return f"{name} by {','.join(query['by'])}"
    return name


def _requests(log: list[Any]) -> list[dict[str, Any]]:
    """Server and body times of the API requests in ``log`` (finished ones)."""
    out = []
    for request in log:
        name = _call_name(request.url)
        if name is None:
            continue
        t = request.timing
        out.append({
            "call": name,
            "url": request.url,
            "server_ms": t["responseStart"] - t["requestStart"],
            "body_ms": t["responseEnd"] - t["responseStart"],
            "start_epoch_ms": t["startTime"],
            "end_epoch_ms": t["startTime"] + t["responseEnd"],
            "bytes": request.sizes()["responseBodySize"],
        })  # fmt: skip
    return out


class Session:
    """One browser; ``load`` opens the project page in a fresh context (empty cache)."""

    def __init__(self, browser: Any, server: UiServer, groups: int) -> None:
        self.browser, self.server, self.groups = browser, server, groups
        self.page: Any = None
        self.context: Any = None
        self.log: list[Any] = []
        self.errors: list[str] = []
        self.pending = 0

    def open(self) -> None:
        self.close()
        self.context = self.browser.new_context(viewport=VIEWPORT)
        self.context.add_init_script(INIT_SCRIPT)
        self.page = self.context.new_page()
        self.log, self.pending = [], 0
        self.page.on("request", lambda r: self._count(1))
        self.page.on("requestfailed", lambda r: self._count(-1))
        self.page.on("requestfinished", lambda r: self._finished(r))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                     if r.status >= 400 else None)  # fmt: skip
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )

    def _count(self, change: int) -> None:
        self.pending += change

    def _finished(self, request: Any) -> None:
        self.log.append(request)
        self.pending -= 1

    def settle(self, timeout_ms: int, quiet_ms: int = 300) -> bool:
        """Wait until no request has been in flight for ``quiet_ms``; False: timed out."""
        quiet = waited = 0
        while quiet < quiet_ms:
            if waited > timeout_ms:
                return False
            self.page.wait_for_timeout(50)
            waited += 50
            quiet = quiet + 50 if self.pending == 0 else 0
        return True

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None

    def _rows(self) -> dict[str, int]:
        count = self.page.locator
        return {"group": count("[data-testid=group-row]").count(),
                "run": count("[data-testid=run-row]").count()}  # fmt: skip

    def load(self, timeout_ms: int) -> dict[str, Any]:
        """Navigate; ms from navigation start to interactive (and more)."""
        self.open()
        page = self.page
        page.goto(f"{self.server.url}/projects/{PROJECT}", wait_until="commit")
        ready = page.evaluate(WAIT_JS, {
            "t0": 0, "want": "grouped", "groups": self.groups, "before": None,
            "timeoutMs": timeout_ms})  # fmt: skip
        if ready.get("timedOut"):
            return {"timed_out": ready["state"]}
        settled = self.settle(timeout_ms)
        nav = page.evaluate(
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return { dcl: n.domContentLoadedEventEnd, origin: performance.timeOrigin,"
            " tasks: window.__bench.longTasks }; })()"
        )
        requests = _requests(self.log)
        static = [r for r in self.log if _call_name(r.url) is None]
        for r in requests:  # when it was sent and done, from navigation start
            r["sent_ms"] = r["start_epoch_ms"] - nav["origin"]
            r["done_ms"] = r["end_epoch_ms"] - nav["origin"]
        before = [d for t, d in nav["tasks"] if t < ready["met"]]
        return {
            "interactive_ms": ready["painted"],
            "dom_content_loaded_ms": nav["dcl"],
            "network_done_ms": max(r["done_ms"] for r in requests) if settled else None,
            "long_tasks_ms": sum(before),
            "longest_task_ms": max(before, default=0.0),
            "long_tasks_after_ms": sum(d for t, d in nav["tasks"] if t >= ready["met"]),
            "static_files": len(static),
            "static_done_ms": max(r.timing["startTime"] + r.timing["responseEnd"]
                                  for r in static) - nav["origin"],
            "requests": requests,
            "rows": self._rows(),
        }  # fmt: skip

    def toggle(self, action: str, timeout_ms: int) -> dict[str, Any]:
        """Click Clear (``clear``) or add ``group`` back (``group``); ms to redrawn."""
        page = self.page
        self.log.clear()
        tasks_before = len(page.evaluate("window.__bench.longTasks"))
        clicked = page.evaluate(CLICK_JS, {"action": action})
        want = "single" if action == "clear" else "grouped"
        ready = page.evaluate(WAIT_JS, {
            "t0": clicked["t0"], "want": want, "groups": self.groups,
            "before": clicked["before"], "timeoutMs": timeout_ms})  # fmt: skip
        if ready.get("timedOut"):
            return {"timed_out": ready["state"], "requests": _requests(self.log)}
        tasks = [d for _, d in page.evaluate("window.__bench.longTasks")[tasks_before:]]
        self.settle(timeout_ms)
        requests = _requests(self.log)
        click = page.evaluate("performance.timeOrigin") + clicked["t0"]
        for r in requests:  # when it was sent and done, from the click
            r["sent_ms"] = r["start_epoch_ms"] - click
            r["done_ms"] = r["end_epoch_ms"] - click
        return {
            "redraw_ms": ready["painted"],
            "long_tasks_ms": sum(tasks),
            "longest_task_ms": max(tasks, default=0.0),
            "requests": requests,
            "rows": self._rows(),
        }


# ---- figures ----------------------------------------------------------------------


def _summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": median(values), "max": max(values), "min": min(values)}


def _request_summary(samples: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """Per API call: median and max server and body ms, and its size."""
    by_call: dict[str, list[dict[str, Any]]] = {}
    for requests in samples:
        for r in requests:
            by_call.setdefault(r["call"], []).append(r)
    return {
        call: {
            "sent_ms": _summary([r["sent_ms"] for r in rs if "sent_ms" in r]),
            "done_ms": _summary([r["done_ms"] for r in rs if "done_ms" in r]),
            "server_ms": _summary([r["server_ms"] for r in rs]),
            "body_ms": _summary([r["body_ms"] for r in rs]),
            "bytes": max(r["bytes"] for r in rs),
            "count": len(rs),
            "url": rs[0]["url"],
        }
        for call, rs in by_call.items()
    }


def _phase(samples: list[dict[str, Any]], figure: str) -> dict[str, Any]:
    done = [s for s in samples if "timed_out" not in s]

    def pick(key: str) -> dict[str, float] | None:
        return _summary([s[key] for s in done if s.get(key) is not None])

    out = {
        figure: pick(figure),
        "long_tasks_ms": pick("long_tasks_ms"),
        "longest_task_ms": pick("longest_task_ms"),
        "requests": _request_summary(
            [s["requests"] for s in samples if "requests" in s]
        ),
        "rows": done[-1]["rows"] if done else None,
        "samples": len(done),
        "timed_out": [s["timed_out"] for s in samples if "timed_out" in s],
    }
    if figure == "interactive_ms":
        out["static_files"] = done[-1]["static_files"] if done else None
        for key in (
            "dom_content_loaded_ms",
            "network_done_ms",
            "long_tasks_after_ms",
            "static_done_ms",
        ):
            out[key] = pick(key)
    return out


def measure(
    server: UiServer, groups: int, repeat: int, timeout_ms: int
) -> dict[str, Any]:
    """Loads and toggles, each repeat on a fresh page. A toggle that times out is
    not tried again (the server is restarted to drop the request it was serving)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        session = Session(browser, server, groups)
        first = session.load(timeout_ms)  # the server's first reads
        loads: list[dict[str, Any]] = []
        clears: list[dict[str, Any]] = []
        regroups: list[dict[str, Any]] = []
        for _ in range(repeat):
            loads.append(session.load(timeout_ms))
            if "timed_out" in loads[-1] or (clears and "timed_out" in clears[-1]):
                continue
            clears.append(session.toggle("clear", timeout_ms))
            if "timed_out" in clears[-1]:
                session.close()
                server.restart()
                continue
            regroups.append(session.toggle("group", timeout_ms))
        session.close()
        browser.close()
    return {
        "first_load_ms": first.get("interactive_ms"),
        "first_load_timed_out": first.get("timed_out"),
        "load": _phase(loads, "interactive_ms"),
        "grouping_off": _phase(clears, "redraw_ms"),
        "grouping_on": _phase(regroups, "redraw_ms"),
        "page_errors": session.errors[:10],
    }


# ---- where the time goes (--profile) ----------------------------------------------


def profile_page(server: UiServer, groups: int, timeout_ms: int) -> dict[str, Any]:
    """CPU profiles of one load and of each toggle that completes: self time per
    function and per script."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        session = Session(browser, server, groups)
        session.open()
        cdp = session.context.new_cdp_session(session.page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        for phase in ("load", "clear", "group"):
            cdp.send("Profiler.start")
            if phase == "load":
                session.page.goto(
                    f"{server.url}/projects/{PROJECT}", wait_until="commit"
                )
                done = session.page.evaluate(WAIT_JS, {
                    "t0": 0, "want": "grouped", "groups": groups, "before": None,
                    "timeoutMs": timeout_ms})  # fmt: skip
                ok = not done.get("timedOut") and session.settle(timeout_ms)
            else:
                ok = "timed_out" not in session.toggle(phase, timeout_ms)
            out[phase] = _top_functions(cdp.send("Profiler.stop")["profile"])
            if not ok:
                out[phase]["timed_out"] = True
                break
        session.close()
        browser.close()
    if not ok:
        server.restart()
    return out


def _top_functions(prof: dict[str, Any], top: int = 12) -> dict[str, Any]:
    """Self time (ms) per function and per script, from a CDP CPU profile."""
    nodes = {n["id"]: n["callFrame"] for n in prof["nodes"]}
    by_fn: dict[str, float] = {}
    by_script: dict[str, float] = {}
    for node_id, delta_us in zip(prof["samples"], prof["timeDeltas"], strict=True):
        frame = nodes[node_id]
        script = frame["url"].rsplit("/", 1)[-1] or frame["functionName"]
        name = f"{frame['functionName'] or '(anonymous)'} {script}:{frame['lineNumber'] + 1}"
        by_fn[name] = by_fn.get(name, 0.0) + delta_us / 1000
        by_script[script] = by_script.get(script, 0.0) + delta_us / 1000
    ranked = sorted(by_fn.items(), key=lambda kv: -kv[1])
    return {
        "functions": [(n, ms) for n, ms in ranked if "(idle)" not in n][:top],
        "scripts": sorted(by_script.items(), key=lambda kv: -kv[1])[:top],
    }


def profile_server(directory: Path, urls: list[str]) -> dict[str, Any]:
    """The page's API requests replayed in this process (routing, the query, JSON),
    FastAPI's thread pool bypassed: wall and CPU ms (best of 3), the CPU ms of
    encoding the body's JSON alone (the rest is the query, the aggregation and
    turning NumPy values into JSON-safe ones)."""
    import asyncio
    import json
    from unittest import mock

    import httpx

    from runfold.server import create_app
    from runfold.settings import resolve
    from runfold.store import open_store

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    store = open_store(resolve(dir=str(directory)).store_path)
    app = create_app(store)

    async def get(path: str) -> bytes:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as c:
            response = await c.get(path)
            response.raise_for_status()
            return response.content

    def best_of_3(call: Any) -> tuple[float, float]:
        wall, cpu = [], []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.thread_time()
            call()
            wall.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
        return min(wall) * 1000, min(cpu) * 1000

    out = {}
    patches = [mock.patch(f"{where}.run_in_threadpool", inline)
               for where in ("fastapi.routing", "fastapi.dependencies.utils")]  # fmt: skip
    try:
        with patches[0], patches[1]:
            for url in urls:
                parts = urlsplit(url)
                path = f"{parts.path}?{parts.query}"
                body = json.loads(asyncio.run(get(path)))
                wall, cpu = best_of_3(lambda p=path: asyncio.run(get(p)))
                _, encode = best_of_3(lambda b=body: json.dumps(
                    b, ensure_ascii=False, allow_nan=False, separators=(",", ":")))  # fmt: skip
                out[_call_name(url) or url] = {
                    "ms": wall, "cpu_ms": cpu, "json_encode_cpu_ms": encode,
                }  # fmt: skip
    finally:
        store.close()
    return out


# ---- report -----------------------------------------------------------------------


def _ms(figure: dict[str, float] | None) -> str:
    if figure is None:
        return "n/a"
    return f"{figure['median']:,.0f} / {figure['max']:,.0f} ms"


def _verdict(figure: dict[str, float] | None, limit: float) -> str:
    return "MISS" if figure is None or figure["median"] > limit else "PASS"


def report(result: dict[str, Any]) -> str:
    data, load = result["data"], result["load"]
    first = result["first_load_ms"]
    machine = result.get("machine", {})
    lines = [
        "machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()),
        f"project page, {data['runs']:,} runs in {data['groups']} groups, 8 metrics × "
        f"{data['steps']:,} steps; {result['repeat']} repeats, median / max:",
        f"- interactive: {_ms(load['interactive_ms'])} (target ≤ {TARGET_LOAD_MS:,.0f}) "
        f"{_verdict(load['interactive_ms'], TARGET_LOAD_MS)}; first load (cold server) "
        + (
            f"{first:,.0f} ms"
            if first
            else f"TIMED OUT ({result['first_load_timed_out']})"
        ),
        f"  {load['static_files']} static files, the last done at "
        f"{_ms(load['static_done_ms'])}; DOMContentLoaded "
        f"{_ms(load['dom_content_loaded_ms'])}; long tasks before "
        f"interactive {_ms(load['long_tasks_ms'])} (longest {_ms(load['longest_task_ms'])});"
        f" last API response {_ms(load['network_done_ms'])}; long tasks after "
        f"interactive {_ms(load['long_tasks_after_ms'])}; rows {load['rows']}",
    ]
    for name, label in (
        ("grouping_off", "grouping off"),
        ("grouping_on", "grouping on"),
    ):
        res = result[name]
        lines.append(
            f"- {label}: redrawn in {_ms(res['redraw_ms'])} (target ≤ "
            f"{TARGET_TOGGLE_MS:,.0f}) {_verdict(res['redraw_ms'], TARGET_TOGGLE_MS)}; "
            f"long tasks {_ms(res['long_tasks_ms'])} (longest "
            f"{_ms(res['longest_task_ms'])}); rows {res['rows']}"
            + (f"; TIMED OUT ({res['timed_out'][0]})" if res["timed_out"] else "")
        )
    for phase in ("load", "grouping_off", "grouping_on"):
        for call, r in result[phase]["requests"].items():
            lines.append(
                f"  - {phase}: GET {call} ×{r['count']}: server {_ms(r['server_ms'])}, "
                f"body {_ms(r['body_ms'])}, {r['bytes'] / 1e6:,.2f} MB"
                + (f"; sent at {_ms(r['sent_ms'])}, done at {_ms(r['done_ms'])}"
                   if r["sent_ms"] else "")
            )  # fmt: skip
    if result["page_errors"]:
        lines.append(f"- page errors: {result['page_errors']}")
    for phase, prof in (result.get("profile_page") or {}).items():
        gave_up = " (gave up waiting)" if prof.get("timed_out") else ""
        lines.append(f"- page CPU, {phase}{gave_up}, self ms by script: " + ", ".join(
            f"{s} {ms:,.0f}" for s, ms in prof["scripts"]))  # fmt: skip
        lines.append("  by function: " + ", ".join(
            f"{f} {ms:,.0f}" for f, ms in prof["functions"]))  # fmt: skip
    for call, prof in (result.get("profile_server") or {}).items():
        lines.append(
            f"- server in-process, {call}: {prof['ms']:,.0f} ms, {prof['cpu_ms']:,.0f} ms "
            f"CPU, of which json.dumps of the body {prof['json_encode_cpu_ms']:,.0f} ms"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="default 1000 (200)")
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=None, help="default 7 (3)")
    parser.add_argument("--timeout", type=float, default=None, help="s per wait")
    parser.add_argument("--quick", action="store_true", help="200 runs, 3 repeats")
    parser.add_argument("--profile", action="store_true", help="where the time goes")
    args = parser.parse_args()
    runs = args.runs or (200 if args.quick else 1000)
    repeat = args.repeat or (3 if args.quick else 7)
    if not Path(CHROMIUM).exists():
        emit({"skipped": f"{CHROMIUM} is missing: apt-get install chromium"})
        return
    machine = describe()
    directory, build_s = ensure_store(runs, args.groups, args.steps)
    timeout_ms = int((args.timeout or (10 if args.quick else 30)) * 1000)
    with serve(directory) as server:
        result = measure(server, args.groups, repeat, timeout_ms)
        if args.profile:
            result["profile_page"] = profile_page(server, args.groups, timeout_ms)
    if args.profile:
        urls = {r["url"] for r in result["load"]["requests"].values()}
        result["profile_server"] = profile_server(directory, sorted(urls))
    machine["load average after"] = load()
    result.update(
        data={"runs": runs, "groups": args.groups, "steps": args.steps},
        repeat=repeat, build_s=build_s, machine=machine,
    )  # fmt: skip
    print(report(result), file=sys.stderr)
    emit(result)


if __name__ == "__main__":
    main()
