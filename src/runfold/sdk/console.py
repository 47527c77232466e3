"""Console capture: stdout and stderr copied to the run's ``output.log``.

The terminal sees exactly what it would have seen: every write goes first, and
unchanged, to the original stream, and everything else (``isatty``, ``fileno``,
``encoding``) is the original stream's. The log gets whole lines, with
carriage-return progress bars collapsed to their last state (a tqdm bar becomes
one line, not thousands). Writes from C code or subprocesses that go straight to
file descriptor 1 or 2 bypass ``sys.stdout`` and are not captured.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

__all__ = ["ConsoleCapture", "OUTPUT_LOG"]

OUTPUT_LOG = "output.log"
_FLUSH_EVERY_S = 1.0


class _LineLog:
    """Turns a stream of text into collapsed lines in a file; shared by both tees."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._lines: dict[str, str] = {}  # per stream: the unfinished line
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()
        self._disowned = False

    def disown(self) -> None:
        """In a forked child: write nothing more, ever. The lock may have been held
        by a thread that did not survive the fork; the file's buffer holds the
        parent's lines and is never flushed from here."""
        self._disowned = True
        self._lock = threading.Lock()

    def feed(self, stream: str, text: str) -> None:
        if self._disowned:
            return
        with self._lock:
            pending = self._lines.get(stream, "") + text
            *done, rest = pending.split("\n")
            for line in done:
                self._file.write(_collapse(line) + "\n")
            self._lines[stream] = rest
            if time.monotonic() - self._flushed_at > _FLUSH_EVERY_S:
                self._flushed_at = time.monotonic()
                self._file.flush()

    def close(self) -> None:
        if self._disowned:
            return
        with self._lock:
            try:
                for rest in self._lines.values():
                    if _collapse(rest):
                        self._file.write(_collapse(rest) + "\n")
                self._file.close()
            except OSError:
                pass  # disk full: the log keeps what it had; the run must finish
            self._lines.clear()


def _collapse(line: str) -> str:
    """What a terminal shows of a line rewritten with carriage returns."""
    if "\r" not in line:
        return line
    parts = [p for p in line.split("\r") if p]
    return parts[-1] if parts else ""


class _Tee:
    """Writes to the original stream, then to the line log."""

    def __init__(self, original: TextIO, log: _LineLog, name: str) -> None:
        self._original = original
        self._log = log
        self._name = name

    def write(self, text: str) -> int:
        written = self._original.write(text)
        try:
            self._log.feed(self._name, text)
        except (ValueError, OSError):
            pass  # the log was closed or the disk is full: the terminal still works
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class ConsoleCapture:
    """``start()`` wraps sys.stdout and sys.stderr; ``stop()`` restores them."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / OUTPUT_LOG
        self._log: _LineLog | None = None
        self._saved: tuple[Any, Any] | None = None

    def start(self) -> ConsoleCapture:
        self._log = _LineLog(self.path)
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = _Tee(sys.stdout, self._log, "stdout")  # type: ignore[assignment]
        sys.stderr = _Tee(sys.stderr, self._log, "stderr")  # type: ignore[assignment]
        return self

    def disown(self) -> None:
        """In a forked child: output still reaches the terminal, not the parent's log."""
        if self._log is not None:
            self._log.disown()

    def stop(self) -> None:
        if self._saved is None or self._log is None:
            return
        out, err = self._saved
        # Only undo our own wrapping: another tool may have wrapped ours since.
        if isinstance(sys.stdout, _Tee) and sys.stdout._log is self._log:
            sys.stdout = out
        if isinstance(sys.stderr, _Tee) and sys.stderr._log is self._log:
            sys.stderr = err
        try:
            out.flush()
            err.flush()
        except (ValueError, OSError):
            pass
        self._log.close()
        self._saved = None
