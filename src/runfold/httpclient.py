"""The HTTP client of Runfold's server API (``/api/v1``): JSON back, or a runfold
error. ``RemoteApi`` reads through it, and so do the sweep agents
(``agents.client``).

Failures are ``runfold.errors`` exceptions, never httpx ones: 404 ProjectNotFound,
RunNotFound or NotFound; 401 AuthError; 403 Forbidden; 409 Conflict; other 4xx
UsageError with the server's message; no answer, a 5xx or not Runfold's JSON
ServerUnavailable, saying what to check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import httpx

from .errors import (
    AuthError,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ProjectNotFound,
    RateLimited,
    RunfoldError,
    RunNotFound,
    ServerUnavailable,
    UsageError,
)

__all__ = ["Http", "TIMEOUT"]

TIMEOUT = httpx.Timeout(60.0, connect=5.0)
_STATUS_ERRORS = {401: AuthError, 403: Forbidden, 409: Conflict, 413: PayloadTooLarge}

UNREACHABLE = (
    "The Runfold server at {url} is not reachable ({why}). Check that it is running "
    "(runfold server or runfold ui), that the host and port in base_url (or "
    "RUNFOLD_BASE_URL) are right, and that no firewall or proxy is in the way."
)
TOO_SLOW = (
    "The Runfold server at {url} did not answer {what} within {seconds:g} s. Ask "
    "for less (filters=, limit=, fewer buckets) or check the server's load."
)
NOT_RUNFOLD = (
    "The server at {url} answered {what} with {status} and no Runfold JSON; is "
    "base_url the address of a Runfold server?"
)
SERVER_FAILED = "The Runfold server at {url} failed on {what} ({status}): {message}"


class Http:
    """The server's /api/v1 over one httpx client: JSON back, or a runfold error
    (also the sweep agents' client, ``agents.client``)."""

    def __init__(self, url: str, api_key: str | None) -> None:
        self.url = url
        headers = {"user-agent": "runfold"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"  # as the SDK sends it
        self._client = httpx.Client(
            base_url=f"{url}/api/v1", headers=headers, timeout=TIMEOUT
        )

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.send("GET", path, params=params)

    def get_bytes(self, path: str) -> bytes:
        """A file's bytes (``GET .../files/<path>``), not JSON."""
        try:
            response = self._client.request("GET", path)
        except httpx.TransportError as exc:
            raise self._unreachable(exc, f"GET {path}") from None
        if not response.is_success:
            raise self._error(response, f"GET {path}", path)
        return response.content

    def download(self, path: str, write: Callable[[bytes], Any]) -> int:
        """A file's bytes, streamed to ``write`` piece by piece (an artifact's
        5 GB checkpoint is never held whole); the byte count."""
        size = 0
        try:
            with self._client.stream("GET", path) as response:
                if not response.is_success:
                    response.read()
                    raise self._error(response, f"GET {path}", path)
                for chunk in response.iter_bytes(1 << 20):
                    write(chunk)
                    size += len(chunk)
        except httpx.TransportError as exc:
            raise self._unreachable(exc, f"GET {path}") from None
        return size

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        what = f"{method} {path}"
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc, what) from None
        if not response.is_success:
            raise self._error(response, what, path)
        try:
            return response.json()
        except ValueError:
            status = response.status_code
            raise self._fail(NOT_RUNFOLD, what=what, status=status) from None

    def _fail(self, template: str, **fields: Any) -> ServerUnavailable:
        return ServerUnavailable(template.format(url=self.url, **fields))

    def _unreachable(self, exc: httpx.TransportError, what: str) -> ServerUnavailable:
        if isinstance(exc, httpx.TimeoutException) and not isinstance(
            exc, httpx.ConnectTimeout
        ):
            return self._fail(TOO_SLOW, what=what, seconds=TIMEOUT.read or 0.0)
        return self._fail(UNREACHABLE, why=f"{type(exc).__name__}: {exc}")

    def _error(self, response: httpx.Response, what: str, path: str) -> RunfoldError:
        status = response.status_code
        try:
            message = str(response.json()["error"])
        except (ValueError, KeyError, TypeError):
            return self._fail(NOT_RUNFOLD, what=what, status=status)
        if status == 404:
            return _not_found(message, path)
        if status == 429:
            return RateLimited(message, float(response.headers.get("retry-after", 1)))
        if status in _STATUS_ERRORS:
            return _STATUS_ERRORS[status](message)
        if status < 500:
            return UsageError(message)
        return self._fail(SERVER_FAILED, what=what, status=status, message=message)


def _not_found(message: str, path: str) -> NotFound:
    """The 404 the local Api would raise: the path names the project and run, and
    the server's message says which of them is missing."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    project = parts[1] if len(parts) > 1 and parts[0] == "projects" else None
    run_id = parts[3] if len(parts) > 3 and parts[2] == "runs" else None
    if project is not None and message == str(ProjectNotFound(project)):
        return ProjectNotFound(project)
    if project and run_id and message == str(RunNotFound(project, run_id)):
        return RunNotFound(project, run_id)
    return NotFound(message)
