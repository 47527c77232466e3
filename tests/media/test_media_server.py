"""Media through a real server on loopback: an online run's images and tables
arrive exactly once through a server restart, an offline run's with a later
`runfold sync --base-url`; `Api(base_url=...)` reads the same pixels and rows; the
grouped media route folds a project's runs at one step (SQLite and PostgreSQL);
the server refuses media files and records it cannot trust."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import runfold
from runfold.sync import upload_run_log
from tests.conftest import LiveServer
from tests.test_api_remote import _backend, _serving

P = "media"
FAST = {"RUNFOLD_FLUSH_SECONDS": "0.05", "RUNFOLD_HEARTBEAT_SECONDS": "0.5"}


def _pixels(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (8, 10, 3), dtype=np.uint8)


def _online(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("RUNFOLD_BASE_URL", url)
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)


def _server_media_files(store_dir: Path, run_id: str) -> list[Path]:
    root = store_dir / "runs" / P / run_id / "files" / "media"
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_online_media_arrive_once_through_a_server_restart(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _online(monkeypatch, live_server.url)
    run = runfold.init(project=P)
    for step in range(6):
        if step == 3:
            live_server.stop()
        run.log({"img": runfold.Image(_pixels(step)), "loss": float(step)})
        if step == 3:
            time.sleep(0.5)
            live_server.start(port=live_server.port)
    table = runfold.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    run.log({"tbl": table})
    run.finish()
    remote = runfold.Api(base_url=live_server.url)
    logged = remote.run(f"{P}/{run.id}")
    values = logged.media("img")
    assert [v.step for v in values] == list(range(6))
    for step, value in enumerate(values):
        assert np.array_equal(value.numpy(), _pixels(step))
    assert logged.table("tbl").to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    files = _server_media_files(live_server.store_dir, run.id)
    assert len(files) == 7  # 6 images, 1 table: each once
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:32] == path.name[:32]
    remote.close()


def test_an_offline_run_synced_later_brings_its_media(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_MODE", "offline")
    run = runfold.init(project=P)
    for step in range(3):
        run.log({"img": runfold.Image(_pixels(step))})
    run.finish()
    first = upload_run_log(live_server.url, run.dir / "run.rflog")
    again = upload_run_log(live_server.url, run.dir / "run.rflog")
    assert first.files == 3 and again.files == 0
    remote = runfold.Api(base_url=live_server.url)
    values = remote.run(f"{P}/{run.id}").media("img")
    assert [np.array_equal(v.numpy(), _pixels(i)) for i, v in enumerate(values)] == [
        True, True, True,
    ]  # fmt: skip
    assert len(_server_media_files(live_server.store_dir, run.id)) == 3
    remote.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """A server over ``request.param`` that the test's runs log to, online."""
    with _backend(request.param, tmp_path) as store, _serving(store, tmp_path) as url:
        _online(monkeypatch, url)
        yield url, tmp_path


def _log_folds(groups: dict[str, int], steps: int = 3) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for group, runs in groups.items():
        for fold in range(runs):
            run = runfold.init(project=P, group=group, config={"fold": fold})
            for step in range(steps):
                seed = hash((group, fold, step)) % 10_000
                run.log({"pred": runfold.Image(_pixels(seed)), "loss": 1.0})
            run.finish()
            ids.setdefault(group, []).append(run.id)
    return ids


