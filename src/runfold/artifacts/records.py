"""The run log's ``artifact`` records, and what must be true before one is stored.

A record ``[seq, "artifact", body]`` says that the run logged a version
(``action: "log"``), used one (``"use"``), or linked one under another name
(``"link"``). Its body names the version by its manifest's ``digest``; a use
that could not be resolved when it was recorded (an offline run asking for
``dataset:latest``) names it by ``alias`` instead, resolved at ingest.

``store_files`` runs before the records reach a store, wherever they are
ingested (the SDK's local sink, ``runfold sync``, the server's records route):
each version's manifest and files must be in the project's ``BlobStore`` (moved
there from a run's staging folder when they are still staged). A record whose
files are not all stored is refused with ``UsageError``, so a version is never
visible with a file missing: a run killed while it staged a large artifact wrote
no record for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import UsageError
from ..model import RecordKind
from .blobs import BlobStore
from .manifest import (
    Manifest,
    check_alias,
    check_metadata,
    check_name,
    check_type,
    is_sha256,
)

__all__ = ["ACTIONS", "check_body", "store_files", "MAX_DESCRIPTION"]

ACTIONS = ("log", "use", "link")
MAX_DESCRIPTION = 100_000
MAX_ALIASES = 100


def _where(body: Any) -> str:
    name = body.get("name") if isinstance(body, dict) else None
    return f"artifact record ({name!r})" if isinstance(name, str) else "artifact record"


def check_body(body: Any) -> dict[str, Any]:
    """The body of an artifact record, every field checked; UsageError says
    which one is wrong."""
    where = _where(body)
    if not isinstance(body, dict):
        raise UsageError(f"An {where} must have an object as body.")
    action = body.get("action")
    if action not in ACTIONS:
        raise UsageError(f"An {where} has action {action!r}; use one of {ACTIONS}.")
    check_name(body.get("name"))
    digest = body.get("digest")
    if digest is not None and not is_sha256(digest):
        raise UsageError(f"An {where} has a digest that is not a SHA-256.")
    if digest is None:
        alias = body.get("alias")
        if action != "use" or not isinstance(alias, str):
            raise UsageError(f"An {where} must name its version by digest.")
        if not (alias[:1] == "v" and alias[1:].isdigit()):
            check_alias(alias)
    if action != "use" or body.get("type") is not None:
        check_type(body.get("type"))
    aliases = body.get("aliases") or []
    if not isinstance(aliases, list) or len(aliases) > MAX_ALIASES:
        raise UsageError(f"An {where} has aliases that are not a list of names.")
    for alias in aliases:
        check_alias(alias)
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str)
        or len(description) > MAX_DESCRIPTION
        or "\x00" in description
    ):
        raise UsageError(
            f"An {where} has a description that is not text under "
            f"{MAX_DESCRIPTION} characters without NUL."
        )
    check_metadata(body.get("metadata"))
    for field in ("size", "files"):
        value = body.get(field, 0)
        if type(value) is not int or value < 0 or value >= 1 << 62:
            raise UsageError(f"An {where} has {field} {value!r}; use an integer ≥ 0.")
    at = body.get("at")
    if at is not None and (
        not isinstance(at, (int, float))
        or isinstance(at, bool)
        or not math.isfinite(at)
    ):
        raise UsageError(f"An {where} has a time that is not a number.")
    return body


def store_files(
    records: Iterable[tuple[int, str, Any]],
    target: BlobStore,
    staged: Sequence[BlobStore] = (),
) -> None:
    """Make sure the files of every artifact version in ``records`` are in
    ``target``, moving them from ``staged`` folders where they are still there.
    UsageError when a record is malformed or a file is nowhere: such a record
    is refused, and nothing of it becomes visible."""
    for _, kind, body in records:
        if kind != RecordKind.ARTIFACT:
            continue
        check_body(body)
        digest = body.get("digest")
        if digest is None:
            continue  # a use by alias: the version is the store's already
        _ensure(target, staged, digest, None, body)
        manifest = Manifest.parse(target.read_bytes(digest))
        if body.get("size", manifest.size) != manifest.size or body.get(
            "files", len(manifest)
        ) != len(manifest):
            raise UsageError(
                f"{_where(body)}: its size or file count is not its manifest's."
            )
        for entry in manifest.files():
            assert entry.digest is not None
            _ensure(target, staged, entry.digest, entry.size, body)


def _ensure(
    target: BlobStore, staged: Sequence[BlobStore], sha: str, size: int | None,
    body: dict[str, Any],
) -> None:  # fmt: skip
    if target.has(sha, size):
        return
    for folder in staged:
        if folder.has(sha, size):
            target.adopt(folder.path(sha), sha)
            return
    raise UsageError(
        f"{_where(body)} was not stored: its file {sha[:12]}… ({size} bytes) has not "
        "reached the store. A version is stored only with every one of its files."
    )
