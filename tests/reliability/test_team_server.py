"""A team server under load and faults: real `runfold server` processes over one
PostgreSQL schema, real online clients, and then every point counted in the
database (DESIGN §9, issue 7).

* 32 clients split over two server processes on different ports;
* the PostgreSQL cluster restarted while clients log;
* a server process killed with SIGKILL in the middle of a batch, and a new one
  started on the same port.

The tests with clients are marked ``serial``: they load both cores, and one
restarts the PostgreSQL server under every other test's feet. ``scripts/test`` runs
them after the parallel phase, alone. The two pool tests break only their own
connections and run in the parallel phase.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import runfold
from tests.store.conftest import POSTGRES_URL, _postgres_schema

pytestmark = pytest.mark.postgres

# Read at import: the autouse ``runfold_dir`` fixture clears RUNFOLD_* variables.
REQUIRE_POSTGRES = os.environ.get("RUNFOLD_REQUIRE_POSTGRES") == "1"
PROJECT = "team"
KEYS = [f"m{k}" for k in range(8)]
CLIENT_ENV = {
    "RUNFOLD_SILENT": "1",
    "RUNFOLD_FLUSH_SECONDS": "0.05",
    "RUNFOLD_HEARTBEAT_SECONDS": "1",
    "RUNFOLD_FINISH_TIMEOUT": "90",
}

# Logs `steps` steps of 8 metrics, pausing `pause` s per step so batches keep
# flowing; with a flag path, touches `ready` after `steps` steps and keeps logging
# until the flag exists. Prints its run id and step count.
CLIENT = """
import os, sys, time
import runfold

steps, pause, ready, flag = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
run = runfold.init(project="team", group="load", job_type="train")
step = 0
while step < steps or (flag != "-" and not os.path.exists(flag)):
    run.log({f"m{k}": step * 10.0 + k for k in range(8)})
    step += 1
    if step == steps and ready != "-":
        open(ready, "w").close()
    if pause:
        time.sleep(pause)
run.finish()
print(run.id, step)
"""


# ---- PostgreSQL -----------------------------------------------------------------


@dataclass
class Database:
    url: str  # with search_path set to this test's schema
    schema: str

    def with_name(self, application_name: str) -> str:
        """The URL with an application_name, to find a server's backends."""
        return f"{self.url}&application_name={application_name}"


def _connect() -> Any:
    import psycopg

    return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)


