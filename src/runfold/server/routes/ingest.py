"""The write side of the API: what the SDK's online mode and ``runfold sync`` call.

    POST  /projects/{project}/runs                      create or resume: what the server has
    POST  /projects/{project}/runs/{run_id}/records     a batch of run-log records
    POST  /projects/{project}/runs/{run_id}/heartbeat
    PATCH /projects/{project}/runs/{run_id}             edit group, tags, notes, name, config
    PUT   /projects/{project}/runs/{run_id}/files/{path} upload one file (streamed)

Records are the run log's own ``[seq, kind, body]`` triples, sent as msgpack (the
SDK) or JSON, optionally gzipped. Ingest is idempotent by (run, seq): a replayed
batch adds nothing, and a batch that starts past what the server has is applied up
to the gap; the reply's ``last_seq`` tells the client where to resend from. A
``lost`` marker (``[seq, "lost", {"first": n}]``) says records n..seq are gone for
good (run-log damage, or a record this server refused): ingest moves past them.

What the server cannot store is refused with 400 before anything is written, the
same over SQLite and PostgreSQL: text with NUL or past its length
(``settings.TEXT_LIMITS``), metric keys over ``MAX_METRIC_KEY`` characters, JSON
nested deeper than ``jsonsafe.MAX_DEPTH``. Heartbeats and file uploads need the run
to exist (404): its first records create it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import zlib
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request

from ...errors import Conflict, NotFound, PayloadTooLarge, RunNotFound, UsageError
from ...model import RECORD_KINDS, ROW_KINDS, RecordKind
from ...settings import (
    MAX_METRIC_KEY,
    TEXT_LIMITS,
    text_problem,
    validate_project,
    validate_run_id,
)
from ...store.writes import LOST, lost_first
from ..artifactcheck import check_records
from ..deps import StoreDep, run_dir
from ..jsonsafe import MAX_DEPTH, TOO_DEEP, json_safe, nests_deeper
from ..mediacheck import checked_media_rows, is_media, media_name_problem
from ..openapi import (
    CREATE_RUN_BODY,
    FILE_BODY,
    PATCH_RUN_BODY,
    RECORDS_BODY,
    answers,
)
from ..schemas import ResumeOut

__all__ = ["router", "MAX_FILE_BYTES", "MAX_RECORDS_BYTES", "parse_records"]

router = APIRouter(tags=["ingest"])

MAX_FILE_BYTES = 1 << 30
MAX_RECORDS_BYTES = 256 << 20  # after gunzip: a bound on what one batch may expand to
_DICT_KINDS = RECORD_KINDS - ROW_KINDS - {RecordKind.HISTOGRAM, RecordKind.MEDIA}
_RESUME = (None, "allow", "must", "never")
_MAX_NAME_BYTES = 200

# The SDK's own messages, so a server answers exactly as a local store would.
RUN_EXISTS = (
    "Run {run_id!r} already exists in project {project!r}. Pass resume='allow' "
    "(or set RUNFOLD_RESUME=allow) to append to it, or leave id unset for a new run."
)
RUN_MISSING = "resume='must' but run {run_id!r} does not exist in project {project!r}."
BAD_ENCODING = (
    "Content-Encoding {value!r} is not supported; send the body plain or gzipped."
)
BAD_TYPE = (
    "Content-Type {value!r} is not supported; send records as application/msgpack "
    "or application/json."
)


async def _raw_body(request: Request) -> bytes:
    """The request body, gunzipped when it says so (read here so routes stay sync)."""
    data = await request.body()
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding in ("", "identity"):
        return data
    if encoding != "gzip":
        raise UsageError(BAD_ENCODING.format(value=encoding))
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_RECORDS_BYTES)
    except zlib.error as exc:
        raise UsageError(f"Body is not valid gzip ({exc}); resend it.") from None
    if inflater.unconsumed_tail:
        raise PayloadTooLarge(
            f"Body expands to more than {MAX_RECORDS_BYTES} bytes; send smaller batches."
        )
    return out


RawBody = Annotated[bytes, Depends(_raw_body)]


def _names(project: str, run_id: object) -> str:
    """The run id, once the project's and its names are checked."""
    validate_project(project)
    return validate_run_id(run_id)


# ---- create or resume -----------------------------------------------------------


