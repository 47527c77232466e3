"""Pacing ``log()`` while the run's writer is far behind (issue 19).

The writer hands the run a ``Pacer`` (a step watcher) once more than
``writer.MAX_ROWS_IN_FLIGHT`` rows are queued or on their way: each step then
waits for the writer (``PacedWait``), ``writer.PACE_WAIT_S`` at most, until it
has caught up.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ..model import GilShare

__all__ = [
    "Pacer", "PacedWait", "switch_faster", "switch_back", "writer_started",
    "writer_stopped", "PACED_SWITCH_S", "HANDBACK_S",
]  # fmt: skip


class Pacer:
    """A step watcher (as ``watch()``'s) the writer gives the run while it is far
    behind: each step waits for the writer a little."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def on_step(self, step: int) -> None:
        self._writer.make_room()

    def remove(self) -> None:
        return None


class PacedWait:
    """A paced ``log()``'s wait for its writer, ended by the writer, not a timer.

    The step waited for a timer of ``PACE_WAIT_S`` and then for the GIL. On a
    2-core VM a 1 ms timer wait alone took up to 3-5 ms now and then (with nothing
    else running; a wake-up by another thread, 0.4 ms at most), and the GIL came
    back late: a worker's ``sleep(0)`` restarts the wait of the thread that asks
    for the GIL, and it usually takes the GIL again itself (bench_handoff.py). So
    the writer's threads end the wait: once the step has waited ``slice_s``, the
    first of them at a ``model.GilShare`` point sets ``room`` (a wake-up, not a
    timer) and waits, ``PARK_S`` at most, until the step runs again (``back``),
    so that the step takes the GIL at once. ``log()`` max over 100,000 steps, 8
    interleaved pairs: 4.6-10.8 ms (15 calls over 5 ms), 2.9-7.3 ms (1) with this
    (bench/RESULTS.md, issue 19's fifth pass)."""

    slice_s = 0.0005  # what the writer gets per paced step, at least
    PARK_S = 0.005

    def __init__(self, room: threading.Event) -> None:
        self.room = room  # also set by the writer once it has caught up
        self.back = threading.Event()
        self.since = 0.0

    def wait(self, wake: Callable[[], object], timeout: float) -> None:
        """Wake the writer (``wake()``) and let it work until it hands the GIL back,
        or ``timeout``."""
        self.room.clear()
        self.back.clear()
        self.since = time.perf_counter()
        GilShare.waiting = self
        wake()
        self.room.wait(timeout)
        GilShare.waiting = None
        self.back.set()

    def hand_back(self) -> None:
        """(a writer's thread) Wake the step and wait until it runs."""
        self.room.set()
        self.back.wait(self.PARK_S)


# While a loop is paced, its log() waits for the writer's threads and then for
# the GIL back from them: the interpreter hands it over after its switch interval
# (5 ms), once per thread in the way, so paced calls took 6-15 ms. While paced,
# the interval is PACED_SWITCH_S, then the one found is put back (unless someone
# else changed it meanwhile). Paced runs are counted: two runs in one process.
PACED_SWITCH_S = 0.0005
_switch_lock = threading.Lock()
_switch_state: list[Any] = [0, None]  # paced writers, the interval found


def switch_faster() -> None:
    with _switch_lock:
        if _switch_state[0] == 0:
            found = sys.getswitchinterval()
            _switch_state[1] = found
            sys.setswitchinterval(min(found, PACED_SWITCH_S))
        _switch_state[0] += 1


def switch_back() -> None:
    with _switch_lock:
        _switch_state[0] = max(0, _switch_state[0] - 1)
        found = _switch_state[1]
        if _switch_state[0] == 0 and found is not None:
            if sys.getswitchinterval() == min(found, PACED_SWITCH_S):
                sys.setswitchinterval(found)
            _switch_state[1] = None


# While a run's writer runs in this process, its threads (and the store's ingest
# on them) give the GIL back with a HANDBACK_S sleep, not sleep(0): sleep(0) hands
# it only to a thread that takes it before the worker does again, and a log()
# waiting for it usually lost that race and waited a switch interval more (5 ms
# unpaced). Over 100,000 steps, 11 runs each: log() max 3.1-16.8 ms with sleep(0)
# (7 calls over 5 ms), 2.5-5.1 ms with this (1). A worker gives up ~1/6 of its
# time, once per 0.5 ms of work. Writers are counted: two runs in one process.
HANDBACK_S = 0.0001
_writers = [0]


def writer_started() -> None:
    with _switch_lock:
        _writers[0] += 1
        GilShare.handback_s = HANDBACK_S


def writer_stopped() -> None:
    with _switch_lock:
        _writers[0] = max(0, _writers[0] - 1)
        if _writers[0] == 0:
            GilShare.handback_s = 0.0
