"""The Runfold server: a JSON API under /api/v1/ and the web UI (web/static).

Not imported by ``import runfold``: ``runfold ui`` and ``runfold server`` load it.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
