"""Where the writer ships run-log records after they are on disk.

One seam, several implementations (httpx transports are the model): ``LocalSink``
ingests into the embedded store; ``HttpSink`` posts to a Runfold server (online
mode); ``NullSink`` keeps only the run log (offline mode and shared cluster
directories, synced later by ``runfold sync``).

A record the store or server refuses as it is (text it cannot hold, a body too
large or too deep: ``UsageError`` locally, 400/413/422 from a server) never holds
up the records behind it (issue 18: one run name with a NUL stopped a whole run
for good). ``deliver`` halves a refused batch until it has found the refused
records, sends a ``lost`` marker in the place of each, so the receiver moves past
it, and goes on; the record stays in the run log, and the refusal is said once
(and counted when the sink closes).
"""

from __future__ import annotations

import gzip
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import msgpack

# errors.py's tree holds these; importable from here too, where callers found them.
from ..errors import FileRefused, ServerRejected, ServerUnavailable, UsageError
from .runlog import LOST, Record, chunk_records, packable, scan

__all__ = [
    "Sink", "LocalSink", "NullSink", "HttpSink", "ServerRejected", "ServerUnavailable",
    "FileRefused",
]  # fmt: skip


class Sink(Protocol):
    def send(self, records: list[tuple[int, str, Any]]) -> None:
        """Deliver records (idempotent by seq); raise to have them retried."""
        ...

    def heartbeat(self) -> None: ...

    def close(self) -> None: ...

    def sync_command(self, run_dir: Path) -> str:
        """The command that delivers what ``send`` could not."""
        ...


def _has_artifacts(records: list[Record]) -> bool:
    return any(kind == "artifact" for _, kind, _ in records)


def _local_sync_command(run_dir: Path) -> str:
    return f"runfold sync {shlex.quote(str(run_dir))}"


# ---- records the receiver refuses -----------------------------------------------


class Refused(Exception):
    """The receiver will not take these records as they are: resending them
    unchanged cannot help, but the records behind them can still go."""


class Refusals:
    """The records a sink skipped because they were refused: the first is said on
    stderr, all are counted (``summary`` at close)."""

    def __init__(self, receiver: str, run: str, runlog_path: Path | None) -> None:
        self.receiver = receiver
        self.run = run
        self.runlog_path = runlog_path
        self.count = 0

    def note(self, record: Record, why: str) -> None:
        self.count += 1
        if self.count == 1:
            kept = (
                f" It stays in the run log {self.runlog_path};"
                if self.runlog_path
                else ""
            )
            print(
                f"runfold: {self.receiver} refused record {record[0]} ({record[1]}) "
                f"of run {self.run}: {why}.{kept} the records after it go on "
                "(other refusals are counted when the run ends).",
                file=sys.stderr,
            )

    def summary(self) -> str | None:
        if self.count < 2:
            return None
        kept = f"; they stay in {self.runlog_path}" if self.runlog_path else ""
        return f"runfold: {self.receiver} refused {self.count} records of run {self.run}{kept}."


def _first_seq(record: Record) -> int:
    if record[1] == LOST and isinstance(record[2], dict):
        return int(record[2].get("first", record[0]))
    return record[0]


def deliver(
    chunk: list[Record], post: Callable[[list[Record]], int], refusals: Refusals
) -> int:
    """``post(chunk)`` (it returns the receiver's last seq); a chunk it refuses
    is halved until the refused records are found, and each is replaced by a
    ``lost`` marker. A refused marker cannot be skipped: ServerRejected."""
    try:
        return post(chunk)
    except Refused as exc:
        if len(chunk) > 1:
            mid = len(chunk) // 2
            last = deliver(chunk[:mid], post, refusals)
            if last < chunk[mid - 1][0]:
                return last  # a gap: the caller resends from last + 1
            return deliver(chunk[mid:], post, refusals)
        record = chunk[0]
        if record[1] == LOST:
            raise ServerRejected(
                f"{refusals.receiver} refused to skip records it cannot take ({exc})"
            ) from None
        refusals.note(record, str(exc))
        return post([(record[0], LOST, {"first": _first_seq(record)})])


