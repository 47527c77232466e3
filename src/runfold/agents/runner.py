"""The sweep agent: ask the sweep for a run, run it, say how it ended, and again.

``runfold.agent(sweep_id, function=None, count=None, project=None)`` (and
``runfold agent SWEEP_ID``) runs each proposal either by calling ``function`` in
this process or by starting the definition's program (``command``, W&B's macros).
Either way the run is told it belongs to the sweep through the environment, both
names of each variable (``RUNFOLD_SWEEP_ID``/``WANDB_SWEEP_ID``, ``..._RUN_ID``,
``..._SWEEP_PARAM_PATH``, see ``settings.sweep_role``), so ``init()`` in that run
takes the proposed id and parameters, while a script that clears one family for
its own workers (W&B's k-fold example) gets plain runs there.

A watcher thread reports to the sweep every ``HEARTBEAT`` seconds and, while a run
of a sweep with ``early_terminate`` runs, asks hyperband every ``POLL`` seconds
whether it should stop. A paused sweep makes the agent wait; a finished one (or a
search with nothing left) makes it leave once no run it could inherit is running;
a canceled one ends the run it is running. A run to stop (hyperband, or the sweep
canceled) is recorded ``stopped`` with the reason: a program is sent SIGTERM
(SIGKILL ``KILL_AFTER`` s later if still alive); a function's run raises
``RunStopped`` from its next ``log()`` that completes a row, after recording it
(the SDK cannot stop a function between two calls). An agent that dies
(``kill -9``) stops reporting, and after ``RUNFOLD_SWEEP_LOST_AFTER`` seconds
(default 60) its run is handed to another agent.
"""

from __future__ import annotations

import contextlib
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

from ..errors import NotFound, UsageError
from ..settings import resolve
from ..sweeps import build_command
from ..util import generate_id
from .controller import LOST_AFTER, SweepController, definition_of

__all__ = ["agent", "Agent", "sweep_path", "controller_for", "HEARTBEAT", "POLL"]

