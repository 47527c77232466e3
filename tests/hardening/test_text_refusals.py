"""Issue 18, data safety 3: text with NUL (and text past its length) is refused
alike on SQLite and PostgreSQL: by ``init()`` with a clear error, by the server
with 400, by the store; and a record the store or server refuses never holds up
the records behind it (it stays in the run log, said once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import runfold
from runfold.errors import UsageError
from runfold.sdk.runlog import RunLogWriter
from tests.conftest import run_script
from tests.hardening.conftest import Served

ONLINE = {"RUNFOLD_FLUSH_SECONDS": "0.05", "RUNFOLD_FINISH_TIMEOUT": "20"}


@pytest.mark.parametrize("field", ["name", "group", "job_type", "notes", "tags"])
def test_init_refuses_nul_in_run_text_before_training(field: str) -> None:
    value: Any = "exp\x00one"
    with pytest.raises(UsageError, match=f"{field}=.*NUL character") as caught:
        runfold.init(project="p", **{field: [value] if field == "tags" else value})
    assert "PostgreSQL" in str(caught.value)


def test_init_refuses_a_name_past_its_length() -> None:
    with pytest.raises(UsageError, match="longer than 256 characters"):
        runfold.init(project="p", name="n" * 257)


def _post(server: Served, run_id: str, records: list[Any]) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/projects/p/runs/{run_id}/records", json=records
    )


BAD_BATCHES = {
    "nul-name": [[1, "run", {"name": "a\x00b"}]],
    "nul-group": [[1, "run", {"name": "a", "group": "g\x00"}]],
    "nul-notes": [[1, "run", {"name": "a"}], [2, "update", {"notes": "x\x00"}]],
    "nul-tag": [[1, "run", {"name": "a", "tags": ["t\x00"]}]],
    "nul-metric-key": [[1, "history", [[0, 1.0, {"lo\x00ss": 1.0}]]]],
    "long-name": [[1, "run", {"name": "n" * 257}]],
    "long-metric-key": [[1, "history", [[0, 1.0, {"k" * 257: 1.0}]]]],
    "name-not-text": [[1, "run", {"name": 5}]],
    "exit-code-not-int": [[1, "finish", {"state": "failed", "exit_code": "x"}]],
}


@pytest.mark.parametrize("case", sorted(BAD_BATCHES))
def test_server_refuses_text_it_cannot_store_with_400_on_both_backends(
    server: Served, case: str
) -> None:
    """Issue 18: on PostgreSQL these answered 500 (and the SDK resent them for
    ever); on SQLite they were stored."""
    answer = _post(server, "bad00001", BAD_BATCHES[case])
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]
    assert server.store.get_run("p", "bad00001") is None


def test_server_stores_nul_inside_config_alike_on_both_backends(server: Served) -> None:
    """Config is JSON, where NUL is escaped: both backends keep it as given."""
    answer = _post(server, "cfg00001", [[1, "config", {"k\x00": "v\x00"}]])
    assert answer.status_code == 200, answer.text
    assert server.store.get_run("p", "cfg00001").config == {"k\x00": "v\x00"}


# Renames the run to a name with NUL halfway (run.name is not checked in the
# training loop), and logs on.
RENAMED_HALFWAY = """
import runfold
run = runfold.init(project="p", id="nul00001", name="fine")
for step in range(100):
    run.log({"loss": 1.0 / (step + 1)})
    if step == 49:
        run.name = "bad\\x00name"
        run.notes = "also\\x00bad"
run.finish()
"""


def test_online_run_goes_on_past_a_record_the_server_refuses(
    server: Served,
) -> None:
    """Issue 18: a NUL name blocked upload to PostgreSQL for good: 0 of 100 points
    arrived, and the suggested `runfold sync` failed too."""
    proc = run_script(
        RENAMED_HALFWAY, env={**ONLINE, "RUNFOLD_BASE_URL": server.url}, timeout=60
    )

    assert proc.stderr.count("refused record") == 1, proc.stderr
    assert "NUL" in proc.stderr and "stays in the run log" in proc.stderr
    run = runfold.Api(store=server.store).run("p/nul00001")
    assert len(run.history(keys=["loss"])) == 100
    assert (run.name, run.state) == ("fine", "finished")


def test_local_run_goes_on_past_a_record_the_store_refuses(runfold_dir: Path) -> None:
    proc = run_script(RENAMED_HALFWAY, env={"RUNFOLD_FLUSH_SECONDS": "0.05"})

    assert proc.stderr.count("refused record") == 1, proc.stderr
    api = runfold.Api(runfold_dir)
    try:
        run = api.run("p/nul00001")
        assert len(run.history(keys=["loss"])) == 100
        assert (run.name, run.state) == ("fine", "finished")
    finally:
        api.close()


def test_sync_uploads_an_old_run_log_with_a_nul_name(
    tmp_path: Path, server: Served
) -> None:
    """A run log written before init() refused NUL: its run record is skipped (the
    run is named by its id), everything else arrives, on both backends."""
    log_path = tmp_path / "runs" / "p" / "old00001" / "run.rflog"
    log = RunLogWriter(log_path)
    rows = [[s, 1.0 + s, {"loss": float(s)}] for s in range(100)]
    log.append([
        (1, "run", {"project": "p", "id": "old00001", "name": "x\x00y"}),
        (2, "history", rows),
        (3, "finish", {"state": "finished", "exit_code": 0, "at": 2.0}),
    ])  # fmt: skip
    log.close()
    from runfold.sync import upload_run_log

    result = upload_run_log(server.url, log_path)

    assert (result.refused, result.last_seq) == (1, 3)
    run = runfold.Api(store=server.store).run("p/old00001")
    assert len(run.history(keys=["loss"])) == 100 and run.state == "finished"
    assert run.name == "old00001"
