"""Artifacts (issue 17): versioned datasets and models, stored once by content.

``manifest`` (what a version is), ``blobs`` (content-addressed files),
``records`` (the run log's ``artifact`` records and what must hold before one is
stored), ``artifact`` (W&B's ``Artifact``), ``refs`` (references to files kept
elsewhere), ``sources`` (where a read version's files come from) and ``cache``
(downloaded files kept for the next download). See docs/artifacts.md.

Importing this package loads nothing but itself: ``runfold.Artifact`` loads
``artifact`` when first used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Artifact"]


def __getattr__(name: str) -> Any:
    if name == "Artifact":
        from .artifact import Artifact

        return Artifact
    raise AttributeError(name)
