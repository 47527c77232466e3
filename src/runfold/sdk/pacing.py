"""Pacing ``log()`` while the run's writer is far behind (issue 19).

The writer hands the run a ``Pacer`` (a step watcher) once more than
``writer.MAX_ROWS_IN_FLIGHT`` rows are queued or on their way: each step then
waits for the writer, ``writer.PACE_WAIT_S`` at most, until it has caught up.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

__all__ = ["Pacer", "switch_faster", "switch_back", "PACED_SWITCH_S"]


class Pacer:
    """A step watcher (as ``watch()``'s) the writer gives the run while it is far
    behind: each step waits for the writer a little."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def on_step(self, step: int) -> None:
        self._writer.make_room()

    def remove(self) -> None:
        return None


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
