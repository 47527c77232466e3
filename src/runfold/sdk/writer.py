"""The run's background writer: queue -> run log -> sink.

``log()`` appends a row to ``items`` (a deque: appending is atomic and takes no
lock) and returns. Two daemon threads do the rest:

* the log thread wakes every ``flush_seconds`` (≤ 1 s), drains the queue, gives each
  record its sequence number and appends the records to the run log in one write;
  from then on they survive the process being killed;
* the ship thread hands the records on to the sink (the store, or a Runfold server
  in online mode: sinks.py), retrying with backoff when it fails, and beats the
  run's heartbeat.

They are separate so that a slow or unavailable sink never delays the run log. A
third, the file thread (uploads.py), copies changed ``run.save`` files and, online,
uploads the run's files; ``close`` gives it the same deadline as the records.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ServerRejected
from ..model import RecordKind
from .runlog import Record, RunLogWriter
from .sinks import Sink
from .uploads import FileThread, FileUploader

__all__ = ["RunWriter", "Control"]

MAX_ROWS_PER_RECORD = 10_000
_BACKOFF_MAX_S = 30.0
_HISTORY = RecordKind.HISTORY  # bound once: the drain loop runs for every row


class Control:
    """A non-history record queued in order with the rows (config, summary ...)."""

    __slots__ = ("kind", "body")

    def __init__(self, kind: RecordKind, body: Any) -> None:
        self.kind = kind
        self.body = body


def _as_floats(rows: list[Any]) -> list[Any]:
    """Rows whose values msgpack refused (an int past 64 bits): send them as floats."""
    return [(s, t, {k: float(v) for k, v in row.items()}) for s, t, row in rows]


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
        self._log_thread = threading.Thread(
            target=self._log_loop, name="runfold-log", daemon=True
        )
        self._ship_thread = threading.Thread(
            target=self._ship_loop, name="runfold-ship", daemon=True
        )
        self._log_thread.start()
        self._ship_thread.start()
        self.files = FileThread(runlog.path.parent, uploader)

    # ---- log thread ---------------------------------------------------------

    def _log_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self._flush_for_tickets()
        self._flush_for_tickets()

    def _flush_for_tickets(self) -> None:
        with self._tickets:
            ticket = self._ticket
        self.flush_to_log()
        with self._tickets:
            self._done_ticket = ticket
            self._tickets.notify_all()

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

    def _drain(self) -> list[Record]:
        records: list[Record] = []
        rows: list[Any] = []
        items = self.items
        observe = self._observe
        while True:
            try:
                item = items.popleft()
            except IndexError:
                break
            if type(item) is tuple:
                rows.append(item)
                observe(item[2])
                if len(rows) >= MAX_ROWS_PER_RECORD:
                    records.append(self._record(_HISTORY, rows))
                    rows = []
            else:
                if rows:
                    records.append(self._record(_HISTORY, rows))
                    rows = []
                records.append(self._record(item.kind, item.body))
        if rows:
            records.append(self._record(_HISTORY, rows))
        return records

    def _record(self, kind: RecordKind, body: Any) -> Record:
        self._seq += 1
        return (self._seq, kind, body)

    def flush_to_log(self) -> None:
        """Drain the queue into the run log (the log thread's job)."""
        with self._log_lock:
            self._unlogged.extend(self._drain())
            if not self._unlogged:
                return
            try:
                self._append(self._unlogged)
            except OSError as exc:
                # Disk full or gone: keep the records in memory and try again on
                # the next flush; nothing accepted by log() is dropped.
                self._warn_once(
                    "runlog",
                    f"runfold: cannot write the run log {self.runlog.path} ({exc}); "
                    f"keeping {len(self._unlogged)} records in memory and retrying.",
                )
                return
            self._unshipped.append(self._unlogged)
            self._unlogged = []
        self._ship_wake.set()

    def _append(self, records: list[Record]) -> None:
        try:
            self.runlog.append(records)
        except (OverflowError, TypeError, ValueError):
            for i, (seq, kind, body) in enumerate(records):
                if kind == _HISTORY:
                    records[i] = (seq, kind, _as_floats(body))
            self.runlog.append(records)

    # ---- ship thread --------------------------------------------------------

    def _ship_loop(self) -> None:
        # New records wake this thread at once, but after a failure it waits out
        # its backoff (0.1 s doubling to 30 s; 1 s while finishing) before trying
        # the sink again, so a down server is not hammered every flush.
        backoff = 0.0
        retry_at = 0.0
        last_beat = 0.0
        while True:
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
            if now - last_beat >= self.heartbeat_seconds:
                last_beat = now
                self._try(self.sink.heartbeat)
            if self._ship_stopping.is_set():
                late = time.monotonic() > self._give_up_at
                if not self._unshipped or late or self.is_rejected:
                    return
                retry_at = min(retry_at, time.monotonic() + 1.0)

    _give_up_at: float = float("inf")
    is_rejected = False  # the sink refused for good: retrying cannot help

    def _ship_batch(self) -> bool:
        if not self._unshipped:
            return True
        batches = [self._unshipped.popleft() for _ in range(len(self._unshipped))]
        records = [r for batch in batches for r in batch]
        try:
            self.sink.send(records)
        except Exception as exc:  # noqa: BLE001 - any sink failure is retried
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
        with self._shipped:
            self.shipped_seq = records[-1][0]
            self._shipped.notify_all()
        return True

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

    def close(self, timeout: float | None = None) -> bool:
        """Flush, stop both threads; True when every record reached the sink within
        ``timeout`` (default: the writer's ``close_timeout``)."""
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
        self._try(self.sink.heartbeat)
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
        a run log under the temp directory, laid out so ``runfold sync`` finds it."""
        run_dir = self.runlog.path.parent
        target = (
            Path(tempfile.gettempdir()) / "runfold-spill" / run_dir.parent.name
            / run_dir.name / self.runlog.path.name
        )  # fmt: skip
        try:
            spill = RunLogWriter(target)
            spill.append(records)
            spill.close()
        except OSError:
            return None
        return target
