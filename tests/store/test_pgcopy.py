"""The binary COPY reader behind PostgreSQL's grouped reads (``store.pgcopy``)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from runfold.store import Store
from runfold.store.pgcopy import parse

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _stream(rows: list[tuple[int, int, bytes | None]], extension: bytes = b"") -> bytes:
    out = [SIGNATURE, struct.pack(">ii", 0, len(extension)), extension]
    for pk, n, blob in rows:
        out.append(struct.pack(">hiqiq", 3, 8, pk, 8, n))
        out.append(
            struct.pack(">i", -1)
            if blob is None
            else struct.pack(">i", len(blob)) + blob
        )
    out.append(struct.pack(">h", -1))
    return b"".join(out)


ROWS = [(1, 2, b"\x00" * 16), (-5, 0, b""), (2**40, 7, None), (3, 1, bytes(range(200)))]


@pytest.mark.parametrize("cut", [1, 3, 7, 19, 1000])
def test_parses_a_stream_cut_anywhere(cut: int) -> None:
    data = _stream(ROWS, extension=b"ext")
    parts = [data[i : i + cut] for i in range(0, len(data), cut)]
    rows = parse(iter(parts), ints=2)
    assert [(pk, n, None if b is None else bytes(b)) for pk, n, b in rows] == ROWS


def test_reads_past_the_trailer_and_refuses_what_is_not_a_copy_stream() -> None:
    data = _stream(ROWS[:1])
    rest = iter([data, b"after the trailer"])
    assert len(parse(rest, ints=2)) == 1
    assert next(rest, None) is None  # consumed: the connection is free again
    with pytest.raises(ValueError, match="not a binary COPY stream"):
        parse([b"x" * 40], ints=2)
    with pytest.raises(ValueError, match="ended before its trailer"):
        parse([data[:-2]], ints=2)
    with pytest.raises(ValueError, match="not bigints"):
        parse([data], ints=3)


def test_raw_chunks_give_each_runs_stored_arrays(store: Store) -> None:
    # Consecutive steps are stored as no bytes, others as int64: both come back,
    # in order, for a run's chunks (one per ingest) and for runs of two projects.
    store.ingest("p", "a", [
        (1, "run", {"name": "a"}),
        (2, "history", [(s, 1.0, {"x": s / 2}) for s in range(5)]),
    ])  # fmt: skip
    store.ingest("p", "a", [(3, "history", [(s, 2.0, {"x": -s}) for s in (7, 9)])])
    store.ingest("q", "b", [
        (1, "run", {"name": "b"}),
        (2, "history", [(s, 1.0, {"x": 10.0 + s, "y": 1.0}) for s in range(3)]),
    ])  # fmt: skip
    a = store.list_runs("p")[0].pk
    b = store.list_runs("q")[0].pk
    chunks = store.raw_chunks([a, b, 10_000], "x")
    assert sorted(chunks) == sorted([a, b])
    got = [
        (first, n, np.frombuffer(steps, dtype=np.int64).tolist(),
         np.frombuffer(vals, dtype=np.float64).tolist())
        for first, n, steps, vals in chunks[a]
    ]  # fmt: skip
    assert got == [(0, 5, [], [0.0, 0.5, 1.0, 1.5, 2.0]), (7, 2, [7, 9], [-7.0, -9.0])]
    assert [(f, n, bytes(s)) for f, n, s, _ in chunks[b]] == [(0, 3, b"")]
    assert np.frombuffer(chunks[b][0][3]).tolist() == [10.0, 11.0, 12.0]
    assert store.raw_chunks([a], "nothing") == {} and store.raw_chunks([], "x") == {}