class LocalSink:
    takes_columns = True  # history bodies as RowColumns (model.py): the store's

    def __init__(
        self, store: Any, project: str, run_id: str, runlog_path: Path | None = None
    ) -> None:
        self.store = store
        self.project = project
        self.run_id = run_id
        self.refusals = Refusals("the store", f"{project}/{run_id}", runlog_path)

    def send(self, records: list[tuple[int, str, Any]]) -> None:
        deliver(records, self._ingest, self.refusals)

    def _ingest(self, records: list[Record]) -> int:
        try:
            if _has_artifacts(records):  # their files first (artifactship.py)
                from .artifactship import store_locally

                run_dir = self.refusals.runlog_path
                store_locally(
                    records, self.store, self.project, run_dir and run_dir.parent
                )
            return int(self.store.ingest(self.project, self.run_id, records))
        except UsageError as exc:  # a record the store cannot hold
            raise Refused(str(exc).rstrip(".")) from None
        except (ValueError, TypeError, OverflowError):
            pass  # a value past any float: try them as the run log holds them
        try:
            return int(self.store.ingest(self.project, self.run_id, packable(records)))
        except (ValueError, TypeError, OverflowError) as exc:
            raise Refused(str(exc).rstrip(".") or type(exc).__name__) from None

    def heartbeat(self) -> None:
        self.store.heartbeat(self.project, self.run_id, time.time())

    def close(self) -> None:
        _say(self.refusals.summary())
        self.store.close()

    def sync_command(self, run_dir: Path) -> str:
        return _local_sync_command(run_dir)


class NullSink:
    """Ships nothing: the run log is the record. The heartbeat is the log's mtime."""

    def __init__(self, runlog_path: Path) -> None:
        self.path = runlog_path

    def send(self, records: list[tuple[int, str, Any]]) -> None:
        return None

    def heartbeat(self) -> None:
        try:
            os.utime(self.path)
        except OSError:
            pass

    def close(self) -> None:
        return None

    def sync_command(self, run_dir: Path) -> str:
        return _local_sync_command(run_dir)


# ---- online: a Runfold server ---------------------------------------------------

# Points per POST. Small enough that a loaded server answers well within the read
# timeout: a client that times out resends while its first copy may still hold the
# run's row lock, and under overload those copies piled up (issue 7 load test).
_CHUNK_POINTS = 50_000
_CHUNK_RECORDS = 512
_GZIP_ABOVE = 1 << 20
_RETRYABLE = {408, 425, 429}
# The records themselves were refused (too large, text the server cannot hold):
# skipped one by one (``deliver``). Other 4xx refuse the run: sending stops.
_REFUSED_RECORDS = {400, 413, 422}
_FILE_CHUNK = 1 << 20


def _say(line: str | None) -> None:
    if line:
        print(line, file=sys.stderr)


def _error_text(response: Any) -> str:
    try:
        return str(response.json()["error"])
    except Exception:  # noqa: BLE001 - not our error shape (a proxy's page ...)
        return response.text[:200] or response.reason_phrase


