"""Schemathesis over the read API's OpenAPI schema: whatever the query, no 5xx,
and every 200 body matches the response model the schema documents.

Generated cases hit the real server; half of them are pointed at the seeded
project and a real run, so the queries reach the code behind the 404s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

import runfold
from tests.conftest import LiveServer, sdk_environment


def _seed() -> str:
    ids = []
    for i, group in enumerate(["a", "a", "b", None]):
        run = runfold.init(project="demo", group=group, reinit=True,
                           config={"lr": 0.1 * (i + 1), "seed": i, "net": {"w": 64}},
                           tags=["x"] if i else [])  # fmt: skip
        for step in range(12):
            run.log({"loss": 1 / (step + 1), "acc": step / 12, "odd": float("nan")})
        run.finish()
        ids.append(run.id)
    return ids[0]


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp("schema")
    with pytest.MonkeyPatch.context() as mp:
        sdk_environment(mp, root, capture=True)
        run_id = _seed()
    live = LiveServer(root).start()
    live.run_id = run_id  # type: ignore[attr-defined]
    yield live
    live.stop()


def _check_operation(operation: Any, server: LiveServer) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case: Any) -> None:
        if case.path_parameters and len(repr(case.query)) % 2 == 0:
            case.path_parameters["project"] = "demo"
            if "run_id" in case.path_parameters:
                case.path_parameters["run_id"] = server.run_id  # type: ignore[attr-defined]
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

    check()


def test_read_api_never_answers_5xx_and_bodies_match_the_schema(
    seeded_server: LiveServer,
) -> None:
    schema = schemathesis.openapi.from_url(f"{seeded_server.url}/api/openapi.json")
    operations = [
        result.ok()
        for result in schema.include(
            method="GET", path_regex="^/api/v1/projects/"
        ).get_all_operations()
    ]
    assert len(operations) >= 5
    for operation in operations:
        _check_operation(operation, seeded_server)
