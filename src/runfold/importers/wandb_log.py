"""W&B's transaction log, ``run-<id>.wandb``, read record by record.

The file is LevelDB's log format with W&B's own header: ``:W&B``, the magic
``0xBEE1`` and version 0 (7 bytes), then 32 KiB blocks of chunks, each a 7-byte
header ``<crc32 u32> <length u16> <type u8>`` and its data; a record too long for
the rest of a block is split into FIRST, MIDDLE and LAST chunks. The checksum is
zlib's CRC-32 of the data, seeded with the CRC-32 of the type byte. Each record
is a ``wandb.proto.wandb_internal_pb2.Record``, decoded with the ``wandb``
package's own message classes (W&B's Python reader of this framing,
``wandb.sdk.internal.datastore``, is gone from wandb 0.20 on; the format is
documented in it and in LevelDB's ``doc/log_format.md``).

A damaged chunk (a bad checksum, a length past its block) costs the rest of its
block: reading goes on at the next block, as LevelDB's reader does, and what was
skipped is reported. A file cut short (a run still writing, or killed) ends
with its last whole record.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["WandbLog", "NEEDS_WANDB", "record_proto"]

_HEADER = struct.Struct("<4sHB")
_IDENT, _MAGIC, _VERSION = b":W&B", 0xBEE1, 0
_CHUNK = struct.Struct("<IHB")
_BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_DAMAGE = 0  # the reader's own marker: a chunk that could not be read
_SEEDS = {kind: zlib.crc32(bytes([kind])) for kind in (_FULL, _FIRST, _MIDDLE, _LAST)}

NEEDS_WANDB = (
    "Reading W&B's transaction logs (.wandb files) needs the wandb package, whose "
    "record format they are written in: pip install 'runfold[importers]' (or pip "
    "install wandb). It is used only to read; nothing is sent to W&B."
)
_CUT = "a record cut short at the end (a run still writing, or killed)"
NOT_A_LOG = "{path} is not a W&B transaction log (its first bytes are not W&B's header)"


def record_proto() -> Any:
    """W&B's ``Record`` message class; UsageError naming the package if absent."""
    try:
        from wandb.proto import wandb_internal_pb2
    except ImportError:
        raise UsageError(NEEDS_WANDB) from None
    return wandb_internal_pb2.Record


class WandbLog:
    """The records of one ``.wandb`` file, read past damage. Iterate it for
    ``Record`` messages; then ``damage`` lists what was skipped, in words."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.damage: list[str] = []
        self.size = 0
        self._cut = False

    def __iter__(self) -> Iterator[Any]:
        from google.protobuf.message import DecodeError

        record_class = record_proto()
        for offset, data in self._payloads():
            record = record_class()
            try:
                record.ParseFromString(data)
            except DecodeError:
                self._lost(offset, "a record could not be decoded")
                continue
            yield record

    def _payloads(self) -> Iterator[tuple[int, bytes]]:
        """(offset, bytes) of each whole record, in order."""
        with open(self.path, "rb") as f:
            head = f.read(_HEADER.size)
            if len(head) < _HEADER.size or _HEADER.unpack(head) != (
                _IDENT, _MAGIC, _VERSION
            ):  # fmt: skip
                raise UsageError(NOT_A_LOG.format(path=self.path))
            pending: list[bytes] | None = None
            start = block_at = 0
            after_damage = False
            block = head + f.read(_BLOCK - _HEADER.size)
            while block:
                pos = _HEADER.size if block_at == 0 else 0
                for at, kind, data in self._chunks(block, block_at, pos):
                    if kind == _DAMAGE:  # what was pending is lost with it
                        pending, after_damage = None, True
                    elif kind == _FULL:
                        if pending is not None:
                            self._lost(start, "a record missing its last part")
                        pending, after_damage = None, False
                        yield at, data
                    elif kind == _FIRST:
                        pending, start, after_damage = [data], at, False
                    elif pending is None:
                        if not after_damage:  # else: the damage's, said with it
                            self._lost(at, "part of a record whose start was lost")
                    elif kind == _MIDDLE:
                        pending.append(data)
                    else:
                        yield start, b"".join([*pending, data])
                        pending = None
                block_at += len(block)
                block = f.read(_BLOCK)
            self.size = block_at
            if pending is not None and not self._cut:
                self._lost(start, _CUT)

    def _chunks(
        self, block: bytes, block_at: int, pos: int
    ) -> Iterator[tuple[int, int, bytes]]:
        while pos + _CHUNK.size <= len(block):
            crc, length, kind = _CHUNK.unpack_from(block, pos)
            if crc == 0 and kind == 0 and length == 0:
                return  # zeros: the block's unused end
            end = pos + _CHUNK.size + length
            data = block[pos + _CHUNK.size : end]
            if (
                kind not in _SEEDS or end > len(block)
                or zlib.crc32(data, _SEEDS[kind]) != crc
            ):  # fmt: skip
                if len(block) < _BLOCK and end > len(block) and kind in _SEEDS:
                    self._cut = True
                    self._lost(block_at + pos, _CUT)
                else:
                    self._lost(
                        block_at + pos,
                        f"{len(block) - pos} unreadable bytes (the rest of their "
                        "32 KiB block) were skipped, and the records in them lost",
                    )
                    yield block_at + pos, _DAMAGE, b""
                return
            yield block_at + pos, kind, data
            pos = end

    def _lost(self, offset: int, what: str) -> None:
        self.damage.append(f"at byte {offset}, {what}")
