"""Sweeps in the store (store/sweeps.py), on SQLite and PostgreSQL: each index
handed out once however many threads and processes ask, a sweep's states, a lost
proposal handed out again, how a proposal ends, reading sweeps back, NotFound."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from typing import Any

import pytest

from runfold.errors import NotFound, ProjectNotFound, UsageError
from runfold.store import open_store

DEFINITION = {"method": "grid", "parameters": {"x": {"values": [1, 2, 3]}}}


def _propose_up_to(n: int) -> Any:
    return lambda index: {"x": index} if index < n else None


def _reopen(store: Any) -> Any:
    """Another store object on the same database: its own connection(s)."""
    if store.dialect == "sqlite":
        return open_store(store.path)
    from runfold.store.postgres import PostgresStore

    return PostgresStore(store.url, schema=store.schema, max_size=2)


def _spec(store: Any) -> str:
    if store.dialect == "sqlite":
        return json.dumps({"path": str(store.path)})
    return json.dumps({"url": store.url, "schema": store.schema})


# Claims until the search is done, in its own process; prints the indices it got.
CLAIMER = """
import json, sys
from runfold.store import open_store

spec, sweep_id, agent, n = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
if "path" in spec:
    store = open_store(spec["path"])
else:
    from runfold.store.postgres import PostgresStore
    store = PostgresStore(spec["url"], schema=spec["schema"], max_size=1)
got = []
while True:
    claim = store.claim_sweep_run(
        "p", sweep_id, agent, lambda i: {"x": i} if i < n else None)
    if claim.run is None:
        break
    got.append(claim.run.index)
    store.end_sweep_run("p", sweep_id, claim.run.run_id, "finished")
