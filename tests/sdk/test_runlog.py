"""The run log: framed, checksummed records. Damage anywhere is skipped by
``scan``, which reads on at the next good frame, puts a ``lost`` marker where
records were lost and reports the damage; ``RunLogWriter`` cuts away a torn tail
and nothing else before it appends again."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import pytest

from runfold.model import RowColumns
from runfold.sdk.runlog import (
    LOST,
    MAGIC,
    Record,
    RunLogWriter,
    encode,
    read_end,
    scan,
)

HEADER_SIZE = struct.calcsize("<IIQ")


def _records(first_seq: int = 1, count: int = 5) -> list[Record]:
    out: list[Record] = []
    for i in range(count):
        seq = first_seq + i
        rows = [
            [seq * 10 + j, 1700000000.0 + j, {"loss": 1.0 / (j + 1)}] for j in range(3)
        ]
        out.append((seq, "history", rows))
    return out


def _as_read(records: list[Record]) -> list[list[Any]]:
    """What ``scan`` gives back for records (msgpack turns tuples into lists)."""
    return [[seq, kind, _lists(body)] for seq, kind, body in records]


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def _scanned(path: Path, after_seq: int = 0) -> list[list[Any]]:
    return [[seq, kind, body] for seq, kind, body in scan(path, after_seq)]


def _write(path: Path, records: list[Record]) -> list[int]:
    """Write records one append each; return the file offset where each frame ends."""
    writer = RunLogWriter(path)
    ends = []
    for record in records:
        writer.append([record])
        ends.append(path.stat().st_size)
    writer.close()
    return ends


# ---- round trip --------------------------------------------------------------


def test_scan_returns_every_record_in_order_when_log_is_intact(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    records: list[Record] = [
        (1, "run", {"name": "bright-sky-1", "group": None, "tags": ["a", "b"]}),
        (2, "config", {"lr": 0.01, "optimizer": {"name": "adam"}}),
        *_records(first_seq=3, count=3),
        (6, "summary", {"best": 0.9}),
        (7, "finish", {"state": "finished", "exit_code": 0}),
    ]
    writer = RunLogWriter(path)
    writer.append(records[:4])
    writer.append(records[4:])
    writer.close()

    assert path.read_bytes().startswith(MAGIC)
    assert _scanned(path) == _as_read(records)
    end = read_end(path)
    assert (end.offset, end.last_seq, end.is_torn) == (path.stat().st_size, 7, False)


def test_scan_returns_only_later_records_when_given_after_seq(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=6)
    _write(path, records)

    assert _scanned(path, after_seq=4) == _as_read(records[4:])
    assert _scanned(path, after_seq=6) == []


def test_scan_round_trips_unicode_keys_and_special_floats(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    row = {
        "损失/训练": 0.25,
        "ключ": -1.5,
        "loss 🚀 (val)": 3.0,
        "nan": math.nan,
        "inf": math.inf,
        "-inf": -math.inf,
        "tiny": 5e-324,
        "huge": 1.7976931348623157e308,
        "int": 2**62,
    }
    writer = RunLogWriter(path)
    writer.append(
        [(1, "history", [[0, 1.5, row]]), (2, "config", {"name": "é ✓ \u0000"})]
    )
    writer.close()

    (first, second) = list(scan(path))
    seq, kind, [[step, ts, back]] = first
    assert (seq, kind, step, ts) == (1, "history", 0, 1.5)
    assert list(back) == list(row)
    assert math.isnan(back["nan"])
    assert {k: v for k, v in back.items() if k != "nan"} == {
        k: v for k, v in row.items() if k != "nan"
    }
    assert back["inf"] == math.inf and back["-inf"] == -math.inf
    assert type(back["int"]) is int
    assert second == (2, "config", {"name": "é ✓ \u0000"})


def test_scan_round_trips_big_batches(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    keys = [f"metric/{k}" for k in range(8)]
    rows = [
        [s, 1700000000.0 + s / 1000, {k: s + i / 8 for i, k in enumerate(keys)}]
        for s in range(10_000)
    ]
    writer = RunLogWriter(path)
    writer.append([(1, "history", rows), (2, "history", rows[:1])])
    writer.append([(3, "history", rows)])
    writer.close()

    back = list(scan(path))
    assert [(seq, kind, len(body)) for seq, kind, body in back] == [
        (1, "history", 10_000),
        (2, "history", 1),
        (3, "history", 10_000),
    ]
    assert back[0][2] == rows
    assert back[2][2] == rows
    assert read_end(path).last_seq == 3


# ---- torn tails ------------------------------------------------------------------


def test_scan_skips_garbage_when_it_follows_the_last_frame(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=4)
    ends = _write(path, records)
    with path.open("ab") as f:
        f.write(b"\x17garbage that is no frame at all" * 3)

    assert _scanned(path) == _as_read(records)
    end = read_end(path)
    assert (end.offset, end.last_seq, end.is_torn) == (ends[-1], 4, True)


@pytest.mark.parametrize(
    "cut_into_frame",
    [1, HEADER_SIZE - 1, HEADER_SIZE, HEADER_SIZE + 1, -1],
    ids=[
        "header-1-byte",
        "header-short",
        "header-only",
        "payload-1-byte",
        "payload-short",
    ],
)
def test_scan_returns_earlier_records_when_last_frame_is_truncated(
    tmp_path: Path, cut_into_frame: int
) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=4)
    ends = _write(path, records)
    last_start, last_end = ends[-2], ends[-1]
    cut = (
        last_start + cut_into_frame if cut_into_frame > 0 else last_end + cut_into_frame
    )
    with path.open("r+b") as f:
        f.truncate(cut)

    assert _scanned(path) == _as_read(records[:-1])
    end = read_end(path)
    assert (end.offset, end.last_seq, end.is_torn) == (last_start, 3, True)


def test_scan_returns_a_prefix_of_the_records_when_cut_at_any_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=4)
    ends = _write(path, records)
    data = path.read_bytes()

    for cut in range(len(MAGIC), len(data) + 1):
        path.write_bytes(data[:cut])
        whole = sum(1 for e in ends if e <= cut)
        assert _scanned(path) == _as_read(records[:whole]), f"cut at byte {cut}"
        end = read_end(path)
        assert end.last_seq == whole
        assert end.is_torn == (cut not in [len(MAGIC), *ends])


def _lost(seq: int, first: int) -> list[Any]:
    return [seq, LOST, {"first": first}]


def _without_where(read: list[list[Any]]) -> list[list[Any]]:
    """Markers without the offset and size they carry (the tests check those on
    ``damage``)."""
    return [
        [seq, kind, {"first": body["first"]}] if kind == LOST else [seq, kind, body]
        for seq, kind, body in read
    ]


def test_scan_reads_every_other_frame_when_any_byte_of_a_frame_changes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=4)
    ends = _write(path, records)
    data = path.read_bytes()
    starts = [len(MAGIC), *ends[:-1]]

    for frame, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for pos in range(start, end):
            flipped = bytearray(data)
            flipped[pos] ^= 0x40
            path.write_bytes(bytes(flipped))
            log = scan(path)
            read = _without_where([[s, k, b] for s, k, b in log])
            seq = frame + 1
            expected = _as_read(records[:frame])
            if seq < len(records):  # a later frame shows what was lost
                expected += [_lost(seq, seq), *_as_read(records[frame + 1 :])]
            assert read == expected, f"byte {pos} flipped"
            (damage,) = log.damage
            assert (damage.offset, damage.size) == (start, end - start)
            assert damage.after_seq == frame
            assert damage.lost_records == (1 if seq < len(records) else None)


def test_scan_reads_past_a_bad_frame_in_the_middle_and_says_what_was_lost(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=6)
    ends = _write(path, records)
    data = bytearray(path.read_bytes())
    third_payload = ends[1] + HEADER_SIZE
    data[third_payload + 3] ^= 0xFF
    path.write_bytes(bytes(data))

    log = scan(path)
    read = [[seq, kind, body] for seq, kind, body in log]
    assert read == [
        *_as_read(records[:2]),
        [3, LOST, {"first": 3, "bytes": ends[2] - ends[1], "offset": ends[1]}],
        *_as_read(records[3:]),
    ]
    (damage,) = log.damage
    assert (damage.offset, damage.size, damage.lost_records) == (
        ends[1],
        ends[2] - ends[1],
        1,
    )
    assert "record 3 (1) lost" in damage.describe()
    end = read_end(path)
    assert (end.offset, end.last_seq, end.is_torn) == (len(data), 6, False)


def test_scan_counts_every_record_of_a_damaged_run_of_frames(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=8)
    ends = _write(path, records)
    data = bytearray(path.read_bytes())
    data[ends[1] : ends[4]] = b"\x00" * (ends[4] - ends[1])  # frames 3-5 zeroed
    path.write_bytes(bytes(data))

    log = scan(path)
    assert _without_where([[s, k, b] for s, k, b in log]) == [
        *_as_read(records[:2]), _lost(5, 3), *_as_read(records[5:])
    ]  # fmt: skip
    assert [d.lost_records for d in log.damage] == [3]
    assert _scanned(path, after_seq=5) == _as_read(records[5:])
    assert [r[:2] for r in scan(path, after_seq=3)] == [
        (5, LOST), *[r[:2] for r in records[5:]]
    ]  # fmt: skip
    assert [r[0] for r in scan(path, markers=False)] == [1, 2, 6, 7, 8]


def test_scan_reads_the_frames_when_the_magic_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=3)
    _write(path, records)
    data = bytearray(path.read_bytes())
    data[:4] = b"XXXX"
    path.write_bytes(bytes(data))

    log = scan(path)
    assert [[s, k, b] for s, k, b in log] == _as_read(records)
    (damage,) = log.damage
    assert (damage.offset, damage.size, damage.lost_records) == (0, len(MAGIC), 0)


def test_scan_rejects_a_file_that_is_not_a_run_log(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    path.write_bytes(b"SQLite format 3\x00" + bytes(100))

    with pytest.raises(ValueError, match="is not a Runfold run log"):
        list(scan(path))
    with pytest.raises(ValueError, match="is not a Runfold run log"):
        RunLogWriter(path)


# ---- reopening after a crash -------------------------------------------------------


@pytest.mark.parametrize(
    "damage", ["garbage", "truncated", "flipped-last-byte"], ids=str
)
def test_writer_cuts_torn_tail_and_continues_sequence_when_reopened(
    tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=4)
    ends = _write(path, records)
    data = bytearray(path.read_bytes())
    if damage == "garbage":
        data += b"\x00\x01\x02 half a frame"
        kept = records
    elif damage == "truncated":
        del data[ends[-1] - 5 :]
        kept = records[:-1]
    else:
        data[-1] ^= 0x01
        kept = records[:-1]
    path.write_bytes(bytes(data))
    size_before = len(data)

    writer = RunLogWriter(path)
    good_end = ends[len(kept) - 1]
    assert writer.last_seq == len(kept)
    assert writer.repaired_bytes == size_before - good_end
    assert path.stat().st_size == good_end
    more = _records(first_seq=writer.last_seq + 1, count=2)
    writer.append(more)
    writer.close()

    assert _scanned(path) == _as_read(kept + more)
    assert [seq for seq, _, _ in scan(path)] == list(range(1, len(kept) + 3))
    end = read_end(path)
    assert (end.last_seq, end.is_torn) == (len(kept) + 2, False)


@pytest.mark.parametrize("left", [b"", MAGIC[:3]], ids=["empty", "torn-magic"])
def test_writer_rewrites_magic_when_file_was_torn_before_the_first_frame(
    tmp_path: Path, left: bytes
) -> None:
    path = tmp_path / "run.rflog"
    path.write_bytes(left)
    assert _scanned(path) == []

    writer = RunLogWriter(path)
    assert (writer.last_seq, writer.repaired_bytes) == (0, len(left))
    writer.append(_records(count=1))
    writer.close()

    assert path.read_bytes() == MAGIC + encode(_records(count=1))
    assert _scanned(path) == _as_read(_records(count=1))


def test_writer_keeps_damage_in_the_middle_and_appends_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18: resuming a run whose log was damaged in the middle cut the file
    at the damage, deleting every intact record after it for good."""
    path = tmp_path / "run.rflog"
    records = _records(count=6)
    ends = _write(path, records)
    data = bytearray(path.read_bytes())
    data[ends[1] + HEADER_SIZE + 2] ^= 0xFF  # record 3
    path.write_bytes(bytes(data))

    writer = RunLogWriter(path)
    assert (writer.last_seq, writer.repaired_bytes) == (6, 0)
    assert path.stat().st_size == len(data)
    assert [d.lost_records for d in writer.damage] == [1]
    assert "record 3 (1) lost" in capsys.readouterr().err
    more = _records(first_seq=7, count=2)
    writer.append(more)
    writer.close()

    seqs = [seq for seq, _, _ in scan(path, markers=False)]
    assert seqs == [1, 2, 4, 5, 6, 7, 8]
    assert path.read_bytes().startswith(bytes(data))


