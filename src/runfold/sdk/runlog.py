"""The run log: an append-only file of framed, checksummed msgpack records.

Layout: the 8-byte file magic, then frames. A frame is a 16-byte header
``<length u32> <crc32 u32> <seq u64>`` (little-endian) followed by ``length`` bytes
of msgpack ``[kind, body]``. The CRC covers the length, the sequence number and the
payload, so a frame torn by a crash (a short header, a short payload or garbage) or
damaged later (a bad disk, a bad copy) is detected.

Reading never stops at damage (issue 18): bytes that hold no good frame are
skipped and reading goes on at the next good frame, found by its header (a length
that fits, a plausible seq, a payload that starts as a msgpack pair, and a CRC that
matches). What was skipped is reported as ``Damage``: where, how many bytes, and
which records (by the gap in their sequence numbers). Where records were lost
between two good frames, ``scan`` yields a ``lost`` marker record in their place
(``[last lost seq, "lost", {"first": first lost seq, ...}]``) so that ingest, which
takes records strictly in sequence, moves past what no copy of the log can give
back. ``RunLogWriter`` cuts nothing but a torn tail: bytes after the last good
frame (they hold none), left by a process killed in the middle of a write.

Record kinds are ``model.RecordKind``: ``run`` (identity and what init() recorded,
first), ``config`` (the whole config), ``history`` (a list of ``[step, timestamp,
{key: value}]`` rows), ``summary`` (keys the user set), ``define`` (define_metric
rules), ``update`` (name, group, tags ...), ``finish`` (state and exit code),
``system`` (system-metric rows), ``histogram`` (``[step, timestamp, {key:
histogram}]`` rows) and ``meta`` (host, packages, git and code); and ``lost``, the
reader's marker above, which is never written. Sequence numbers start at 1 and
never repeat in a run, which is what makes ingest idempotent.
"""

from __future__ import annotations

import os
import stat
import struct
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack

from ..errors import UsageError
from ..model import GilShare, RecordKind, RowColumns

__all__ = [
    "MAGIC", "RUNLOG_NAME", "LOST", "Record", "Damage", "NotARunLog", "RunLogScan",
    "RunLogWriter", "scan", "read_end", "chunk_records", "describe_damage",
    "private_spill_dir", "packable",
]  # fmt: skip

MAGIC = b"RFLOG01\n"
RUNLOG_NAME = "run.rflog"
# The reader's marker for records lost to damage (a record kind never written).
LOST = "lost"
_HEADER = struct.Struct("<IIQ")
_MAX_FRAME = 1 << 30
# No run reaches 2**48 records: a "seq" above it is damage, and the bound makes a
# false frame during resynchronisation all but impossible before its CRC is taken.
_MAX_SEQ = 1 << 48
_PAIR = 0x92  # msgpack's fixarray of 2: every payload is [kind, body]

Record = tuple[int, str, Any]  # (seq, kind, body): a RecordKind, or its str read back


class NotARunLog(UsageError):
    """The file holds no run log: a wrong magic and not one good frame."""


@dataclass(frozen=True)
class Damage:
    """Bytes of a run log that hold no good frame, and what they cost."""

    offset: int  # where the unreadable bytes start
    size: int  # how many there are
    after_seq: int  # the last record read before them (0: none)
    next_seq: int | None  # the first record read after them; None: the log's end

    @property
    def at_end(self) -> bool:
        """A tail after the last good frame: a write cut short by a crash."""
        return self.next_seq is None

    @property
    def lost_records(self) -> int | None:
        """Records lost here (from the gap in sequence numbers); None at the end,
        where how many were being written is not known."""
        if self.next_seq is None:
            return None
        return max(0, self.next_seq - self.after_seq - 1)

    def describe(self) -> str:
        where = f"{self.size} bytes at offset {self.offset}"
        if self.next_seq is None:
            return f"{where}, after record {self.after_seq}, hold no complete record"
        lost = self.lost_records
        if not lost:
            return f"{where} were skipped; no record was lost"
        first, last = self.after_seq + 1, self.next_seq - 1
        which = f"record {first}" if lost == 1 else f"records {first}–{last}"
        return f"{where} were skipped; {which} ({lost}) lost"


def describe_damage(path: Path, damage: list[Damage]) -> str | None:
    """What damage cost a run log, in a line; None when there is none."""
    middle = [d for d in damage if not d.at_end]
    parts = []
    if middle:
        size = sum(d.size for d in middle)
        lost = sum(d.lost_records or 0 for d in middle)
        where = "; ".join(d.describe() for d in middle[:5])
        more = f"; and {len(middle) - 5} more places" if len(middle) > 5 else ""
        parts.append(
            f"is damaged: {size} unreadable bytes in {len(middle)} place(s), "
            f"{lost} record(s) lost ({where}{more}); every record after the damage "
            "was read"
        )
    for tail in (d for d in damage if d.at_end):
        parts.append(f"ends in a write cut short (a crash?): {tail.describe()}")
    return f"run log {path} {'; it '.join(parts)}." if parts else None


