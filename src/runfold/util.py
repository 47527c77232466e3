"""Public helpers: ``runfold.util.generate_id``."""

from __future__ import annotations

import secrets

__all__ = ["generate_id"]

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def generate_id(length: int = 8) -> str:
    """A random ``[a-z0-9]`` string (8 characters by default), drawn with ``secrets``.

    Use it for run ids and for group names set by a launcher:
    ``os.environ["RUNFOLD_RUN_GROUP"] = "experiment-" + runfold.util.generate_id()``.
    """
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
