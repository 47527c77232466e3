"""CPU profiles of the workspace in Chromium (``bench_workspace.py``'s store and
session): one load, a filter change and its clearing; self time per function and
per script, and the total of each phase.

    python bench/profile_workspace.py [--runs 1000] [--top 25]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_browser import CHROMIUM, CHROMIUM_ARGS, UiServer, _top_functions  # noqa: E402
from bench_workspace import (  # noqa: E402
    FILTER,
    METRICS,
    PROJECT,
    WorkspaceSession,
    ensure_store,
    failed_groups,
    reset_layout,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    directory, _ = ensure_store(args.runs, args.groups, args.steps)
    filtered = failed_groups(args.runs, args.groups)
    server = UiServer(directory).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            session = WorkspaceSession(
                browser, server, args.groups, len(METRICS), filtered
            )
            reset_layout(server)
            session.load(30_000)
            session.open()
            cdp = session.context.new_cdp_session(session.page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            out = {}
            cdp.send("Profiler.start")
            session.page.goto(f"{server.url}/projects/{PROJECT}", wait_until="commit")
            session._wait(0, args.groups, None, 30_000)
            session.settle(30_000)
            out["load"] = cdp.send("Profiler.stop")["profile"]
            for name, text in (("filter", FILTER), ("clear", "")):
                cdp.send("Profiler.start")
                r = session.filter(text, 30_000)
                out[name] = cdp.send("Profiler.stop")["profile"]
                print(name, "redraw", r.get("redraw_ms"))
            for name, prof in out.items():
                fn = {x["id"]: x["callFrame"]["functionName"] for x in prof["nodes"]}
                total = sum(
                    d
                    for n, d in zip(prof["samples"], prof["timeDeltas"], strict=True)
                    if fn[n] != "(idle)"
                )
                top = _top_functions(prof, args.top)
                print(f"== {name}: busy {total / 1000:.0f} ms")
                for fn, ms in top["functions"]:
                    print(f"  {ms:7.1f}  {fn}")
                print(
                    "  scripts:",
                    json.dumps([(s, round(ms)) for s, ms in top["scripts"]]),
                )
            session.close()
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
