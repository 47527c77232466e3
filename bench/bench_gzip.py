"""Bytes the project page's JSON answers take, plain and gzip-compressed (issue 20).

    python bench/bench_gzip.py          # the browser benchmark's store: 1,000 runs, 10 groups

The store is ``bench_browser.py``'s (built and cached under ``bench/out/``). The
answers are those the workspace asks for when it opens: the runs (1,000), the
group rows, and one grouped series per default chart (8 metrics, the chart's
default fields), each asked through the app with ``Accept-Encoding: identity`` and
then ``gzip``; the bytes are the bodies as sent. "warm ms" is the median time of
a chart's series asked again (kept by the server, in both forms), in process.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

import httpx

from bench_browser import METRICS, PROJECT, ensure_store
from machine import load

FIELDS = ["count", "max", "mean", "min", "x_hi", "x_lo"]  # line mean, shading min-max


def _sizes(client: httpx.Client, path: str) -> dict[str, int]:
    out = {}
    for encoding in ("identity", "gzip"):
        with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as r:
            out[encoding] = len(b"".join(r.iter_raw()))
    return out


def _warm_ms(client: httpx.Client, path: str, encoding: str) -> float:
    times = []
    for _ in range(15):
        start = time.perf_counter()
        with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as r:
            b"".join(r.iter_raw())  # as sent: the client does not decompress it
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with warnings.catch_warnings():  # starlette's, about httpx
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from runfold.server import create_app
    from runfold.settings import resolve
    from runfold.store import open_store

    directory, _ = ensure_store(1000, 10, 1000)
    before = load()
    store = open_store(resolve(dir=str(directory)).store_path)
    app = create_app(store)
    base = f"/api/v1/projects/{PROJECT}"
    fields = "&".join(f"fields={f}" for f in FIELDS)
    charts = [f"{base}/series?metric={m}&x=_step&by=group&{fields}" for m in METRICS]
    with TestClient(app) as c:
        figures: dict[str, Any] = {
            "runs": _sizes(c, f"{base}/runs?limit=1000"),
            "groups": _sizes(c, f"{base}/groups?by=group"),
        }
        series = [_sizes(c, path) for path in charts]
        figures["series"] = {k: sum(s[k] for s in series) for k in ("identity", "gzip")}
        figures["warm ms"] = {
            e: round(_warm_ms(c, charts[0], e), 1) for e in ("identity", "gzip")
        }
        computed = dict(app.state.answers.computed)
    store.close()
    print(
        f"series answers computed: {computed.get('series')}, compressed: {computed.get('series.gz')}"
    )
    for name, sizes in figures.items():
        if name == "warm ms":
            print(f"{name}: plain {sizes['identity']}, gzip {sizes['gzip']}")
            continue
        ratio = sizes["identity"] / sizes["gzip"]
        print(
            f"{name}: {sizes['identity']:,} B plain, {sizes['gzip']:,} B gzip ({ratio:.1f}×)"
        )
    print(f"load average before / after: {before} → {load()}")


if __name__ == "__main__":
    main()