class HttpSink:
    """Posts run-log records to a Runfold server.

    * Connection errors, timeouts and 5xx raise ``ServerUnavailable``: the writer
      keeps the records and retries with backoff.
    * 400, 413 and 422 for records: the server cannot take those records as they
      are. They are skipped (``deliver``): the server gets a ``lost`` marker in
      their place and the records behind them go on; the run log keeps them.
    * Any other 4xx raises ``ServerRejected`` and the sink stops sending (a bad key,
      a run id taken by another run: resending cannot fix it). The run log keeps
      everything, the reason is printed once, and finish() prints the ``runfold
      sync`` command to run once the cause is fixed.
    * The server answers the run's ``last_seq``; when it has less than was sent (it
      lost data, or this process started while it was down) the missing records are
      read back from the run log and resent. Nothing is sent twice on purpose, and a
      replay would be ignored anyway: ingest is idempotent by seq.
    """

    def __init__(
        self,
        base_url: str,
        project: str,
        run_id: str,
        runlog_path: Path,
        *,
        api_key: str | None = None,
        resume: str | None = None,
        server_seq: int | None = None,
        timeout: float = 120.0,
        transport: Any = None,
    ) -> None:
        import httpx  # only online runs pay for it

        self.base_url = base_url.rstrip("/")
        self.project = project
        self.run_id = run_id
        self.runlog_path = Path(runlog_path)
        self.resume = resume
        # What the server has; None until it has been asked (down at init).
        self.server_seq = server_seq
        self.local_seq_at_start = 0
        self.rejected: str | None = None
        self.refusals = Refusals(
            f"the server at {self.base_url}", f"{project}/{run_id}", self.runlog_path
        )
        # `runfold sync` sets the log's mtime, the run's last sign of life.
        self.heartbeat_at: float | None = None
        headers = {"user-agent": "runfold"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            base_url=f"{self.base_url}/api/v1/projects/{quote(project, safe='')}",
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )
        self._transport_error = httpx.TransportError
        self._run_path = f"/runs/{quote(run_id, safe='')}"
        # Files go on a client of their own: a long upload from the file thread
        # shares no connection (or lock) with the records.
        self._files_client = httpx.Client(
            base_url=self._client.base_url, headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )  # fmt: skip

    # ---- requests -----------------------------------------------------------

    def _request(
        self, method: str, url: str, *, client: Any = None, **kwargs: Any
    ) -> Any:
        if self.rejected is not None:
            raise ServerRejected(self.rejected)
        try:
            response = (client or self._client).request(method, url, **kwargs)
        except self._transport_error as exc:
            raise ServerUnavailable(
                f"cannot reach the Runfold server at {self.base_url} "
                f"({type(exc).__name__}: {exc})"
            ) from None
        status = response.status_code
        if status >= 500 or status in _RETRYABLE:
            raise ServerUnavailable(
                f"the server at {self.base_url} answered {status}: {_error_text(response)}"
            )
        return response

    def _reject(self, response: Any, what: str) -> ServerRejected:
        self.rejected = (
            f"the server at {self.base_url} refused {what} "
            f"({response.status_code}: {_error_text(response)})"
        )
        return ServerRejected(self.rejected)

    def register(self, resume: str | None) -> dict[str, Any]:
        """Ask the server about this run with ``resume`` rules; its answer (exists,
        last_seq, next_step, config, name). 409 and 404 raise ServerRejected."""
        body = {"id": self.run_id, "resume": resume}
        response = self._request("POST", "/runs", json=body)
        if response.status_code != 200:
            raise self._reject(response, f"run {self.project}/{self.run_id}")
        info: dict[str, Any] = response.json()
        self.server_seq = int(info["last_seq"])
        return info

    def _register_late(self) -> None:
        """The server was down at init(): check now, before sending anything, that
        this run log may go into the server's run of the same id."""
        resume = "allow" if self.resume in ("allow", "must") else "never"
        info = self.register(resume)
        if info["last_seq"] > self.local_seq_at_start:
            self.server_seq = None
            self.rejected = (
                f"run {self.project}/{self.run_id} on {self.base_url} has "
                f"{info['last_seq']} records, more than this machine's run log had "
                "when the run started, so they cannot be merged"
            )
            raise ServerRejected(self.rejected)

    def _post(self, chunk: list[Record]) -> int:
        if _has_artifacts(chunk):  # the files a version names go before it
            from .artifactship import upload

            upload(self, chunk)
        try:
            payload = msgpack.packb([list(r) for r in chunk], use_bin_type=True)
        except (OverflowError, TypeError, ValueError):  # as the run log holds them
            payload = msgpack.packb(
                [list(r) for r in packable(chunk)], use_bin_type=True
            )
        headers = {"content-type": "application/msgpack"}
        if len(payload) > _GZIP_ABOVE:
            payload = gzip.compress(payload, compresslevel=1)
            headers["content-encoding"] = "gzip"
        response = self._request(
            "POST", f"{self._run_path}/records",
            content=payload, headers=headers,
            params={"heartbeat_at": self.heartbeat_at} if self.heartbeat_at else None,
        )  # fmt: skip
        if response.status_code in _REFUSED_RECORDS:
            raise Refused(f"{response.status_code}: {_error_text(response)}")
        if response.status_code != 200:
            raise self._reject(response, f"records {chunk[0][0]}–{chunk[-1][0]}")
        last = int(response.json()["last_seq"])
        self.server_seq = last
        return last

    # ---- the Sink seam ------------------------------------------------------

    def send(self, records: list[Record]) -> None:
        if self.server_seq is None:
            self._register_late()
        assert self.server_seq is not None
        todo = [r for r in records if r[0] > self.server_seq]
        if not todo:
            return
        upto = todo[-1][0]
        if _first_seq(todo[0]) > self.server_seq + 1:
            todo = self._from_log(self.server_seq, upto)
        for _ in range(3):
            last = 0
            for chunk in chunk_records(
                todo, max_points=_CHUNK_POINTS, max_records=_CHUNK_RECORDS
            ):
                last = deliver(chunk, self._post, self.refusals)
                if last < chunk[-1][0]:
                    break
            if last >= upto:
                return
            todo = self._from_log(last, upto)  # a gap: the server lacks earlier ones
        raise ServerUnavailable(
            f"the server at {self.base_url} keeps answering last_seq {last} for run "
            f"{self.project}/{self.run_id}; records after it are in {self.runlog_path}"
        )

    def _from_log(self, after: int, upto: int) -> list[Record]:
        records = []
        for record in scan(self.runlog_path, after_seq=after):
            if record[0] > upto:
                break
            records.append(record)
        return records

    def heartbeat(self) -> None:
        if self.server_seq:  # the server has the run (its first records made it)
            self._request("POST", f"{self._run_path}/heartbeat", timeout=5.0)

    def close(self) -> None:
        _say(self.refusals.summary())
        self._client.close()
        self._files_client.close()

    # ---- files --------------------------------------------------------------

    @property
    def takes_files(self) -> bool:
        """Whether files may go now: the server has this run (its first records
        made it; a run that was down at init is checked by them) and has not
        refused it."""
        return bool(self.server_seq) and self.rejected is None

    def upload_file(self, remote: str, path: Path, size: int) -> None:
        """PUT the first ``size`` bytes of ``path`` as the run's file ``remote``,
        streamed in 1 MiB pieces. ServerUnavailable: retry later; FileRefused: this
        file cannot go as it is; OSError: the file changed under the upload."""
        parts = remote.split("/")
        if remote.startswith("/") or any(p in ("", ".", "..") for p in parts):
            # An HTTP client folds dot segments into the URL: it would go elsewhere.
            raise FileRefused(
                f"{remote!r} is not a path inside the run; it was not uploaded"
            )
        url = f"{self._run_path}/files/{quote(remote, safe='/')}"
        with open(path, "rb") as source:
            response = self._request(
                "PUT", url, client=self._files_client,
                content=_exactly(source, size, path),
                headers={"content-length": str(size),
                         "content-type": "application/octet-stream"},
            )  # fmt: skip
        if response.status_code == 413:
            raise FileRefused(
                f"the server at {self.base_url} refused {remote} ({size} bytes): "
                f"{_error_text(response)} Ask its admin to raise the limit, or save "
                "a smaller file"
            )
        if response.status_code in (401, 403):
            raise self._reject(response, f"file {remote}")
        if response.status_code == 404:  # no run there (yet): its records make it
            raise ServerUnavailable(
                f"the server at {self.base_url} has no run {self.project}/"
                f"{self.run_id} for {remote} yet ({_error_text(response)})"
            )
        if response.status_code != 200:
            raise FileRefused(
                f"the server at {self.base_url} refused {remote} "
                f"({response.status_code}: {_error_text(response)})"
            )

    def server_files(self) -> dict[str, int]:
        """The run's files on the server: path -> size ({} when it cannot say)."""
        response = self._request("GET", self._run_path, client=self._files_client)
        if response.status_code != 200:
            return {}
        files = response.json().get("files") or []
        return {f["path"]: int(f["size"]) for f in files if "path" in f}

    def sync_command(self, run_dir: Path) -> str:
        return f"{_local_sync_command(run_dir)} --base-url {shlex.quote(self.base_url)}"


def _exactly(source: Any, size: int, path: Path) -> Any:
    """The first ``size`` bytes of an open file, in pieces: the length was sent
    ahead, so a file that shrank under the upload ends it with OSError."""
    left = size
    while left > 0:
        chunk = source.read(min(_FILE_CHUNK, left))
        if not chunk:
            raise OSError(f"{path} shrank while it was being uploaded")
        left -= len(chunk)
        yield chunk
