"""Issue 18, data safety 4: ``log({"x": 10**400})`` raised OverflowError into the
training loop and lost the whole row. A value no float can hold is a bad value
like any other: warned about once per key, the rest of the row kept."""

from __future__ import annotations

from pathlib import Path

import runfold
from tests.conftest import run_script
from tests.hardening.conftest import Served

KNOWN_KEY = """
import runfold
run = runfold.init(project="p", id="big00001")
run.log({"x": 1, "y": 0.0})
for step in range(1, 5):
    run.log({"x": 10**400, "y": float(step)})   # x is known: the fast path
run.log({"x": 2**70, "y": 5.0})
run.finish()
"""

NEW_KEY = """
import warnings
import runfold
run = runfold.init(project="p", id="big00002")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for step in range(3):
        run.log({"huge": 10**400, "y": float(step)})
print(len(caught), caught[0].message if caught else "")
run.finish()
"""


def _rows(directory: Path, run_id: str) -> list[dict[str, float]]:
    api = runfold.Api(directory)
    try:
        return api.run(f"p/{run_id}").history()
    finally:
        api.close()


def test_a_huge_int_for_a_known_key_is_left_out_and_the_row_kept(
    runfold_dir: Path,
) -> None:
    proc = run_script(KNOWN_KEY)

    assert proc.stderr.count("too large for a metric value") == 1, proc.stderr
    rows = _rows(runfold_dir, "big00001")
    assert [r["y"] for r in rows] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert [r.get("x") for r in rows] == [1.0, None, None, None, None, float(2**70)]


def test_a_huge_int_for_a_known_key_reaches_the_server_without_it(
    server: Served,
) -> None:
    proc = run_script(KNOWN_KEY, env={"RUNFOLD_BASE_URL": server.url})

    assert proc.stderr.count("too large for a metric value") == 1, proc.stderr
    rows = runfold.Api(store=server.store).run("p/big00001").history()
    assert [r["y"] for r in rows] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert [r.get("x") for r in rows] == [1.0, None, None, None, None, float(2**70)]


def test_a_huge_int_for_a_new_key_warns_once_and_the_row_is_kept(
    runfold_dir: Path,
) -> None:
    proc = run_script(NEW_KEY, check=False)

    assert proc.returncode == 0, proc.stderr
    count, message = proc.stdout.split(" ", 1)
    assert count == "1" and "huge" in message
    assert [r["y"] for r in _rows(runfold_dir, "big00002")] == [0.0, 1.0, 2.0]
