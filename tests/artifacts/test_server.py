"""Artifacts through a real server on loopback, over SQLite and PostgreSQL: online
runs upload each file once however many runs log it, a server restart in the
middle loses nothing and sends nothing twice, ``Api(base_url=...)`` reads back
what the local Api reads, another team cannot read or use a project's
artifacts, and the server refuses files and manifests that lie."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgpack
import pytest

import runfold
from runfold.errors import NotFound, ProjectNotFound, ServerUnavailable, UsageError
from tests.artifacts.conftest import Served, blob_count, tree_bytes, write_tree

_OPEN: list[runfold.Api] = []


@pytest.fixture(autouse=True)
def _close_remote_apis() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _remote(url: str, key: str | None = None) -> runfold.Api:
    """``Api(base_url=...)``, closed when the test ends."""
    api = runfold.Api(base_url=url, api_key=key)
    _OPEN.append(api)
    return api


def _data(root: Path, n: int = 12) -> Path:
    return write_tree(
        root, {f"shard-{i:02}.bin": os.urandom(40_000 + i) for i in range(n)}
    )


def _log(project: str, data: Path, name: str = "corpus", **init: object) -> str:
    with runfold.init(project=project, **init) as run:  # type: ignore[arg-type]
        art = runfold.Artifact(name, "dataset")
        art.add_dir(data)
        run.log_artifact(art).wait()
        return run.id


def test_online_runs_upload_each_file_once_and_read_back(
    online: Served, tmp_path: Path
) -> None:
    data = _data(tmp_path / "data")
    first = _log("vision", data)
    assert (
        len(online.app.puts) == 13 == len(set(online.app.puts))
    )  # 12 files + manifest
    second = _log("vision", data)  # the same content from another run: nothing sent
    (data / "shard-03.bin").write_bytes(os.urandom(10))
    _log("vision", data)  # one changed file: it and the new manifest
    assert len(online.app.puts) == 15 == len(set(online.app.puts))
    assert blob_count(online.files, "vision") == 15
    api = _remote(online.url)
    versions = api.artifacts("dataset", "vision/corpus")
    assert [(v.version, v.aliases) for v in versions] == [
        ("v0", []),
        ("v1", ["latest"]),
    ]
    v0 = versions[0]
    assert v0.logged_by().id == first
    assert {a.name for a in api.run(f"vision/{second}").logged_artifacts()} == {
        "corpus:v0"
    }
    (data / "shard-03.bin").unlink()  # put back what v0 had, to compare
    folder = Path(v0.download(tmp_path / "out"))
    assert set(tree_bytes(folder)) == {f"shard-{i:02}.bin" for i in range(12)}
    assert tree_bytes(folder)["shard-00.bin"] == (data / "shard-00.bin").read_bytes()
    v0.verify(folder)
    # a second download reads the cache, not the server
    cached = Path(v0.download(tmp_path / "out2"))
    assert tree_bytes(cached) == tree_bytes(folder)


def test_use_artifact_online_records_lineage_read_by_both_apis(
    online: Served, tmp_path: Path
) -> None:
    producer = _log("vision", _data(tmp_path / "data", 3))
    with runfold.init(project="vision", job_type="train") as run:
        found = run.use_artifact("corpus:latest", type="dataset")
        assert len(tree_bytes(Path(found.download(tmp_path / "in")))) == 3
        consumer = run.id
    remote = _remote(online.url).artifact("vision/corpus:v0")
    local = runfold.Api(store=online.store).artifact("vision/corpus:v0")
    assert (
        [r.id for r in remote.used_by()]
        == [r.id for r in local.used_by()]
        == [consumer]
    )
    assert remote.logged_by().id == producer
    lineage = _remote(online.url).artifact_lineage("vision/corpus")
    assert {n["id"] for n in lineage["nodes"]} == {
        "artifact:corpus:v0",
        f"run:{producer}",
        f"run:{consumer}",
    }
    with pytest.raises(NotFound):
        _remote(online.url).artifact("vision/corpus:v9")


def test_a_server_restart_while_logging_loses_nothing_and_sends_nothing_twice(
    online: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data(tmp_path / "data", 6)
    run = runfold.init(project="vision")
    run.log({"loss": 1.0})
    online.stop()
    art = runfold.Artifact("corpus", "dataset")
    art.add_dir(data)
    run.log_artifact(art)
    run.log({"loss": 0.5})
    online.start(port=online.port)  # the same address, the same store and files
    art.wait(timeout=60)
    run.finish()
    assert art.version == "v0"
    assert (
        sorted(online.app.puts) == sorted(set(online.app.puts))
        and len(online.app.puts) == 7
    )
    assert _remote(online.url).artifact("vision/corpus:v0").file_count == 6


def test_offline_runs_sync_their_artifacts_locally_and_to_a_server(
    server: Served, tmp_path: Path, runfold_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from runfold.cli import cli

    monkeypatch.setenv("RUNFOLD_MODE", "offline")
    data = _data(tmp_path / "data", 4)
    run_id = _log("vision", data)
    run_dir = runfold_dir / "runs" / "vision" / run_id
    assert blob_count(runfold_dir, "vision") == 0  # offline: staged in the run only
    for _ in range(2):  # twice: nothing sent twice
        done = CliRunner().invoke(cli, ["sync", str(run_dir), "--base-url", server.url])
        assert done.exit_code == 0, done.output
    assert len(server.app.puts) == 5 == len(set(server.app.puts))
    done = CliRunner().invoke(cli, ["sync", str(run_dir)])
    assert done.exit_code == 0, done.output
    assert blob_count(runfold_dir, "vision") == 5  # moved into the local store
    local = runfold.Api().artifact("vision/corpus:latest")
    remote = _remote(server.url).artifact("vision/corpus:latest")
    assert local.digest == remote.digest and local.version == remote.version == "v0"
    out = Path(local.download(tmp_path / "out"))
    assert tree_bytes(out) == tree_bytes(data)


def _post_records(url: str, records: list[object], **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/projects/vision/runs/r1/records",
        content=msgpack.packb(records), timeout=30,
        headers={"content-type": "application/msgpack", **headers},
    )  # fmt: skip


def test_the_server_keeps_only_honest_files_and_safe_manifests(server: Served) -> None:
    api = f"{server.url}/api/v1/projects/vision/artifact-store"
    data = b"some bytes"
    sha = hashlib.sha256(data).hexdigest()
    lie = httpx.put(f"{api}/files/{'0' * 64}", content=data)
    assert lie.status_code == 400 and "SHA-256" in lie.json()["error"]
    assert httpx.put(f"{api}/files/{sha}", content=data).status_code == 200
    assert httpx.post(f"{api}/missing", json={"sha256": [sha, "1" * 64]}).json() == {
        "missing": ["1" * 64]
    }
    bad = json.dumps({"version": 1, "entries": {"../../escape": {"digest": sha, "size": 10}}},
                     sort_keys=True, separators=(",", ":")).encode()  # fmt: skip
    bad_sha = hashlib.sha256(bad).hexdigest()
    assert httpx.put(f"{api}/files/{bad_sha}", content=bad).status_code == 200
    run = [1, "run", {"project": "vision", "id": "r1", "name": "r1"}]
    body = {"action": "log", "name": "evil", "type": "dataset", "digest": bad_sha,
            "size": 10, "files": 1}  # fmt: skip
    refused = _post_records(server.url, [run, [2, "artifact", body]])
    assert (
        refused.status_code == 400
        and "'../../escape' is not allowed" in refused.json()["error"]
    )
    missing = {**body, "name": "ghost", "digest": "2" * 64}
    refused = _post_records(server.url, [run, [2, "artifact", missing]])
    assert refused.status_code == 400 and "was not stored" in refused.json()["error"]
    with pytest.raises(NotFound):
        _remote(server.url).artifact("vision/evil:latest")


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Served]:
    from runfold.store import open_store

    store = open_store(tmp_path / "team" / "runfold.db")
    keys = {}
    for user, team in (("alice", "vision"), ("bob", "speech")):
        store.create_user(user)
        store.create_team(team)
        store.add_member(team, user)
        keys[user] = store.create_key(user)[1]
    served = Served(store, tmp_path / "team", team_mode=True).start()
    served.keys = keys  # type: ignore[attr-defined]
    yield served
    served.stop()
    store.close()


def test_another_team_cannot_read_or_use_an_artifact(
    team: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = team.keys  # type: ignore[attr-defined]
    monkeypatch.setenv("RUNFOLD_MODE", "online")
    monkeypatch.setenv("RUNFOLD_BASE_URL", team.url)
    monkeypatch.setenv("RUNFOLD_API_KEY", keys["alice"])
    data = _data(tmp_path / "data", 2)
    _log("vision", data)
    alice = _remote(team.url, keys["alice"])
    found = alice.artifact("vision/corpus:latest")
    assert found.file_count == 2
    bob = _remote(team.url, keys["bob"])
    with pytest.raises(ProjectNotFound):
        bob.artifact("vision/corpus:latest")
    with pytest.raises(ProjectNotFound):
        bob.artifact_collections("vision")
    sha = found.manifest.files()[0].digest
    blob = httpx.get(
        f"{team.url}/api/v1/projects/vision/artifact-store/files/{sha}",
        headers={"authorization": f"Bearer {keys['bob']}"},
    )
    assert blob.status_code == 404
    probe = httpx.post(
        f"{team.url}/api/v1/projects/vision/artifact-store/missing",
        json={"sha256": [sha]},
        headers={"authorization": f"Bearer {keys['bob']}"},
    )
    assert probe.status_code == 404  # not even whether a file is there
    monkeypatch.setenv("RUNFOLD_API_KEY", keys["bob"])
    with runfold.init(project="speech") as run:
        with pytest.raises(UsageError, match="belong to one project"):
            run.use_artifact("vision/corpus:latest")
    assert alice.artifact("vision/corpus:latest").used_by() == []


def test_an_unreachable_server_says_so(tmp_path: Path) -> None:
    api = _remote("http://127.0.0.1:9")
    with pytest.raises(ServerUnavailable):
        api.artifact("vision/corpus:latest")
