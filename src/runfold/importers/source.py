"""What every reader hands on: a run as its source keeps it (``SourceRun``).

A ``SourceRun`` carries the run's fields (identity, config, summary, state,
host details) and a ``read`` that yields its logged data in the order it was
logged, as ``Item`` tuples ``(kind, step, timestamp, values)`` where ``kind`` is
a ``RecordKind`` of rows: ``history`` (``{key: number}``), ``system``,
``histogram`` (``{key: {"bins", "counts"}}``) and ``media`` (``{key:
SourceMedia}``: made into files and a reference only when written, so a run
imported again pays nothing for media it already has). A reader may complete the
fields while ``read`` runs (W&B's summary and exit code come last in its log):
they are final once ``read`` is exhausted. What a reader could not carry is
counted in ``not_carried`` (reason -> count); damage it read past is in
``damage``; a run it could list but not read says why in ``broken``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..media.base import Put, media_path
from ..model import RecordKind
from ..sdk.mediafiles import MediaFile, write

__all__ = [
    "SourceRun", "SourceMedia", "SourceFile", "LocalFile", "Item", "RunFiles",
    "short_id", "project_name", "text", "png_size", "origin_tag", "STREAMS",
    "fingerprint",
]  # fmt: skip

# The row streams of a run, in the order ``records.py`` flushes them.
STREAMS = (
    RecordKind.HISTORY,
    RecordKind.SYSTEM,
    RecordKind.HISTOGRAM,
    RecordKind.MEDIA,
)
Item = tuple[RecordKind, int, float, dict[str, Any]]


class SourceMedia(Protocol):
    """A media value of the source, made into Runfold files when written."""

    def to_ref(self, put: Put) -> dict[str, Any] | None:
        """Write the files through ``put``; the reference, or None when the
        source's file is gone (counted as not carried by the caller)."""
        ...


class SourceFile(Protocol):
    """A file of the run (``files/<name>``), copied when new or changed."""

    name: str

    def is_same(self, target: Path) -> bool: ...

    def copy_to(self, target: Path) -> None: ...


@dataclass
class LocalFile:
    """A file on this machine: copied when its size or time differs."""

    name: str
    path: Path

    def is_same(self, target: Path) -> bool:
        try:
            mine, theirs = self.path.stat(), target.stat()
        except OSError:
            return False
        return mine.st_size == theirs.st_size and mine.st_mtime_ns == theirs.st_mtime_ns

    def copy_to(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{target.name}.runfold-part")
        shutil.copy2(self.path, part)
        os.replace(part, target)


@dataclass
class SourceRun:
    origin: str  # "wandb", "mlflow" or "tensorboard"
    source_id: str  # the source's own name for the run: its id, or its directory
    location: str  # where it was read, for messages
    project: str
    run_id: str
    name: str
    group: str | None = None
    job_type: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    host: str | None = None
    created_at: float | None = None
    config: dict[str, Any] = field(default_factory=dict)
    # The source's summary (W&B): kept as set where it differs from the history.
    summary: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)  # define_metric rules
    meta: dict[str, Any] = field(default_factory=dict)
    state: str | None = "finished"  # None: still running (no finish record)
    exit_code: int | None = None
    finished_at: float | None = None
    files: list[SourceFile] = field(default_factory=list)
    console: str | None = None  # the run's output, for output.log
    read: Callable[[], Iterator[Item]] = lambda: iter(())
    not_carried: Counter[str] = field(default_factory=Counter)
    damage: list[str] = field(default_factory=list)
    broken: str | None = None  # why the run cannot be read at all: it is skipped
    # The source's files as they are (names, sizes, times): a run imported whole
    # from the same files, with the same fields, is not read again.
    fingerprint: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.location})"

    def identity(self) -> dict[str, Any]:
        """The fields a ``run`` or ``update`` record carries."""
        return {
            "name": text(self.name, 256) or self.run_id,
            "group": text(self.group, 256),
            "job_type": text(self.job_type, 256),
            "tags": _tags([*self.tags, origin_tag(self.origin)]),
            "notes": text(self.notes, 100_000),
            "host": text(self.host, 256),
        }

    def origin_meta(self) -> dict[str, Any]:
        meta = {"source": self.origin, "id": self.source_id, "location": self.location}
        if self.fingerprint is not None:
            meta["fingerprint"] = self.fingerprint
        return meta


def fingerprint(paths: list[Path]) -> str:
    """What ``SourceRun.fingerprint`` holds for files at ``paths``."""
    digest = hashlib.sha256()
    for path in paths:
        info = path.stat()
        digest.update(f"{path}\x00{info.st_size}\x00{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def origin_tag(origin: str) -> str:
    return f"imported:{origin}"


def _tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        cleaned = text(tag, 256)
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return out


def text(value: Any, limit: int) -> str | None:
    """``value`` as text the store holds: no NUL, at most ``limit`` characters;
    None for nothing."""
    if value is None:
        return None
    cleaned = str(value).replace("\x00", "")
    return cleaned[:limit] if cleaned else None


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def short_id(*parts: str) -> str:
    """A run id of 8 ``[a-z0-9]`` characters, the same for the same parts: an
    imported run keeps its id however often it is imported."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(8):
        number, digit = divmod(number, 36)
        chars.append(_BASE36[digit])
    return "".join(chars)


_NOT_IN_NAMES = str.maketrans({c: "-" for c in ":;,#?/'\\"})


def project_name(value: str | None, default: str = "uncategorized") -> str:
    """A source's experiment or project name as a Runfold project name (the
    characters a project cannot have become ``-``)."""
    cleaned = "".join(c for c in (value or "") if c.isprintable())
    cleaned = cleaned.translate(_NOT_IN_NAMES).strip(" -")[:128]
    return cleaned if cleaned not in ("", ".", "..") else default


def png_size(data: bytes) -> tuple[int | None, int | None]:
    """Width and height from a PNG's header; (None, None) for other bytes."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None, None


class RunFiles:
    """The ``put`` of an imported run: media files by content under its
    ``files/``, each written once (``dry_run``: named, not written)."""

    def __init__(self, files_dir: Path, *, dry_run: bool = False) -> None:
        self.files_dir = files_dir
        self.dry_run = dry_run
        self.written = 0  # files that were not there
        self._seen: set[str] = set()

    def __call__(self, data: bytes, folder: str, suffix: str) -> tuple[str, str]:
        sha = hashlib.sha256(data).hexdigest()
        path = media_path(sha, folder, suffix)
        if path not in self._seen and not (self.files_dir / path).exists():
            self._seen.add(path)
            self.written += 1
            if not self.dry_run:
                write(self.files_dir, MediaFile(path, bytes(data)))
        return path, sha
