"""Runfold's exceptions.

RunfoldError
├── UsageError          bad arguments to init(), log() and the other SDK calls
│   └── ConfigError     a config value changed without allow_val_change (W&B's rule)
├── NotSupported        a W&B call Runfold does not do; the message says what to use
│   ├── MissingAttribute  ... reached as an attribute (also an AttributeError)
│   └── MissingModule     ... reached as a ``wandb.*`` module (also an ImportError)
├── NotFound            status 404
│   ├── ProjectNotFound
│   └── RunNotFound
├── Conflict            status 409 (e.g. a run id that already exists)
├── AuthError           status 401
├── Forbidden           status 403
├── RateLimited         status 429 (with retry_after)
├── PayloadTooLarge     status 413
├── StoreError          the store could not be opened or written
├── ServerUnavailable   the SDK or `runfold sync` could not reach a Runfold server,
│                       or it timed out or failed (5xx): worth retrying
└── ServerRejected      a Runfold server refused the request (4xx): retrying the
    │                   same data cannot help
    └── FileRefused     it refused one file (too large, a name it does not allow);
                        the run's records and other files go on
"""

from __future__ import annotations


class RunfoldError(Exception):
    """Base class of every error Runfold raises on purpose."""

    status = 500


class UsageError(RunfoldError, ValueError):
    status = 400


class ConfigError(UsageError):
    """A run's config value changed without ``allow_val_change=True`` (W&B's
    ``wandb.sdk.lib.config_util.ConfigError``)."""


class NotSupported(RunfoldError):
    """A W&B call Runfold does not do (yet); the message names it and says what
    to do instead (docs/migrating-from-wandb.md lists every call)."""

    status = 400


class MissingAttribute(NotSupported, AttributeError):
    """A W&B name Runfold does not have, looked up as an attribute: an
    AttributeError too, so ``hasattr`` and ``getattr(x, name, default)`` work."""


class MissingModule(NotSupported, ModuleNotFoundError):
    """A ``wandb.*`` module Runfold does not have (zero-change mode): an
    ImportError too, so ``try: import ... except ImportError`` works."""


class NotFound(RunfoldError, LookupError):
    status = 404


class ProjectNotFound(NotFound):
    def __init__(self, project: str) -> None:
        super().__init__(
            f"Project {project!r} not found. List projects with: runfold projects"
        )
        self.project = project


class RunNotFound(NotFound):
    def __init__(self, project: str, run_id: str) -> None:
        super().__init__(
            f"Run {run_id!r} not found in project {project!r}. "
            f"List its runs with: runfold runs {project}"
        )
        self.project = project
        self.run_id = run_id


class Conflict(RunfoldError):
    status = 409


class AuthError(RunfoldError):
    status = 401


class PayloadTooLarge(RunfoldError):
    status = 413


class StoreError(RunfoldError):
    status = 500


class Forbidden(RunfoldError):
    """Authenticated, but this action is refused (e.g. a write without its CSRF
    token). What a caller cannot see is NotFound instead, never Forbidden."""

    status = 403


class RateLimited(RunfoldError):
    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# ---- what a client of a Runfold server meets (the SDK online, runfold sync) -----


class ServerUnavailable(RunfoldError):
    """The server could not be reached, timed out or failed (5xx): worth retrying."""

    status = 503


class ServerRejected(RunfoldError):
    """The server refused the request (4xx): retrying the same data cannot help."""

    status = 400


class FileRefused(ServerRejected):
    """The server refused one file (too large, a name it does not allow): the run's
    records and other files go on."""
