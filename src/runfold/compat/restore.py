"""W&B's ``wandb.restore``: a file of a past run, copied here and opened."""

from __future__ import annotations

import os
from typing import IO, Any

from ..errors import NotFound, UsageError
from ..sdk.context import current

__all__ = ["restore"]


def restore(
    name: str,
    run_path: str | None = None,
    replace: bool = False,
    root: str | os.PathLike[str] | None = None,
) -> IO[Any] | None:
    """Copy the file ``name`` of the run ``run_path`` ("project/run_id" or
    "entity/project/run_id"; default: the current run, as when resuming) into
    ``root`` (default: the current run's files folder, else the working
    directory) and return it opened for reading; a copy already there is
    returned as it is unless ``replace``. None when the run has no such file,
    or in disabled mode (W&B's rules); RunNotFound for a run that is not there. Runs are read where ``runfold.Api()``
    reads them: the local store, or the server in online mode."""
    run: Any = current()
    if run is not None and run.mode == "disabled":
        run = None
        disabled = True
    else:
        disabled = False
    if run_path is None:
        if run is None:
            raise UsageError(
                "runfold.restore(name) needs run_path='project/run_id' when no "
                "run is started (runfold.init())."
            )
        run_path = run.path
    if root is None:
        root = run.dir / "files" if run is not None else os.getcwd()
    path = os.path.join(os.fspath(root), name)
    if os.path.exists(path) and not replace:
        return open(path)  # noqa: SIM115 - the caller's to close, as in W&B
    if disabled:
        return None
    from ..api import Api

    api = Api()
    try:
        past = api.run(run_path)  # RunNotFound names the run
        try:
            found = past.file(name)
        except NotFound:
            return None
        found.download(root=root, replace=True).close()
    finally:
        api.close()
    return open(path)  # noqa: SIM115
