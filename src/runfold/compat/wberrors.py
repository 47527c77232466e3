"""``wandb.errors`` in zero-change mode: W&B's exception names, as Runfold's."""

from __future__ import annotations

from ..errors import (
    AuthError,
    ConfigError,
    NotSupported,
    RunfoldError,
    ServerUnavailable,
    UsageError,
)

__all__ = [
    "Error", "CommError", "UsageError", "AuthenticationError",
    "AuthorizationError", "UnsupportedError", "ConfigError",
]  # fmt: skip

Error = RunfoldError
CommError = ServerUnavailable
AuthenticationError = AuthError
AuthorizationError = AuthError
UnsupportedError = NotSupported
