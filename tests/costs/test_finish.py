"""finish() returns once the run's last records are in its run log and the store,
and gets there by waking the writer and capture threads, not by waiting out
their intervals (issue 19). How long it takes is a benchmark (bench_log.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from runfold.model import RecordKind
from runfold.sdk.runlog import RunLogWriter, scan
from runfold.sdk.system import SystemSampler
from runfold.sdk.writer import Control, RunWriter
from tests.conftest import run_script

# Far longer than any bound below: a thread that waits one out fails the test.
LONG_S = 120.0
BOUND_S = 20.0


class _RecordingSink:
    def __init__(self) -> None:
        self.records: list[Any] = []
        self.heartbeats = 0

    def send(self, records: list[Any]) -> None:
        self.records.extend(records)

    def heartbeat(self) -> None:
        self.heartbeats += 1

    def close(self) -> None:
        return None

    def sync_command(self, run_dir: Path) -> str:
        return f"runfold sync {run_dir}"


def test_close_wakes_the_writer_threads_instead_of_waiting_out_their_intervals(
    tmp_path: Path,
) -> None:
    sink = _RecordingSink()
    writer = RunWriter(
        RunLogWriter(tmp_path / "run" / "run.rflog"), sink,
        flush_seconds=LONG_S, heartbeat_seconds=LONG_S, observe_row=lambda row: None,
    )  # fmt: skip
    time.sleep(0.05)  # both threads are now inside their long waits
    for step in range(10):
        writer.put_row(step, time.time(), {"x": float(step)})
    writer.items.append(Control(RecordKind.FINISH, {"state": "finished"}))
    started = time.monotonic()
    assert writer.close() is True
    assert time.monotonic() - started < BOUND_S
    kinds = [kind for _, kind, _ in scan(writer.runlog.path)]
    assert kinds == ["history", "finish"]
    assert [r[0] for r in sink.records] == [1, 2]
    assert [row[0] for row in sink.records[0][2]] == list(range(10))
    # the writer's own threads have ended (others' in this process are theirs)
    threads = (writer._log_thread, writer._ship_thread, writer.files._thread)
    assert not any(t.is_alive() for t in threads)


def test_the_system_sampler_stops_when_told_not_at_its_next_sample() -> None:
    sampler = SystemSampler(lambda row: None, interval=LONG_S, first_after=LONG_S)
    sampler.start()
    started = time.monotonic()
    sampler.stop()
    assert time.monotonic() - started < BOUND_S
    assert not sampler._thread.is_alive()


FINISH_THEN_LOOK = """
import json, runfold
from runfold.sdk.runlog import scan
run = runfold.init(project="short", config={"lr": 0.1})
for step in range(10):
    run.log({"loss": 1.0 / (step + 1)})
run.finish()
# Read back before the interpreter's exit hooks run: what finish() left behind.
kinds = [kind for _, kind, _ in scan(run.dir / "run.rflog")]
api = runfold.Api()
stored = api.run("short/" + run.id)
print(json.dumps({
    "kinds": kinds,
    "state": stored.state,
    "steps": [row["_step"] for row in stored.history()],
    "meta": sorted(stored.metadata),
}))
"""


def test_finish_of_a_short_run_leaves_every_record_in_the_run_log_and_the_store(
    tmp_path: Path,
) -> None:
    capture_on = {
        "RUNFOLD_SYSTEM_SECONDS": "10", "RUNFOLD_CONSOLE": "wrap",
        "RUNFOLD_DISABLE_GIT": "", "RUNFOLD_DISABLE_CODE": "",
    }  # fmt: skip
    out = run_script(FINISH_THEN_LOOK, env=capture_on).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["kinds"][0] == "run" and seen["kinds"][-1] == "finish"
    assert {"config", "history", "meta"} <= set(seen["kinds"])
    assert seen["state"] == "finished"
    assert seen["steps"] == list(range(10))
    assert {"host", "git", "code", "packages"} <= set(seen["meta"])
