"""The OpenAPI schema (/api/openapi.json) documents every answer the API gives.

A route declares the answers only it gives (``responses=answers(409)`` on its
decorator: a write that can conflict; the login's 415), and the routers behind the
team-mode gate get 401, 403 and 429 where they are included (server/app.py;
429 counts writes only, so it is left off GETs). ``document_answers`` adds what
every operation of a kind answers, in the one error body (server/errors.py):

- 400 where an operation takes a path, query or body parameter (a bad value, a
  NUL in a name, JSON nested too deep; validation errors are 400, never FastAPI's
  422, which is left out of the schema);
- 404 where its path names a project (or something in one);
- 413 where it takes a body (64 MiB; a file 1 GiB).

Path parameters that are names (``project``, ``run_id``, ``sweep_id``,
``agent_id``) carry the pattern and length the server checks names with, so a
name the schema allows is one the server takes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..model import RECORD_KINDS
from ..store.writes import LOST
from .schemas import ErrorOut

__all__ = [
    "ERROR_ANSWERS", "NAME_PATTERN", "SWEEP_ID_PATTERN", "answers", "document_answers",
    "CREATE_RUN_BODY", "PATCH_RUN_BODY", "RECORDS_BODY", "FILE_BODY",
]  # fmt: skip

ERROR_ANSWERS = {
    400: "A bad parameter, body or name: the message says which, and what to give.",
    401: "Team mode: no API key or session, or a key this server does not know.",
    403: "Team mode: refused (a browser write without its X-CSRF-Token header).",
    404: "No such project, run, report, sweep, file or key (in team mode also "
    "another team's project).",
    409: "In conflict with what the server has: the message says what to do.",
    413: "The body is larger than the server takes: send less at once.",
    415: "A body of a type this route does not read.",
    429: "Team mode: too many writes with this API key; retry after the "
    "Retry-After header's seconds.",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
}
# Names as settings.validate_project / validate_run_id take them: no control
# characters, none of : ; , # ? / ' \, no surrounding whitespace, not . or ..
_NAME = r"^(?!\.\.?$)(?!\s)(?!.*\s$)[^\x00-\x1f\x7f:;,#?/'\\]{1,%d}$"
NAME_PATTERN = _NAME % 128
SWEEP_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
_PATH_NAMES: dict[str, dict[str, Any]] = {
    "project": {"pattern": NAME_PATTERN, "maxLength": 128},
    "run_id": {"pattern": _NAME % 64, "maxLength": 64},
    "sweep_id": {"pattern": SWEEP_ID_PATTERN, "maxLength": 64},
    "agent_id": {"pattern": SWEEP_ID_PATTERN, "maxLength": 64},
}
_ERROR_REF = "#/components/schemas/ErrorOut"


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for these error answers, each with the one error body."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"model": ErrorOut, "description": ERROR_ANSWERS[code]}
        if code in _HEADERS:
            out[code]["headers"] = _HEADERS[code]
    return out


def _codes(path: str, operation: dict[str, Any]) -> list[int]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    codes = [400] if parameters or has_body else []
    if "{project}" in path:
        codes.append(404)
    if has_body:
        codes.append(413)
    return codes


def _answer(code: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": ERROR_ANSWERS[code],
        "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}},
    }
    if code in _HEADERS:
        answer["headers"] = _HEADERS[code]
    return answer


def document_answers(app: FastAPI) -> None:
    """Serve the schema with each operation's error answers, without 422 and with
    the name patterns (see the module docstring)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _refined(get_openapi(
                title=app.title, version=app.version, routes=app.routes,
                openapi_version=app.openapi_version, description=app.description,
            ))  # fmt: skip
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _refined(schema: dict[str, Any]) -> dict[str, Any]:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if method == "get":  # the rate limit counts writes only
                responses.pop("429", None)
            for code in _codes(path, operation):
                responses.setdefault(str(code), _answer(code))
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"] in _PATH_NAMES:
                    parameter["schema"].update(_PATH_NAMES[parameter["name"]])
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["ErrorOut"] = ErrorOut.model_json_schema()
    return schema


# ---- request bodies the write routes read themselves (raw: msgpack, gzip, a
# file's stream), declared with ``openapi_extra`` -------------------------------

_TEXT = r"^[^\x00]*$"  # any Unicode but NUL (settings.text_problem)


def _text(limit: int, nullable: bool = False) -> dict[str, Any]:
    text = {"type": "string", "maxLength": limit, "pattern": _TEXT}
    return {"anyOf": [text, {"type": "null"}]} if nullable else text


def _json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}  # fmt: skip


CREATE_RUN_BODY = _json_body(
    {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string", "pattern": _NAME % 64, "maxLength": 64},
        "resume": {"anyOf": [{"enum": ["allow", "must", "never"]}, {"type": "null"}]},
    }},
    "The run id and the SDK's resume rule: null or 'never' (409 if the run "
    "exists), 'allow', 'must' (404 if it does not).",
)  # fmt: skip
PATCH_RUN_BODY = _json_body(
    {"type": "object", "additionalProperties": False, "properties": {
        "name": {**_text(256), "minLength": 1},
        "group": _text(256, nullable=True),
        "job_type": _text(256, nullable=True),
        "notes": _text(100_000, nullable=True),
        "tags": {"type": "array", "items": _text(256)},
        "config": {"type": "object"},
    }},
    "The fields to change; the others stay as they are.",
)  # fmt: skip
RECORDS_BODY = {"requestBody": {
    "required": True,
    "description": "Run-log records [seq, kind, body], seqs increasing within the "
    "batch, as JSON or as msgpack (Content-Type: application/msgpack), either "
    "optionally gzipped (Content-Encoding: gzip). The body's shape depends on the "
    "kind (docs/storage.md, 'The run log'); a lost marker [seq, 'lost', {'first': "
    "n}] says records n..seq are gone for good.",
    "content": {"application/json": {"schema": {"type": "array", "items": {
        "type": "array", "minItems": 3, "maxItems": 3,
        "prefixItems": [{"type": "integer", "minimum": 1},
                        {"type": "string", "enum": sorted(RECORD_KINDS | {LOST})}, {}],
    }}}},
}}  # fmt: skip
FILE_BODY = {"requestBody": {
    "required": True,
    "description": "The file's bytes (at most 1 GiB); a media file's name is the "
    "first 32 hex digits of its content's SHA-256.",
    "content": {"application/octet-stream": {"schema": {"type": "string",
                                                         "format": "binary"}}},
}}  # fmt: skip
