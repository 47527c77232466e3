"""A run belongs to the process that created it (issue 14).

Real processes (``multiprocessing`` with the fork and spawn start methods, ``Pool``,
``ProcessPoolExecutor``, bare ``os.fork``), started before and after the parent's
``init()``: each child that calls ``init()`` gets a run of its own, and nothing a
child does reaches the parent's run, which keeps logging meanwhile. Checked through
``runfold.Api()`` and by counting the records of the parent's run log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold.sdk.runlog import RUNLOG_NAME, scan

CHILD = """
import json, multiprocessing as mp, os, sys, time
from concurrent.futures import ProcessPoolExecutor

import runfold

PARENT = None
CHILD_POINTS = 20


def child(tag):
    assert runfold.run is None, f"{tag} sees a run it did not start"
    if PARENT is None:  # no run in this process's past: log() before init() fails
        try:
            runfold.log({"child": 0.0})
            raise AssertionError("runfold.log() before init() must raise")
        except runfold.UsageError:
            pass
    run = runfold.init(project="fork", name=tag, group="children")
    parent = PARENT  # set when this process was forked after the parent's init()
    if parent is not None:
        assert run.id != parent.id
        assert run._writer.sink.store is not parent._writer.sink.store
    for i in range(CHILD_POINTS):
        run.log({"child": float(i)})
        time.sleep(0.002)
    runfold.finish()
    return run.id
"""

PROCESSES = (
    CHILD
    + """
if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    procs = [ctx.Process(target=child, args=(f"child-{i}",)) for i in range(3)]
    if sys.argv[2] == "before":
        for p in procs:
            p.start()
    PARENT = run = runfold.init(project="fork", name="parent")
    logged = 0
    for _ in range(50):
        run.log({"parent": float(logged)})
        logged += 1
    if sys.argv[2] == "after":
        for p in procs:
            p.start()
    while any(p.is_alive() for p in procs):  # the parent logs while children do
        run.log({"parent": float(logged)})
        logged += 1
        time.sleep(0.001)
    for p in procs:
        p.join()
        assert p.exitcode == 0, f"a child exited {p.exitcode}"
    for _ in range(50):
        run.log({"parent": float(logged)})
        logged += 1
    run.finish()
    print(json.dumps({"parent": run.id, "logged": logged, "dir": str(run.dir)}))
"""
)

POOLS = (
    CHILD
    + """
def pool(kind, ctx):
    if kind == "pool":
        return ctx.Pool(2)
    return ProcessPoolExecutor(2, mp_context=ctx)


if __name__ == "__main__":
    kind, method, when = sys.argv[1:4]
    ctx = mp.get_context(method)
    workers = pool(kind, ctx) if when == "before" else None
    if workers is not None and kind == "pool":  # start its workers before init()
        workers.map(len, [[1]] * 4)
    elif workers is not None:
        list(workers.map(len, [[1]] * 4))
    PARENT = run = runfold.init(project="fork", name="parent")
    logged = 0
    for _ in range(50):
        run.log({"parent": float(logged)})
        logged += 1
    workers = workers or pool(kind, ctx)
    tags = [f"child-{i}" for i in range(4)]
    if kind == "pool":
        pending = workers.map_async(child, tags)
        while not pending.ready():
            run.log({"parent": float(logged)})
            logged += 1
            time.sleep(0.001)
        ids = pending.get()
        workers.close()
        workers.join()
    else:
        futures = [workers.submit(child, tag) for tag in tags]
        while not all(f.done() for f in futures):
            run.log({"parent": float(logged)})
            logged += 1
            time.sleep(0.001)
        ids = [f.result() for f in futures]
        workers.shutdown()
    run.finish()
    print(json.dumps({"parent": run.id, "logged": logged, "dir": str(run.dir),
                      "children": ids}))
