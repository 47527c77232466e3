"""Importing runs one after the other: each source run written as a run log
(``records.py``), then sent where native run logs go (``runfold.sync``): into
the local store, or to a server. A run that cannot be imported is named with the
reason and the others go on; only an unreachable server stops the import (the
same command, run again, finishes it: nothing is sent twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import RunfoldError, ServerUnavailable
from ..sdk.runlog import RUNLOG_NAME
from ..settings import validate_project, validate_run_id
from .records import RunOutcome, write_run
from .source import SourceRun

__all__ = [
    "Destination", "StoreDestination", "ServerDestination", "ImportSummary",
    "import_runs",
]  # fmt: skip


class Destination(Protocol):
    where: str  # for messages: the store's directory or the server's URL

    def send(self, log: Path, notes: list[str]) -> int:
        """Send what the destination lacks of the run log ``log``; the number
        of records it took. What it refused goes to ``notes``."""
        ...

    def close(self) -> None: ...


class StoreDestination:
    """The local store at ``root``: run logs loaded as ``runfold sync`` does."""

    def __init__(self, root: Path) -> None:
        from ..store import open_store

        self.where = str(root)
        self._store = open_store(root / "runfold.db")

    def send(self, log: Path, notes: list[str]) -> int:
        from ..sync import sync_run_log

        result = sync_run_log(
            self._store, log, on_damage=lambda _path, message: notes.append(message)
        )
        if result.refused:
            notes.append(f"the store refused {result.refused} record(s)")
        return result.records

    def close(self) -> None:
        self._store.close()


class ServerDestination:
    """A Runfold server: run logs and their files uploaded as ``runfold sync
    --base-url`` does."""

    def __init__(self, base_url: str, api_key: str | None) -> None:
        self.where = base_url
        self._api_key = api_key

    def send(self, log: Path, notes: list[str]) -> int:
        from ..sync import upload_run_log

        result = upload_run_log(
            self.where, log, api_key=self._api_key,
            on_refused=lambda _path, why: notes.append(f"{why}; it was not uploaded"),
            on_damage=lambda _path, message: notes.append(message),
        )  # fmt: skip
        if result.refused:
            notes.append(f"the server refused {result.refused} record(s)")
        return result.records

    def close(self) -> None:
        pass


@dataclass
class ImportSummary:
    """What an import did: an outcome per run, a reason per run left out."""

    origin: str
    dry_run: bool = False
    outcomes: list[RunOutcome] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # run label -> why

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def points(self) -> int:
        return sum(o.points for o in self.outcomes)

    @property
    def files(self) -> int:
        return sum(o.files for o in self.outcomes)

    def rows(self, kind: str) -> int:
        return sum(o.rows[kind] for o in self.outcomes)

    @property
    def projects(self) -> list[str]:
        return sorted({o.run.project for o in self.outcomes})

    def not_carried(self) -> Counter[str]:
        """What the sources held that the runs do not, summed over runs."""
        total: Counter[str] = Counter()
        for outcome in self.outcomes:
            total.update(outcome.run.not_carried)
        return total

    def notes(self) -> list[str]:
        """Per run: damage read past, streams left alone, files refused."""
        return [
            f"{o.run.label}: {note}"
            for o in self.outcomes
            for note in [*o.run.damage, *o.notes]
        ]


def run_dir(root: Path, run: SourceRun) -> Path:
    """Where the run's log and files go: beside native runs' own."""
    return root / "runs" / validate_project(run.project) / validate_run_id(run.run_id)


def import_runs(
    runs: Iterable[SourceRun],
    root: Path,
    destination: Destination | None,
    *,
    origin: str,
    on_start: Callable[[SourceRun], Any] | None = None,
    on_rows: Callable[[int], Any] | None = None,
    on_done: Callable[[SourceRun], Any] | None = None,
) -> ImportSummary:
    """Write each run's log under ``root`` and send it to ``destination``; with
    no destination, a dry run: what would be written is counted, nothing is."""
    summary = ImportSummary(origin, dry_run=destination is None)
    for run in runs:
        if on_start is not None:
            on_start(run)
        try:
            summary.outcomes.append(_import_one(run, root, destination, on_rows))
        except ServerUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001
            # The sources are other programs' files: one that breaks a reader in a
            # way nobody foresaw must not stop the runs after it (issue 21).
            summary.skipped[run.label] = _why(exc)
        if on_done is not None:
            on_done(run)
    return summary


def _import_one(
    run: SourceRun,
    root: Path,
    destination: Destination | None,
    on_rows: Callable[[int], Any] | None,
) -> RunOutcome:
    directory = run_dir(root, run)
    outcome = write_run(run, directory, dry_run=destination is None, on_rows=on_rows)
    if destination is not None:
        outcome.sent = destination.send(directory / RUNLOG_NAME, outcome.notes)
        if outcome.sent and outcome.status == "unchanged":
            outcome.status = "updated"  # records an earlier import left unsent
    return outcome


def _why(exc: Exception) -> str:
    if isinstance(exc, (RunfoldError, OSError)):
        return str(exc).rstrip(".")
    return f"it could not be read ({type(exc).__name__}: {exc})"