@router.post(
    "/projects/{project}/runs", openapi_extra=CREATE_RUN_BODY, response_model=None,
    responses={200: {"model": ResumeOut}, **answers(409)},
)  # fmt: skip
def create_run(project: str, body: RawBody, store: StoreDep) -> dict[str, Any]:
    """Check ``{"id", "resume"}`` against the runs the server has, with the SDK's
    resume rules; reply what a resuming client needs: ``exists, last_seq,
    next_step, config, name``. The run itself is created by its first records."""
    request = _json_object(body)
    resume = request.get("resume")
    run_id = _names(project, request.get("id"))
    if resume not in _RESUME:
        raise UsageError(
            f"resume={resume!r} is not understood; use null, 'allow', 'must' or 'never'."
        )
    stored = store.get_run(project, run_id)
    if stored is not None and resume in (None, "never"):
        raise Conflict(RUN_EXISTS.format(run_id=run_id, project=project))
    if stored is None and resume == "must":
        raise NotFound(RUN_MISSING.format(run_id=run_id, project=project))
    return json_safe({
        "id": run_id,
        "exists": stored is not None,
        "last_seq": stored.last_seq if stored else 0,
        "next_step": stored.next_step if stored else 0,
        "config": stored.config if stored else {},
        "name": stored.name if stored else None,
    })  # fmt: skip


def _json_loads(body: bytes) -> Any:
    try:
        value = json.loads(body or b"null")
    except ValueError as exc:
        raise UsageError(f"Body is not valid JSON ({exc}).") from None
    except RecursionError:
        raise UsageError(TOO_DEEP.format(what="The body", limit=MAX_DEPTH)) from None
    if nests_deeper(value, MAX_DEPTH + 3):  # + the batch, a record, its rows
        raise UsageError(TOO_DEEP.format(what="The body", limit=MAX_DEPTH))
    return value


def _json_object(body: bytes) -> dict[str, Any]:
    value = _json_loads(body)
    if not isinstance(value, dict):
        raise UsageError(
            f"Body must be a JSON object, not {type(value).__name__}; "
            'e.g. {"id": "ab12cd34", "resume": "allow"}.'
        )
    return value


# ---- records --------------------------------------------------------------------


@router.post("/projects/{project}/runs/{run_id}/records", openapi_extra=RECORDS_BODY)
def post_records(
    project: str,
    run_id: str,
    body: RawBody,
    request: Request,
    store: StoreDep,
    heartbeat_at: float | None = None,
) -> dict[str, int]:
    """Ingest ``[[seq, kind, body], ...]``; reply the run's ``last_seq``. When it is
    lower than the batch's last seq, resend from ``last_seq + 1``."""
    _names(project, run_id)
    records = parse_records(_decode(body, request.headers.get("content-type", "")))
    if not records:
        found = store.get_run(project, run_id)
        return {"last_seq": found.last_seq if found else 0}
    check_records(request, project, records)  # an artifact's files come first
    last = store.ingest(project, run_id, records, heartbeat_at=heartbeat_at)
    return {"last_seq": last}


def _decode(body: bytes, content_type: str) -> Any:
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("application/msgpack", "application/x-msgpack"):
        import msgpack

        try:
            return msgpack.unpackb(body, raw=False, strict_map_key=False)
        except Exception as exc:  # noqa: BLE001 - msgpack raises several types
            raise UsageError(
                f"Body is not valid msgpack ({type(exc).__name__}: {exc})."
            ) from None
    if kind in ("application/json", ""):
        return _json_loads(body)
    raise UsageError(BAD_TYPE.format(value=content_type))


def parse_records(value: Any) -> list[tuple[int, str, Any]]:
    """Check the shape of a batch; raise UsageError saying which record is wrong."""
    if not isinstance(value, list):
        raise UsageError(
            f"Records must be a list of [seq, kind, body], not {type(value).__name__}."
        )
    records: list[tuple[int, str, Any]] = []
    previous = 0
    for i, item in enumerate(value):
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            raise UsageError(f"Record {i} must be [seq, kind, body], not {item!r:.80}.")
        seq, kind, body = item
        if type(seq) is not int or seq <= previous:
            raise UsageError(
                f"Record {i} has seq {seq!r:.40}; seqs must be integers ≥ 1, "
                "increasing within a batch."
            )
        previous = seq
        if kind == LOST:
            if lost_first(seq, body) is None:
                raise UsageError(
                    f'Record {i} (lost) must have {{"first": n}} with 1 ≤ n ≤ {seq}.'
                )
            records.append((seq, LOST, {"first": body["first"]}))
            continue
        if not isinstance(kind, str) or kind not in RECORD_KINDS:
            raise UsageError(
                f"Record {i} has kind {kind!r:.40}; use one of {', '.join(sorted(RECORD_KINDS))}."
            )
        records.append((seq, kind, _check_body(i, kind, body)))
    return records