@dataclass
class LogEnd:
    """Where the good part of a run log ends."""

    offset: int
    last_seq: int
    is_torn: bool


def _crc(length: int, seq: int, payload: bytes | memoryview) -> int:
    return zlib.crc32(payload, zlib.crc32(struct.pack("<IQ", length, seq)))


def encode(records: list[Record]) -> bytes:
    """The frames of ``records``. A body msgpack cannot write as it is (an int
    past 64 bits) is written in a form it can (``_packable``), and that form
    replaces it in ``records``: what is shipped is what the log holds."""
    parts = []
    for i, (seq, kind, body) in enumerate(records):
        payload, fixed = _payload(kind, body)
        if fixed is not None:
            records[i] = (seq, kind, fixed)
        length = len(payload)
        parts.append(_HEADER.pack(length, _crc(length, seq, payload), seq))
        parts.append(payload)
    return b"".join(parts)


def _payload(kind: str, body: Any) -> tuple[bytes, Any]:
    """(msgpack of ``[kind, body]``, the body as written when it had to change)."""
    try:
        if type(body) is RowColumns:
            return _pack_columns(kind, body), None
        return msgpack.packb((kind, body), use_bin_type=True), None
    except (OverflowError, TypeError, ValueError):
        payload = msgpack.packb(
            (kind, _packable(kind, body)), use_bin_type=True, default=str
        )
        return payload, msgpack.unpackb(payload, raw=False, strict_map_key=False)[1]


def _pack_columns(kind: str, body: RowColumns) -> bytes:
    """``packb((kind, body.plain()))``, the same bytes, without making a tuple
    per row (see ``RowColumns``)."""
    packer = msgpack.Packer(use_bin_type=True, autoreset=False)
    packer.pack_array_header(2)
    packer.pack(kind)
    packer.pack_array_header(len(body))
    header, pack = packer.pack_array_header, packer.pack
    share = GilShare()
    for n, (step, at, values) in enumerate(body):
        if not n & 63:
            share()  # hand the GIL to log() now and then (model.GilShare)
        header(3)
        pack(step)
        pack(at)
        pack(values)
    return packer.bytes()


def packable(records: list[Record]) -> list[Record]:
    """``records`` as the run log writes them: what msgpack refuses made
    writable (see ``encode``). For a sink whose receiver refused the originals."""
    out = []
    for seq, kind, body in records:
        fixed = _payload(kind, body)[1]
        out.append((seq, kind, body if fixed is None else fixed))
    return out


_ROW_KINDS = (RecordKind.HISTORY, RecordKind.SYSTEM)
_too_large_keys: set[str] = set()


def _packable(kind: str, body: Any) -> Any:
    """A body msgpack refused (an int past 64 bits), made writable: in rows such
    an int becomes a float, and one past any float is left out of its row with a
    line on stderr, once per key (issue 18: ``10**400`` lost the whole row); in
    other records it becomes a float, or its text."""
    if type(body) is RowColumns:
        body = body.plain()
    if kind not in _ROW_KINDS or not isinstance(body, list):
        return _deep(body)
    rows = []
    for step, ts, values in body:
        kept = {}
        for key, value in values.items():
            value = _deep(value)
            if type(value) is str:
                if key not in _too_large_keys:
                    _too_large_keys.add(key)
                    print(
                        f"runfold: {key!r} = {value[:20]}... is too large for a "
                        "metric value; it was left out of its row.",
                        file=sys.stderr,
                    )
                continue
            kept[key] = value
        rows.append((step, ts, kept))
    return rows


def _deep(value: Any) -> Any:
    if type(value) is int and not -(1 << 63) <= value < (1 << 64):
        try:
            return float(value)
        except OverflowError:
            return str(value)
    if isinstance(value, dict):
        return {k: _deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_deep(v) for v in value]
    return value


def _frame_at(data: bytes, view: memoryview, pos: int) -> tuple[int, int] | None:
    """(seq, end) of the good frame at ``pos``, or None."""
    start = pos + _HEADER.size
    if start >= len(data):
        return None
    length, crc, seq = _HEADER.unpack_from(data, pos)
    end = start + length
    if (
        length == 0 or length > _MAX_FRAME or end > len(data)
        or seq == 0 or seq >= _MAX_SEQ or data[start] != _PAIR
    ):  # fmt: skip
        return None
    if _crc(length, seq, view[start:end]) != crc:
        return None
    return seq, end


def _next_frame(data: bytes, view: memoryview, pos: int) -> int:
    """The offset of the first good frame after ``pos`` (len(data): none)."""
    i = data.find(b"\x92", pos + 1 + _HEADER.size)
    while i != -1:
        if _frame_at(data, view, i - _HEADER.size) is not None:
            return i - _HEADER.size
        i = data.find(b"\x92", i + 1)
    return len(data)


