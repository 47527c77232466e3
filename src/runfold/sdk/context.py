"""The current run and the module-level calls that act on it (``runfold.log`` ...).

This module does not import ``run.py`` (which imports it): it holds runs by the
``ActiveRun`` interface, what the calls here use of a run; ``Run`` is the one kind.

Also the process hooks that make sure a run is finished and flushed however the
script ends: ``atexit`` (normal exit, with the state from an uncaught exception),
and SIGTERM (a scheduler stopping the job: flush, mark failed, then die as usual).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import UsageError

__all__ = ["ActiveRun", "current", "log", "finish", "define_metric", "save", "NO_RUN"]

NO_RUN = "Call runfold.init() before runfold.{call}()."


class ActiveRun(Protocol):
    """What the module-level calls and the exit hooks use of the current run."""

    id: str

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
        self, glob_str: str, base_path: str | None = None, policy: str = "live"
    ) -> list[str]: ...

    def watch(self, *args: Any, **kwargs: Any) -> None: ...

    def unwatch(self, *args: Any, **kwargs: Any) -> None: ...


_runs: list[ActiveRun] = []
_hooks_installed = False
_uncaught = False
_exit_code: object = None  # what the script passed to sys.exit()


def current() -> ActiveRun | None:
    return _runs[-1] if _runs else None


def _require(call: str) -> ActiveRun:
    if not _runs:
        raise UsageError(NO_RUN.format(call=call))
    return _runs[-1]


def _push(run: ActiveRun) -> None:
    _install_hooks()
    _runs.append(run)


def _forget(run: ActiveRun) -> None:
    if run in _runs:
        _runs.remove(run)


def log(
    data: dict[str, Any], step: int | None = None, commit: bool | None = None
) -> None:
    try:
        run = _runs[-1]
    except IndexError:
        raise UsageError(NO_RUN.format(call="log")) from None
    run.log(data, step, commit)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    if _runs:
        _runs[-1].finish(exit_code)


def define_metric(name: str, step_metric: str | None = None, **kwargs: Any) -> None:
    _require("define_metric").define_metric(name, step_metric, **kwargs)


def save(
    glob_str: str, base_path: str | None = None, policy: str = "live"
) -> list[str]:
    return _require("save").save(glob_str, base_path, policy)


def watch(*args: Any, **kwargs: Any) -> None:
    _require("watch").watch(*args, **kwargs)


def unwatch(*args: Any, **kwargs: Any) -> None:
    if _runs:
        _runs[-1].unwatch(*args, **kwargs)


def _finish_all(state: str, exit_code: int) -> None:
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


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_at_exit)
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
