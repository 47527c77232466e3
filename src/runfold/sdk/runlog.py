"""The run log: an append-only file of framed, checksummed msgpack records.

Layout: the 8-byte file magic, then frames. A frame is a 16-byte header
``<length u32> <crc32 u32> <seq u64>`` (little-endian) followed by ``length`` bytes
of msgpack ``[kind, body]``. The CRC covers the length, the sequence number and the
payload, so a frame torn by a crash (a short header, a short payload or garbage) is
detected; reading stops at the first bad frame and ``RunLogWriter`` truncates it
away before appending again.

Record kinds are ``model.RecordKind``: ``run`` (identity and what init() recorded,
first), ``config`` (the whole config), ``history`` (a list of ``[step, timestamp,
{key: value}]`` rows), ``summary`` (keys the user set), ``define`` (define_metric
rules), ``update`` (name, group, tags ...), ``finish`` (state and exit code),
``system`` (system-metric rows), ``histogram`` (``[step, timestamp, {key:
histogram}]`` rows) and ``meta`` (host, packages, git and code). Sequence numbers
start at 1 and never repeat in a run, which is what makes ingest idempotent.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack

from ..model import RecordKind

__all__ = [
    "MAGIC", "RUNLOG_NAME", "Record", "RunLogWriter", "scan", "read_end", "chunk_records"
]  # fmt: skip

MAGIC = b"RFLOG01\n"
RUNLOG_NAME = "run.rflog"
_HEADER = struct.Struct("<IIQ")
_MAX_FRAME = 1 << 30

Record = tuple[int, str, Any]  # (seq, kind, body): a RecordKind, or its str read back


@dataclass
class LogEnd:
    """Where the good part of a run log ends."""

    offset: int
    last_seq: int
    is_torn: bool


def _crc(length: int, seq: int, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(struct.pack("<IQ", length, seq)))


def encode(records: list[Record]) -> bytes:
    parts = []
    pack = msgpack.packb
    for seq, kind, body in records:
        payload = pack((kind, body), use_bin_type=True)
        length = len(payload)
        parts.append(_HEADER.pack(length, _crc(length, seq, payload), seq))
        parts.append(payload)
    return b"".join(parts)


def _frames(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """Yield (seq, payload_start, payload_end, frame_end) for each good frame."""
    pos = len(MAGIC)
    size = len(data)
    while pos + _HEADER.size <= size:
        length, crc, seq = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        end = start + length
        if length > _MAX_FRAME or end > size:
            return
        if _crc(length, seq, data[start:end]) != crc:
            return
        yield seq, start, end, end
        pos = end


def _read(path: Path) -> bytes:
    data = Path(path).read_bytes()
    if data and not data.startswith(MAGIC[: len(data)]):
        raise ValueError(f"{path} is not a Runfold run log (bad magic).")
    return data


def scan(path: Path, after_seq: int = 0) -> Iterator[Record]:
    """Yield the records of a run log with seq > ``after_seq``; a torn tail is skipped."""
    data = _read(path)
    unpack = msgpack.unpackb
    for seq, start, end, _ in _frames(data):
        if seq > after_seq:
            kind, body = unpack(data[start:end], raw=False, strict_map_key=False)
            yield seq, kind, body


def read_end(path: Path) -> LogEnd:
    data = _read(path)
    offset, last_seq = len(MAGIC), 0
    for seq, _, _, frame_end in _frames(data):
        offset, last_seq = frame_end, seq
    if len(data) < len(MAGIC):
        offset = 0
    return LogEnd(offset=offset, last_seq=last_seq, is_torn=offset < len(data))


class RunLogWriter:
    """Appends records to one run log. Not thread-safe: one writer thread owns it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.last_seq = 0
        self.repaired_bytes = 0
        if self.path.exists() and self.path.stat().st_size > 0:
            end = read_end(self.path)
            self.last_seq = end.last_seq
            if end.is_torn:
                self.repaired_bytes = self.path.stat().st_size - end.offset
                os.truncate(self.path, end.offset)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(self._fd).st_size == 0:
            os.write(self._fd, MAGIC)

    def append(self, records: list[Record]) -> None:
        """Write records in one ``write``: once it returns the data survives kill -9."""
        if not records:
            return
        data = encode(records)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.last_seq = records[-1][0]

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def record_points(record: Record) -> int:
    """How much a record weighs in a batch: its values for history, else 1."""
    if record[1] != RecordKind.HISTORY:
        return 1
    return sum(len(row[2]) for row in record[2])


def chunk_records(
    records: Iterable[Record], *, max_points: int, max_records: int
) -> Iterator[list[Record]]:
    """Records in order, in batches of at most ``max_records`` records that stop
    once they hold ``max_points`` values (a record is never split)."""
    chunk: list[Record] = []
    points = 0
    for record in records:
        chunk.append(record)
        points += record_points(record)
        if points >= max_points or len(chunk) >= max_records:
            yield chunk
            chunk, points = [], 0
    if chunk:
        yield chunk