store.close()
print(json.dumps(got))
"""


def test_claims_from_many_processes_and_threads_never_share_an_index(
    store: Any,
) -> None:
    n = 60
    sweep = store.create_sweep("p", DEFINITION)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                textwrap.dedent(CLAIMER),
                _spec(store),
                sweep.id,
                f"proc-{i}",
                str(n),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for i in range(3)
    ]
    got: list[int] = []
    errors: list[BaseException] = []

    def claim_all(agent: str) -> None:
        mine = _reopen(store)
        try:
            while (claim := mine.claim_sweep_run(
                "p", sweep.id, agent, _propose_up_to(n))).run is not None:  # fmt: skip
                got.append(claim.run.index)
                mine.end_sweep_run("p", sweep.id, claim.run.run_id, "finished")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            mine.close()

    threads = [threading.Thread(target=claim_all, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        got.extend(json.loads(out))
    assert not errors
    assert sorted(got) == list(range(n)), Counter(got).most_common(3)
    runs = store.sweep_runs("p", sweep.id)
    assert sorted(r.index for r in runs) == list(range(n))
    assert len({r.run_id for r in runs}) == n
    assert store.get_sweep("p", sweep.id).state == "finished"


def test_a_new_sweep_runs_and_is_read_back(store: Any) -> None:
    first = store.create_sweep("p", DEFINITION, name="first")
    second = store.create_sweep("p", {**DEFINITION, "method": "random"})
    assert (first.project, first.name, first.state, first.run_count) == (
        "p", "first", "running", 0,
    )  # fmt: skip
    assert first.definition == DEFINITION
    assert len(first.id) == 8 and first.id.isalnum()
    assert [s.id for s in store.list_sweeps("p")] == [second.id, first.id]
    got = store.get_sweep("p", first.id)
    assert (got.id, got.definition, got.agents) == (first.id, DEFINITION, [])


def test_states_decide_what_a_claim_gets(store: Any) -> None:
    sweep = store.create_sweep("p", DEFINITION)
    propose = _propose_up_to(10)
    for state in ("paused", "finished", "canceled"):
        assert store.set_sweep_state("p", sweep.id, state).state == state
        claim = store.claim_sweep_run("p", sweep.id, "a", propose)
        assert (claim.state, claim.run) == (state, None)
    store.set_sweep_state("p", sweep.id, "running")
    claim = store.claim_sweep_run("p", sweep.id, "a", propose)
    assert (claim.state, claim.run.index, claim.run.params) == ("running", 0, {"x": 0})
    with pytest.raises(UsageError, match="'stopped' is not one of running, paused"):
        store.set_sweep_state("p", sweep.id, "stopped")


def test_a_finished_search_waits_for_running_proposals_before_finishing(
    store: Any,
) -> None:
    """While a proposal runs, its agent may die and its point be needed again: the
    sweep stays running (claims get nothing) until the last one has ended."""
    sweep = store.create_sweep("p", DEFINITION)
    propose = _propose_up_to(1)
    only = store.claim_sweep_run("p", sweep.id, "a", propose).run
    claim = store.claim_sweep_run("p", sweep.id, "b", propose)
    assert (claim.state, claim.run) == ("running", None)
    assert store.get_sweep("p", sweep.id).state == "running"
    store.end_sweep_run("p", sweep.id, only.run_id, "finished")
    assert store.claim_sweep_run("p", sweep.id, "b", propose).state == "finished"
    assert store.get_sweep("p", sweep.id).state == "finished"


def test_a_lost_proposal_is_handed_out_again(store: Any) -> None:
    sweep = store.create_sweep("p", DEFINITION)
    propose = _propose_up_to(10)
    store.agent_seen("p", sweep.id, "a", host="h", pid=1, at=1000.0)
    lost = store.claim_sweep_run("p", sweep.id, "a", propose, now=1000.0).run
    store.agent_seen("p", sweep.id, "b", at=1030.0)
    # Within lost_after of a's last contact: b gets the next index.
    assert store.claim_sweep_run(
        "p", sweep.id, "b", propose, lost_after=60, now=1030.0
    ).run.index == 1  # fmt: skip
    again = store.claim_sweep_run(
        "p", sweep.id, "b", propose, lost_after=60, now=1061.0
    ).run  # fmt: skip
    assert (again.index, again.params, again.agent_id) == (0, {"x": 0}, "b")
    assert again.run_id != lost.run_id
    runs = {r.run_id: r for r in store.sweep_runs("p", sweep.id)}
    assert (runs[lost.run_id].state, runs[lost.run_id].reason) == (
        "replaced", "its agent stopped answering",
    )  # fmt: skip
    assert runs[lost.run_id].ended_at is not None
    # The replaced proposal is not counted; the one that took its place is.
    assert store.get_sweep("p", sweep.id).run_count == 2
    assert [r.index for r in store.sweep_runs("p", sweep.id)] == [0, 0, 1]


def test_an_agent_that_claims_without_a_heartbeat_can_be_lost(store: Any) -> None:
    """Claiming is contact: a proposal whose agent died before its first
    heartbeat is handed out again too."""
    sweep = store.create_sweep("p", DEFINITION)
    propose = _propose_up_to(10)
    first = store.claim_sweep_run("p", sweep.id, "a", propose, now=1000.0).run
    again = store.claim_sweep_run(
        "p", sweep.id, "b", propose, lost_after=5, now=1010.0
    ).run  # fmt: skip
    assert (again.index, again.params) == (first.index, first.params)


def test_a_late_end_of_a_replaced_proposal_keeps_it_replaced(store: Any) -> None:
    """An agent thought dead that comes back does not make its point count twice."""
    sweep = store.create_sweep("p", DEFINITION)
    propose = _propose_up_to(10)
    slow = store.claim_sweep_run("p", sweep.id, "a", propose, now=1000.0).run
    store.claim_sweep_run("p", sweep.id, "b", propose, lost_after=5, now=1010.0)
    store.end_sweep_run("p", sweep.id, slow.run_id, "finished")
    runs = {r.run_id: r for r in store.sweep_runs("p", sweep.id)}
    assert runs[slow.run_id].state == "replaced"


def test_end_sweep_run_records_the_state_and_the_reason(store: Any) -> None:
    sweep = store.create_sweep("p", DEFINITION)
    propose = _propose_up_to(10)
    a, b, c = (store.claim_sweep_run("p", sweep.id, "a", propose).run for _ in "abc")
    store.end_sweep_run("p", sweep.id, a.run_id, "finished")
    store.end_sweep_run("p", sweep.id, b.run_id, "stopped", "bracket 3: worse")
    store.end_sweep_run("p", sweep.id, c.run_id, "failed")
    got = {r.run_id: r for r in store.sweep_runs("p", sweep.id)}
    assert [(got[r.run_id].state, got[r.run_id].reason) for r in (a, b, c)] == [
        ("finished", None), ("stopped", "bracket 3: worse"), ("failed", None),
    ]  # fmt: skip
    assert all(got[r.run_id].ended_at >= got[r.run_id].claimed_at for r in (a, b, c))
    with pytest.raises(UsageError, match="'done' is not one of finished, failed"):
        store.end_sweep_run("p", sweep.id, a.run_id, "done")


def test_agents_are_recorded_with_their_last_contact(store: Any) -> None:
    sweep = store.create_sweep("p", DEFINITION)
    assert store.agent_seen("p", sweep.id, "a", host="h1", pid=7, at=10.0) == "running"
    store.agent_seen("p", sweep.id, "b", host="h2", pid=8, at=11.0)
    store.set_sweep_state("p", sweep.id, "paused")
    assert store.agent_seen("p", sweep.id, "a", state="done", at=20.0) == "paused"
    agents = store.get_sweep("p", sweep.id).agents
    assert [(a.id, a.host, a.pid, a.started_at, a.seen_at, a.state) for a in agents] == [
        ("a", "h1", 7, 10.0, 20.0, "done"), ("b", "h2", 8, 11.0, 11.0, "running"),
    ]  # fmt: skip


def test_not_found_says_how_to_list_sweeps(store: Any) -> None:
    sweep = store.create_sweep("p", DEFINITION)
    message = (
        "Sweep 'nope' not found in project 'p'. List its sweeps with: runfold sweeps p"
    )
    calls = [
        lambda: store.get_sweep("p", "nope"),
        lambda: store.sweep_runs("p", "nope"),
        lambda: store.set_sweep_state("p", "nope", "paused"),
        lambda: store.agent_seen("p", "nope", "a"),
        lambda: store.claim_sweep_run("p", "nope", "a", _propose_up_to(1)),
        lambda: store.end_sweep_run("p", "nope", "r", "finished"),
    ]
    for call in calls:
        with pytest.raises(NotFound) as caught:
            call()
        assert str(caught.value) == message
    with pytest.raises(NotFound, match="Sweep .* not found in project 'other'"):
        store.get_sweep("other", sweep.id)
    with pytest.raises(ProjectNotFound, match="Project 'other' not found"):
        store.list_sweeps("other")


def test_a_sweep_name_with_nul_is_refused_on_both_backends(store: Any) -> None:
    with pytest.raises(UsageError, match="without NUL characters"):
        store.create_sweep("p", {"method": "grid", "parameters": {}}, name="a\x00b")
    with pytest.raises(ProjectNotFound):  # nothing was written, not even the project
        store.list_sweeps("p")
