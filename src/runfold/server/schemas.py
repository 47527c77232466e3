"""The HTTP edge of the read API: query parameter types, response models, and
how runs and groups become JSON.

Routes return ``json_response(...)`` rather than model instances: the models
document the responses in the OpenAPI schema, while the bodies (hundreds of
thousands of floats for a page of charts) skip pydantic's per-value encoding and
are encoded once, by orjson.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import orjson
from fastapi import Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..errors import UsageError
from .jsonsafe import json_safe

__all__ = [
    "FILTERS_EXAMPLE", "FiltersQuery", "ByQuery", "parse_filters", "json_response",
    "reject_unknown_params", "run_fields", "group_fields",
    "RunOut", "GroupOut", "RunsPage", "RunDetail", "HistoryOut", "SeriesOut",
    "ErrorOut", "ResumeOut",
]  # fmt: skip

FILTERS_EXAMPLE = '{"group": "exp-1", "config.lr": {"$gt": 0.01}}'
BAD_FILTERS = (
    "filters must be a JSON object, e.g. filters={example}; got {text!r} ({why})."
)
UNKNOWN_PARAM = (
    "Unknown query parameter {name!r} for {path}; this endpoint takes {known}. "
    "See /api/docs."
)
MAX_FILTER_DEPTH = 32
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY

FiltersQuery = Annotated[
    str | None,
    Query(
        description="Runs to keep, as JSON in runfold.Api's filter language: run "
        "fields, config.<path> and summary.<path> with $eq $ne $gt $gte $lt $lte "
        f"$in $nin $exists, combined with $and / $or. Example: {FILTERS_EXAMPLE}",
        examples=[FILTERS_EXAMPLE],
    ),
]
ByQuery = Annotated[
    list[str] | None,
    Query(
        description="Grouping keys, in order (repeat the parameter): a run field "
        "(group, job_type, state, host, name, tags), config.<path>, summary.<path>, "
        "'config.* except seed' or 'name~<regex>'.",
    ),
]


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def parse_filters(text: str | None) -> dict[str, Any] | None:
    """The ``filters`` query parameter as a dict; UsageError (400) with an example."""
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        why = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise UsageError(
            BAD_FILTERS.format(example=FILTERS_EXAMPLE, text=text, why=why)
        ) from None
    if not isinstance(value, dict):
        why = f"a JSON {type(value).__name__}"
        raise UsageError(
            BAD_FILTERS.format(example=FILTERS_EXAMPLE, text=text, why=why)
        )
    if _depth(value) > MAX_FILTER_DEPTH:
        why = f"nested deeper than {MAX_FILTER_DEPTH} levels"
        raise UsageError(
            BAD_FILTERS.format(example=FILTERS_EXAMPLE, text=text, why=why)
        )
    return value


def reject_unknown_params(request: Request) -> None:
    """A misspelt parameter (``metrics=`` for ``metric=``) is a 400 that names the
    right ones, not a silently ignored option."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    for name in request.query_params:
        if name not in known:
            raise UsageError(UNKNOWN_PARAM.format(
                name=name, path=request.url.path,
                known=", ".join(sorted(known)) or "no query parameters",
            ))  # fmt: skip


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class _EncodedJSON(JSONResponse):
    """A JSONResponse whose body is already encoded."""

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)


def json_response(body: Any) -> JSONResponse:
    """The body as JSON, encoded by orjson: NaN and ±inf become null (as
    ``json_safe`` makes them), NumPy arrays become lists, floats keep their
    shortest round-trip form. A page of chart series (5 MB of floats) encodes in
    9 ms instead of json.dumps's 170. Values orjson refuses (an int over 64 bits,
    an object) take the ``json_safe`` walk."""
    try:
        return _EncodedJSON(orjson.dumps(body, option=_ORJSON_OPTIONS))
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return JSONResponse(json_safe(body))


def encoded_json(body: bytes) -> JSONResponse:
    """A response of JSON already encoded (e.g. by ``json_response`` and kept)."""
    return _EncodedJSON(body)


