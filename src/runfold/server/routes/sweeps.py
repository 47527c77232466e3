"""A project's sweeps (issue 14): the sweep pages, and the calls agents on other
machines make (``runfold.agents.client.SweepClient``).

    GET  /projects/{project}/sweeps                           {"sweeps": [S]} newest first
    GET  /projects/{project}/sweeps/{id}                      the page: S + metric, runs, parameters
    POST /projects/{project}/sweeps/{id}/state                {"state"}: pause, resume, stop, cancel
    GET  /projects/{project}/sweeps/{id}/proposals            every proposal handed out
    POST /projects/{project}/sweeps                           {"config", "name"?}: a new sweep
    POST /projects/{project}/sweeps/{id}/claim                {"agent_id", ...}: the agent's next run
    POST /projects/{project}/sweeps/{id}/agents/{agent_id}    an agent's heartbeat
    POST /projects/{project}/sweeps/{id}/runs/{run_id}/end    a run ended
    GET  /projects/{project}/sweeps/{id}/runs/{run_id}/judge  should it stop early?

S is ``store.sweeps.sweep_fields``; the page is ``query.sweeps.sweep_page``
(``runfold.Api().sweep(...).page()`` gives the same JSON). The agents' calls go
through the same ``SweepController`` local agents use, over the server's store,
so agents on many machines share a sweep as processes on one machine do. The
server proposes (bayes needs Optuna installed beside it).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ...agents.controller import SweepController
from ...errors import Conflict, UsageError
from ...query.sweeps import proposal_fields
from ...settings import validate_project, validate_run_id
from ...store.rows import AgentRow, SweepRunRow
from ...store.sweeps import sweep_fields
from ...sweeps import parse_definition
from ..deps import ApiDep, StoreDep
from ..openapi import answers
from ..schemas import json_response, reject_unknown_params

__all__ = ["router", "NO_OPTUNA"]

NO_OPTUNA = (
    "Sweep method 'bayes' needs Optuna on the Runfold server, which proposes each "
    "run: install it where the server runs (pip install optuna, or "
    "pip install 'runfold[sweeps]') and restart it, or use method 'random'."
)
RUN_TAKEN = (
    "Run id {run_id!r} is already a run of sweep {sweep_id!r}; claim without "
    "run_id to get a new one."
)
BAD_ID = (
    "{what} {value!r} is not allowed: use letters, digits, '-', '_' or '.' (at "
    "most 64), as runfold sweep and runfold agent make them."
)
MAX_LOST_AFTER = 30 * 24 * 3600.0
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _plain_text(value: str) -> str:
    """Text the store keeps as it is: no NUL (PostgreSQL refuses it) and no lone
    surrogate (not encodable)."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogate)") from None
    return value


def _json_text(value: dict[str, Any]) -> dict[str, Any]:
    _plain_text(json.dumps(value, ensure_ascii=False))
    return value


def _check_names(request: Request) -> None:
    """The names in the path, before the store sees them: 400 for a project,
    sweep, run or agent id no sweep can have."""
    names = request.path_params
    validate_project(names["project"])
    if "run_id" in names:
        validate_run_id(names["run_id"])
    for key, what in (("sweep_id", "Sweep id"), ("agent_id", "Agent id")):
        if key in names and not _ID.fullmatch(names[key]):
            raise UsageError(BAD_ID.format(what=what, value=names[key]))


router = APIRouter(
    tags=["sweeps"],
    dependencies=[Depends(reject_unknown_params), Depends(_check_names)],
)

_Plain = AfterValidator(_plain_text)
SweepName = Annotated[str, Field(min_length=1, max_length=200), _Plain]
AgentId = Annotated[str, Field(pattern=_ID.pattern)]
Host = Annotated[str, Field(max_length=255), _Plain]
AgentState = Annotated[str, Field(min_length=1, max_length=32), _Plain]
Reason = Annotated[str, Field(max_length=2000), _Plain]
SweepState = Literal["running", "paused", "finished", "canceled"]  # SWEEP_STATES


# ---- bodies -------------------------------------------------------------------


class SweepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: Annotated[dict[str, Any], AfterValidator(_json_text)] = Field(
        description="A W&B sweep definition: method, metric, parameters, program, "
        "command, run_cap, early_terminate (as in a sweep YAML file)."
    )
    name: SweepName | None = None


class StateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: SweepState = Field(
        description="running (resume), paused, finished (stop: no new runs) or "
        "canceled (no new runs, and agents end the running ones)."
    )


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: AgentId
    lost_after: float = Field(
        60.0, gt=0, le=MAX_LOST_AFTER, allow_inf_nan=False,
        description="Seconds without a heartbeat after which an agent's run is "
        "handed to another agent.",
    )  # fmt: skip
    run_id: str | None = Field(None, description="The id the new run takes.")


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: Host | None = None
    pid: int | None = Field(None, ge=0, le=2**31 - 1)
    state: AgentState = "running"


class EndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["finished", "failed", "crashed", "stopped"]
    reason: Reason | None = None


# ---- answers (documentation: the bodies are dicts; agents and proposals are the
# store's rows as they are sent) -------------------------------------------------


class SweepOut(BaseModel):
    id: str
    project: str
    name: str | None
    state: str
    config: dict[str, Any]
    created_at: float
    updated_at: float
    run_count: int
    agents: list[AgentRow]


class SweepList(BaseModel):
    sweeps: list[SweepOut]


class MetricOut(BaseModel):
    name: str
    goal: str


class SweepRunOut(BaseModel):
    index: int
    run_id: str
    name: str | None
    state: str = Field(description="The run's state; the proposal's before it starts.")
    proposal_state: str
    reason: str | None
    params: dict[str, Any] = Field(description="By dotted name: optimizer.lr")
    value: float | None = Field(description="The run's summary value of the metric.")
    best_so_far: float | None
    group: str | None
    job_type: str | None