def _check_body(i: int, kind: str, body: Any) -> Any:
    if kind in _DICT_KINDS:
        if not isinstance(body, dict) or not all(type(k) is str for k in body):
            raise UsageError(
                f"Record {i} ({kind}) must have an object with string keys as body."
            )
        if nests_deeper(body, MAX_DEPTH):
            raise UsageError(
                TOO_DEEP.format(what=f"Record {i} ({kind})", limit=MAX_DEPTH)
            )
        if kind in (RecordKind.RUN, RecordKind.UPDATE):
            _check_texts(f"Record {i} ({kind})", body)
        return body
    if not isinstance(body, list):
        raise UsageError(f"Record {i} ({kind}) must have a list of rows as body.")
    if kind == RecordKind.HISTOGRAM:
        return _checked_histograms(i, body)
    if kind == RecordKind.MEDIA:
        return checked_media_rows(i, body)
    for j, row in enumerate(body):
        if not _is_good_row(row):
            body[j] = _fixed_row(i, j, row)
    return body


def _check_texts(where: str, body: dict[str, Any]) -> None:
    """Names, group, job type, notes, host and tags: text within their limits."""
    for field, limit in TEXT_LIMITS.items():
        value = body.get(field)
        values = value if field == "tags" and isinstance(value, list) else [value]
        for item in values:
            why = None if item is None else text_problem(item, limit)
            if why:
                raise UsageError(
                    f"{where}: {field} {item!r:.80} is not allowed: {why}."
                )


def _checked_histograms(i: int, rows: list[Any]) -> list[Any]:
    """Rows ``[step, timestamp, {key: {"bins": [...], "counts": [...]}}]``."""
    for j, row in enumerate(rows):
        ok = (
            isinstance(row, list) and len(row) == 3 and type(row[0]) is int
            and row[0] >= 0 and isinstance(row[1], (int, float))
            and isinstance(row[2], dict)
            and all(_is_histogram(k, h) for k, h in row[2].items())
        )  # fmt: skip
        if ok and any(len(k) > MAX_METRIC_KEY for k in row[2]):
            raise UsageError(_long_key(f"Record {i} (histogram) row {j}"))
        if not ok:
            raise UsageError(
                f"Record {i} (histogram) row {j} must be [step, timestamp, "
                '{key: {"bins": [n + 1 numbers], "counts": [n numbers]}}].'
            )
    return rows


def _is_histogram(key: Any, hist: Any) -> bool:
    if type(key) is not str or not isinstance(hist, dict):
        return False
    bins, counts = hist.get("bins"), hist.get("counts")
    return (
        isinstance(bins, list) and isinstance(counts, list)
        and len(bins) == len(counts) + 1
        and all(isinstance(v, (int, float)) for v in bins + counts)
    )  # fmt: skip


def _is_good_row(row: Any) -> bool:
    """The common case, checked fast: [int step, float ts, {str: float}]."""
    if type(row) is not list or len(row) != 3:
        return False
    step, ts, values = row
    if type(step) is not int or step < 0 or type(ts) is not float:
        return False
    if type(values) is not dict:
        return False
    for key, value in values.items():
        if type(value) is not float or type(key) is not str:
            return False
        if len(key) > MAX_METRIC_KEY:
            return False
    return True


def _long_key(where: str) -> str:
    return f"{where} has a metric key longer than {MAX_METRIC_KEY} characters."


def _fixed_row(i: int, j: int, row: Any) -> list[Any]:
    """A row with ints or JSON nulls (NaN) in it, made uniform; or a clear error."""
    where = f"Record {i} (history) row {j}"
    if not isinstance(row, (list, tuple)) or len(row) != 3:
        raise UsageError(f"{where} must be [step, timestamp, {{key: number}}].")
    step, ts, values = row
    if type(step) is not int or step < 0:
        raise UsageError(f"{where} has step {step!r:.40}; steps are integers ≥ 0.")
    if type(ts) not in (int, float):
        raise UsageError(f"{where} has timestamp {ts!r:.40}; use a number.")
    if not isinstance(values, dict):
        raise UsageError(f"{where} must have an object of metric values.")
    fixed: dict[str, float] = {}
    for key, value in values.items():
        if type(key) is not str:
            raise UsageError(f"{where} has key {key!r:.40}; keys are strings.")
        if len(key) > MAX_METRIC_KEY:
            raise UsageError(_long_key(where))
        if value is None:
            fixed[key] = math.nan  # JSON has no NaN: null stands for it
        elif type(value) in (int, float):
            fixed[key] = float(value)
        else:
            raise UsageError(
                f"{where} has {key!r:.80} = {value!r:.40}; values are numbers or null."
            )
    return [step, float(ts), fixed]


