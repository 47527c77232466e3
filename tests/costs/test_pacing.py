"""A loop that outruns the writer is paced, and memory stays bounded (issue 19):
once MAX_ROWS_IN_FLIGHT rows are queued or on their way to a healthy sink, each
step waits for the writer a little; once it has caught up, log() is free again.
How long a paced step waits is a benchmark (bench_log.py)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

from runfold.sdk.pacing import PACED_SWITCH_S
from runfold.sdk.run import Run
from runfold.sdk.runlog import RunLogWriter
from runfold.sdk.writer import MAX_ROWS_IN_FLIGHT, Pacer, RunWriter

WAIT_S = 30.0


class _HeldSink:
    """A store that takes records only once ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.rows: list[int] = []

    def send(self, records: list[Any]) -> None:
        self.release.wait(WAIT_S)
        for _, kind, body in records:
            if kind == "history":
                self.rows.extend(row[0] for row in body)

    def heartbeat(self) -> None:
        return None

    def close(self) -> None:
        return None

    def sync_command(self, run_dir: Path) -> str:
        return f"runfold sync {run_dir}"


def _until(condition: Any) -> bool:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _pacers(run: Run) -> list[Any]:
    return [w for w in run._watchers.values() if isinstance(w, Pacer)]


def _run_writing_to(
    tmp_path: Path, sink: Any, flush_seconds: float = 0.05
) -> tuple[Run, RunWriter]:
    """A run whose writer ships to ``sink``, flushing every ``flush_seconds``."""
    run = Run(
        project="p", run_id="r", name="n", group=None, job_type=None, tags=[],
        notes=None, run_dir=tmp_path / "r", mode="local",
    )  # fmt: skip
    writer = RunWriter(
        RunLogWriter(tmp_path / "r" / "run.rflog"), sink,
        flush_seconds=flush_seconds, heartbeat_seconds=60.0,
        observe_row=lambda row: None,
    )  # fmt: skip
    run._attach(writer)
    return run, writer


def test_a_loop_ahead_of_the_sink_is_paced_until_the_writer_catches_up(
    tmp_path: Path,
) -> None:
    sink = _HeldSink()
    run, writer = _run_writing_to(tmp_path, sink)
    steps = MAX_ROWS_IN_FLIGHT + 5_000
    for step in range(steps):
        run.log({"x": float(step)})
    assert _until(lambda: _pacers(run)), "the writer never asked to pace log()"
    # paced, the GIL changes hands sooner; the user's interval comes back after
    assert sys.getswitchinterval() == PACED_SWITCH_S

    sink.release.set()
    assert _until(lambda: not _pacers(run)), "pacing never ended"
    assert sys.getswitchinterval() == 0.005
    assert writer.close() is True
    assert sink.rows == list(range(steps))


def test_a_run_finished_while_paced_gives_the_switch_interval_back(
    tmp_path: Path,
) -> None:
    sys.setswitchinterval(0.002)  # the user's own
    try:
        sink = _HeldSink()
        run, writer = _run_writing_to(tmp_path, sink)
        for step in range(MAX_ROWS_IN_FLIGHT + 5_000):
            run.log({"x": float(step)})
        assert _until(lambda: _pacers(run))
        assert sys.getswitchinterval() == PACED_SWITCH_S
        sink.release.set()
        assert writer.close() is True
        assert sys.getswitchinterval() == 0.002
    finally:
        sys.setswitchinterval(0.005)


def test_a_failing_sink_does_not_pace_log(tmp_path: Path) -> None:
    class _Down(_HeldSink):
        def send(self, records: list[Any]) -> None:
            raise ConnectionError("down")

    run, writer = _run_writing_to(tmp_path, _Down())
    for step in range(MAX_ROWS_IN_FLIGHT * 2):
        run.log({"x": float(step)})
    assert writer.request_flush(WAIT_S)  # all in the run log: the data is safe
    assert _until(lambda: writer.last_error is not None)
    assert writer.in_flight == 0 and not _pacers(run)
    writer.close(timeout=0.1)


def test_a_loop_that_turns_fast_is_written_before_the_flush_interval(
    tmp_path: Path,
) -> None:
    # A fast loop between flushes (the first steps of a run, the end of a slow
    # phase) had its rows queued for a whole flush interval, and was then paced
    # hard; the writer now writes once a few hundred rows are queued.
    sink = _HeldSink()
    sink.release.set()
    run, writer = _run_writing_to(tmp_path, sink, flush_seconds=3600.0)
    for step in range(2_000):
        run.log({"x": float(step)})
    assert _until(lambda: len(sink.rows) == 2_000), "written only at the flush"
    assert sink.rows == list(range(2_000))
    assert writer.close() is True


def test_a_paced_step_is_woken_by_the_writer_and_handed_the_gil() -> None:
    # The step's wait ends when a worker thread reaches a GilShare point after
    # the step's slice, not by its timeout (a timer); the worker then waits
    # until the step runs again, so the step takes the GIL at once.
    from runfold.model import GilShare
    from runfold.sdk.pacing import PacedWait

    stop = threading.Event()
    resumed_after_the_step: list[bool] = []

    def worker() -> None:
        share = GilShare()
        while not stop.is_set():
            waiting = GilShare.waiting
            share()
            if waiting is not None and waiting.room.is_set():
                resumed_after_the_step.append(waiting.back.is_set())

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    paced = PacedWait(threading.Event())
    paced.PARK_S = WAIT_S  # a slow machine must not end the worker's wait
    woken: list[bool] = []
    paced.wait(lambda: woken.append(True), timeout=WAIT_S)
    assert woken == [True]  # the writer was woken first
    assert paced.room.is_set()  # ended by the worker: a timeout leaves it clear
    assert GilShare.waiting is None and paced.back.is_set()
    stop.set()
    thread.join(WAIT_S)
    # the worker went on only once the step ran again
    assert resumed_after_the_step and all(resumed_after_the_step)


def test_with_no_step_waiting_gil_share_never_parks() -> None:
    from runfold.model import GilShare

    share = GilShare(hold_s=0.0)
    assert GilShare.waiting is None
    start = time.perf_counter()
    for _ in range(1_000):
        share()  # sleep(0) each time: no wait on anyone
    assert time.perf_counter() - start < WAIT_S


def test_while_a_writer_runs_gil_share_hands_back_with_a_real_sleep(
    tmp_path: Path,
) -> None:
    # sleep(0) gave the GIL back only to a thread that took it before the worker
    # did again; while a run's writer runs, the hand-back sleeps (pacing.py), and
    # once the last writer is closed, the process is as it was.
    from runfold.model import GilShare
    from runfold.sdk import pacing

    running = pacing._writers[0]  # another test's run may not be finished
    idle = pacing.HANDBACK_S if running else 0.0
    assert GilShare.handback_s == idle
    sink = _HeldSink()
    sink.release.set()
    _, first = _run_writing_to(tmp_path / "a", sink)
    _, second = _run_writing_to(tmp_path / "b", sink)
    assert GilShare.handback_s == pacing.HANDBACK_S > 0
    assert first.close() is True
    assert GilShare.handback_s == pacing.HANDBACK_S  # the other run still writes
    assert second.close() is True
    assert pacing._writers[0] == running and GilShare.handback_s == idle
