"""MLflow runs, read with MLflow's own client from any tracking store it opens:
a local ``mlruns/`` folder, a SQL database (``sqlite:///mlflow.db``,
``postgresql://...``) or a tracking server (``http://host:5000``).

An experiment's runs become runs of the Runfold project of the same name. Params
become the config (MLflow keeps them as text: numbers and booleans are read
back as such), metrics the history with their own steps and times, tags the
run's tags (``key=value``) and fields (``mlflow.runName``, ``mlflow.note.content``),
and the group comes from a tag chosen with ``--group-tag`` or else from
``mlflow.parentRunId``: a nested run joins the group named after its parent.
Artifacts become files of the run; images logged with ``mlflow.log_image(key=,
step=)`` become media at their step.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import UsageError
from ..media.base import Put, file_ref
from ..model import RecordKind
from ..sdk.values import key_problem
from .source import Item, SourceRun, png_size, project_name, short_id

__all__ = ["open_client", "mlflow_runs", "NEEDS_MLFLOW", "NO_STORE"]

NEEDS_MLFLOW = (
    "Importing from MLflow needs the mlflow package, whose client reads the "
    "tracking store: pip install 'runfold[importers]' (or pip install mlflow)."
)
NO_STORE = (
    "No MLflow tracking store at {uri!r}: {why}. Pass --tracking-uri a local "
    "mlruns/ folder, sqlite:///path/to/mlflow.db or a tracking server's URL."
)
NO_EXPERIMENT = "No MLflow experiment {name!r} at {uri!r}; it has: {names}."
_STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "crashed"}
# mlflow.log_image(key=, step=): images/<key>+step+<n>+timestamp+<ms>+<uuid>.png
# (MLflow 2 wrote % for + and # for the key's /; MLflow 3 writes ~).
_IMAGE = re.compile(
    r"^images/(?P<key>.+?)(?P<s>[+%])step(?P=s)(?P<step>\d+)(?P=s)timestamp(?P=s)"
    r"(?P<ts>\d+)(?P=s)[0-9a-fA-F-]+(?P<compressed>(?P=s)compressed\.webp|\.png)$"
)
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")


def open_client(uri: str) -> Any:
    """MLflow's client over ``uri``; UsageError for a store that is not there
    (MLflow would create an empty one) or when mlflow is not installed."""
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise UsageError(NEEDS_MLFLOW) from None
    # MLflow draws a progress bar per artifact downloaded; the import draws its own.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    path = _file_store(uri)
    parsed = urlparse(uri)
    if path is not None:
        if not path.is_dir():
            raise UsageError(NO_STORE.format(uri=uri, why="no such directory"))
        uri = path.resolve().as_uri()
        # MLflow 3 refuses its file store unless told: this only reads it.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    elif parsed.scheme == "sqlite":
        path = Path(uri.removeprefix("sqlite:///"))
        if not path.is_file():
            raise UsageError(
                NO_STORE.format(uri=uri, why=f"no database file {str(path)!r}")
            )
    return MlflowClient(tracking_uri=uri)


def mlflow_runs(
    client: Any, uri: str, experiments: list[str], project: str | None,
    group_tag: str | None,
) -> list[SourceRun]:  # fmt: skip
    """A ``SourceRun`` per active run of the experiments named (default: all)."""
    from mlflow.exceptions import MlflowException

    try:
        found = []
        for experiment in _experiments(client, uri, experiments):
            runs, broken = _listed(client, uri, experiment)
            names = {r.info.run_id: r.info.run_name for r in runs}
            for run in runs:
                found.append(
                    _source_run(client, run, experiment, names, project, group_tag)
                )
            found += [
                SourceRun(
                    origin="mlflow",
                    source_id=run_id,
                    location=f"mlflow run {run_id}",
                    project=project or project_name(experiment.name),
                    run_id=short_id("mlflow", run_id),
                    name=run_id,
                    broken=why,
                )  # fmt: skip
                for run_id, why in broken.items()
            ]
        return found
    except (MlflowException, OSError) as exc:
        raise UsageError(NO_STORE.format(uri=uri, why=str(exc).rstrip("."))) from None


def _listed(client: Any, uri: str, experiment: Any) -> tuple[list[Any], dict[str, str]]:
    """The experiment's runs, and {run id: why} for those MLflow cannot read.
    One damaged run of an mlruns/ folder fails MLflow's listing of its whole
    experiment: there, the runs are read one by one from the folder instead."""
    from mlflow.exceptions import MlflowException

    try:
        return list(_search(client, experiment.experiment_id)), {}
    except (MlflowException, ValueError) as exc:
        folder = _file_store(uri)
        if folder is None:
            raise
        first_error = str(exc)
    runs, broken = [], {}
    for meta in sorted((folder / experiment.experiment_id).glob("*/meta.yaml")):
        run_id = meta.parent.name
        try:
            runs.append(client.get_run(run_id))
        except Exception as exc:  # noqa: BLE001 - whatever broke it, say it and go on
            broken[run_id] = f"MLflow cannot read it ({exc or first_error})"
    runs.sort(key=lambda r: r.info.start_time or 0)
    return runs, broken


def _file_store(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme not in ("", "file"):
        return None
    return Path(parsed.path if parsed.scheme else uri).expanduser()


def _experiments(client: Any, uri: str, names: list[str]) -> list[Any]:
    every = list(client.search_experiments())
    if not names:
        return every
    by_name = {e.name: e for e in every}
    for name in names:
        if name not in by_name:
            have = ", ".join(repr(n) for n in sorted(by_name)) or "none"
            raise UsageError(NO_EXPERIMENT.format(name=name, uri=uri, names=have))
    return [by_name[name] for name in names]


def _search(client: Any, experiment_id: str) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs(
            [experiment_id], max_results=1000, page_token=token,
            order_by=["attributes.start_time ASC"],
        )  # fmt: skip
        yield from page
        token = page.token
        if not token:
            return


def param_value(text: str) -> Any:
    """An MLflow param (always text) as the value it was: int, float, bool,
    None, or the text itself."""
    if _INT.match(text):
        return int(text)
    if text in ("True", "true", "False", "false"):
        return text in ("True", "true")
    if text == "None":
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return (
        value
        if math.isfinite(value) or text.lower() in ("nan", "inf", "-inf")
        else text
    )


def _source_run(
    client: Any, run: Any, experiment: Any, names: dict[str, str],
    project: str | None, group_tag: str | None,
) -> SourceRun:  # fmt: skip
    info, tags = run.info, dict(run.data.tags)
    state = _STATES.get(info.status)
    source = SourceRun(
        origin="mlflow", source_id=info.run_id, location=f"mlflow run {info.run_id}",
        project=project or project_name(experiment.name),
        run_id=short_id("mlflow", info.run_id),
        name=info.run_name or tags.get("mlflow.runName") or info.run_id,
        group=_group(client, tags, names, group_tag),
        tags=[f"{k}={v}" if v else k for k, v in sorted(tags.items())
              if not k.startswith("mlflow.")],
        notes=tags.get("mlflow.note.content"),
        created_at=info.start_time / 1000 if info.start_time else None,
        config={k: param_value(v) for k, v in run.data.params.items()},
        meta=_meta(info, experiment, tags), state=state,
        exit_code={"finished": 0, "failed": 1}.get(state or ""),
        finished_at=info.end_time / 1000 if info.end_time else None,
    )  # fmt: skip
    source.read = _Reader(client, source, info.run_id, list(run.data.metrics)).items
    if state is not None and info.end_time:
        source.fingerprint = _fingerprint(run)
    return source


def _fingerprint(run: Any) -> str:
    """An ended run as MLflow lists it: its status, end time, params, tags and
    each metric's latest value (what logging to it again would change)."""
    data = run.data
    text = json.dumps(
        [run.info.status, run.info.end_time, sorted(data.metrics.items()),
         sorted(data.params.items()), sorted(data.tags.items())],
        default=repr,
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _group(
    client: Any, tags: dict[str, str], names: dict[str, str], group_tag: str | None
) -> str | None:
    if group_tag and tags.get(group_tag):
        return tags[group_tag]
    parent = tags.get("mlflow.parentRunId")
    if not parent:
        return None
    if parent not in names:
        try:
            names[parent] = client.get_run(parent).info.run_name or parent
        except Exception:  # noqa: BLE001 - a parent deleted or elsewhere: its id
            names[parent] = parent
    return names[parent] or parent


def _meta(info: Any, experiment: Any, tags: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "mlflow": {
            "experiment": experiment.name, "experiment_id": experiment.experiment_id,
            "run_id": info.run_id, "user": info.user_id,
            "artifact_uri": info.artifact_uri, "tags": tags,
        },
    }  # fmt: skip
    git = {
        "commit": tags.get("mlflow.source.git.commit"),
        "remote": tags.get("mlflow.source.git.repoURL"),
        "branch": tags.get("mlflow.source.git.branch"),
    }
    if any(git.values()):
        meta["git"] = git
    if tags.get("mlflow.source.name"):
        meta["host"] = {"argv": [tags["mlflow.source.name"]]}
    if info.user_id:
        meta["user"] = info.user_id
    return meta


class _Reader:
    def __init__(
        self, client: Any, run: SourceRun, run_id: str, keys: list[str]
    ) -> None:
        self.client = client
        self.run = run
        self.run_id = run_id
        self.keys = keys

    def items(self) -> Iterator[Item]:
        self.run.not_carried.clear()
        yield from self._history()
        artifacts = list(self._artifacts(None))
        images = []
        self.run.files = []
        for path, size in artifacts:
            found = _IMAGE.match(path)
            if found and found.group("compressed").endswith(".png"):
                images.append(found)
            elif not found:
                self.run.files.append(_Artifact(path, size, self.client, self.run_id))
        for found in sorted(images, key=lambda m: (int(m.group("ts")), m.string)):
            key = found.group("key").replace("~", "/").replace("#", "/")
            media = _Image(self.client, self.run_id, found.string)
            yield (
                RecordKind.MEDIA,
                int(found.group("step")),
                int(found.group("ts")) / 1000,
                {key: media},
            )

    def _history(self) -> Iterator[Item]:
        """Rows in the order the points were logged: those logged at one time
        and step (one log_metrics call) share a row."""
        points = []
        for key in self.keys:
            if key_problem(key):
                self.run.not_carried["metrics under keys Runfold cannot hold"] += 1
                continue
            for m in self.client.get_metric_history(self.run_id, key):
                points.append((m.timestamp, m.step, key, float(m.value)))
        points.sort(key=lambda p: (p[0], p[1]))
        row: dict[str, float] = {}
        at: tuple[int, int] | None = None
        for ts, step, key, value in points:
            if (ts, step) != at or key in row:
                if row and at is not None:
                    yield RecordKind.HISTORY, at[1], at[0] / 1000, row
                row, at = {}, (ts, step)
            row[key] = value
        if row and at is not None:
            yield RecordKind.HISTORY, at[1], at[0] / 1000, row

    def _artifacts(self, path: str | None) -> Iterator[tuple[str, int | None]]:
        for entry in self.client.list_artifacts(self.run_id, path):
            if entry.is_dir:
                yield from self._artifacts(entry.path)
            else:
                yield entry.path, entry.file_size


def _download(client: Any, run_id: str, path: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="runfold-import-") as tmp:
        local = client.download_artifacts(run_id, path, tmp)
        return Path(local).read_bytes()


@dataclass
class _Artifact:
    """An artifact of the run, downloaded when its copy is missing or differs."""

    name: str
    size: int | None
    client: Any
    run_id: str

    def is_same(self, target: Path) -> bool:
        try:
            return self.size is not None and target.stat().st_size == self.size
        except OSError:
            return False

    def copy_to(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="runfold-import-") as tmp:
            local = self.client.download_artifacts(self.run_id, self.name, tmp)
            shutil.move(local, target)


class _Image:
    """An image logged with ``mlflow.log_image(key=, step=)``."""

    def __init__(self, client: Any, run_id: str, path: str) -> None:
        self.client = client
        self.run_id = run_id
        self.path = path

    def to_ref(self, put: Put) -> dict[str, Any] | None:
        data = _download(self.client, self.run_id, self.path)
        width, height = png_size(data)
        return file_ref(
            put, "image-file", data, "images", ".png", format="png", width=width,
            height=height,
        )  # fmt: skip