"""
)


def _script(tmp_path: Path, source: str, *args: str) -> dict[str, Any]:
    """Run ``source`` as a script file (spawned children import it) in a fresh
    interpreter with the test's environment; its last stdout line, as JSON."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(source))
    proc = subprocess.run(
        [sys.executable, str(path), *args],
        env=dict(os.environ), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.fail(
            f"script exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
            f"stderr:\n{proc.stderr}"
        )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["stdout"], result["stderr"] = proc.stdout, proc.stderr
    return result


def _parent_is_whole(api: runfold.Api, result: dict[str, Any]) -> None:
    """The parent's run has every point it logged, is finished, and its run log
    holds exactly what the parent wrote: one start, one finish, no gaps."""
    parent = api.run(f"fork/{result['parent']}")
    assert parent.state == "finished"
    values = [row["parent"] for row in parent.history()]
    assert values == [float(i) for i in range(result["logged"])]
    records = list(scan(Path(result["dir"]) / RUNLOG_NAME))
    kinds = Counter(kind for _, kind, _ in records)
    assert kinds["run"] == 1 and kinds["finish"] == 1
    assert [seq for seq, _, _ in records] == list(range(1, len(records) + 1))
    rows = [row for _, kind, body in records if kind == "history" for row in body]
    assert len(rows) == result["logged"]
    assert all(set(row[2]) == {"parent"} for row in rows)


def _children_are_their_own(
    api: runfold.Api, result: dict[str, Any], count: int
) -> list[Any]:
    children = [r for r in api.runs("fork") if r.id != result["parent"]]
    assert len(children) == count
    logged = [float(i) for i in range(20)]  # CHILD_POINTS
    for child in children:
        assert (child.state, child.group) == ("finished", "children")
        assert [row["child"] for row in child.history()] == logged
    return children


@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("when", ["before", "after"])
def test_child_processes_get_runs_of_their_own(
    tmp_path: Path, api: runfold.Api, method: str, when: str
) -> None:
    result = _script(tmp_path, PROCESSES, method, when)
    _parent_is_whole(api, result)
    children = _children_are_their_own(api, result, 3)
    assert sorted(c.name for c in children) == ["child-0", "child-1", "child-2"]


@pytest.mark.parametrize(
    ("kind", "method", "when"),
    [
        ("pool", "fork", "after"),
        ("pool", "fork", "before"),
        ("pool", "spawn", "after"),
        ("executor", "fork", "after"),
        ("executor", "fork", "before"),
        ("executor", "spawn", "after"),
    ],
)
def test_pool_workers_get_runs_of_their_own(
    tmp_path: Path, api: runfold.Api, kind: str, method: str, when: str
) -> None:
    result = _script(tmp_path, POOLS, kind, method, when)
    _parent_is_whole(api, result)
    children = _children_are_their_own(api, result, 4)
    assert sorted(c.id for c in children) == sorted(result["children"])


CHILD_WITHOUT_INIT = """
import json, os, signal, sys, time, warnings
import runfold
from runfold import RunfoldWarning, UsageError

run = runfold.init(project="fork", name="parent", config={"lr": 0.1})
run.log({"parent": 0.0})
behaviours = ["finish", "exit", "raise", "sigterm"]
for behaviour in behaviours:
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        continue
    # The child: none of this may reach the parent's run.
    assert runfold.run is None
    runfold.finish()
    runfold.finish(exit_code=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runfold.log({"child": 1.0})  # as under W&B: a warning, not an error
        run.log({"parent": 99.0})  # the parent's Run object, copied by fork
    assert [w.category for w in caught] == [RunfoldWarning], caught
    assert "belongs to process" in str(caught[0].message)
    try:
        runfold.define_metric("loss", summary="min")
        raise AssertionError("define_metric without init() must raise")
    except UsageError:
        pass
    run.config.child = 99.0  # a new key: changing lr would raise ConfigError
    run.summary["child"] = 1.0
    run.notes = "from a child"
    run.finish(exit_code=3)
    if behaviour == "exit":
        sys.exit(4)  # atexit hooks run
    if behaviour == "raise":
        raise RuntimeError("uncaught in a child")  # the excepthook runs, then atexit
    if behaviour == "sigterm":
        os.kill(os.getpid(), signal.SIGTERM)  # Runfold's SIGTERM handler runs
        time.sleep(5)
    os._exit(0)
run.log({"parent": 1.0})
run.finish()
print(json.dumps({"parent": run.id, "logged": 2, "dir": str(run.dir)}))
"""


def test_a_child_without_init_never_touches_the_parents_run(
    tmp_path: Path, api: runfold.Api
) -> None:
    result = _script(tmp_path, CHILD_WITHOUT_INIT)
    _parent_is_whole(api, result)
    parent = api.run(f"fork/{result['parent']}")
    assert parent.config == {"lr": 0.1}
    assert "child" not in parent.summary and parent.notes is None
    assert len(api.runs("fork")) == 1
    assert "uncaught in a child" in result["stderr"]


CONSOLE = """
import json, os, sys, time
import runfold

run = runfold.init(project="fork", name="parent")
print("parent before fork")  # still in the console log's buffer when forking
time.sleep(1.1)  # past the log's flush interval: a write from the child would flush
pid = os.fork()
if pid == 0:
    print("orphan child line")
    child = runfold.init(project="fork", name="child")
    print("child line")
    child.finish()
    sys.exit(0)  # a normal exit: the interpreter shuts down
os.waitpid(pid, 0)
print("parent after fork")
run.log({"parent": 0.0})
run.finish()
print(json.dumps({"parent": run.id, "logged": 1, "dir": str(run.dir)}))
"""


def test_a_childs_output_stays_out_of_the_parents_console_log(
    tmp_path: Path, api: runfold.Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_CONSOLE", "wrap")
    result = _script(tmp_path, CONSOLE)
    _parent_is_whole(api, result)
    parent_log = (Path(result["dir"]) / "output.log").read_text().splitlines()
    assert parent_log.count("parent before fork") == 1
    assert parent_log.count("parent after fork") == 1
    assert not [line for line in parent_log if "child" in line]
    (child,) = [r for r in api.runs("fork") if r.name == "child"]
    child_dir = Path(result["dir"]).parent / child.id
    assert (child_dir / "output.log").read_text().splitlines() == ["child line"]
    assert "orphan child line" in result["stdout"]  # the terminal still gets it


UNSEEN_FORK = """
import json
import runfold

first = runfold.init(project="fork", name="first")
first.log({"parent": 0.0})
first._writer.flush()
first._pid = -1  # as after a fork from C code, which runs no at-fork hook
assert runfold.run is None
second = runfold.init(project="fork", name="second")
assert second is not first
second.log({"x": 1.0})
print(json.dumps({"first": first.id, "second": second.id}))
"""


def test_a_fork_the_hook_did_not_see_is_caught_by_the_pid(
    tmp_path: Path, api: runfold.Api
) -> None:
    result = _script(tmp_path, UNSEEN_FORK)
    # The exit hooks finish this process's run and leave the other one alone.
    assert api.run(f"fork/{result['second']}").state == "finished"
    first = api.run(f"fork/{result['first']}")
    assert first.state == "running" and len(first.history()) == 1


WORKER_READS_CONFIG = """
import json, multiprocessing as mp
import runfold

def worker(queue):
    queue.put((runfold.config["lr"], runfold.config.batch, runfold.run is None))

if __name__ == "__main__":
    run = runfold.init(project="fork", config={"lr": 0.1, "batch": 32})
    queue = mp.get_context("fork").Queue()
    child = mp.get_context("fork").Process(target=worker, args=(queue,))
    child.start()
    lr, batch, no_run = queue.get(timeout=60)
    child.join()
    run.finish()
    print(json.dumps({"lr": lr, "batch": batch, "no_run": no_run}))
"""


def test_a_forked_worker_reads_the_parents_config(tmp_path: Path) -> None:
    """A DataLoader worker reads ``wandb.config.x`` as under W&B: the parent's
    values, while it has no run of its own."""
    result = _script(tmp_path, WORKER_READS_CONFIG)
    assert (result["lr"], result["batch"], result["no_run"]) == (0.1, 32, True)
