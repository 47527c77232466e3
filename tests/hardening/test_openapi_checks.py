"""Issue 18, item 13: the OpenAPI schema documents every answer the API gives
(400, 401, 403, 404, 409, 413, 415 and 429 in the one error body, no 422 it never
sends), names carry the pattern the server checks them with, and a 405 says in
``Allow`` every method the path takes. Schemathesis with every check passes clean
over SQLite and over PostgreSQL (what JSON Schema cannot say is listed, with its
reason, in schemathesis.toml beside this file)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from runfold.errors import UsageError
from runfold.server.openapi import NAME_PATTERN
from runfold.settings import validate_project
from tests.hardening.conftest import Served

CONFIG = Path(__file__).with_name("schemathesis.toml")


def _schemathesis() -> str:
    found = Path(sys.executable).with_name("st")
    return str(found) if found.exists() else shutil.which("st") or "st"


def test_schemathesis_with_every_check_passes_clean(
    server: Served, tmp_path: Path
) -> None:
    # ensure_resource_availability is left out: it takes every 2xx POST to a
    # collection for a creation, and POST /projects/{project}/runs creates no run
    # (it answers what a resuming client needs; a run's first records create it),
    # so the run's own routes rightly answer 404 after it.
    proc = subprocess.run(
        [_schemathesis(), "--config-file", str(CONFIG), "--no-color", "run",
         f"{server.url}/api/openapi.json", "--url", server.url, "--checks", "all",
         "--exclude-checks", "ensure_resource_availability", "--max-examples", "12",
         "--seed", "18"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0 and "Failures:" not in proc.stdout, (
        proc.stdout[-8000:] + proc.stderr[-2000:]
    )


def test_every_operation_documents_its_error_answers(server: Served) -> None:
    schema = httpx.get(f"{server.url}/api/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "422" not in codes, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                assert "400" in codes, (method, path)
            if "{project}" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert "413" in codes, (method, path)
            if path.startswith("/api/v1/projects"):
                assert {"401", "403"} <= codes, (method, path)
                assert ("429" in codes) == (method != "get"), (method, path)
            for code in codes - {"200"}:
                body = operation["responses"][code]["content"]["application/json"]
                assert body["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    runs = schema["paths"]["/api/v1/projects/{project}/runs"]["post"]
    assert "409" in runs["responses"] and runs["requestBody"]["required"]
    records = schema["paths"]["/api/v1/projects/{project}/runs/{run_id}/records"]
    assert "application/json" in records["post"]["requestBody"]["content"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("OPTIONS", "/api/v1/projects/p/runs", "GET, HEAD, POST"),
     ("DELETE", "/api/v1/projects/p/runs/r", "GET, HEAD, PATCH"),
     ("TRACE", "/api/v1/projects/p/runs/r/files/a/b.txt", "GET, HEAD, PUT"),
     ("PUT", "/api/v1/projects/p/reports", "GET, HEAD, POST")],
)  # fmt: skip
def test_405_names_every_method_of_the_path(
    server: Served, method: str, path: str, allowed: str
) -> None:
    response = httpx.request(method, f"{server.url}{path}")
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json()["error"].startswith(f"{method} is not allowed on {path}.")


def test_a_record_kind_that_is_not_text_is_a_400(server: Served) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/projects/p/runs/r/records", json=[[1, {}, None]]
    )
    assert response.status_code == 400
    assert "Record 0 has kind {}" in response.json()["error"]


@given(st.text(max_size=140) | st.sampled_from([".", "..", " a", "a ", "a\xa0"]))
def test_the_name_pattern_is_the_servers_rule(name: str) -> None:
    try:
        validate_project(name)
        taken = True
    except UsageError:
        taken = False
    assert (re.fullmatch(NAME_PATTERN, name) is not None) == taken
