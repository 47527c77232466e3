"""``SweepClient``: the sweep controller of an agent in online mode, over a Runfold
server's HTTP API (``server/routes/sweeps.py``). It has ``SweepController``'s
methods and answers with the same rows (``store.rows``), so ``runner.Agent`` runs
a sweep the same way whether its store is local or on a server; the server
decides (grid point, random sample, bayes proposal, hyperband) with its own
controller over its store.

Failures are ``runfold.errors`` exceptions, as ``Api(base_url=...)`` raises them
(``remote.Http``): a wrong definition or argument UsageError with the server's
message, a missing sweep NotFound, a key problem AuthError, and a server that
cannot be reached ServerUnavailable naming its address and what to check.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import UsageError
from ..query.sweeps import proposal_row, sweep_row
from ..remote import Http
from ..store.rows import Claim, SweepRow
from ..sweeps import SweepDefinition, parse_definition
from .controller import LOST_AFTER

__all__ = ["SweepClient", "NO_BASE_URL"]

NO_BASE_URL = (
    "Online mode needs the Runfold server's address, and base_url is {url!r}: set "
    "RUNFOLD_BASE_URL=http://HOST:PORT (what runfold server printed), or unset "
    "RUNFOLD_MODE to run the sweep in the local store."
)


def _url(*parts: str) -> str:
    return "/projects/" + "/".join(quote(p, safe="") for p in parts)


class SweepClient:
    """``SweepController``'s calls sent to the server at ``base_url`` (its
    ``/api/v1``), with ``api_key`` as ``Authorization: Bearer``."""

    def __init__(self, base_url: str | None, api_key: str | None = None) -> None:
        url = (base_url or "").strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise UsageError(NO_BASE_URL.format(url=base_url))
        self.base_url = url
        self._http = Http(url, api_key)

    def __repr__(self) -> str:
        return f"<SweepClient {self.base_url}>"

    def close(self) -> None:
        self._http.close()

    def __del__(self) -> None:
        # runfold.sweep() and runfold.agent() drop their controller unclosed: its
        # kept-alive connection must not outlive it (a ResourceWarning otherwise)
        with contextlib.suppress(Exception):
            self.close()

    def _post(self, *parts: str, body: Mapping[str, Any]) -> Any:
        return self._http.send("POST", _url(*parts), json=dict(body))

    def create(
        self, project: str, source: SweepDefinition | Mapping[str, Any] | str | Path,
        *, name: str | None = None,
    ) -> SweepRow:  # fmt: skip
        """A new sweep on the server from a definition (a dict, YAML text or a
        file), checked here first and again there."""
        defn = (
            source if isinstance(source, SweepDefinition) else parse_definition(source)
        )
        body = {"config": defn.as_dict(), "name": name or defn.name}
        return sweep_row(self._post(project, "sweeps", body=body))

    def claim(
        self, project: str, sweep_id: str, agent_id: str, *,
        lost_after: float = LOST_AFTER, run_id: str | None = None,
    ) -> Claim:  # fmt: skip
        """The agent's next run, or None with the sweep's state."""
        body: dict[str, Any] = {"agent_id": agent_id, "lost_after": lost_after}
        if run_id is not None:
            body["run_id"] = run_id
        found = self._post(project, "sweeps", sweep_id, "claim", body=body)
        run = found["run"]
        return Claim(found["state"], None if run is None else proposal_row(run))

    def seen(
        self, project: str, sweep_id: str, agent_id: str, *, host: str | None = None,
        pid: int | None = None, state: str = "running",
    ) -> str:  # fmt: skip
        """An agent's heartbeat; returns the sweep's state."""
        body = {"host": host, "pid": pid, "state": state}
        found = self._post(project, "sweeps", sweep_id, "agents", agent_id, body=body)
        return str(found["state"])

    def end(
        self, project: str, sweep_id: str, run_id: str, state: str,
        reason: str | None = None,
    ) -> None:  # fmt: skip
        body = {"state": state, "reason": reason}
        self._post(project, "sweeps", sweep_id, "runs", run_id, "end", body=body)

    def judge(self, project: str, sweep_id: str, run_id: str) -> tuple[bool, str]:
        """Whether the running ``run_id`` should stop now, and why."""
        path = _url(project, "sweeps", sweep_id, "runs", run_id, "judge")
        found = self._http.get(path)
        return bool(found["stop"]), str(found["reason"])

    def sweep(self, project: str, sweep_id: str) -> SweepRow:
        return sweep_row(self._http.get(_url(project, "sweeps", sweep_id)))

    def sweeps(self, project: str) -> list[SweepRow]:
        found = self._http.get(_url(project, "sweeps"))
        return [sweep_row(s) for s in found["sweeps"]]

    def set_state(self, project: str, sweep_id: str, state: str) -> SweepRow:
        """Pause (paused), resume (running), stop (finished) or cancel (canceled)."""
        body = {"state": state}
        return sweep_row(self._post(project, "sweeps", sweep_id, "state", body=body))