class ParameterOut(BaseModel):
    name: str
    importance: float | None
    correlation: float | None


class SweepPage(SweepOut):
    metric: MetricOut | None
    runs: list[SweepRunOut]
    parameters: list[ParameterOut]


class ProposalList(BaseModel):
    proposals: list[SweepRunRow]


class ClaimOut(BaseModel):
    state: str
    run: SweepRunRow | None


class StateOut(BaseModel):
    state: str


class JudgeOut(BaseModel):
    stop: bool
    reason: str


# ---- routes -------------------------------------------------------------------


def _controller(store: StoreDep) -> SweepController:
    return SweepController(store)


ControllerDep = Annotated[SweepController, Depends(_controller)]


def _has_optuna() -> bool:
    try:
        import optuna  # noqa: F401
    except ImportError:
        return False
    return True


@router.get("/projects/{project}/sweeps", response_model=SweepList)
def list_sweeps(project: str, sweeps: ControllerDep) -> JSONResponse:
    """The project's sweeps, newest first, with their agents."""
    return json_response({"sweeps": [sweep_fields(s) for s in sweeps.sweeps(project)]})


@router.get("/projects/{project}/sweeps/{sweep_id}", response_model=SweepPage)
def sweep_page(project: str, sweep_id: str, api: ApiDep) -> JSONResponse:
    """The sweep page: the sweep, its runs in index order with the metric and the
    best value so far, and each parameter's importance and correlation with the
    metric (see ``runfold.query.sweeps``)."""
    return json_response(api.sweep(f"{project}/{sweep_id}").page())


@router.post("/projects/{project}/sweeps/{sweep_id}/state", response_model=SweepOut)
def set_sweep_state(
    project: str, sweep_id: str, body: StateIn, sweeps: ControllerDep
) -> JSONResponse:
    """Pause (paused), resume (running), stop (finished) or cancel (canceled)."""
    return json_response(sweep_fields(sweeps.set_state(project, sweep_id, body.state)))


@router.get(
    "/projects/{project}/sweeps/{sweep_id}/proposals", response_model=ProposalList
)
def list_proposals(project: str, sweep_id: str, store: StoreDep) -> JSONResponse:
    """Every proposal handed out, in index order, a replaced one (its agent was
    lost) before the one that took its place."""
    found = store.sweep_runs(project, sweep_id)
    return json_response({"proposals": [proposal_fields(p) for p in found]})


@router.post("/projects/{project}/sweeps", response_model=SweepOut)
def create_sweep(project: str, body: SweepIn, sweeps: ControllerDep) -> JSONResponse:
    """A new sweep, running; 400 names the definition's field that is wrong."""
    defn = parse_definition(body.config)
    if defn.method == "bayes" and not _has_optuna():
        raise UsageError(NO_OPTUNA)
    return json_response(sweep_fields(sweeps.create(project, defn, name=body.name)))


@router.post(
    "/projects/{project}/sweeps/{sweep_id}/claim", response_model=ClaimOut,
    responses=answers(409),
)  # fmt: skip
def claim_run(
    project: str, sweep_id: str, body: ClaimIn, sweeps: ControllerDep,
    store: StoreDep,
) -> JSONResponse:  # fmt: skip
    """The agent's next run (its index and parameters), or none with the sweep's
    state (paused: ask again later; finished or canceled: stop)."""
    if body.run_id is not None:
        validate_run_id(body.run_id)  # it becomes the run's id
        if any(p.run_id == body.run_id for p in store.sweep_runs(project, sweep_id)):
            raise Conflict(RUN_TAKEN.format(run_id=body.run_id, sweep_id=sweep_id))
    try:
        claim = sweeps.claim(project, sweep_id, body.agent_id,
                             lost_after=body.lost_after, run_id=body.run_id)  # fmt: skip
    except UsageError as exc:
        if "needs Optuna" in str(exc):  # the server's environment, not the request
            raise UsageError(NO_OPTUNA) from None
        raise
    run = None if claim.run is None else proposal_fields(claim.run)
    return json_response({"state": claim.state, "run": run})


@router.post(
    "/projects/{project}/sweeps/{sweep_id}/agents/{agent_id}", response_model=StateOut
)
def agent_seen(
    project: str, sweep_id: str, agent_id: str, body: AgentIn,
    sweeps: ControllerDep,
) -> JSONResponse:  # fmt: skip
    """An agent's heartbeat (its first adds it); answers the sweep's state."""
    state = sweeps.seen(project, sweep_id, agent_id, host=body.host, pid=body.pid,
                        state=body.state)  # fmt: skip
    return json_response({"state": state})


@router.post(
    "/projects/{project}/sweeps/{sweep_id}/runs/{run_id}/end",
    response_model=dict[str, Any],
)
def end_run(
    project: str, sweep_id: str, run_id: str, body: EndIn, sweeps: ControllerDep
) -> JSONResponse:
    """A sweep run ended: finished, failed, crashed or stopped (with the reason)."""
    sweeps.end(project, sweep_id, run_id, body.state, body.reason)
    return json_response({})


@router.get(
    "/projects/{project}/sweeps/{sweep_id}/runs/{run_id}/judge",
    response_model=JudgeOut,
)
def judge_run(
    project: str, sweep_id: str, run_id: str, sweeps: ControllerDep
) -> JSONResponse:
    """Whether the running run should stop now (the sweep's early_terminate), and
    why."""
    stop, reason = sweeps.judge(project, sweep_id, run_id)
    return json_response({"stop": bool(stop), "reason": str(reason)})
