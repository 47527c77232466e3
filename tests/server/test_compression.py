"""JSON answers go gzip-compressed to a client that accepts it (issue 20: a page of
chart series is megabytes of numbers); run files, media and artifact downloads go
as they are, and still answer Range requests with the right bytes."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import runfold
from runfold.server.compression import MINIMUM_SIZE
from tests.conftest import LiveServer

P = "gz"
GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture
def server(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[LiveServer]:
    """Six runs in two groups with 200 steps of two metrics; the first also logs
    an image and a table, saves a JSON file and logs an artifact."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    for i in range(6):
        run = runfold.init(project=P, id=f"r{i}", group=f"g{i % 2}",
                           config={"lr": 0.1 / (i + 1), "seed": i})  # fmt: skip
        for step in range(200):
            run.log({"loss": 1 / (step + 1) + i, "acc": step / 200}, step=step)
        if i == 0:
            image = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
            rows = [[j, f"row {j}", j * 0.5] for j in range(200)]
            table = runfold.Table(columns=["i", "text", "v"], data=rows)
            run.log({"sample": runfold.Image(image), "preds": table}, step=200)
            Path("metrics.json").write_text(json.dumps({"values": list(range(1000))}))
            run.save("metrics.json")
            art = runfold.Artifact("data", type="dataset")
            art.add_file("metrics.json")
            run.log_artifact(art).wait()
        run.finish()
    yield live_server


@dataclass
class Answer:
    status_code: int
    headers: httpx.Headers
    raw: bytes  # the body as sent

    @property
    def text(self) -> str:
        return self.raw.decode()

    def json(self) -> Any:
        encoded = self.headers.get("content-encoding") == "gzip"
        return json.loads(gzip.decompress(self.raw) if encoded else self.raw)


def _get(server: LiveServer, path: str, headers: dict[str, str]) -> Answer:
    """The answer with its body as sent (not decoded)."""
    with httpx.Client(base_url=f"{server.url}/api/v1") as client:
        with client.stream("GET", path, headers=headers) as response:
            raw = b"".join(response.iter_raw())
    return Answer(response.status_code, response.headers, raw)


def _same_json_both_ways(server: LiveServer, path: str) -> tuple[Any, int, int]:
    """The answer's JSON, compressed and plain sizes; asserts both say the same."""
    packed = _get(server, path, GZIP)
    plain = _get(server, path, PLAIN)
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert int(packed.headers["content-length"]) == len(packed.raw)
    assert "content-encoding" not in plain.headers
    unpacked = json.loads(gzip.decompress(packed.raw))
    assert unpacked == plain.json()
    return unpacked, len(packed.raw), len(plain.raw)


def test_series_answers_come_gzipped_with_the_same_json(server: LiveServer) -> None:
    path = f"/projects/{P}/series?metric=loss&metric=acc&by=group"
    body, packed, plain = _same_json_both_ways(server, path)
    assert [e["name"] for e in body["series"]["loss"]] == ["g0", "g1"]
    g0 = body["series"]["loss"][0]
    assert g0["x"][:3] == [0, 1, 2] and g0["count"][:3] == [3, 3, 3]
    # mean of 1/(step+1) + i over the runs i = 0, 2, 4 at step 0
    assert g0["mean"][0] == pytest.approx(1 + 2)
    assert packed * 2 < plain
    # the form is compact: parallel arrays, no indentation
    raw = _get(server, path, PLAIN).text
    assert "\n" not in raw and ", " not in raw and '"x":[0,1,2' in raw
    # the same answer again (kept by the server) goes compressed too
    again = _get(server, path, GZIP)
    assert again.raw == _get(server, path, GZIP).raw


@pytest.mark.parametrize(
    "path",
    [f"/projects/{P}/runs?limit=100", f"/projects/{P}/groups?by=config.seed",
     f"/projects/{P}/media-keys", f"/projects/{P}/runs/r0"],
)  # fmt: skip
def test_lists_of_runs_groups_and_media_keys_come_gzipped(
    server: LiveServer, path: str
) -> None:
    if path.endswith("media-keys"):  # small: make it big enough to be worth it
        assert len(_get(server, path, PLAIN).raw) < MINIMUM_SIZE
        answer = _get(server, path, GZIP)
        assert "content-encoding" not in answer.headers
        assert [k["key"] for k in answer.json()["keys"]] == ["preds", "sample"]
        return
    _same_json_both_ways(server, path)


def test_small_answers_and_clients_without_gzip_get_plain_json(
    server: LiveServer,
) -> None:
    small = _get(server, "/projects", GZIP)
    assert small.status_code == 200 and "content-encoding" not in small.headers
    assert [p["name"] for p in small.json()["projects"]] == [P]
    with httpx.Client(base_url=f"{server.url}/api/v1") as client:
        bare = client.get(
            f"/projects/{P}/series?metric=loss", headers={"Accept-Encoding": ""}
        )
    assert "content-encoding" not in bare.headers and bare.json()["total"] == 2
    errors = _get(server, f"/projects/{P}/series?metric=loss&bad=1", GZIP)
    assert errors.status_code == 400 and errors.json()["ok"] is False


def _file_paths(server: LiveServer) -> dict[str, str]:
    with httpx.Client(base_url=f"{server.url}/api/v1") as client:
        media = {
            key: client.get(f"/projects/{P}/runs/r0/media/{key}").json()["steps"][0]
            for key in ("sample", "preds")
        }
    return {
        "image": f"/projects/{P}/runs/r0/files/{media['sample']['value']['path']}",
        "table": f"/projects/{P}/runs/r0/files/{media['preds']['value']['path']}",
        "saved": f"/projects/{P}/runs/r0/files/metrics.json",
    }


@pytest.mark.parametrize("kind", ["image", "table", "saved"])
def test_run_files_and_media_are_sent_as_they_are_and_take_ranges(
    server: LiveServer, kind: str
) -> None:
    path = _file_paths(server)[kind]
    whole = _get(server, path, GZIP)
    assert whole.status_code == 200 and "content-encoding" not in whole.headers
    data = whole.raw
    assert len(data) > MINIMUM_SIZE and int(whole.headers["content-length"]) == len(
        data
    )
    if kind == "saved":
        assert json.loads(data)["values"][:3] == [0, 1, 2]
    part = _get(server, path, {**GZIP, "Range": "bytes=100-299"})
    assert part.status_code == 206
    assert "content-encoding" not in part.headers
    assert part.headers["content-range"] == f"bytes 100-299/{len(data)}"
    assert part.raw == data[100:300]


def test_artifact_files_are_sent_as_they_are(server: LiveServer) -> None:
    content = Path("metrics.json").read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    path = f"/projects/{P}/artifact-store/files/{sha}?name=metrics.json"
    whole = _get(server, path, GZIP)
    assert whole.status_code == 200 and "content-encoding" not in whole.headers
    assert whole.raw == content
    part = _get(server, path, {**GZIP, "Range": "bytes=-10"})
    assert part.status_code == 206 and part.raw == content[-10:]
