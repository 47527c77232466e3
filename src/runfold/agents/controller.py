"""A sweep's decisions, made over a store: create a sweep from a definition, hand
an agent its next run, and judge whether a running run should stop early.

The store hands out indices atomically (``store.sweeps``); this module supplies
what to run at an index (``runfold.sweeps.propose``: the grid point, a random
sample, or bayes' proposal from the sweep's runs so far). The server's sweep
routes call the same controller, so local agents and agents on other machines
(``agents.client``) get runs the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ProjectNotFound
from ..query.sweeps import metric_value
from ..sweeps import SweepDefinition, Trial, parse_definition, propose, should_stop

__all__ = ["SweepController", "LOST_AFTER", "definition_of"]

# An agent not heard from for this long is gone: its running proposal is handed
# out again (agents report every few seconds).
LOST_AFTER = 60.0


def definition_of(config: Mapping[str, Any]) -> SweepDefinition:
    """A stored sweep's definition (its normalised JSON) as a SweepDefinition."""
    return SweepDefinition.from_dict(config)


def _seed(sweep_id: str) -> int:
    return int(hashlib.sha256(sweep_id.encode()).hexdigest()[:12], 16)


class SweepController:
    """Create sweeps and hand out their runs over ``store`` (a ``runfold.store``
    backend with the sweep tables)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def create(
        self, project: str, source: SweepDefinition | Mapping[str, Any] | str | Path,
        *, name: str | None = None,
    ) -> Any:  # fmt: skip
        """A new sweep from a definition (a dict, YAML text or a file); refused
        with a UsageError naming the field when it is wrong."""
        defn = (
            source if isinstance(source, SweepDefinition) else parse_definition(source)
        )
        return self.store.create_sweep(project, defn.as_dict(), name=name or defn.name)

    def claim(
        self, project: str, sweep_id: str, agent_id: str, *,
        lost_after: float = LOST_AFTER, run_id: str | None = None,
    ) -> Any:  # fmt: skip
        """The agent's next run (``store.sweeps.Claim``): its index and parameters,
        or None with the sweep's state when there is nothing to run now."""
        sweep = self.store.get_sweep(project, sweep_id)
        defn = definition_of(sweep.definition)
        has_target = defn.metric is not None and defn.metric.target is not None
        trials = (
            self.trials(project, sweep_id, defn)
            if defn.method == "bayes" or has_target else []
        )  # fmt: skip
        if has_target and self._target_reached(defn, trials):
            self.store.set_sweep_state(project, sweep_id, "finished")
        seed = _seed(sweep_id)
        return self.store.claim_sweep_run(
            project, sweep_id, agent_id,
            lambda index: propose(defn, trials, index, seed),
            lost_after=lost_after, run_id=run_id,
        )  # fmt: skip

    def trials(
        self, project: str, sweep_id: str, defn: SweepDefinition | None = None
    ) -> list[Trial]:
        """The sweep's runs as bayes sees them: parameters, metric value, state."""
        if defn is None:
            defn = definition_of(self.store.get_sweep(project, sweep_id).definition)
        metric = defn.metric.name if defn.metric is not None else None
        proposals = [p for p in self.store.sweep_runs(project, sweep_id)
                     if p.state != "replaced"]  # fmt: skip
        runs = {r.id: r for r in self._runs(project)}
        out = []
        for p in proposals:
            run = runs.get(p.run_id)
            value = metric_value(run, metric) if run is not None and metric else None
            state = (
                "running" if p.state == "running" else (run.state if run else p.state)
            )
            out.append(Trial(p.params, value, state))
        return out

    def _runs(self, project: str) -> list[Any]:
        try:
            return list(self.store.list_runs(project))
        except ProjectNotFound:  # a sweep's project has no runs before its first
            return []

    @staticmethod
    def _target_reached(defn: SweepDefinition, trials: list[Trial]) -> bool:
        assert defn.metric is not None
        return any(t.value is not None and defn.metric.reached_target(t.value)
                   for t in trials)  # fmt: skip

    def seen(
        self, project: str, sweep_id: str, agent_id: str, *, host: str | None = None,
        pid: int | None = None, state: str = "running",
    ) -> str:  # fmt: skip
        """An agent's heartbeat; returns the sweep's state (running, paused,
        finished, canceled)."""
        return str(self.store.agent_seen(
            project, sweep_id, agent_id, host=host, pid=pid, state=state
        ))  # fmt: skip

    def end(
        self, project: str, sweep_id: str, run_id: str, state: str,
        reason: str | None = None,
    ) -> None:  # fmt: skip
        self.store.end_sweep_run(project, sweep_id, run_id, state, reason)

    def judge(self, project: str, sweep_id: str, run_id: str) -> tuple[bool, str]:
        """Whether the running ``run_id`` should stop now (the definition's
        ``early_terminate``, hyperband), and why, for the sweep page."""
        defn = definition_of(self.store.get_sweep(project, sweep_id).definition)
        if defn.early_terminate is None or defn.metric is None:
            return False, "the sweep has no early termination"
        ids = {p.run_id for p in self.store.sweep_runs(project, sweep_id)}
        runs = [r for r in self._runs(project) if r.id in ids]
        series = self.store.series([r.pk for r in runs], defn.metric.name)
        values = {r.id: series[r.pk].values.tolist() if r.pk in series else []
                  for r in runs}  # fmt: skip
        mine = values.pop(run_id, [])
        return should_stop(
            defn.early_terminate, mine, list(values.values()), defn.metric.goal
        )

    def sweep(self, project: str, sweep_id: str) -> Any:
        return self.store.get_sweep(project, sweep_id)

    def sweeps(self, project: str) -> list[Any]:
        return list(self.store.list_sweeps(project))

    def set_state(self, project: str, sweep_id: str, state: str) -> Any:
        """Pause (paused), resume (running), stop (finished) or cancel (canceled)."""
        return self.store.set_sweep_state(project, sweep_id, state)
