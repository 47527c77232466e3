"""The server keeps an encoded series page while its runs are unchanged
(``app.state.answers``, a ``query.ReadCache``): asked again it is the same, and any change to a run (new points, a
new name or group, a state) gives the new page at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import runfold
from tests.conftest import LiveServer


def _log(group: str, values: list[float], **init: Any) -> str:
    run = runfold.init(project="p", group=group, reinit=True, **init)
    for value in values:
        run.log({"loss": value})
    run.finish()
    return run.id


@pytest.fixture
def server(runfold_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(runfold_dir).start()
    yield live
    live.stop()


def _series(server: LiveServer) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.url}/api/v1/projects/p/series",
        params={"metric": "loss", "fields": ["mean", "count"]},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["series"]["loss"]  # type: ignore[no-any-return]


def test_a_kept_series_page_follows_every_change_of_its_runs(
    server: LiveServer, api: runfold.Api
) -> None:
    first = _log("a", [1.0, 2.0])
    _log("a", [3.0, 4.0])
    page = _series(server)
    assert _series(server) == page
    assert [(e["name"], e["mean"], e["count"]) for e in page] == [
        ("a", [2.0, 3.0], [2, 2])
    ]

    _log("a", [10.0], id=first, resume="must")  # new points: step 2
    assert _series(server)[0]["mean"] == [2.0, 3.0, 10.0]

    moved = api.run(f"p/{first}")  # a new group: its updated_at moves
    moved.group = "b"
    moved.update()
    assert [(e["name"], e["mean"]) for e in _series(server)] == [
        ("a", [3.0, 4.0]),
        ("b", [1.0, 2.0, 10.0]),
    ]

    # a run whose heartbeat is about to stop: running now, crashed a moment later,
    # with nothing written in between (its state alone changes)
    beat = time.time() - 27.0  # a heartbeat older than 31 s means the process is gone
    api.store.ingest("p", "r9", [
        (1, "run", {"name": "r9", "group": "a", "created_at": beat}),
        (2, "history", [(0, beat, {"loss": 7.0})]),
    ], heartbeat_at=beat)  # fmt: skip
    assert [e["running"] for e in _series(server)] == [1, 0]
    time.sleep(max(0.0, beat + 31.5 - time.time()))
    assert [e["running"] for e in _series(server)] == [0, 0]