HEARTBEAT = 5.0
POLL = 0.5  # while waiting for work, and between early-termination checks
KILL_AFTER = 10.0  # a program still alive this long after SIGTERM is killed
MAX_INITIAL_FAILURES = 3  # W&B's default: an agent whose first runs all fail stops
NO_WORK = (
    "Sweep {sweep!r} has nothing to run: its definition has no program and no "
    "function was given. Pass one: runfold.agent({sweep!r}, function=train), or add "
    "'program: train.py' to the sweep's YAML."
)
NO_SWEEP = (
    "Sweep {sweep!r} not found in project {project!r} ({where}). Give the sweep as "
    "`runfold sweep` printed it, PROJECT/{sweep} (or its project: --project, "
    "project=...); list a project's sweeps with: runfold sweeps PROJECT"
)
ALL_FAILED = (
    "runfold agent: the first {n} runs of sweep {sweep!r} failed; stopping this "
    "agent. Fix the program (its output is above) and start the agent again."
)
CANCELED = "the sweep was canceled"


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
    controller = controller_for(settings)
    try:
        controller.sweep(settings.project, sweep)
    except NotFound:
        where = (
            f"server {settings.base_url}" if settings.mode == "online"
            else f"store {settings.store_path}"
        )  # fmt: skip
        raise NotFound(
            NO_SWEEP.format(sweep=sweep, project=settings.project, where=where)
        ) from None
    Agent(controller, settings.project, sweep, function, count).run()


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
        self._lock = threading.Lock()
        self._current: Any = None  # the proposal running now
        self._stop_why: str | None = None
        self._stopped_at = 0.0
        self._child: subprocess.Popen[bytes] | None = None
        self._done = threading.Event()
        self._lost_after = float(os.environ.get("RUNFOLD_SWEEP_LOST_AFTER", LOST_AFTER))
        self._heartbeat = min(HEARTBEAT, self._lost_after / 3)
        self._judging = False
        self._unreachable = False

    def run(self) -> int:
        """Run proposals until the sweep has none or ``count`` ran; the count."""
        defn = definition_of(
            self.controller.sweep(self.project, self.sweep_id).definition
        )
        if self.function is None and defn.program is None and defn.command is None:
            raise UsageError(NO_WORK.format(sweep=self.sweep_id))
        self._judging = defn.early_terminate is not None and defn.metric is not None
        self._seen("running")
        watcher = threading.Thread(
            target=self._watch, name="runfold-agent", daemon=True
        )
        watcher.start()
        try:
            return self._loop(defn)
        finally:
            self._done.set()
            watcher.join(timeout=5)
            with contextlib.suppress(Exception):  # leaving anyway; it will be lost
                self._seen("done")

    def _loop(self, defn: Any) -> int:
        ran = failed_from_start = 0
        while self.count is None or ran < self.count:
            claim = self.controller.claim(
                self.project, self.sweep_id, self.id, lost_after=self._lost_after
            )
            if claim.run is None:
                # paused, or the search is done while others' runs run (one may
                # yet be lost and come back): wait. Anything else: leave.
                if claim.state not in ("paused", "running"):
                    break
                time.sleep(POLL)
                continue
            state, _ = self._run_one(defn, claim.run)
            if state == "failed" and failed_from_start == ran:
                failed_from_start += 1
            ran += 1
            more = self.count is None or ran < self.count
            if failed_from_start == ran == MAX_INITIAL_FAILURES and more:
                print(ALL_FAILED.format(n=ran, sweep=self.sweep_id), file=sys.stderr)
                break
        return ran

    def _run_one(self, defn: Any, run: Any) -> tuple[str, str | None]:
        """Run one proposal and record how it ended; an interrupt (Ctrl-C) of
        the agent records it failed and goes up."""
        with self._lock:
            self._current, self._stop_why = run, None
        state: str = "failed"
        reason: str | None = "the agent was interrupted"
        try:
            state, reason = self._one(defn, run)
        finally:
            with self._lock:
                self._current = None
            self.controller.end(self.project, self.sweep_id, run.run_id, state, reason)
        return state, reason

    # ---- the watcher: heartbeat, cancel, hyperband ---------------------------

    def _seen(self, state: str) -> None:
        self.state = self.controller.seen(
            self.project, self.sweep_id, self.id, host=socket.gethostname(),
            pid=os.getpid(), state=state,
        )  # fmt: skip

    def _watch(self) -> None:
        beat_at = time.monotonic() + self._heartbeat
        while not self._done.wait(min(POLL, self._heartbeat)):
            try:
                if time.monotonic() >= beat_at:
                    beat_at = time.monotonic() + self._heartbeat
                    self._seen("running")
                    if self.state == "canceled":
                        self._stop(CANCELED)
                if self._judging:
                    self._judge()
                self._escalate()
            except Exception as exc:  # noqa: BLE001 - the watcher must not die
                self._warn_unreachable(exc)
            else:
                self._unreachable = False

    def _warn_unreachable(self, exc: Exception) -> None:
        if not self._unreachable:
            print(f"runfold agent: cannot reach sweep {self.sweep_id!r} ({exc}); "
                  "retrying.", file=sys.stderr)  # fmt: skip
        self._unreachable = True

    def _judge(self) -> None:
        run = self._current
        if run is None or self._stop_why is not None:
            return
        stop, why = self.controller.judge(self.project, self.sweep_id, run.run_id)
        if stop:
            self._stop(why, run.run_id)

    def _stop(self, why: str, run_id: str | None = None) -> None:
        """Stop the running proposal (``run_id``, when only that one): SIGTERM
        to a program, ``RunStopped`` at a function run's next log()."""
        with self._lock:
            run = self._current
            if run is None or (run_id is not None and run.run_id != run_id):
                return
            if self._stop_why is None:
                self._stop_why = why
                self._stopped_at = time.monotonic()
        self._tell(run.run_id)

    def _tell(self, run_id: str) -> None:
        if self.function is None:
            child = self._child
            if child is not None and child.poll() is None:
                child.terminate()
            return
        from ..sdk import context

        found = context.current()
        if found is not None and found.id == run_id:
            found._stop_at_next_log(self._stop_why or CANCELED)  # type: ignore[attr-defined]

    def _escalate(self) -> None:
        """A program told to stop that lives on is killed; a function run that
        did not exist yet when told (no init() then) is told again."""
        run = self._current
        if run is None or self._stop_why is None:
            return
        child = self._child
        if self.function is not None:
            self._tell(run.run_id)
        elif child is not None and child.poll() is None:
            if time.monotonic() - self._stopped_at > KILL_AFTER:
                child.kill()

    # ---- one proposal --------------------------------------------------------

    def _one(self, defn: Any, run: Any) -> tuple[str, str | None]:
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
        """The function in this process, its environment set for its ``init()``;
        the run it made is finished here if it did not finish it itself."""
        from ..sdk import context
        from ..sdk.run import RunStopped

        before = context.current()
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        state = "failed"
        try:
            self.function()  # type: ignore[misc]
            state = "finished"
        except RunStopped:
            state = "stopped"
        except Exception:  # noqa: BLE001 - one failed run does not end the sweep
            traceback.print_exc()
        finally:
            made = context.current()
            if made is not None and made is not before:
                made.finish(exit_code=0 if state == "finished" else 1)
            _restore(saved)
        return state

    def _program(self, defn: Any, run: Any, env: dict[str, str], tmp: Path) -> str:
        """The definition's program in a child process; the watcher stops it."""
        argv = build_command(defn, run.params, args_json_file=tmp / "args.json")
        child = subprocess.Popen(argv, env={**os.environ, **env})
        with self._lock:
            self._child = child
            if self._stop_why is not None:  # canceled before it started
                child.terminate()
        try:
            return "finished" if child.wait() == 0 else "failed"
        except BaseException:  # Ctrl-C: the child got SIGINT too; let it end
            try:
                child.wait(KILL_AFTER)
            except BaseException:
                child.kill()
            raise
        finally:
            with self._lock:
                self._child = None


def _restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