def test_grouped_media_show_each_run_of_each_group_at_one_step(served: Any) -> None:
    url, _ = served
    ids = _log_folds({"cv-a": 3, "cv-b": 2})
    with httpx.Client(base_url=f"{url}/api/v1/projects/{P}") as http:
        body = http.get("/media", params={"key": "pred", "step": 1}).json()
        assert body["steps"] == [0, 1, 2] and body["total"] == 5 == body["shown"]
        by_group = {g["name"]: g["runs"] for g in body["groups"]}
        assert {k: sorted(r["id"] for r in v) for k, v in by_group.items()} == {
            k: sorted(v) for k, v in ids.items()
        }
        for runs in by_group.values():
            assert {r["step"] for r in runs} == {1}
            assert all(r["value"]["_type"] == "image-file" for r in runs)
        cell = by_group["cv-a"][0]
        image = http.get(f"/runs/{cell['id']}/files/{cell['value']['path']}")
        assert image.headers["content-type"] == "image/png"
        assert "immutable" in image.headers["cache-control"]
        assert image.content[:4] == b"\x89PNG"
        last = http.get("/media", params={"key": "pred", "ungrouped": "true",
                                          "limit": 2}).json()  # fmt: skip
        assert (last["total"], last["shown"], len(last["groups"])) == (5, 2, 2)
        assert all(g["runs"][0]["step"] == 2 for g in last["groups"])
        assert body["running"] == 0
        assert [g["index"] for g in body["groups"]] == [0, 1]
        keys = http.get("/media-keys").json()["keys"]
        assert keys == [{"key": "pred", "type": "image-file", "runs": 5}]
        only_b = http.get("/media-keys", params={"filters": '{"group": "cv-b"}'})
        assert only_b.json()["keys"][0]["runs"] == 2
        b_alone = http.get(
            "/media", params={"key": "pred", "filters": '{"group": "cv-b"}'}
        )
        assert [g["index"] for g in b_alone.json()["groups"]] == [0]
        run_keys = http.get(f"/runs/{cell['id']}/media").json()["keys"]
        assert run_keys == [{"key": "pred", "type": "image-file", "steps": 3,
                             "first": 0, "last": 2}]  # fmt: skip
        missing = http.get(f"/runs/{cell['id']}/media/nope")
        assert missing.status_code == 404 and "media keys" in missing.json()["error"]


def test_the_server_keeps_only_media_files_named_by_their_content(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _online(monkeypatch, live_server.url)
    run = runfold.init(project=P)
    run.log({"loss": 1.0})
    run.finish()
    base = f"{live_server.url}/api/v1/projects/{P}/runs/{run.id}/files"
    data = b"\x89PNG not really"
    good = hashlib.sha256(data).hexdigest()[:32]
    with httpx.Client() as http:
        wrong = http.put(f"{base}/media/images/{'0' * 32}.png", content=data)
        assert wrong.status_code == 400 and "SHA-256" in wrong.json()["error"]
        suffix = http.put(f"{base}/media/images/{good}.exe", content=data)
        assert suffix.status_code == 400 and "suffix" in suffix.json()["error"]
        named = http.put(f"{base}/media/images/cat.png", content=data)
        assert named.status_code == 400 and "32 hex" in named.json()["error"]
        ok = http.put(f"{base}/media/images/{good}.png", content=data)
        assert ok.status_code == 200
    kept = _server_media_files(live_server.store_dir, run.id)
    assert [p.name for p in kept] == [f"{good}.png"]


def test_the_server_refuses_media_records_it_cannot_trust(
    live_server: LiveServer,
) -> None:
    url = f"{live_server.url}/api/v1/projects/{P}/runs/r1"
    with httpx.Client() as http:
        assert http.post(f"{live_server.url}/api/v1/projects/{P}/runs",
                         json={"id": "r1"}).status_code in (200, 201)  # fmt: skip
        outside = [
            [
                1,
                "media",
                [
                    [
                        0,
                        1.0,
                        {"img": {"_type": "image-file", "path": "../../etc/passwd"}},
                    ]
                ],
            ]
        ]
        said = http.post(f"{url}/records", json=outside)
        assert said.status_code == 400 and "media/<folder>" in said.json()["error"]
        untyped = [[1, "media", [[0, 1.0, {"img": {"path": "x"}}]]]]
        said = http.post(f"{url}/records", json=untyped)
        assert said.status_code == 400 and '"_type"' in said.json()["error"]
        ref = {"_type": "image-file", "path": f"media/images/{'a' * 32}.png"}
        fine = http.post(f"{url}/records", json=[[1, "media", [[0, 1.0, {"i": ref}]]]])
        assert fine.status_code == 200, fine.text