@pytest.fixture
def database() -> Iterator[Database]:
    conn, schema = _postgres_schema()
    conn.close()
    yield Database(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", schema)
    _wait_for_postgres(30)  # a restart test may have left it coming up
    with _connect() as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _wait_for_postgres(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _connect().close()
            return
        except Exception:  # noqa: BLE001 - any failure means "not back yet"
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _cluster() -> tuple[str, str] | None:
    """(version, name) of the local Debian cluster serving POSTGRES_URL, or None."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(POSTGRES_URL)
    if str(info.get("host", "localhost")) not in ("127.0.0.1", "localhost", "::1"):
        return None
    port = str(info.get("port", "5432"))
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return None
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    )
    for line in listed.stdout.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    return None


@pytest.fixture
def cluster() -> Iterator[tuple[str, str]]:
    """The PostgreSQL cluster this test may restart; started again afterwards,
    whatever happened, so the tests after it find it up."""
    found = _cluster()
    if found is None or os.geteuid() != 0:
        why = f"cannot restart the PostgreSQL cluster behind {POSTGRES_URL} here"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{why} (pg_ctlcluster as root is needed)")
        pytest.skip(why)
    yield found
    try:
        _connect().close()
    except Exception:  # noqa: BLE001 - down: start it
        subprocess.run(_ctl(found, "start"), capture_output=True, check=False)
        _wait_for_postgres(60)


def _ctl(cluster: tuple[str, str], action: str) -> list[str]:
    return ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action]


# ---- servers and clients --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `runfold server` process (one worker), its output in a file: a pipe
    nobody reads would fill with tracebacks during an outage and stall it."""

    database_url: str
    files: Path
    log: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "runfold.cli", "server",
                 "--database", self.database_url, "--files", str(self.files),
                 "--workers", "1", "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                if (
                    httpx.get(f"{self.url}/api/v1/projects", timeout=1).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"runfold server did not start:\n{self.output()}")
            time.sleep(0.05)

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Client:
    proc: subprocess.Popen[str]
    ready: Path | None

    def result(self, timeout: float) -> tuple[str, int, str]:
        """(run id, steps logged, stderr); a failure or timeout fails the test."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            pytest.fail(f"a client timed out\nstdout:\n{out}\nstderr:\n{err}")
        if self.proc.returncode != 0 or len(out.split()) != 2:
            pytest.fail(f"a client exited {self.proc.returncode}\n{out}\n{err}")
        run_id, steps = out.split()
        return run_id, int(steps), err


class Team:
    """Starts servers and clients for one test, and stops every one of them."""

    def __init__(self, database: Database, tmp_path: Path) -> None:
        self.database = database
        self.tmp_path = tmp_path
        self.servers: list[Server] = []
        self.clients: list[Client] = []

    def server(self, name: str, port: int | None = None) -> Server:
        server = Server(
            self.database.with_name(name), self.tmp_path / "files",
            self.tmp_path / f"server-{name}.log", port or _free_port(),
        )  # fmt: skip
        self.servers.append(server)
        return server.start()

    def client(
        self, url: str, steps: int, pause: float = 0.0, flag: Path | None = None
    ) -> Client:
        ready = self.tmp_path / f"ready-{len(self.clients)}" if flag else None
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CLIENT), str(steps), str(pause),
             str(ready or "-"), str(flag or "-")],
            env={**os.environ, **CLIENT_ENV, "RUNFOLD_BASE_URL": url},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        client = Client(proc, ready)
        self.clients.append(client)
        return client

    def wait_until_ready(self, seconds: float = 60) -> None:
        """Every client has logged its first `steps` and is still logging."""
        deadline = time.monotonic() + seconds
        for client in self.clients:
            assert client.ready is not None
            while not client.ready.exists():
                if client.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"a client never got going: {client.result(5)}")
                time.sleep(0.02)

    def close(self) -> None:
        for client in self.clients:
            if client.proc.poll() is None:
                client.proc.kill()
                client.proc.communicate()
        for server in self.servers:
            server.stop()


@pytest.fixture
def team(database: Database, tmp_path: Path) -> Iterator[Team]:
    team = Team(database, tmp_path)
    yield team
    team.close()


# ---- what the database holds ----------------------------------------------------


def _stored_counts(url: str) -> dict[str, dict[str, tuple[int, int]]]:
    """Per run and metric: (points in the history chunks, the count reduction)."""
    import psycopg

    sql = """
        SELECT r.id, m.key, s.count,
               (SELECT COALESCE(SUM(h.n), 0) FROM history_chunks h
                WHERE h.run_pk = s.run_pk AND h.metric_id = s.metric_id)
        FROM metric_stats s JOIN runs r ON r.pk = s.run_pk
        JOIN metrics m ON m.id = s.metric_id
    """
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for run_id, key, count, chunked in conn.execute(sql).fetchall():
            counts.setdefault(run_id, {})[key] = (int(chunked), int(count))
    return counts


def _assert_every_point_once(url: str, logged: dict[str, int]) -> None:
    """Each run holds steps 0..n-1 of every key once, with the logged values, and
    is finished; the database has no other runs and no extra points."""
    from runfold.store.postgres import PostgresStore

    counts = _stored_counts(url)
    assert sorted(counts) == sorted(logged)
    for run_id, steps in logged.items():
        assert counts[run_id] == {k: (steps, steps) for k in KEYS}, run_id
    store = PostgresStore(url, max_size=2)
    api = runfold.Api(store=store)
    try:
        runs = {run.id: run for run in api.runs(PROJECT)}
        assert sorted(runs) == sorted(logged)
        for run_id, steps in logged.items():
            run = runs[run_id]
            rows = run.history()
            assert [r["_step"] for r in rows] == list(range(steps)), run_id
            assert all(
                r[k] == r["_step"] * 10.0 + i for r in rows for i, k in enumerate(KEYS)
            ), run_id
            assert run.state == "finished", run_id
    finally:
        api.close()


def _results(clients: list[Client], timeout: float) -> tuple[dict[str, int], str]:
    """Run id → steps of every client, and their stderr together."""
    logged: dict[str, int] = {}
    errors = []
    deadline = time.monotonic() + timeout
    for client in clients:
        run_id, steps, err = client.result(max(1.0, deadline - time.monotonic()))
        logged[run_id] = steps
        errors.append(err)
    return logged, "".join(errors)


def _assert_nothing_left_behind(errors: str) -> None:
    """No client gave up: none was refused for good, none finished with records
    the server lacked (both print a `runfold sync` command)."""
    assert "finish() says how to upload them" not in errors, errors
    assert "Load it with" not in errors, errors


def _wait_for_backend(
    database: Database,
    names: list[str],
    seconds: float = 10,
    wait_event_type: str = "%",
) -> int:
    """Wait until a backend of a server called one of ``names`` is inside a
    transaction (optionally waiting on ``wait_event_type``); its pid."""
    sql = (
        "SELECT pid FROM pg_stat_activity WHERE application_name = ANY(%s) "
        "AND state IN ('active', 'idle in transaction') "
        "AND coalesce(wait_event_type, '') LIKE %s LIMIT 1"
    )
    deadline = time.monotonic() + seconds
    with _connect() as conn:
        while time.monotonic() < deadline:
            found = conn.execute(sql, (names, wait_event_type)).fetchone()
            if found:
                return int(found[0])
            time.sleep(0.005)
    pytest.fail(f"no batch of servers {names} seen in flight within {seconds} s")


@contextmanager
def _a_batch_stopped_midway(database: Database, servers: list[str]) -> Iterator[None]:
    """Hold one run's downsampled row of its last metric (m7), so the next batch a
    server writes for that run stops inside its transaction with m0-m6 written and
    nothing committed; yield once a backend of one of ``servers`` waits there.
    Leaving releases the row, if the holding connection is still alive."""
    import psycopg

    conn = psycopg.connect(database.url, autocommit=True)
    try:
        conn.execute("BEGIN")
        held = conn.execute(
            "SELECT r.id FROM history_lod l JOIN runs r ON r.pk = l.run_pk "
            "JOIN metrics m ON m.id = l.metric_id WHERE m.key = 'm7' "
            "ORDER BY r.id LIMIT 1 FOR UPDATE OF l"
        ).fetchone()
        assert held is not None, "no run has stored a batch yet"
        _wait_for_backend(database, servers, wait_event_type="Lock")
        yield
    finally:
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # PostgreSQL restarted under it
        conn.close()


# ---- the tests ------------------------------------------------------------------


@pytest.mark.serial
def test_thirty_two_clients_on_two_server_processes_store_every_point_once(
    team: Team, database: Database
) -> None:
    east, west = team.server("east"), team.server("west")
    clients = [
        team.client((east if i % 2 else west).url, steps=300, pause=0.002)
        for i in range(32)
    ]
    logged, errors = _results(clients, timeout=90)
    assert errors == ""
    assert set(logged.values()) == {300}
    _assert_every_point_once(database.url, logged)
    for server in (east, west):
        assert server.proc is not None and server.proc.poll() is None
        assert "Traceback" not in server.output()


@pytest.mark.serial
def test_clients_lose_and_double_nothing_when_postgres_restarts_during_ingest(
    team: Team, database: Database, tmp_path: Path, cluster: tuple[str, str]
) -> None:
    east, west = team.server("east"), team.server("west")
    flag = tmp_path / "stop"
    clients = [
        team.client((east if i % 2 else west).url, steps=100, pause=0.004, flag=flag)
        for i in range(8)
    ]
    team.wait_until_ready()
    with _a_batch_stopped_midway(database, ["east", "west"]):
        restart = subprocess.run(
            _ctl(cluster, "restart"), capture_output=True, text=True, timeout=60
        )
    assert restart.returncode == 0, restart.stderr
    _wait_for_postgres(30)
    time.sleep(1.0)  # clients keep logging once it is back
    flag.touch()
    logged, errors = _results(clients, timeout=120)
    _assert_every_point_once(database.url, logged)
    # The stopped batch failed with the restart: a 500, and its client retried.
    logs = east.output() + west.output()
    assert "terminating connection due to administrator command" in logs
    assert "answered 500" in errors and "retrying" in errors
    _assert_nothing_left_behind(errors)
    for server in (east, west):
        assert server.proc is not None and server.proc.poll() is None


@pytest.mark.serial
def test_clients_lose_and_double_nothing_when_a_server_is_killed_mid_batch(
    team: Team, database: Database, tmp_path: Path
) -> None:
    doomed = team.server("doomed")
    flag = tmp_path / "stop"
    clients = [
        team.client(doomed.url, steps=100, pause=0.004, flag=flag) for _ in range(8)
    ]
    team.wait_until_ready()
    with _a_batch_stopped_midway(database, ["doomed"]):
        doomed.kill9()
    time.sleep(0.5)  # clients keep logging against a dead port
    team.server("reborn", port=doomed.port)
    time.sleep(0.5)
    flag.touch()
    logged, errors = _results(clients, timeout=120)
    _assert_every_point_once(database.url, logged)
    assert "retrying" in errors
    _assert_nothing_left_behind(errors)


def test_postgres_store_replaces_connections_postgres_dropped(
    database: Database,
) -> None:
    from runfold.store.postgres import PostgresStore

    name = f"pool-{database.schema}"
    store = PostgresStore(database.with_name(name), max_size=2)
    try:
        row = [[0, 1.0, {"m0": 0.0}]]
        assert store.ingest(PROJECT, "r1", [(1, "history", row)]) == 1
        with _connect() as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (name,),
            ).fetchone()
        assert killed is not None and killed[0] >= 1
        # The dead connection is found as it leaves the pool, not by this write.
        row = [[1, 2.0, {"m0": 10.0}]]
        assert store.ingest(PROJECT, "r1", [(2, "history", row)]) == 2
    finally:
        store.close()


def test_write_whose_transaction_postgres_breaks_gets_a_5xx_and_a_retry_lands_once(
    team: Team, database: Database
) -> None:
    import threading

    server = team.server("victim")
    records = f"{server.url}/api/v1/projects/{PROJECT}/runs/r1/records"

    def batch(seq: int) -> list[Any]:
        return [[seq, "history", [[seq - 1, float(seq), {"m0": seq * 10.0}]]]]

    assert httpx.post(records, json=batch(1), timeout=10).json() == {"last_seq": 1}
    answers: list[httpx.Response] = []
    with _connect() as lock:
        # Hold the run's row so the server's next write waits inside its
        # transaction, then end that backend, as a restart or failover would.
        with lock.transaction():
            lock.execute(
                f'SELECT pk FROM "{database.schema}".runs WHERE id = %s FOR UPDATE',
                ("r1",),
            )
            post = threading.Thread(
                target=lambda: answers.append(
                    httpx.post(records, json=batch(2), timeout=30)
                )
            )
            post.start()
            waiting = _wait_for_backend(database, ["victim"], wait_event_type="Lock")
            lock.execute("SELECT pg_terminate_backend(%s)", (waiting,))
            post.join(30)
    assert [a.status_code for a in answers] == [500]  # HttpSink retries any 5xx
    assert answers[0].json()["error"] == "Internal error; see the server log."
    again = httpx.post(records, json=batch(2), timeout=10)
    assert again.json() == {"last_seq": 2}
    assert httpx.post(records, json=batch(2), timeout=10).json() == {"last_seq": 2}
    counts = _stored_counts(database.url)
    assert counts == {"r1": {"m0": (2, 2)}}
