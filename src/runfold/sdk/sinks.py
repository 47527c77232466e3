"""Where the writer ships run-log records after they are on disk.

One seam, several implementations (httpx transports are the model): ``LocalSink``
ingests into the embedded store; ``NullSink`` keeps only the run log (offline mode
and shared cluster directories, synced later by ``runfold sync``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Sink", "LocalSink", "NullSink"]


class Sink(Protocol):
    def send(self, records: list[tuple[int, str, Any]]) -> None:
        """Deliver records (idempotent by seq); raise to have them retried."""
        ...

    def heartbeat(self) -> None: ...

    def close(self) -> None: ...


class LocalSink:
    def __init__(self, store: Any, project: str, run_id: str) -> None:
        self.store = store
        self.project = project
        self.run_id = run_id

    def send(self, records: list[tuple[int, str, Any]]) -> None:
        self.store.ingest(self.project, self.run_id, records)

    def heartbeat(self) -> None:
        self.store.heartbeat(self.project, self.run_id, time.time())

    def close(self) -> None:
        self.store.close()


class NullSink:
    """Ships nothing: the run log is the record. The heartbeat is the log's mtime."""

    def __init__(self, runlog_path: Path) -> None:
        self.path = runlog_path

    def send(self, records: list[tuple[int, str, Any]]) -> None:
        return None

    def heartbeat(self) -> None:
        try:
            os.utime(self.path)
        except OSError:
            pass

    def close(self) -> None:
        return None
