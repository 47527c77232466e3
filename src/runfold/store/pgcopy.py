"""Rows of integers and blobs read from PostgreSQL by binary ``COPY ... TO STDOUT``.

A grouped read of 10,000 runs × 1,000 steps moves 80 MB of values. As the result
of a query, libpq first builds all of it into one result in memory and psycopg
then copies each blob into a ``bytes``: ~300 ms here. As a binary ``COPY`` the
same rows arrive as one stream that is parsed here in place, the blobs handed out
as views of it: ~150 ms (issue 19).

The format: a signature, flags and a header extension, then per row a field
count (int16) and per field its length (int32, -1 for NULL) and its bytes, all
big-endian; a field count of -1 ends the stream.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

__all__ = ["copy_rows", "parse", "int_array"]

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_HEAD = struct.Struct(">ii")  # flags, header extension length
_COUNT = struct.Struct(">h")
_LENGTH = struct.Struct(">i")


def int_array(values: Iterable[int]) -> str:
    """A ``bigint[]`` literal of ``values`` for SQL that takes no parameters (a
    ``COPY``): only Python ints are written, so nothing else can get in."""
    return "'{" + ",".join(str(int(v)) for v in values) + "}'::bigint[]"


def copy_rows(cur: Any, query: str, ints: int) -> list[tuple[Any, ...]]:
    """The rows of ``query`` (a SELECT whose first ``ints`` columns are non-null
    bigints and whose others are bytea), as tuples of ints and memoryviews; a
    NULL blob is None. PostgreSQL sends a row per message: a row is parsed in
    the message that holds it, its blobs left there as views."""
    with cur.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
        return parse(copy, ints)


def parse(parts: Iterable[Any], ints: int) -> list[tuple[Any, ...]]:
    """The rows of a binary COPY stream arriving as ``parts`` (bytes-like, cut
    anywhere; ``copy_rows``)."""
    lead = struct.Struct(">h" + "iq" * ints)  # field count, then the ints
    rows: list[tuple[Any, ...]] = []
    data = memoryview(b"")
    at = 0
    started = ended = False
    for part in parts:  # read to the end: the connection is then free again
        if ended:
            continue
        data = (
            memoryview(bytes(data[at:]) + bytes(part))
            if at < len(data)
            else (memoryview(part))
        )
        at = 0
        if not started:
            at = _header_end(data)
            if at < 0:  # the header goes on in the next part
                at = 0
                continue
            started = True
        while True:
            row, end = _row(data, at, lead, ints)
            if end < 0:  # the row goes on in the next part
                break
            at = end
            if row is None:
                ended = True
                break
            rows.append(row)
    if not ended:
        raise ValueError("the COPY stream ended before its trailer")
    return rows


def _header_end(data: memoryview) -> int:
    """Where the stream's header ends (-1: not all of it is in ``data``)."""
    fixed = len(_SIGNATURE) + _HEAD.size
    if len(data) < fixed:
        return -1
    if bytes(data[: len(_SIGNATURE)]) != _SIGNATURE:
        raise ValueError("not a binary COPY stream")
    _, extension = _HEAD.unpack_from(data, len(_SIGNATURE))
    return fixed + extension if len(data) >= fixed + extension else -1


def _row(
    data: memoryview, at: int, lead: struct.Struct, ints: int
) -> tuple[tuple[Any, ...] | None, int]:
    """The row at ``at`` and where the next starts; (None, end) at the trailer,
    (None, -1) when ``data`` does not hold the whole row."""
    size = len(data)
    if at + 2 > size:
        return None, -1
    (fields,) = _COUNT.unpack_from(data, at)
    if fields < 0:
        return None, at + 2
    if at + lead.size > size:
        return None, -1
    head = lead.unpack_from(data, at)
    if any(head[i] != 8 for i in range(1, 2 * ints, 2)):
        raise ValueError("a COPY row's leading columns are not bigints")
    row: list[Any] = list(head[2::2])
    at += lead.size
    for _ in range(fields - ints):
        if at + 4 > size:
            return None, -1
        (length,) = _LENGTH.unpack_from(data, at)
        at += 4
        if length < 0:
            row.append(None)
            continue
        if at + length > size:
            return None, -1
        row.append(data[at : at + length])
        at += length
    return tuple(row), at