def _walk(data: bytes, holes: list[tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
    """(seq, payload start, frame end) of every good frame in order; each run of
    bytes between them that holds none is added to ``holes`` as (offset, size)
    before the next frame is yielded."""
    if data.startswith(MAGIC):
        pos = len(MAGIC)
    elif len(data) < len(MAGIC) and MAGIC.startswith(data):
        return  # torn before the first frame: an empty log
    else:
        pos = 0  # a damaged magic: look for frames from the start
    view = memoryview(data)
    size = len(data)
    while pos < size:
        found = _frame_at(data, view, pos)
        if found is None:
            nxt = _next_frame(data, view, pos)
            holes.append((pos, nxt - pos))
            pos = nxt
            continue
        seq, end = found
        yield seq, pos + _HEADER.size, end
        pos = end


def _read(path: Path) -> bytes:
    return Path(path).read_bytes()


class RunLogScan:
    """The records of one run log with seq > ``after_seq``, read past damage.

    Iterate it for ``(seq, kind, body)`` records; with ``markers`` (the default),
    a ``lost`` marker stands in each gap that damage left between two good
    records. Once iterated, ``damage`` lists what was skipped, ``last_seq`` is
    the highest seq read and ``end`` the offset after the last good frame.
    Raises NotARunLog for a file that is no run log at all."""

    def __init__(self, path: Path, after_seq: int = 0, *, markers: bool = True) -> None:
        self.path = Path(path)
        self.after_seq = after_seq
        self.markers = markers
        self.damage: list[Damage] = []
        self.last_seq = 0
        self.end = 0
        self.size = 0

    def __iter__(self) -> Iterator[Record]:
        data = _read(self.path)
        self.size = len(data)
        self.damage = []
        self.end = len(MAGIC) if data.startswith(MAGIC) else 0
        holes: list[tuple[int, int]] = []
        unpack = msgpack.unpackb
        last = 0
        for seq, start, end in _walk(data, holes):
            if holes:
                yield from self._gap(holes, last, seq)
            self.end = end
            last = max(last, seq)
            self.last_seq = last
            if seq > self.after_seq:
                kind, body = unpack(data[start:end], raw=False, strict_map_key=False)
                yield seq, kind, body
        if holes and self.end == 0 and not data.startswith(MAGIC):
            raise NotARunLog(
                f"{self.path} is not a Runfold run log (bad magic, and not one "
                "readable record in it)."
            )
        self.damage += [Damage(at, size, last, None) for at, size in holes]

    def _gap(
        self, holes: list[tuple[int, int]], last: int, seq: int
    ) -> Iterator[Record]:
        at = holes[0][0]
        size = sum(n for _, n in holes)
        holes.clear()
        hole = Damage(at, size, last, seq)
        self.damage.append(hole)
        if self.markers and hole.lost_records and seq - 1 > self.after_seq:
            yield seq - 1, LOST, {"first": last + 1, "bytes": size, "offset": at}


def scan(path: Path, after_seq: int = 0, *, markers: bool = True) -> RunLogScan:
    """The records of a run log with seq > ``after_seq``, read past damage (see
    ``RunLogScan``); a torn tail is skipped."""
    return RunLogScan(path, after_seq, markers=markers)


def read_end(path: Path) -> LogEnd:
    """Where the last good frame ends, the highest seq, and whether bytes follow."""
    log = RunLogScan(path, markers=False)
    for _ in log:
        pass
    return LogEnd(offset=log.end, last_seq=log.last_seq, is_torn=log.end < log.size)


def private_spill_dir() -> Path:
    """``<tmp>/runfold-spill-<uid>``, created 0700 and checked to be this user's
    own, for a run log that cannot be written where it belongs (issue 18: a fixed,
    world-readable /tmp/runfold-spill). OSError when it cannot be made safe."""
    import tempfile  # only a run whose disk is full pays for it

    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(tempfile.gettempdir()) / f"runfold-spill-{uid}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
        raise OSError(f"{path} is not a directory of this user's; not spilling there")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)
    return path


class RunLogWriter:
    """Appends records to one run log. Not thread-safe: one writer thread owns it.

    Opening an existing log cuts its torn tail (the bytes after the last good
    frame) and nothing else: damage in the middle stays, the reader skips it, and
    what it cost is in ``damage`` and said once on stderr."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.last_seq = 0
        self.repaired_bytes = 0
        self.damage: list[Damage] = []
        if self.path.exists() and self.path.stat().st_size > 0:
            log = RunLogScan(self.path, markers=False)
            for _ in log:
                pass
            self.last_seq = log.last_seq
            self.damage = [d for d in log.damage if not d.at_end]
            if log.end < log.size:
                self.repaired_bytes = log.size - log.end
                os.truncate(self.path, log.end)
            told = describe_damage(self.path, self.damage)
            if told:
                print(f"runfold: {told}", file=sys.stderr)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(self._fd).st_size == 0:
            os.write(self._fd, MAGIC)

    def append(self, records: list[Record]) -> None:
        """Write records in one ``write``: once it returns the data survives kill -9.
        A record written in another form (see ``encode``) is replaced by it."""
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
