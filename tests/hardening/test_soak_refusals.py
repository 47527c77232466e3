"""Issue 18: a soak of online uploads with poisoned records mixed in. Several
training processes stream to one server (SQLite and PostgreSQL) while each keeps
sending records the server must refuse (a NUL name, a config nested too deep,
notes past their length): every point still arrives, each run finishes with its
last name and config, and each process says once what was refused. The long
version is marked ``slow``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import runfold
from tests.hardening.conftest import Served

POISONED = """
import json, sys
import runfold

steps, every = int(sys.argv[1]), int(sys.argv[2])
run = runfold.init(project="soak", group="g", config={"lr": 0.1})
deep = json.loads('{"a":' * 70 + "1" + "}" * 70)
for step in range(steps):
    run.log({"loss": 1.0 / (step + 1), "acc": step / steps})
    if step % every == every // 2:
        poison = (step // every) % 3
        if poison == 0:
            run.name = f"bad\\x00{step}"
        elif poison == 1:
            run.config["deep"] = deep
            del run.config["deep"]
        else:
            run.notes = "n" * 200_000
run.name = "soaked"
run.finish()
print(run.id)
"""
ENV = {"RUNFOLD_FLUSH_SECONDS": "0.05", "RUNFOLD_FINISH_TIMEOUT": "60"}


def _soak(server: Served, processes: int, steps: int, every: int) -> None:
    env = {**os.environ, **ENV, "RUNFOLD_BASE_URL": server.url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(POISONED), str(steps), str(every)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(processes)
    ]
    outcomes = [proc.communicate(timeout=600) for proc in procs]
    api = runfold.Api(store=server.store)
    poisons = len([s for s in range(steps) if s % every == every // 2])
    for proc, (out, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert err.count("refused record") == 1, err
        assert f"refused {poisons} records" in err, err
        run = api.run(f"soak/{out.strip()}")
        assert len(run.history(keys=["loss"])) == steps
        assert (run.name, run.state, dict(run.config)) == (
            "soaked",
            "finished",
            {"lr": 0.1},
        )
        assert run.notes is None


def test_uploads_go_on_past_poisoned_records(server: Served) -> None:
    _soak(server, processes=2, steps=600, every=100)


@pytest.mark.slow
def test_soak_of_uploads_with_poisoned_records(server: Served) -> None:
    _soak(server, processes=8, steps=20_000, every=500)
