"""The current run and the module-level calls that act on it (``runfold.log`` ...).

This module does not import ``run.py`` (which imports it): it holds runs by the
``ActiveRun`` interface, what the calls here use of a run; ``Run`` is the one kind.

Also the process hooks that make sure a run is finished and flushed however the
script ends: ``atexit`` (normal exit, with the state from an uncaught exception),
and SIGTERM (a scheduler stopping the job: flush, mark failed, then die as usual).

A run belongs to the process that created it (issue 14). A forked child starts
with no current run, as under W&B: ``init()`` there starts a run of its own, and
nothing the child does (``log``, ``finish``, its exit hooks) reaches the parent's
runs. The at-fork hook does this once per fork, so ``log()`` never checks the pid.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from ..errors import UsageError

__all__ = ["ActiveRun", "current", "log", "finish", "define_metric", "save", "NO_RUN"]

NO_RUN = "Call runfold.init() before runfold.{call}()."
# What ``log()`` with no data gets: it commits the row that commit=False left open.
NO_DATA: Mapping[str, Any] = MappingProxyType({})


class ActiveRun(Protocol):
    """What the module-level calls and the exit hooks use of the current run."""

    id: str
    _pid: int  # the process that created the run

    def log(
        self,
        data: Mapping[str, Any],
        step: int | None = None,
        commit: bool | None = None,
    ) -> None: ...

    def finish(
        self, exit_code: int | None = None, quiet: bool | None = None
    ) -> None: ...

    def _finish(self, exit_code: int | None, state: str) -> None: ...

    def define_metric(
        self, name: str, step_metric: str | None = None, **kwargs: Any
    ) -> None: ...

    def save(
        self, glob_str: str | None = None, base_path: str | None = None,
        policy: str = "live",
    ) -> list[str] | bool: ...  # fmt: skip

    def watch(self, *args: Any, **kwargs: Any) -> None: ...

    def unwatch(self, *args: Any, **kwargs: Any) -> None: ...

    def _disown(self) -> None: ...


_runs: list[ActiveRun] = []
_hooks_installed = False
_uncaught = False
_exit_code: object = None  # what the script passed to sys.exit()
_disowned: list[ActiveRun] = []  # a parent's runs, in a forked child: never freed
_disowned_kept = False


def current() -> ActiveRun | None:
    if _runs and _runs[-1]._pid != os.getpid():
        _disown_foreign()  # a fork the at-fork hook did not see (fork() from C)
    return _runs[-1] if _runs else None


def _require(call: str) -> ActiveRun:
    run = current()
    if run is None:
        raise UsageError(NO_RUN.format(call=call))
    return run


def _push(run: ActiveRun) -> None:
    _install_hooks()
    _runs.append(run)


def _forget(run: ActiveRun) -> None:
    if run in _runs:
        _runs.remove(run)


def inherited() -> ActiveRun | None:
    """In a forked child with no run of its own, the parent's newest run (read
    only: what it is told is dropped): ``runfold.config`` in a DataLoader worker."""
    return _disowned[-1] if _disowned else None


def log(
    data: Mapping[str, Any] = NO_DATA,
    step: int | None = None,
    commit: bool | None = None,
) -> None:
    try:
        run = _runs[-1]
    except IndexError:
        if not _disowned:
            raise UsageError(NO_RUN.format(call="log")) from None
        # Forked from a process with a run, as W&B does: warn once and go on.
        run = _disowned[-1]
    run.log(data, step, commit)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    run = current()
    if run is not None:
        run.finish(exit_code)


def define_metric(name: str, step_metric: str | None = None, **kwargs: Any) -> None:
    _require("define_metric").define_metric(name, step_metric, **kwargs)


def save(
    glob_str: str | None = None, base_path: str | None = None, policy: str = "live"
) -> list[str] | bool:
    return _require("save").save(glob_str, base_path, policy)


def watch(*args: Any, **kwargs: Any) -> None:
    _require("watch").watch(*args, **kwargs)


def unwatch(*args: Any, **kwargs: Any) -> None:
    run = current()
    if run is not None:
        run.unwatch(*args, **kwargs)


def _finish_all(state: str, exit_code: int) -> None:
    _disown_foreign()
    for run in list(reversed(_runs)):
        try:
            run._finish(exit_code, state)
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            print(f"runfold: could not finish run {run.id!r}: {exc}", file=sys.stderr)


def _at_exit() -> None:
    code = _exit_code
    if _uncaught:
        code = 1
    elif code is None or code is True or code is False:
        code = int(bool(code))
    elif not isinstance(code, int):
        code = 1  # sys.exit("message") exits with status 1
    _finish_all("failed" if code else "finished", code)


def _record_exit(original: Any) -> Any:
    # atexit cannot see the exit status, so remember what sys.exit() was given
    # (W&B does the same); a bare `raise SystemExit(n)` is not seen.
    def exit(code: object = None) -> None:
        global _exit_code
        _exit_code = code
        original(code)

    return exit


def _on_sigterm(signum: int, frame: Any) -> None:
    _finish_all("failed", 128 + signum)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _after_fork_in_child() -> None:
    if _runs:
        _disown(list(_runs))


def _disown_foreign() -> None:
    pid = os.getpid()
    foreign = [run for run in _runs if run._pid != pid]
    if foreign:
        _disown(foreign)


def _disown(runs: list[ActiveRun]) -> None:
    """This process is a fork of the one that created ``runs``: they stop being
    current here, and their copies here are cut off from the parent's writer, run
    log, console log and store (``Run._disown``).

    The copies are then kept for good. Freeing them would close the SQLite
    connection the parent opened, which SQLite forbids in a forked child
    (https://sqlite.org/howtocorrupt.html#_carrying_an_open_database_connection_across_a_fork_),
    and would flush buffers holding the parent's output into the parent's files."""
    global _disowned_kept
    for run in runs:
        _forget(run)
        run._disown()
    _disowned.extend(runs)
    if _disowned_kept:
        return
    _disowned_kept = True
    try:
        import ctypes

        # One reference that is never dropped, so even interpreter shutdown
        # (which clears this module) leaves the list and its runs alone.
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_disowned))
    except Exception:  # noqa: BLE001 - no ctypes: the module's list keeps them
        pass


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_at_exit)
    os.register_at_fork(after_in_child=_after_fork_in_child)
    previous_hook = sys.excepthook

    def excepthook(*args: Any) -> None:
        global _uncaught
        _uncaught = True
        previous_hook(*args)

    sys.excepthook = excepthook
    sys.exit = _record_exit(sys.exit)
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _on_sigterm)
