"""W&B's top-level names beyond Runfold's own SDK, for ``import runfold as wandb``
(``runfold.setup``, ``runfold.termlog`` ... reached through ``runfold``'s
``__getattr__``) and for ``import wandb`` in zero-change mode.

Each is either done (``setup``, ``Settings``, ``restore``, ``alert``,
``termlog`` ...), accepted and meaningless here (``require``), or refused with
a ``NotSupported`` that says what to use (``controller``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..errors import MissingAttribute, NotSupported, RunfoldError, UsageError
from ..sdk.context import current
from ..sdk.wandbrun import AlertLevel
from ..sdk.wandbsettings import Settings, setup, teardown
from .restore import restore

__all__ = [
    "AlertLevel",
    "Error",
    "Settings",
    "alert",
    "as_wandb",
    "controller",
    "mark_preempting",
    "require",
    "restore",
    "setup",
    "teardown",
    "termerror",
    "termlog",
    "termwarn",
]  # and Api, loaded on first use (``__getattr__``)

Error = RunfoldError
_said: set[str] = set()  # what termlog/termwarn printed with repeat=False


def as_wandb() -> None:
    """Zero-change mode from now on in this process (``runfold.compat``)."""
    from . import as_wandb as install

    install()


def require(*requirements: Any, **kwargs: Any) -> None:
    """W&B's ``wandb.require("service")`` and the like: nothing to switch on."""
    return None


def _term(prefix: str, message: Any, newline: bool, repeat: bool, quiet: bool) -> None:
    text = str(message)
    if not repeat:
        if text in _said:
            return
        _said.add(text)
    if quiet and _silent():
        return
    lines = [f"runfold: {prefix}{line}" for line in text.splitlines() or [""]]
    print("\n".join(lines), end="\n" if newline else "", file=sys.stderr)


def _silent() -> bool:
    """RUNFOLD_SILENT, else WANDB_SILENT, as ``init()`` reads it."""
    value = os.environ.get("RUNFOLD_SILENT") or os.environ.get("WANDB_SILENT") or ""
    return value.strip().lower() in ("1", "true", "yes", "on")


def termlog(
    string: Any = "", newline: bool = True, repeat: bool = True, prefix: bool = True
) -> None:
    """W&B's ``wandb.termlog``: a line on stderr (silenced by RUNFOLD_SILENT)."""
    _term("", string, newline, repeat, quiet=True)


def termwarn(string: Any, newline: bool = True, repeat: bool = True, **_: Any) -> None:
    _term("WARNING ", string, newline, repeat, quiet=False)


def termerror(string: Any, newline: bool = True, repeat: bool = True, **_: Any) -> None:
    _term("ERROR ", string, newline, repeat, quiet=False)


def _run(call: str) -> Any:
    run = current()
    if run is None:
        raise UsageError(f"Call runfold.init() before runfold.{call}().")
    return run


def alert(title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
    """``run.alert`` on the current run."""
    _run("alert").alert(title, text, level, wait_duration)


def mark_preempting() -> None:
    _run("mark_preempting").mark_preempting()


def __getattr__(name: str) -> Any:
    if name == "Api":  # W&B's flavour of runfold.Api: loads the store's reader
        from .public import Api

        return Api
    if name.startswith("__"):
        raise AttributeError(name)
    raise MissingAttribute(
        f"runfold.{name} is not in Runfold (a W&B name it lacks, or a typo). "
        "docs/migrating-from-wandb.md lists every W&B call and what Runfold does."
    )


def controller(*args: Any, **kwargs: Any) -> Any:
    raise NotSupported(
        "wandb.controller: Runfold runs sweeps with runfold.sweep() and "
        "runfold.agent() (or `runfold sweep` / `runfold agent`); see docs/sweeps.md."
    )
