"""The end of a run's writer at ``finish()``, and the one line that says how it went.

``close_writer`` closes the writer (the run log gets the last records, the store
or server gets them too), closes the sink and then tells the user, on stderr:
where the rest went if the run log could not be written, how to load what did
not reach the store or server, or (unless silent) that the run finished and where to see it (an offline run:
the ``runfold sync`` command that loads or uploads it).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Protocol

from .sinks import HttpSink
from .writer import RunWriter

__all__ = ["close_writer"]


class EndingRun(Protocol):
    """What the end of the writer tells the user about the run (a ``Run``)."""

    id: str
    project: str
    name: str
    mode: str
    dir: Path
    silent: bool


def close_writer(writer: RunWriter, run: EndingRun, state: str, steps: int) -> None:
    complete = writer.close()
    writer.sink.close()
    if writer.spilled_to is not None:
        print(
            f"runfold: the run log {writer.runlog.path} could not be written "
            f"(disk full?); the rest of run {run.id!r} is in {writer.spilled_to}. "
            f"Once there is space, load both with: runfold sync {run.dir} && "
            f"runfold sync {writer.spilled_to}",
            file=sys.stderr,
        )
    elif not complete:
        where = "the server" if run.mode == "online" else "the store"
        print(
            f"runfold: run {run.id!r} is safe in {writer.runlog.path} but not all "
            f"of it reached {where} ({writer.last_error}). Load it with: "
            f"{writer.sink.sync_command(run.dir)}",
            file=sys.stderr,
        )
    elif not run.silent:
        print(
            f"runfold: run {run.project}/{run.id} ({run.name}) {state}: {steps} "
            f"steps. {_where_to_see(writer, run)}",
            file=sys.stderr,
        )


def _where_to_see(writer: RunWriter, run: EndingRun) -> str:
    sink = writer.sink
    if isinstance(sink, HttpSink):
        return f"See it at {sink.base_url}/projects/{run.project}/runs/{run.id}"
    if run.mode == "offline":  # only the run log has it: sync is the next step
        base_url = getattr(run, "_base_url", None)
        upload = f" --base-url {shlex.quote(base_url)}" if base_url else ""
        return f"Load it with: runfold sync {shlex.quote(str(run.dir))}{upload}"
    return "See it with: runfold ui"
