"""Runfold: record machine-learning runs and fold them into experiments.

    import runfold                      # or: import runfold as wandb
    run = runfold.init(project="mnist", group="exp-1", config={"lr": 0.01})
    run.log({"loss": 0.5})
    run.finish()

``import runfold`` loads only the SDK (stdlib and msgpack); the store, NumPy, the
read-back ``Api`` and the CLI load when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import RunfoldError, UsageError
from .sdk.context import current as _current
from .sdk.context import define_metric, finish, log, save, unwatch, watch
from .sdk.context import inherited as _inherited
from .sdk.histogram import Histogram
from .sdk.init import init
from .sdk.run import Run, RunfoldWarning

if TYPE_CHECKING:
    from . import util
    from .api import Api

__version__ = "0.1.0"

__all__ = [
    "Api",
    "Artifact",
    "Audio",
    "Histogram",
    "Html",
    "Image",
    "Molecule",
    "Object3D",
    "Plotly",
    "Table",
    "Video",
    "Run",
    "RunfoldError",
    "RunfoldWarning",
    "UsageError",
    "agent",
    "as_wandb",
    "config",
    "define_metric",
    "finish",
    "init",
    "join",
    "link_model",
    "log",
    "log_artifact",
    "log_model",
    "login",
    "plot",
    "plot_table",
    "run",
    "save",
    "sklearn",
    "summary",
    "sweep",
    "unwatch",
    "use_artifact",
    "use_model",
    "util",
    "watch",
]

join = finish

# W&B's media types (runfold.media), loaded on first use: NumPy and Pillow too.
_MEDIA = frozenset(
    {"Image", "Audio", "Video", "Html", "Object3D", "Molecule", "Plotly", "Table"}
)


# W&B's artifact calls on the current run (sdk/runartifacts.py).
_ARTIFACT_CALLS = frozenset(
    {"log_artifact", "use_artifact", "log_model", "use_model", "link_model"}
)


def login(*args: Any, **kwargs: Any) -> bool:
    """Accepted for W&B compatibility; the local store needs no login."""
    return True


class _PreInit:
    """What ``runfold.config`` / ``runfold.summary`` are before ``init()``."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise UsageError(f"Call runfold.init() before using runfold.{self._name}.")

    __getattr__ = __getitem__ = __setitem__ = update = _fail  # type: ignore[assignment]


def __getattr__(name: str) -> Any:
    if name in ("config", "summary"):
        run = _current() or _inherited()
        return getattr(run, name) if run is not None else _PreInit(name)
    if name == "run":
        return _current()
    if name == "sweep":
        from .agents.api import sweep

        return sweep
    if name == "agent":
        from .agents.runner import agent

        return agent
    if name == "Api":
        from .api import Api

        return Api
    if name in ("util", "plot", "sklearn"):  # W&B's modules; loaded on first use
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if name == "plot_table":  # W&B's wandb.plot_table
        from .plot import plot_table

        return plot_table
    if name in _MEDIA:
        from . import media

        return getattr(media, name)
    if name == "Artifact":  # issue 17: versioned datasets and models
        from .artifacts.artifact import Artifact

        return Artifact
    if name in _ARTIFACT_CALLS:  # on the current run
        from .sdk import runartifacts

        return getattr(runartifacts, name)
    if name.startswith("__"):
        raise AttributeError(f"module 'runfold' has no attribute {name!r}")
    # W&B's other names (setup, Settings, restore, alert, termlog, as_wandb ...);
    # a name W&B has and Runfold does not raises MissingAttribute saying so.
    from .compat import wbtop

    return getattr(wbtop, name)
