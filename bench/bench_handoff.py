"""What a paced ``log()`` waits for, without Runfold: timers, wake-ups, the GIL.

    python bench/bench_handoff.py

Three measurements on this machine (issue 19, fifth pass), each the time until
the waiting main thread runs again:

* ``timer``: ``Event.wait(0.001)`` that times out, nothing else running (the
  paced ``log()``'s wait before ``pacing.PacedWait``);
* ``wakeup``: ``Event.wait()`` ended by another thread's ``set()``, from the set;
* ``gil_sleep0`` / ``gil_park``: a 1 ms wait, then the GIL back from a worker that
  runs Python and every 0.5 ms either calls ``sleep(0)`` (``GilShare`` before) or,
  once the main thread's wait is over, waits until the main thread runs again
  (``PacedWait.hand_back``).

Prints median, p99 and max in ms per figure, then the machine and the load.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from collections.abc import Callable

from machine import describe, load

N = 3_000


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def timer() -> list[float]:
    event = threading.Event()
    out = []
    for _ in range(N):
        start = time.perf_counter()
        event.wait(0.001)
        out.append(time.perf_counter() - start)
    return out


def wakeup() -> list[float]:
    event, stamp, stop = threading.Event(), [0.0], threading.Event()

    def setter() -> None:
        while not stop.is_set():
            time.sleep(0.0005)
            stamp[0] = time.perf_counter()
            event.set()

    thread = threading.Thread(target=setter)
    thread.start()
    out = []
    for _ in range(N):
        event.wait()
        out.append(time.perf_counter() - stamp[0])
        event.clear()
    stop.set()
    thread.join()
    return out


def gil(park: bool) -> list[float]:
    stop = threading.Event()
    due = [float("inf")]
    back = threading.Event()
    back.set()

    def worker() -> None:
        since, x = time.perf_counter(), 0
        while not stop.is_set():
            for i in range(200):
                x += i * i
            now = time.perf_counter()
            if park and now >= due[0]:
                back.wait(0.01)
                since = time.perf_counter()
            elif now - since >= 0.0005:
                time.sleep(0)
                since = time.perf_counter()

    thread = threading.Thread(target=worker)
    thread.start()
    event, out = threading.Event(), []
    for _ in range(N):
        start = time.perf_counter()
        back.clear()
        due[0] = start + 0.001
        event.wait(0.001)
        due[0] = float("inf")
        back.set()
        out.append(time.perf_counter() - start)
        sum(range(300))  # the loop's own work
    stop.set()
    thread.join()
    return out


def main() -> None:
    sys.setswitchinterval(0.0005)  # as while a run is paced (sdk/pacing.py)
    runs: dict[str, Callable[[], list[float]]] = {
        "timer": timer,
        "wakeup": wakeup,
        "gil_sleep0": lambda: gil(park=False),
        "gil_park": lambda: gil(park=True),
    }
    before = load()
    for name, run in runs.items():
        print(name, json.dumps({k: round(v, 3) for k, v in _figures(run()).items()}))
    print(
        json.dumps({**describe(), "load average before": before, "load after": load()})
    )


if __name__ == "__main__":
    main()
