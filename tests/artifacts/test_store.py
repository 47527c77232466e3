"""The store's side of artifacts, the same on SQLite and PostgreSQL: records
ingested once (a replay adds nothing), versions numbered per name by content,
``latest`` and user aliases moved, lineage kept, a name's type kept, a use by
alias resolved at ingest, edits and deletion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runfold.artifacts.blobs import BlobStore
from runfold.artifacts.manifest import Entry, Manifest
from runfold.artifacts.records import store_files
from runfold.errors import NotFound, UsageError


def _version(blobs: BlobStore, files: dict[str, bytes]) -> dict[str, Any]:
    entries = {}
    for path, data in files.items():
        entries[path] = Entry(path, blobs.put_bytes(data), len(data))
    manifest = Manifest(entries)
    digest = blobs.put_bytes(manifest.to_bytes())
    return {"digest": digest, "size": manifest.size, "files": len(manifest)}


def _run(seq: int, run_id: str) -> list[Any]:
    return [seq, "run", {"project": "p", "id": run_id, "name": run_id}]


def _ingest(store: Any, blobs: BlobStore, run_id: str, records: list[Any]) -> int:
    store_files(records, blobs)
    return int(store.ingest("p", run_id, records))


def test_versions_aliases_and_lineage(a_store: Any, tmp_path: Path) -> None:
    store = a_store
    blobs = BlobStore(tmp_path / "blobs")
    v0 = _version(blobs, {"a.txt": b"one", "b.txt": b"two"})
    v1 = _version(blobs, {"a.txt": b"one", "b.txt": b"TWO"})
    log = {"action": "log", "name": "ds", "type": "dataset", "metadata": {"k": 1}}
    records = [
        _run(1, "maker"),
        [2, "artifact", {**log, **v0, "aliases": ["best"], "at": 10.0}],
        [3, "artifact", {**log, **v0, "at": 11.0}],  # the same content: v0 again
        [4, "artifact", {**log, **v1, "at": 12.0}],
    ]
    assert _ingest(store, blobs, "maker", records) == 4
    assert _ingest(store, blobs, "maker", records) == 4  # a replay adds nothing
    versions = store.artifact_versions("p", "ds")
    assert [(v.version, v.aliases, v.file_count, v.size) for v in versions] == [
        (0, ["best"], 2, 6),
        (1, ["latest"], 2, 6),
    ]
    assert versions[0].logged_by == "maker" and versions[0].metadata == {"k": 1}
    use = [_run(1, "user"), [2, "artifact", {"action": "use", "name": "ds", "alias": "best",
                                              "at": 20.0}]]  # fmt: skip
    _ingest(store, blobs, "user", use)  # by alias: resolved when ingested
    assert store.get_artifact_version("p", "ds", "best").used == 1
    links = [
        (link.role, link.run_id, link.version.version)
        for link in store.artifact_links("p")
    ]
    assert links == [
        ("logged", "maker", 0),
        ("logged", "maker", 1),
        ("used", "user", 0),
    ]
    assert [link.run_id for link in store.artifact_links("p", run_ids=["user"])] == [
        "user"
    ]
    (row,) = store.list_artifacts("p", "dataset")
    assert (row.name, row.versions, row.latest) == ("ds", 2, 1)
    assert store.list_artifacts("p", "model") == []


def test_a_name_keeps_its_type_and_unknown_versions_are_refused(
    a_store: Any, tmp_path: Path
) -> None:
    store = a_store
    blobs = BlobStore(tmp_path / "blobs")
    v0 = _version(blobs, {"m.bin": b"m"})
    _ingest(store, blobs, "r", [_run(1, "r"), [2, "artifact",
            {"action": "log", "name": "net", "type": "model", **v0}]])  # fmt: skip
    with pytest.raises(UsageError, match="is a 'model', not a 'dataset'"):
        store.ingest("p", "r", [[3, "artifact",
                                 {"action": "log", "name": "net", "type": "dataset", **v0}]])  # fmt: skip
    with pytest.raises(UsageError, match="no version 'v7'"):
        store.ingest(
            "p", "r", [[3, "artifact", {"action": "use", "name": "net", "alias": "v7"}]]
        )
    with pytest.raises(UsageError, match="was not stored"):
        store_files([[3, "artifact", {"action": "log", "name": "x", "type": "model",
                                      "digest": "f" * 64, "size": 1, "files": 1}]], blobs)  # fmt: skip
    assert store.get_run("p", "r").last_seq == 2  # nothing of a refused record applied


def test_edit_and_delete_versions(a_store: Any, tmp_path: Path) -> None:
    store = a_store
    blobs = BlobStore(tmp_path / "blobs")
    log = {"action": "log", "name": "ds", "type": "dataset"}
    records = [_run(1, "r")] + [
        [
            i + 2,
            "artifact",
            {**log, **_version(blobs, {"f": bytes([i])}), "at": float(i)},
        ]
        for i in range(3)
    ]
    _ingest(store, blobs, "r", records)
    edited = store.update_artifact_version("p", "ds", "v1", aliases=["prod"],
                                           description="shipped", metadata={"acc": 0.9})  # fmt: skip
    assert (edited.aliases, edited.description, edited.metadata) == (
        ["prod"],
        "shipped",
        {"acc": 0.9},
    )
    store.update_artifact_version("p", "ds", "v0", aliases=["prod"])  # an alias moves
    assert store.get_artifact_version("p", "ds", "prod").version == 0
    store.delete_artifact_version("p", "ds", "v2")  # the latest: latest moves back
    assert store.get_artifact_version("p", "ds", "latest").version == 1
    assert len(store.artifact_digests("p")) == 2
    with pytest.raises(NotFound):
        store.get_artifact_version("p", "ds", "v2")
    store.ingest("p", "r", [[5, "artifact", {**log, **_version(blobs, {"f": b"new"})}]])
    assert store.get_artifact_version("p", "ds", "latest").version == 3  # never reused
