"""The run-log reader under random damage (issue 18): whatever bytes change, go
missing or appear anywhere in a valid log, every frame the damage did not touch
is still read, nothing is read that was not written, and a ``lost`` marker only
ever stands for records that were not read. Reopening the damaged log for writing
keeps all of that."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runfold.sdk.runlog import LOST, MAGIC, NotARunLog, RunLogWriter, encode, scan

_FLOATS = st.floats(allow_nan=False, width=64)
_KEYS = st.text(min_size=1, max_size=8)
_ROW = st.tuples(
    st.integers(0, 10**6), _FLOATS, st.dictionaries(_KEYS, _FLOATS, max_size=4)
)
_BODIES = {
    "history": st.lists(_ROW.map(list), min_size=1, max_size=5),
    "config": st.dictionaries(
        _KEYS, st.one_of(_FLOATS, st.text(max_size=20)), max_size=4
    ),
    "summary": st.dictionaries(_KEYS, _FLOATS, max_size=3),
    "finish": st.fixed_dictionaries(
        {"state": st.just("finished"), "exit_code": st.just(0)}
    ),
}


@st.composite
def _records(draw: Any) -> list[tuple[int, str, Any]]:
    kinds = draw(st.lists(st.sampled_from(sorted(_BODIES)), min_size=1, max_size=25))
    return [(seq, kind, draw(_BODIES[kind])) for seq, kind in enumerate(kinds, 1)]


class _Log:
    """A log's bytes and, per written frame, where it is now and whether damage
    touched it."""

    def __init__(self, records: list[tuple[int, str, Any]], appends: list[int]) -> None:
        self.data = bytearray(MAGIC)
        self.frames: list[list[Any]] = []  # [seq, start, end, intact]
        cut = 0
        for size in [*appends, len(records)]:
            batch, cut = records[cut : cut + size], cut + size
            for record in batch:
                frame = encode([record])
                self.frames.append(
                    [record[0], len(self.data), len(self.data) + len(frame), True]
                )
                self.data += frame

    def _touch(self, lo: int, hi: int) -> None:
        for frame in self.frames:
            if frame[1] < hi and lo < frame[2]:
                frame[3] = False

    def _shift(self, at: int, by: int) -> None:
        for frame in self.frames:
            if frame[1] >= at:
                frame[1] += by
                frame[2] += by

    def damage(self, op: str, at: int, payload: bytes) -> None:
        at = min(at, len(self.data))
        if op == "flip" and at < len(self.data):
            self.data[at] ^= payload[0] or 1
            self._touch(at, at + 1)
        elif op == "overwrite":
            self.data[at : at + len(payload)] = payload
            self._touch(at, at + len(payload))
        elif op == "delete":
            gone = len(self.data[at : at + len(payload)])
            del self.data[at : at + gone]
            self._touch(at, at + gone)
            self._shift(at + gone, -gone)
        elif op == "insert":
            self.data[at:at] = payload
            for frame in self.frames:  # a frame that straddles ``at`` is split
                if frame[1] < at < frame[2]:
                    frame[3] = False
            self._shift(at, len(payload))
        elif op == "truncate":
            del self.data[at:]
            self._touch(at, 1 << 62)

    def intact(self) -> set[int]:
        return {seq for seq, _, _, ok in self.frames if ok}


_DAMAGE = st.tuples(
    st.sampled_from(["flip", "overwrite", "delete", "insert", "truncate"]),
    st.integers(0, 1 << 16),
    st.binary(min_size=1, max_size=48),
)


def _written(records: list[tuple[int, str, Any]]) -> dict[int, Any]:
    """What reading back gives for each record (msgpack turns tuples into lists)."""
    return {
        seq: msgpack.unpackb(
            msgpack.packb((kind, body)), raw=False, strict_map_key=False
        )
        for seq, kind, body in records
    }


def _check(path: Path, written: dict[int, Any], intact: set[int]) -> list[int]:
    try:
        read = list(scan(path))
    except NotARunLog:
        assert not intact, "a log with intact frames was called no run log"
        return []
    seqs = [seq for seq, kind, _ in read if kind != LOST]
    for seq, kind, body in read:
        if kind == LOST:
            first = body["first"]
            assert 1 <= first <= seq
            assert not set(range(first, seq + 1)) & (set(seqs) | intact)
        else:
            assert seq in written and [kind, body] == written[seq], "invented record"
    assert intact <= set(seqs), f"intact frames {sorted(intact - set(seqs))} not read"
    return seqs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=_records(),
    appends=st.lists(st.integers(1, 5), max_size=4),
    damage=st.lists(_DAMAGE, min_size=1, max_size=3),
)
def test_reader_keeps_every_intact_frame_and_invents_nothing(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[tuple[int, str, Any]],
    appends: list[int],
    damage: list[tuple[str, int, bytes]],
) -> None:
    log = _Log(records, appends)
    size = len(log.data)
    for op, at, payload in damage:
        log.damage(op, at % (size + 1), payload)
    path = tmp_path_factory.mktemp("fuzz") / "run.rflog"
    path.write_bytes(bytes(log.data))
    written = _written(records)

    seqs = _check(path, written, log.intact())

    if not seqs:
        return
    # Reopened to resume: only a torn tail may go, never a frame that was read.
    writer = RunLogWriter(path)
    writer.close()
    assert writer.last_seq == max(seqs)
    assert bytes(path.read_bytes()) == bytes(log.data[: path.stat().st_size])
    assert _check(path, written, set(seqs)) == seqs
