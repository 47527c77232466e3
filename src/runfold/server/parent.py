"""A worker process of ``runfold server --workers N`` ends when its parent does.

uvicorn's workers are processes of their own: when the parent is killed with
SIGKILL nothing tells them, and they kept serving the port, so a restart failed
(issue 18). ``runfold server`` names itself in ``RUNFOLD_SERVER_PARENT`` before
it starts them; each worker then checks twice a second that this is still its
parent, and when it is not, stops: SIGTERM to itself (uvicorn's graceful
shutdown: requests in progress finish), and an exit if that has not ended it
within ``GRACE_SECONDS``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Mapping

__all__ = ["PARENT_ENV", "watch_parent"]

PARENT_ENV = "RUNFOLD_SERVER_PARENT"
POLL_SECONDS = 0.5
GRACE_SECONDS = 10.0


def watch_parent(environ: Mapping[str, str] | None = None) -> threading.Thread | None:
    """Start the watch in a worker (``PARENT_ENV`` names another process than
    this one); None elsewhere (a single-process server, tests)."""
    raw = (os.environ if environ is None else environ).get(PARENT_ENV, "")
    if not raw.isdigit() or int(raw) == os.getpid():
        return None
    thread = threading.Thread(
        target=_watch, args=(int(raw),), name="runfold-parent-watch", daemon=True
    )
    thread.start()
    return thread


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(1)