def test_writer_cuts_only_the_torn_tail_when_the_middle_is_damaged_too(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=5)
    ends = _write(path, records)
    data = bytearray(path.read_bytes())
    data[ends[0] + HEADER_SIZE + 1] ^= 0xFF  # record 2
    del data[ends[-1] - 3 :]  # record 5 torn
    path.write_bytes(bytes(data))

    writer = RunLogWriter(path)
    writer.close()
    assert (writer.last_seq, path.stat().st_size) == (4, ends[3])
    assert writer.repaired_bytes == len(data) - ends[3]
    assert [r[0] for r in scan(path, markers=False)] == [1, 3, 4]


def test_encode_writes_ints_past_64_bits_as_floats_and_drops_what_no_float_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18: ``log({"x": 10**400})`` lost its whole row."""
    path = tmp_path / "run.rflog"
    writer = RunLogWriter(path)
    writer.append([
        (1, "history", [[0, 1.0, {"ok": 1.0, "big": 2**70, "huge_x": 10**400}]]),
        (2, "config", {"seed": 10**400}),
    ])  # fmt: skip
    writer.close()

    (_, _, [[_, _, row]]), (_, _, config) = list(scan(path))
    assert row == {"ok": 1.0, "big": float(2**70)}
    assert config == {"seed": str(10**400)}
    assert "'huge_x'" in capsys.readouterr().err


def test_writer_keeps_sequence_when_reopened_on_an_intact_log(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    _write(path, _records(count=3))
    size = path.stat().st_size

    writer = RunLogWriter(path)
    assert (writer.last_seq, writer.repaired_bytes) == (3, 0)
    writer.close()
    assert path.stat().st_size == size


def test_encode_matches_what_the_writer_appends(tmp_path: Path) -> None:
    path = tmp_path / "run.rflog"
    records = _records(count=3)
    _write(path, records)

    assert path.read_bytes() == MAGIC + encode(records)


def test_chunk_records_keeps_order_and_both_limits() -> None:
    from runfold.sdk.runlog import chunk_records

    rows = [[s, 0.0, {"a": 1.0, "b": 2.0}] for s in range(10)]  # 20 values
    records = [(1, "run", {}), (2, "history", rows), (3, "config", {}),
               (4, "history", rows[:2]), (5, "finish", {})]  # fmt: skip
    by_points = list(chunk_records(records, max_points=20, max_records=100))
    assert [[r[0] for r in c] for c in by_points] == [[1, 2], [3, 4, 5]]
    by_count = list(chunk_records(records, max_points=10**6, max_records=2))
    assert [[r[0] for r in c] for c in by_count] == [[1, 2], [3, 4], [5]]
    assert list(chunk_records([], max_points=1, max_records=1)) == []


def _columns(rows: list[Any]) -> RowColumns:
    body = RowColumns()
    body.extend(rows)
    return body


def test_rows_held_as_columns_are_written_as_the_same_bytes_as_rows() -> None:
    """The writer hands the run log ``RowColumns`` (issue 19): the file must not
    change, so any reader, sync and older servers read it as before."""
    rows = [
        (step, 1700000000.0 + step, {"loss": 1.0 / (step + 1), "n": step, "k/é": -0.0})
        for step in range(700)  # past the packer's 256-row slices
    ]
    as_rows = encode([(1, "history", rows), (2, "system", rows[:3])])
    as_columns = encode(
        [(1, "history", _columns(rows)), (2, "system", _columns(rows[:3]))]
    )
    assert as_columns == as_rows


def test_columns_with_an_int_past_64_bits_are_written_as_rows_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.rflog"
    writer = RunLogWriter(path)
    writer.append([(1, "history", _columns([(0, 1.0, {"ok": 1.0, "big": 2**70})]))])
    writer.close()
    ((_, _, [[step, at, row]]),) = list(scan(path))
    assert (step, at, row) == (0, 1.0, {"ok": 1.0, "big": float(2**70)})