def run_fields(run: Any) -> dict[str, Any]:
    """A run as the runs table shows it (a ``runfold.api.Run`` or a ``RunRow``)."""
    return {
        "id": run.id, "name": run.name, "group": run.group, "job_type": run.job_type,
        "state": run.state, "tags": run.tags, "notes": run.notes,
        "created_at": run.created_at, "updated_at": run.updated_at,
        "finished_at": run.finished_at, "runtime": run.runtime,
        "exit_code": run.exit_code, "host": run.host, "config": run.config,
        "summary": run.summary,
    }  # fmt: skip


def group_fields(group: Any) -> dict[str, Any]:
    """A group row (``group`` is a ``runfold.api.Group``); ``runs`` are run ids."""
    return {
        "key": list(group.key), "name": group.name, "count": group.count,
        "states": group.states, "state": group.state, "config": group.config,
        "summary": group.summary, "runs": [r.id for r in group.runs],
    }  # fmt: skip


# ---- response models (documentation of the bodies above) --------------------


class ErrorOut(BaseModel):
    """Every 4xx and 5xx answer (server/errors.py)."""

    ok: Literal[False]
    error: str = Field(description="What was wrong, and what to do.")
    errors: list[str]
    status: int


class ResumeOut(BaseModel):
    """What POST .../runs answers: the server's view of a run id, for a client
    about to start or resume it (nothing is created: a run's first records are)."""

    id: str
    exists: bool
    last_seq: int = Field(description="Resend records after this seq.")
    next_step: int = Field(description="The step a resumed run continues from.")
    config: dict[str, Any]
    name: str | None


class RunOut(BaseModel):
    id: str
    name: str
    group: str | None
    job_type: str | None
    state: str
    tags: list[str]
    notes: str | None
    created_at: float
    updated_at: float
    finished_at: float | None
    runtime: float
    exit_code: int | None
    host: str | None
    config: dict[str, Any]
    summary: dict[str, Any]


class GroupOut(BaseModel):
    key: list[Any]
    name: str
    count: int
    states: dict[str, int]
    state: str
    config: dict[str, Any]
    summary: dict[str, dict[str, float | None]]
    runs: list[str]


class RunsPage(BaseModel):
    runs: list[RunOut]
    total: int
    limit: int
    offset: int
    groups: list[GroupOut] | None = None


class MetricOut(BaseModel):
    count: int
    first: float | None
    last: float | None
    min: float | None
    max: float | None
    mean: float | None
    min_step: int | None
    max_step: int | None
    last_step: int | None


class FileOut(BaseModel):
    path: str
    size: int


class RunDetail(RunOut):
    project: str
    metadata: dict[str, Any]
    metrics: dict[str, MetricOut]
    files: list[FileOut]


class KeyHistory(BaseModel):
    steps: list[int]
    timestamps: list[float | None]
    values: list[float | None]
    total: int


class HistoryOut(BaseModel):
    keys: dict[str, KeyHistory]
    total: int
    samples: int | None


class SeriesEntry(BaseModel):
    key: list[Any]
    name: str
    runs: int
    run_ids: list[str]
    running: int
    mode: str
    x: list[float]
    # With ``fields=`` only the arrays named come (x_lo and x_hi in buckets mode only).
    x_lo: list[float] = Field(default_factory=list)
    x_hi: list[float] = Field(default_factory=list)
    mean: list[float | None] = Field(default_factory=list)
    median: list[float | None] = Field(default_factory=list)
    min: list[float | None] = Field(default_factory=list)
    max: list[float | None] = Field(default_factory=list)
    std: list[float | None] = Field(default_factory=list)
    stderr: list[float | None] = Field(default_factory=list)
    count: list[int] = Field(default_factory=list)


class SeriesOut(BaseModel):
    series: dict[str, list[SeriesEntry]]
    total: int
    by: list[str]
    x: str
