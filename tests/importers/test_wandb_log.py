"""``importers.wandb_log``: W&B's LevelDB-framed transaction log, read record by
record; records spanning blocks are joined, damage costs only its block."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from runfold.errors import UsageError
from runfold.importers.wandb_log import WandbLog

from . import sources

BLOCK = 32768


def _records(n: int, size: int) -> list[bytes]:
    sources.need("wandb")
    from wandb.proto import wandb_internal_pb2 as pb

    out = []
    for i in range(n):
        record = pb.Record(num=i + 1)
        item = record.history.item.add()
        item.key, item.value_json = f"k{i}", '"' + "x" * size + '"'
        out.append(record.SerializeToString())
    return out


def _write(path: Path, payloads: list[bytes]) -> None:
    """W&B's framing, as its writer (wandb-core) does it."""
    out = bytearray(struct.pack("<4sHB", b":W&B", 0xBEE1, 0))
    for data in payloads:
        first = True
        while True:
            left = BLOCK - len(out) % BLOCK
            if left < 7:
                out += b"\x00" * left
                continue
            chunk, data = data[: left - 7], data[left - 7 :]
            kind = (1 if not data else 2) if first else (4 if not data else 3)
            crc = zlib.crc32(chunk, zlib.crc32(bytes([kind])))
            out += struct.pack("<IHB", crc, len(chunk), kind) + chunk
            first = False
            if not data:
                break
    path.write_bytes(bytes(out))


def test_records_spanning_blocks_are_read_whole(tmp_path: Path) -> None:
    payloads = _records(6, 20_000)  # each about 20 KB: most cross a block
    _write(tmp_path / "run-x.wandb", payloads)
    log = WandbLog(tmp_path / "run-x.wandb")
    assert [r.SerializeToString() for r in log] == payloads
    assert log.damage == []


def test_damage_costs_only_its_block(tmp_path: Path) -> None:
    payloads = _records(40, 2_000)  # about 16 per block
    path = tmp_path / "run-x.wandb"
    _write(path, payloads)
    data = bytearray(path.read_bytes())
    data[BLOCK + 100 : BLOCK + 110] = b"\xff" * 10  # inside the second block
    path.write_bytes(bytes(data))
    log = WandbLog(path)
    nums = [r.num for r in log]
    assert nums[:5] == [1, 2, 3, 4, 5] and nums[-1] == 40
    assert 20 < len(nums) < 40
    assert len(log.damage) == 1 and "unreadable bytes" in log.damage[0]


def test_a_log_cut_short_keeps_its_whole_records(tmp_path: Path) -> None:
    payloads = _records(5, 1_000)
    path = tmp_path / "run-x.wandb"
    _write(path, payloads)
    path.write_bytes(path.read_bytes()[:-50])
    log = WandbLog(path)
    assert [r.num for r in log] == [1, 2, 3, 4]
    assert log.damage == [f"at byte {7 + 4 * (len(payloads[0]) + 7)}, a record cut "
                          "short at the end (a run still writing, or killed)"]  # fmt: skip


def test_a_file_that_is_no_wandb_log_is_refused(tmp_path: Path) -> None:
    sources.need("wandb")
    path = tmp_path / "run-x.wandb"
    path.write_bytes(b"PK\x03\x04 a zip, say")
    with pytest.raises(UsageError, match="is not a W&B transaction log"):
        list(WandbLog(path))