# ---- heartbeat and edits --------------------------------------------------------


@router.post("/projects/{project}/runs/{run_id}/heartbeat")
def post_heartbeat(project: str, run_id: str, store: StoreDep) -> dict[str, bool]:
    """The run is alive; 404 for a run the server has no records of yet."""
    _existing(store, project, run_id)
    store.heartbeat(project, run_id, time.time())
    return {"ok": True}


def _existing(store: Any, project: str, run_id: str) -> None:
    """RunNotFound (404) unless the run exists: its first records create it."""
    _names(project, run_id)
    if store.get_run(project, run_id) is None:
        raise RunNotFound(project, run_id)


@router.patch("/projects/{project}/runs/{run_id}", openapi_extra=PATCH_RUN_BODY)
def patch_run(
    project: str, run_id: str, body: RawBody, store: StoreDep
) -> dict[str, Any]:
    """Change a run's group, job_type, tags, notes, name or config."""
    _names(project, run_id)
    changes = _json_object(body)
    _check_texts(f"Run {run_id!r}", changes)
    store.update_run(project, run_id, changes)
    return {"ok": True, "changed": sorted(changes)}


# ---- files ----------------------------------------------------------------------


def _file_target(request: Request, project: str, run_id: str, path: str) -> Path:
    # valid names cannot lead outside runs/; a run's files need the run
    _existing(request.app.state.store, project, run_id)
    directory = run_dir(request, project, run_id)
    if directory is None:
        raise UsageError(f"Run {run_id!r} of project {project!r} has no directory.")
    root = (directory / "files").resolve()
    bad = (
        not path
        or path.startswith(("/", "\\"))
        or "\\" in path
        or "\x00" in path
        or any(part in ("", ".", "..") for part in path.split("/"))
        # The upload's temporary name adds ~40 bytes; filesystems stop at 255.
        or any(
            len(part.encode("utf-8", "replace")) > _MAX_NAME_BYTES
            for part in path.split("/")
        )
    )
    # resolve() raises ValueError on a NUL: only a path found good gets there
    target = root if bad else (root / path).resolve()
    if bad or not target.is_relative_to(root) or target == root:
        raise UsageError(
            f"File path {path!r} is not allowed: use a relative path inside the run, "
            f"without '..', names under {_MAX_NAME_BYTES} bytes, e.g. checkpoints/model.pt."
        )
    why = media_name_problem(path) if is_media(path) else None
    if why:
        raise UsageError(f"File not kept: {why}.")
    return target


@router.put(
    "/projects/{project}/runs/{run_id}/files/{path:path}", openapi_extra=FILE_BODY
)
async def put_file(
    project: str, run_id: str, path: str, request: Request
) -> dict[str, Any]:
    """Stream the body into the run's ``files/<path>`` (async: the body is read as
    it arrives, never held whole; writes go to a worker thread)."""
    limit: int = request.app.state.max_file_bytes
    target = await anyio.to_thread.run_sync(
        lambda: _file_target(request, project, run_id, path)
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(_too_large(limit))
    await anyio.to_thread.run_sync(
        lambda: target.parent.mkdir(parents=True, exist_ok=True)
    )
    partial = target.with_name(f".{target.name}.{os.getpid()}.{id(request)}.part")
    size = 0
    digest = hashlib.sha256() if is_media(path) else None
    try:
        with open(partial, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(_too_large(limit))
                if digest is not None:
                    digest.update(chunk)
                await anyio.to_thread.run_sync(out.write, chunk)
        if digest is not None and digest.hexdigest()[:32] != target.name[:32]:
            raise UsageError(
                f"Media file {path!r} was not kept: its content's SHA-256 does not "
                "match its name (a media file is named by its content)."
            )
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return {"ok": True, "path": path, "size": size}


def _too_large(limit: int) -> str:
    return f"File is larger than {limit} bytes, the server's limit for one file."
