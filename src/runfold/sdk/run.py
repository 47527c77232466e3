"""Run: holds config, summary and the step; ``log()`` validates cheaply and enqueues.

The hot path of ``log()`` is a loop over the dict that only checks ``type(v)`` is
float or int and that the key was seen before; anything else (new keys, bools,
NumPy scalars, tensors, nested dicts, bad values) goes through ``_slow_value``.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import UsageError
from ..media.base import Media
from ..model import RecordKind
from .config import Config
from .context import NO_DATA, _forget
from .histogram import Histogram
from .runartifacts import ArtifactLogging
from .runmedia import MediaLogging
from .summary import Summary
from .values import key_problem, number
from .wandbrun import WandbRunSurface
from .warn import RunfoldWarning, user_stacklevel
from .writer import Control, RunWriter

__all__ = ["Run", "RunfoldWarning", "RunStopped"]

_time = time.time
_HISTOGRAM = RecordKind.HISTOGRAM  # bound once: no enum lookup on log()'s path
_MEDIA = RecordKind.MEDIA

STEP_BACKWARDS = (
    "runfold.log: step {step} is lower than the run's current step {current}; "
    "{key!r} at step {step} was dropped. Steps must not decrease: call log() without "
    "step=, or with step >= run.step."
)
BAD_KEY = "runfold.log: key {key!r} was not logged: {why}."
LOG_AFTER_FINISH = (
    "runfold.log: run {run_id!r} is finished; nothing was logged. Call "
    "runfold.init() to start a new run."
)
LOG_IN_CHILD = (
    "runfold.log: run {run_id!r} belongs to process {pid}, not to this one ({me}, "
    "forked from it); nothing was logged. Call runfold.init() in this process for "
    "a run of its own."
)
SWEEP_LOCKED = (
    "runfold: config {key!r} is a sweep parameter; the sweep's value stays and "
    "this change was ignored."
)
# What `runfold ui` serves by default: local runs' URLs point there.
LOCAL_UI_URL = "http://127.0.0.1:8765"


def _drop(item: Any) -> None:
    return None


_pace_key = object()  # the writer's pacer among the step watchers


class RunStopped(BaseException):
    """Raised by ``log()`` in a sweep run its agent was told to stop (hyperband,
    or the sweep canceled), once the row is recorded; the message says why. A
    BaseException, as KeyboardInterrupt: ``except Exception`` does not swallow it."""


class _StopAtNextStep:
    """A step watcher (as ``watch()``'s): the request costs ``log()`` nothing."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def on_step(self, step: int) -> None:
        raise RunStopped(self.reason)

    def remove(self) -> None:
        return None


class Run(MediaLogging, ArtifactLogging, WandbRunSurface):
    """One process's record. Returned by ``runfold.init()``."""

    def __init__(
        self,
        *,
        project: str,
        run_id: str,
        name: str,
        group: str | None,
        job_type: str | None,
        tags: list[str],
        notes: str | None,
        run_dir: Path,
        mode: str,
        start_step: int = 0,
        silent: bool = False,
        sweep_id: str | None = None,
        base_url: str | None = None,
    ) -> None:
        self.project = project
        self.id = run_id
        self._name = name
        self._group = group
        self._job_type = job_type
        self._tags = tuple(tags)
        self._notes = notes
        self.dir = run_dir
        self.mode = mode
        self.silent = silent
        self._sweep_id = sweep_id
        self._base_url = base_url
        self._pid = os.getpid()  # the process the run belongs to
        self._disowned = False
        self._step = start_step
        self._start_step = start_step
        self._pending: dict[str, Any] = {}
        self._pending_histograms: dict[str, Any] = {}
        self._pending_media: dict[str, Any] = {}
        self._media_files: set[str] = set()  # media paths handed to the writer
        self._known: set[str] = set()
        self._warned: set[tuple[str, str]] = set()
        self._writer: RunWriter | None = None
        self._capture: Any = None  # RunCapture: system metrics, console, git ...
        self._watchers: dict[int, Any] = {}  # watch(): hooks per model
        # Replaced by the writer's queue in _attach; disabled runs keep dropping.
        self._enqueue: Callable[[Any], None] = _drop
        self._stamp: Callable[[Any], None] = _drop  # a row's (step, time): writer.py
        self._is_finished = False
        self.config = Config(
            on_change=lambda data: self._control(RecordKind.CONFIG, data),
            on_locked=lambda key: self._warn_once(
                key, "locked", SWEEP_LOCKED.format(key=key)
            ),
        )
        self.summary = Summary(
            on_set=lambda data: self._control(RecordKind.SUMMARY, data),
            before_read=self._flush_quietly,
        )
        self.start_time = time.time()

    def _attach(self, writer: RunWriter) -> None:
        self._writer = writer
        self._enqueue = writer.items.append
        self._stamp = writer.stamps.append
        writer.on_behind = self._pace

    def _pace(self, pacer: Any) -> None:
        """The writer is far behind (a pacer) or has caught up (None): while it is
        behind, each step waits for it a little (writer.py's ``Pacer``); a step
        watcher, so that log() pays nothing for this otherwise."""
        if pacer is None:
            self._watchers.pop(id(_pace_key), None)
        else:
            self._watchers[id(_pace_key)] = pacer

    def _control(self, kind: RecordKind, body: Any) -> None:
        self._enqueue(Control(kind, body))

    def _flush_quietly(self) -> None:
        if self._writer is not None and not self._is_finished:
            self._writer.request_flush()

    def _disown(self) -> None:
        """This process was forked from the run's own: this copy of the run stops
        here. Its writer's threads did not survive the fork and its run log,
        console log and store belong to the parent, so nothing here may reach
        them: ``log`` warns and drops, ``finish`` does nothing."""
        self._disowned = True
        self._is_finished = True
        self._enqueue = self._stamp = _drop
        if self._capture is not None:
            self._capture.disown()

    # ---- identity (editable while running) ----------------------------------

    def _identity_property(field: str) -> property:  # type: ignore[misc]
        def get(self: Run) -> Any:
            value = getattr(self, "_" + field)
            return list(value) if field == "tags" else value

        def set_(self: Run, value: Any) -> None:
            if field == "tags":
                value = tuple(value)
            setattr(self, "_" + field, value)
            self._control(
                RecordKind.UPDATE, {field: list(value) if field == "tags" else value}
            )

        return property(get, set_)

    name = _identity_property("name")
    group = _identity_property("group")
    job_type = _identity_property("job_type")
    tags = _identity_property("tags")
    notes = _identity_property("notes")
    del _identity_property

    @property
    def step(self) -> int:
        """The step the next committed row gets."""
        return self._step

    @property
    def is_finished(self) -> bool:
        return self._is_finished

    @property
    def url(self) -> str:
        return f"/projects/{self.project}/runs/{self.id}"

    @property
    def sweep_id(self) -> str | None:
        """The sweep this run belongs to (set by a sweep agent); None outside one."""
        return self._sweep_id

    def get_project_url(self) -> str | None:
        """The project's page in the web UI: the server's in online mode, what
        ``runfold ui`` serves by default in local mode; None offline or disabled."""
        if self.mode not in ("local", "online"):
            return None
        base = (self._base_url if self.mode == "online" else None) or LOCAL_UI_URL
        return f"{base.rstrip('/')}/projects/{quote(self.project, safe='')}"

    def get_url(self) -> str | None:
        """The run's page in the web UI (see ``get_project_url``)."""
        project = self.get_project_url()
        if project is None:
            return None
        return f"{project}/runs/{quote(self.id, safe='')}"

    def get_sweep_url(self) -> str | None:
        """The sweep's page in the web UI; None outside a sweep."""
        project = self.get_project_url()
        if project is None or self._sweep_id is None:
            return None
        return f"{project}/sweeps/{quote(self._sweep_id, safe='')}"

    def __repr__(self) -> str:
        return f"<Run {self.project}/{self.id} {self._name!r} step={self._step}>"

    # ---- log ----------------------------------------------------------------

    def log(
        self,
        data: Mapping[str, Any] = NO_DATA,
        step: int | None = None,
        commit: bool | None = None,
    ) -> None:
        """Record ``data`` at the current step (or ``step``) and advance the step.

        Never raises for bad values: each is dropped with a RunfoldWarning (once per
        key) that says what to do. ``commit=False`` keeps adding to the same row;
        an explicit ``step`` keeps the row open until a later step or commit=True.
        """
        if self._is_finished:
            self._refuse_log()
            return
        if step is not None:
            if not self._move_to_step(step, data):
                return
            if commit is None:
                commit = False
        pending = self._pending
        known = self._known
        try:
            for key, value in data.items():
                kind = type(value)
                if (kind is float or kind is int) and key in known:
                    pending[key] = value
                else:
                    self._slow_value(key, value, pending)
        except AttributeError:
            raise UsageError(
                f"runfold.log() takes a dict of metrics, not {type(data).__name__}; "
                "e.g. runfold.log({'loss': 0.5})."
            ) from None
        if commit is not False:
            self._commit()

    def _refuse_log(self) -> None:
        if self._disowned:
            message = LOG_IN_CHILD.format(run_id=self.id, pid=self._pid, me=os.getpid())
            self._warn_once("", "disowned", message)
        else:
            self._warn_once("", "finished", LOG_AFTER_FINISH.format(run_id=self.id))

    def _commit(self) -> None:
        self._close_row()
        self._step += 1
        if self._watchers:
            self._tell_watchers()

    def _tell_watchers(self) -> None:
        for watcher in list(self._watchers.values()):
            watcher.on_step(self._step)

    def _close_row(self) -> None:
        """Hand the pending row (and its histograms, a record of their own) on."""
        if self._pending:
            self._stamp((self._step, _time()))  # before the dict: see writer.py
            self._enqueue(self._pending)
            self._pending = {}
        if self._pending_histograms:
            row = [self._step, _time(), self._pending_histograms]
            self._enqueue(Control(_HISTOGRAM, [row]))
            self._pending_histograms = {}
        if self._pending_media:
            row = [self._step, _time(), self._pending_media]
            self._enqueue(Control(_MEDIA, [row]))
            self._pending_media = {}

    def _move_to_step(self, step: Any, data: Mapping[str, Any]) -> bool:
        if isinstance(step, bool) or not isinstance(step, int):
            as_int = number(step)
            if as_int is None or as_int != int(as_int) or isinstance(step, bool):
                self._warn_once(
                    "", "step-type",
                    f"runfold.log: step={step!r} is not an integer; the row was "
                    "logged at the run's own step instead.",
                )  # fmt: skip
                return True
            step = int(as_int)
        if step < self._step:
            keys = list(data) if isinstance(data, Mapping) else [""]
            for key in keys:
                self._warn_once(
                    str(key), "step-backwards",
                    STEP_BACKWARDS.format(step=step, current=self._step, key=key),
                )  # fmt: skip
            return False
        if step > self._step:
            self._close_row()
            self._step = step
            if self._watchers:
                self._tell_watchers()
        return True

    def _slow_value(self, key: Any, value: Any, pending: dict[str, Any]) -> None:
        if key not in self._known:
            why = key_problem(key)
            if why:
                self._warn_once(str(key), "key", BAD_KEY.format(key=key, why=why))
                return
            self._known.add(key)
        if isinstance(value, Mapping):
            for sub_key, sub_value in value.items():
                self._slow_value(f"{key}/{sub_key}", sub_value, pending)
            return
        if isinstance(value, Histogram):
            self._pending_histograms[key] = value.to_record()
            return
        if isinstance(value, Media):
            self._log_media(key, value)
            return
        as_float = number(value)
        if as_float is not None:
            pending[key] = as_float
            return
        self._log_other(key, value)

    def _warn_once(self, key: str, what: str, message: str) -> None:
        if (key, what) in self._warned:
            return
        self._warned.add((key, what))
        warnings.warn(message, RunfoldWarning, stacklevel=user_stacklevel())

    # ---- the rest of the W&B surface ----------------------------------------

    def define_metric(
        self,
        name: str,
        step_metric: str | None = None,
        *,
        summary: str | None = None,
        goal: str | None = None,
        hidden: bool | None = None,
        **_ignored: Any,
    ) -> None:
        """Set how ``name`` (or a glob like ``val/*``) is summarised: min, max, mean, last."""
        if summary == "best":
            summary = "max" if goal in ("max", "maximize") else "min"
        if summary is not None and "," in summary:
            summary = summary.split(",")[0].strip()
        self.summary.define(name, summary)
        body = {"summary": summary, "step_metric": step_metric, "hidden": hidden}
        self._control(RecordKind.DEFINE, {name: body})

    def save(
        self, glob_str: str | None = None, base_path: str | None = None,
        policy: str = "live",
    ) -> list[str] | bool:  # fmt: skip
        """Copy files matching ``glob_str`` into the run's ``files/`` directory.

        Without ``glob_str`` it does nothing and returns True, as W&B's does: old
        scripts call it after changing ``run.notes`` and the like, which Runfold
        (and W&B) saves as soon as it is set."""
        if glob_str is None:
            return True
        from .files import save_files

        return save_files(self.dir / "files", glob_str, base_path, policy)

    def watch(
        self, models: Any, criterion: Any = None, log: str | None = "gradients",
        log_freq: int = 100, idx: int | None = None, log_graph: bool = False,
        num_bins: int = 64,
    ) -> None:  # fmt: skip
        """Log per-layer histograms of a PyTorch model's gradients and/or parameters
        (``log="gradients" | "parameters" | "all"``) on every ``log_freq``-th step
        (one ``log`` call per batch: steps count batches)."""
        from .watch import Watcher

        if log is None:
            return
        for model in models if isinstance(models, (list, tuple)) else [models]:
            self.unwatch(model)
            self._watchers[id(model)] = Watcher(
                model, log, log_freq, num_bins, step=self._step,
                add_to_row=partial(self.log, commit=False),
                withdraw=self._withdraw_histogram,
            )  # fmt: skip

    def _withdraw_histogram(self, key: str) -> None:
        self._pending_histograms.pop(key, None)

    def unwatch(self, models: Any = None) -> None:
        """Take the hooks of ``watch`` off these models (all of them by default)."""
        if models is None:
            targets = list(self._watchers)
        else:
            items = models if isinstance(models, (list, tuple)) else [models]
            targets = [id(m) for m in items]
        for key in targets:
            watcher = self._watchers.pop(key, None)
            if watcher is not None:
                watcher.remove()

    def _stop_at_next_log(self, reason: str) -> None:
        """A sweep agent's request: the next log() completing a row raises RunStopped."""
        self._watchers[id(_StopAtNextStep)] = _StopAtNextStep(reason)

    def mark_preempting(self) -> None:
        return None

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Flush everything to the run log and the store and mark the run finished
        (``exit_code`` other than 0: failed). Safe to call twice."""
        self._finish(exit_code, "failed" if exit_code else "finished")

    join = finish

    def _finish(self, exit_code: int | None, state: str) -> None:
        if self._is_finished:
            return
        self.unwatch()
        if self._writer is not None:
            self._writer.wake()  # what is queued goes out while capture stops
        if self._capture is not None:
            self._capture.stop()
        if self._pending or self._pending_histograms or self._pending_media:
            self._commit()
        self._settle_artifacts()  # staged and queued before the run's last record
        self._control(
            RecordKind.FINISH,
            {"state": state, "exit_code": exit_code or 0, "at": time.time()},
        )
        self._is_finished = True
        _forget(self)
        if self._writer is None:
            return
        self._refresh_save()
        from .ending import close_writer

        close_writer(self._writer, self, state, self._step - self._start_step)

    def _refresh_save(self) -> None:
        from .files import refresh_saved

        refresh_saved(self.dir / "files")

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._finish(1 if exc_type else 0, "failed" if exc_type else "finished")
