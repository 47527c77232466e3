"""The run's background writer: queue -> run log -> sink.

``log()`` queues a row and returns: its ``(step, time)`` to ``stamps``, then its
dict of values to ``items``, in order with the ``Control`` records there (deque
appends are atomic and take no lock; ``put_row`` does the same). Two daemon
threads do the rest:

* the log thread writes every ``flush_seconds`` (≤ 1 s), sooner once a few
  hundred rows are queued, and goes on at once while it is behind; it drains the
  queue a few records at a time, gives each record its sequence number and
  appends them to the run log; from then on they survive the process being
  killed;
* the ship thread hands the records on to the sink (the store, or a Runfold server
  in online mode: sinks.py), ``SHIP_ROWS`` rows at a time, retrying with backoff
  when it fails, and beats the run's heartbeat.

They are separate so that a slow or unavailable sink never delays the run log. A
third, the file thread (uploads.py), copies changed ``run.save`` files and, online,
uploads the run's files; ``close`` gives it the same deadline as the records.

What a fast loop costs (issue 19):

* Pacing. Once more than ``MAX_ROWS_IN_FLIGHT`` rows are queued or on their way to
  a healthy sink, the writer hands the run a ``Pacer`` (``on_behind``): until the
  writer has caught up, each step wakes it and waits, ``PACE_WAIT_S`` at most.
  Memory stays bounded and ``finish()`` has little left to write. The writer
  checks at each write and each shipped batch, and every ``_BUSY_S`` for a while
  after ``log()`` was last fast; ``log()`` itself pays nothing for this.
* No garbage-collector work per queued row. A dict of numbers is not tracked by
  the collector, nor a tuple of two numbers once it has been seen; a tuple holding
  a dict is, for good, and full collections over 100,000 queued ``(step, time,
  dict)`` tuples stalled ``log()`` for 20-90 ms. So rows are queued as a dict plus
  a stamp and held as ``model.RowColumns`` (lists of steps, times and dicts),
  which the run log packs and a local store ingests without a tuple per row;
  only a sink that sends rows over the network gets them as tuples. ``init()``
  runs the full collection that its own imports made due (sdk/init.py).
* The GIL handed back: the writer's loops (and the store's pivot, the run log's
  packer) give it up after ~0.5 ms of work (``model.GilShare``), so a ``log()``
  that asks for it waits about that long, not the interpreter's 5 ms switch
  interval (or two of them); and the drain checks whether to pace ``log()`` as
  it goes, since giving the GIL back slows it down. A paced step's wait is ended
  by the writer, which then lets it have the GIL (``pacing.PacedWait``).
* Small records (``MAX_ROWS_PER_RECORD``): one record is packed by one msgpack
  call, which holds the GIL; 10,000 rows held it ~10 ms.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ServerRejected
from ..model import GilShare, RecordKind, RowColumns
from .mediafiles import MediaFile
from .mediafiles import write as write_media
from .pacing import (
    PacedWait,
    Pacer,
    switch_back,
    switch_faster,
    writer_started,
    writer_stopped,
)

if TYPE_CHECKING:  # imported when a writer starts: not by ``import runfold``
    from .runlog import Record, RunLogWriter
    from .sinks import Sink
    from .uploads import FileUploader

__all__ = ["RunWriter", "Control", "MediaFile", "Pacer", "MAX_ROWS_IN_FLIGHT"]

MAX_ROWS_PER_RECORD = 1_000
_RECORDS_PER_WRITE = 4
_BEHIND = 256  # items queued after a flush: the log thread goes on at once
_BUSY_S = 0.005  # how often the log thread looks while log() is fast
_LOOK_S = 0.02  # and how often otherwise (it writes every flush_seconds)
SHIP_ROWS = 2_000  # per sink.send: ~6 ms of ingest, and most of its speed
MAX_ROWS_IN_FLIGHT = 10_000  # ~8 MiB of rows of 8 floats
PACE_WAIT_S = 0.001  # a slow disk or store slows log() down; it never stops it
_BACKOFF_MAX_S = 30.0
_HISTORY = RecordKind.HISTORY  # bound once: the drain loop runs for every row


class Control:
    """A non-history record queued in order with the rows (config, summary ...)."""

    __slots__ = ("kind", "body")

    def __init__(self, kind: RecordKind, body: Any) -> None:
        self.kind = kind
        self.body = body


def _plain(record: Record) -> Record:
    seq, kind, body = record
    return (seq, kind, body.plain()) if type(body) is RowColumns else record


def _rows_in(records: list[Record]) -> int:
    return sum(len(body) for _, _, body in records if type(body) is RowColumns)


class RunWriter:
    def __init__(
        self,
        runlog: RunLogWriter,
        sink: Sink,
        *,
        flush_seconds: float,
        heartbeat_seconds: float,
        observe_row: Callable[[dict[str, Any]], None],
        backlog: list[Record] | None = None,
        close_timeout: float = 120.0,
        uploader: FileUploader | None = None,
    ) -> None:
        self.items: deque[Any] = deque()
        self.stamps: deque[tuple[int, float]] = deque()
        self.runlog = runlog
        self.sink = sink
        self.flush_seconds = flush_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.close_timeout = close_timeout
        self._observe = observe_row
        self._seq = runlog.last_seq
        self._log_lock = threading.Lock()
        self._tickets = threading.Condition()
        self._ticket = 0
        self._done_ticket = 0
        self._unlogged: list[Record] = []
        self._unshipped: deque[list[Record]] = deque([backlog] if backlog else [])
        self.shipped_seq = backlog[0][0] - 1 if backlog else runlog.last_seq
        self._shipped = threading.Condition()
        self._wake = threading.Event()
        self._ship_wake = threading.Event()
        self._stopping = threading.Event()
        self._ship_stopping = threading.Event()
        self._warned: set[str] = set()
        self.last_error: str | None = None
        # Rows drained from ``items`` that the sink does not have yet; 0 while the
        # run log or the sink fails: then log() is never made to wait.
        self.in_flight = 0
        self._rows_unshipped = 0
        self._is_failing = False
        self._counts = threading.Lock()
        self._room = threading.Event()
        self._paced_wait = PacedWait(self._room)
        self._pacer: Pacer | None = None
        # Set by the run: called with a Pacer when behind, None once caught up.
        self.on_behind: Callable[[Pacer | None], None] | None = None
        # A local store ingests RowColumns as they are; other sinks take rows.
        self._columns_ok = bool(getattr(sink, "takes_columns", False))
        writer_started()  # the GIL handed back by a real sleep (pacing.py)
        self._log_thread = threading.Thread(
            target=self._log_loop, name="runfold-log", daemon=True
        )
        self._ship_thread = threading.Thread(
            target=self._ship_loop, name="runfold-ship", daemon=True
        )
        self._log_thread.start()
        self._ship_thread.start()
        from .uploads import FileThread

        self.files = FileThread(runlog.path.parent, uploader)

    # ---- log thread ---------------------------------------------------------

    def _log_loop(self) -> None:
        # Pacing (above) needs the writer to look: for a flush interval after
        # log() was last fast (a flush found _BEHIND items, or it was paced),
        # the thread looks every _BUSY_S rather than every flush_seconds. Idle,
        # it still looks every _LOOK_S, and writes early once _BEHIND items are
        # queued: a loop that turns fast (the first steps of a run, the end of a
        # slow phase) had queued a whole flush interval's rows before the writer
        # saw them, 30,000 of them in 0.2 s, and was then paced hard.
        busy_until = 0.0
        due = time.monotonic() + self.flush_seconds
        while not self._stopping.is_set():
            if len(self.items) < _BEHIND:  # else it is behind: go on at once
                now = time.monotonic()
                busy = now < busy_until
                wait = _BUSY_S if busy else min(_LOOK_S, max(0.0, due - now))
                if not self._wake.wait(wait) and not busy:
                    if len(self.items) < _BEHIND and time.monotonic() < due:
                        continue  # looked: little queued, and no flush due yet
            self._wake.clear()
            due = time.monotonic() + self.flush_seconds
            if self._flush_for_tickets() >= _BEHIND or self._pacer is not None:
                busy_until = time.monotonic() + self.flush_seconds
        self._flush_for_tickets()

    def _flush_for_tickets(self) -> int:
        with self._tickets:
            ticket = self._ticket
        drained = self.flush_to_log()
        with self._tickets:
            self._done_ticket = ticket
            self._tickets.notify_all()
        return drained

    def request_flush(self, timeout: float = 10.0) -> bool:
        """Have the log thread drain the queue into the run log, and wait for it.

        Other threads never write the log themselves: a signal handler that
        finishes the run may interrupt them anywhere, and must not find the log's
        lock held by the very thread it interrupted."""
        if not self._log_thread.is_alive():
            return True
        with self._tickets:
            self._ticket += 1
            ticket = self._ticket
        self._wake.set()
        with self._tickets:
            return self._tickets.wait_for(lambda: self._done_ticket >= ticket, timeout)

    def _drain(self, limit: int) -> list[Record]:
        """Records of at most ``limit`` items from the queue."""
        records: list[Record] = []
        rows = RowColumns()
        values = rows.values
        items = self.items
        stamp = self.stamps.popleft
        observe = self._observe
        share = GilShare()
        for n in range(limit):
            if not n & 63:
                if n:
                    self._count(0)  # far behind: pace log() now, not after the batch
                share()  # and let log() have the GIL (model.GilShare)
            try:
                item = items.popleft()
            except IndexError:
                break
            if type(item) is dict:
                step, at = stamp()
                rows.steps.append(step)
                rows.times.append(at)
                values.append(item)
                observe(item)
                if len(values) >= MAX_ROWS_PER_RECORD:
                    records.append(self._record(_HISTORY, rows))
                    rows = RowColumns()
                    values = rows.values
            elif type(item) is MediaFile:
                self._write_media(item)  # before any record that refers to it
            else:
                if values:
                    records.append(self._record(_HISTORY, rows))
                    rows = RowColumns()
                    values = rows.values
                records.append(self._record(item.kind, item.body))
        if values:
            records.append(self._record(_HISTORY, rows))
        return records

    def _write_media(self, item: MediaFile) -> None:
        try:
            write_media(self.runlog.path.parent / "files", item)
        except OSError as exc:
            self._warn_once(
                "media",
                f"runfold: cannot write the media file {item.path} ({exc}); its "
                "reference is kept, the file is not.",
            )

    def _record(self, kind: RecordKind, body: Any) -> Record:
        self._seq += 1
        return (self._seq, kind, body)

    def flush_to_log(self) -> int:
        """Drain what is queued now into the run log (the log thread's job), a few
        records at a time, each write handed to the ship thread at once; return
        how many items were queued."""
        batch = MAX_ROWS_PER_RECORD * _RECORDS_PER_WRITE
        with self._log_lock:
            queued = left = len(self.items)
            while True:
                records = self._drain(min(left, batch))
                left -= batch
                self._count(_rows_in(records))
                self._unlogged.extend(records)
                if not self._unlogged:
                    return queued
                try:
                    self._append(self._unlogged)
                except OSError as exc:
                    # Disk full or gone: keep the records in memory and try again
                    # on the next flush; nothing accepted by log() is dropped.
                    self._warn_once(
                        "runlog",
                        f"runfold: cannot write the run log {self.runlog.path} "
                        f"({exc}); keeping {len(self._unlogged)} records in memory "
                        "and retrying.",
                    )
                    self._count(0, failing=True)
                    return queued
                self._unshipped.append(self._unlogged)
                self._unlogged = []
                self._ship_wake.set()
                if left <= 0:
                    return queued

    def _append(self, records: list[Record]) -> None:
        try:
            # columns as they are: the run log packs them without a tuple per row
            self.runlog.append(list(records))
        except (OverflowError, TypeError, ValueError):
            # An int past 64 bits: the run log and the sink get floats.
            for _, _, body in records:
                if type(body) is RowColumns:
                    body.values = [
                        {k: float(v) for k, v in row.items()} for row in body.values
                    ]
            self.runlog.append(list(records))

    # ---- ship thread --------------------------------------------------------

    def _ship_loop(self) -> None:
        # New records wake this thread at once, but after a failure it waits out
        # its backoff (0.1 s doubling to 30 s; 1 s while finishing) before trying
        # the sink again, so a down server is not hammered every flush.
        backoff = 0.0
        retry_at = 0.0
        last_beat = 0.0
        while True:
            if backoff or not self._unshipped:  # else there is more to ship now
                idle = min(self.heartbeat_seconds, 0.5)
                wait = max(0.0, retry_at - time.monotonic()) if backoff else idle
                self._ship_wake.wait(wait)
            self._ship_wake.clear()
            now = time.monotonic()
            if now >= retry_at:
                if self._ship_batch():
                    backoff = 0.0
                else:
                    cap = 1.0 if self._ship_stopping.is_set() else _BACKOFF_MAX_S
                    backoff = min(max(0.1, backoff * 2), cap)
                    retry_at = time.monotonic() + backoff
            stopping = self._ship_stopping.is_set()
            # Finishing, the records just shipped are the last sign of life.
            if now - last_beat >= self.heartbeat_seconds and not stopping:
                last_beat = now
                self._try(self.sink.heartbeat)
            if stopping:
                late = time.monotonic() > self._give_up_at
                if not self._unshipped or late or self.is_rejected:
                    return
                retry_at = min(retry_at, time.monotonic() + 1.0)

    _give_up_at: float = float("inf")
    is_rejected = False  # the sink refused for good: retrying cannot help

    def _ship_batch(self) -> bool:
        """Send the oldest writes, up to SHIP_ROWS rows; False when the sink failed."""
        if not self._unshipped:
            return True
        batches: list[list[Record]] = []
        rows = 0
        while self._unshipped and (not batches or rows < SHIP_ROWS):
            batches.append(self._unshipped.popleft())
            rows += _rows_in(batches[-1])
        records = [
            r if self._columns_ok else _plain(r) for batch in batches for r in batch
        ]
        try:
            self.sink.send(records)
        except Exception as exc:  # noqa: BLE001 - any sink failure is retried
            self._count(0, failing=True)
            self._unshipped.extendleft(reversed(batches))
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.is_rejected = isinstance(exc, ServerRejected)
            then = (
                "finish() says how to upload them" if self.is_rejected else "retrying"
            )
            self._warn_once(
                "ship",
                f"runfold: could not save records ({self.last_error}); they are safe "
                f"in {self.runlog.path}; {then}.",
            )
            return False
        self._count(-rows, failing=False)
        with self._shipped:
            self.shipped_seq = records[-1][0]
            self._shipped.notify_all()
        return True

    # ---- pacing log() -------------------------------------------------------

    def _count(self, rows: int, failing: bool | None = None) -> None:
        """Rows on their way (+) or delivered (-); whether the disk or sink fails;
        and so whether log() must be paced."""
        with self._counts:
            self._rows_unshipped += rows
            if failing is not None:
                self._is_failing = failing
            self.in_flight = 0 if self._is_failing else self._rows_unshipped
            behind = len(self.items) + self.in_flight
            if behind > MAX_ROWS_IN_FLIGHT and self._pacer is None:
                self._pacer = Pacer(self)
                switch_faster()
            elif behind <= MAX_ROWS_IN_FLIGHT // 2 and self._pacer is not None:
                self._pacer = None
                self._room.set()
                switch_back()
            else:
                return
            if self.on_behind is not None:
                self.on_behind(self._pacer)

    def put_row(self, step: int, at: float, values: dict[str, Any]) -> None:
        """Queue one row (``Run`` does the same inline, as fast as it can)."""
        self.stamps.append((step, at))
        self.items.append(values)

    def make_room(self) -> None:
        """Wake the writer and let it work, until it hands the GIL back or for
        PACE_WAIT_S at most (``pacing.PacedWait``)."""
        self._paced_wait.wait(self._wake.set, PACE_WAIT_S)

    def _try(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - a missed heartbeat is not fatal
            self.last_error = f"{type(exc).__name__}: {exc}"

    def _warn_once(self, what: str, message: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            print(message, file=sys.stderr)

    # ---- control ------------------------------------------------------------

    def flush(self, timeout: float = 60.0) -> bool:
        """Write everything queued so far to the run log and wait until shipped."""
        if not self.request_flush(timeout):
            return False
        target = self._seq
        self._ship_wake.set()
        with self._shipped:
            return self._shipped.wait_for(lambda: self.shipped_seq >= target, timeout)

    def wake(self) -> None:
        """Start writing (and shipping) what is queued now; returns at once."""
        self._wake.set()

    def close(self, timeout: float | None = None) -> bool:
        """Flush, stop both threads; True when every record reached the sink within
        ``timeout`` (default: the writer's ``close_timeout``).

        Nothing here sleeps: each thread is woken, does its last work and ends,
        and close() returns as soon as they have (issue 19)."""
        if timeout is None:
            timeout = self.close_timeout
        self._stopping.set()
        self._wake.set()
        self._log_thread.join()
        self._give_up_at = time.monotonic() + timeout
        self._ship_stopping.set()
        self._ship_wake.set()
        self.files.finish(self._give_up_at)
        self._ship_thread.join(timeout + 1.0)
        self.files.join(max(0.0, self._give_up_at - time.monotonic()) + 1.0)
        done = self.shipped_seq >= self._seq and not self._unlogged
        with self._counts:
            if self._pacer is not None:  # closed while paced: the interval back
                self._pacer = None
                switch_back()
        writer_stopped()
        self.runlog.close()
        if self._unlogged:
            self.spilled_to = self._spill(self._unlogged)
        missing = self.files.report(self.sink.sync_command(self.runlog.path.parent))
        if missing:
            print(missing, file=sys.stderr)
        return done

    spilled_to: Path | None = None

    def _spill(self, records: list[Record]) -> Path | None:
        """The run log cannot be written (disk full): put what is left in memory into
                a run log in this user's private spill directory (``runlog.private_spill_dir``:
        0700, under the temp directory), laid out so ``runfold sync`` finds it."""
        from .runlog import RunLogWriter, private_spill_dir

        run_dir = self.runlog.path.parent
        try:
            target = (
                private_spill_dir() / run_dir.parent.name / run_dir.name
                / self.runlog.path.name
            )  # fmt: skip
            spill = RunLogWriter(target)
            spill.append([_plain(r) for r in records])
            spill.close()
        except OSError:
            return None
        return target
