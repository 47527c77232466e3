"""The sweep agent: ask the sweep for a run, run it, say how it ended, and again.

``runfold.agent(sweep_id, function=None, count=None, project=None)`` (and
``runfold agent SWEEP_ID``) runs each proposal either by calling ``function`` in
this process or by starting the definition's program (``command``, W&B's macros).
Either way the run is told it belongs to the sweep through the environment, both
names of each variable (``RUNFOLD_SWEEP_ID``/``WANDB_SWEEP_ID``, ``..._RUN_ID``,
``..._SWEEP_PARAM_PATH``, see ``settings.sweep_role``), so ``init()`` in that run
takes the proposed id and parameters, while a script that clears one family for
its own workers (W&B's k-fold example) gets plain runs there.

The agent reports to the sweep every ``HEARTBEAT`` seconds; a paused sweep makes it
wait, a finished one stop, a canceled one end the run it is running. A program run
that hyperband says to stop is sent SIGTERM and recorded ``stopped`` with the
reason. An agent that dies (``kill -9``) stops reporting, and after
``RUNFOLD_SWEEP_LOST_AFTER`` seconds (default 60) its run is handed to another
agent.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..settings import resolve
from ..sweeps import build_command
from ..util import generate_id
from .controller import LOST_AFTER, SweepController, definition_of

__all__ = ["agent", "Agent", "sweep_path", "HEARTBEAT"]

HEARTBEAT = 5.0
POLL = 1.0  # while paused, and between early-termination checks of a program run
NO_WORK = (
    "Sweep {sweep!r} has nothing to run: its definition has no program and no "
    "function was given. Pass one: runfold.agent({sweep!r}, function=train), or add "
    "'program: train.py' to the sweep's YAML."
)


def sweep_path(sweep_id: str, project: str | None) -> tuple[str | None, str]:
    """(project, id) from ``id``, ``project/id`` or ``entity/project/id``."""
    parts = sweep_id.strip("/").split("/")
    if len(parts) > 3 or not parts[-1]:
        raise UsageError(
            f"Sweep {sweep_id!r} must be ID, PROJECT/ID or ENTITY/PROJECT/ID, as "
            "runfold sweep printed it."
        )
    return (parts[-2] if len(parts) > 1 else project), parts[-1]


def controller_for(settings: Any) -> Any:
    """The sweep's controller: the local store, or the server in online mode."""
    if settings.mode == "online":
        from .client import SweepClient

        return SweepClient(settings.base_url, settings.api_key)
    from ..store import open_store

    return SweepController(open_store(settings.store_path))


def agent(
    sweep_id: str, function: Callable[[], Any] | None = None, count: int | None = None,
    project: str | None = None, entity: str | None = None,
) -> None:  # fmt: skip
    """Run the sweep's proposals until it is done, or ``count`` of them."""
    project, sweep = sweep_path(sweep_id, project)
    settings = resolve(project=project, entity=entity)
    Agent(controller_for(settings), settings.project, sweep, function, count).run()


class Agent:
    """One agent of one sweep (see the module doc)."""

    def __init__(
        self, controller: Any, project: str, sweep_id: str,
        function: Callable[[], Any] | None = None, count: int | None = None,
    ) -> None:  # fmt: skip
        if count is not None and (not isinstance(count, int) or count < 1):
            raise UsageError(f"count={count!r} must be a positive integer, e.g. 5.")
        self.controller, self.project, self.sweep_id = controller, project, sweep_id
        self.function, self.count = function, count
        self.id = generate_id()
        self.state = "running"
        self._stop_why: str | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._done = threading.Event()
        self._lost_after = float(os.environ.get("RUNFOLD_SWEEP_LOST_AFTER", LOST_AFTER))
        self._heartbeat = min(HEARTBEAT, self._lost_after / 3)

    def run(self) -> int:
        """Run proposals until the sweep has none or ``count`` ran; the count."""
        defn = definition_of(
            self.controller.sweep(self.project, self.sweep_id).definition
        )
        if self.function is None and defn.program is None and defn.command is None:
            raise UsageError(NO_WORK.format(sweep=self.sweep_id))
        self._seen("running")
        beat = threading.Thread(target=self._beat, name="runfold-agent", daemon=True)
        beat.start()
        ran = 0
        try:
            while self.count is None or ran < self.count:
                claim = self.controller.claim(
                    self.project, self.sweep_id, self.id, lost_after=self._lost_after
                )
                if claim.run is None:
                    if claim.state != "paused":
                        break
                    time.sleep(POLL)
                    continue
                state, reason = self._one(defn, claim.run)
                self.controller.end(self.project, self.sweep_id, claim.run.run_id,
                                    state, reason)  # fmt: skip
                ran += 1
        finally:
            self._done.set()
            self._seen("done")
        return ran

    def _seen(self, state: str) -> None:
        self.state = self.controller.seen(
            self.project, self.sweep_id, self.id, host=socket.gethostname(),
            pid=os.getpid(), state=state,
        )  # fmt: skip

    def _beat(self) -> None:
        while not self._done.wait(self._heartbeat):
            try:
                self._seen("running")
            except Exception as exc:  # noqa: BLE001 - a heartbeat must not kill the agent
                print(f"runfold agent: cannot reach the sweep: {exc}", file=sys.stderr)
                continue
            if self.state == "canceled":
                self._stop("the sweep was canceled")

    def _stop(self, why: str) -> None:
        self._stop_why = why
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()

    def _one(self, defn: Any, run: Any) -> tuple[str, str | None]:
        self._stop_why = None
        with tempfile.TemporaryDirectory(prefix="runfold-sweep-") as tmp:
            params = Path(tmp) / "params.json"
            params.write_text(
                json.dumps({k: {"value": v} for k, v in run.params.items()})
            )
            env = self._environ(run.run_id, params)
            if self.function is not None:
                state = self._call(env)
            else:
                state = self._program(defn, run, env, Path(tmp))
        if self._stop_why is not None:
            return "stopped", self._stop_why
        return state, None

    def _environ(self, run_id: str, params: Path) -> dict[str, str]:
        env = {"SWEEP_ID": self.sweep_id, "RUN_ID": run_id,
               "SWEEP_PARAM_PATH": str(params), "PROJECT": self.project}  # fmt: skip
        return {f"{family}_{k}": v for k, v in env.items()
                for family in ("RUNFOLD", "WANDB")}  # fmt: skip

    def _call(self, env: dict[str, str]) -> str:
        """The function in this process, its environment set for its ``init()``."""
        from ..sdk import context

        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        state = "finished"
        try:
            self.function()  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - one failed run does not end the sweep
            traceback.print_exc()
            state = "failed"
        finally:
            if context.current() is not None:
                context.finish(exit_code=0 if state == "finished" else 1)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return state

    def _program(self, defn: Any, run: Any, env: dict[str, str], tmp: Path) -> str:
        """The definition's program in a child process, judged while it runs."""
        argv = build_command(defn, run.params, args_json_file=tmp / "args.json")
        self._child = child = subprocess.Popen(argv, env={**os.environ, **env})
        try:
            while child.poll() is None:
                time.sleep(POLL)
                if defn.early_terminate is not None and self._stop_why is None:
                    stop, why = self.controller.judge(self.project, self.sweep_id,
                                                      run.run_id)  # fmt: skip
                    if stop:
                        self._stop(why)
            return "finished" if child.returncode == 0 else "failed"
        finally:
            self._child = None
