"""Importers: runs of W&B, MLflow and TensorBoard brought into Runfold (issue 21).

Each source has a reader that turns what the source keeps into ``SourceRun``
values (``source.py``): the run's fields, and its history, system metrics,
histograms and media as a stream in the order they were logged. ``records.py``
writes each one as a Runfold run log under ``<store dir>/runs/<project>/<id>/``
(the place a native run keeps its own), appending only what an earlier import
did not write; ``importer.py`` then loads that log into the local store or
uploads it to a server through ``runfold.sync``, the path every run log takes.
So an import is as idempotent as ``runfold sync``: importing again adds nothing,
and a source that grew adds only what is new.

The readers use each source's own package (``wandb``'s record format, the
``mlflow`` client, ``tensorboard``'s event reader), imported when a command
needs it and named in the error when it is missing. Nothing here is imported by
``import runfold``: ``runfold import`` (``cli_import.py``) is the only caller.
"""

from __future__ import annotations

__all__: list[str] = []
