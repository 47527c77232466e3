"""Sustained online ingest: 8 training processes streaming to one server process.

    python bench/bench_online.py --clients 8 --steps 100000

Starts ``runfold`` 's app under uvicorn in its own process over a fresh store, then
the clients at once; each logs ``--steps`` steps of 8 floats in online mode and calls
``finish()``, which returns when the server has every record. The figure is all
points over the span from the first client's ``init()`` to the last ``finish()``
returning (process start-up excluded); the server store is then read back to check
that every point arrived exactly once.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import KEYS, emit

SERVER = """
import sys, uvicorn
from runfold.server import create_app
from runfold.store import open_store
store = open_store(sys.argv[1])
uvicorn.run(create_app(store), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning")
"""

CLIENT = """
import sys, time
sys.path.insert(0, sys.argv[2])
import runfold
from common import step_values

steps = int(sys.argv[1])
values = [step_values(s) for s in range(1000)]
start = time.time()
run = runfold.init(project="bench-online", group="clients")
for step in range(steps):
    run.log(values[step % 1000])
run.finish()
print(run.id, start, time.time())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start within 30 s")


def _run_clients(url: str, clients: int, steps: int, home: Path) -> list[list[str]]:
    env = {**os.environ, "RUNFOLD_BASE_URL": url, "RUNFOLD_DIR": str(home),
           "RUNFOLD_SILENT": "1", "RUNFOLD_FINISH_TIMEOUT": "600"}  # fmt: skip
    here = str(Path(__file__).resolve().parent)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CLIENT), str(steps), here],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(clients)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        if proc.returncode or not out.strip():
            raise SystemExit(f"a client failed ({proc.returncode}): {err[-2000:]}")
        results.append(out.split())
    return results


def _check(store_path: Path, run_ids: list[str], steps: int) -> int:
    import runfold

    api = runfold.Api(store_path.parent)
    try:
        points = 0
        for run_id in run_ids:
            rows = api.run(f"bench-online/{run_id}").history()
            assert [r["_step"] for r in rows] == list(range(steps)), run_id
            points += sum(1 for r in rows for k in KEYS if k in r)
        return points
    finally:
        api.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="runfold-bench-online-") as tmp:
        store_path = Path(tmp) / "server" / "runfold.db"
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SERVER), str(store_path), str(port)]
        )
        try:
            _wait_up(port, server)
            results = _run_clients(
                f"http://127.0.0.1:{port}", args.clients, args.steps, Path(tmp) / "c"
            )
        finally:
            server.terminate()
            server.wait(30)
        first = min(float(r[1]) for r in results)
        last = max(float(r[2]) for r in results)
        points = _check(store_path, [r[0] for r in results], args.steps)
    expected = args.clients * args.steps * len(KEYS)
    assert points == expected, f"{points} points stored, {expected} logged"
    emit({
        "clients": args.clients, "steps": args.steps, "points": points,
        "seconds": last - first, "points_per_s": points / (last - first),
    })  # fmt: skip


if __name__ == "__main__":
    main()
