"""What ``log()`` accepts: metric keys, and values that are numbers or act like one."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_KEY_LENGTH", "RESERVED_KEYS", "key_problem", "number"]

MAX_KEY_LENGTH = 256
RESERVED_KEYS = {"_step", "_timestamp", "_runtime"}


def key_problem(key: object) -> str | None:
    if not isinstance(key, str):
        return f"keys must be strings, not {type(key).__name__}"
    if not key.strip():
        return "it is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"it is longer than {MAX_KEY_LENGTH} characters"
    if key in RESERVED_KEYS:
        return "it is reserved for Runfold's own columns"
    if any(ord(c) < 32 for c in key):
        return "it contains control characters"
    return None


def number(value: Any) -> float | None:
    """A float for anything number-like (bool, NumPy scalar, 0-d array or tensor)."""
    if isinstance(value, (bool, int, float)):
        try:
            return float(value)
        except OverflowError:  # an int past any float (10**400): not a number
            return None
    if getattr(value, "shape", None) in ((), (1,)) and hasattr(value, "item"):
        try:
            item = value.item()
        except (TypeError, ValueError, RuntimeError):
            return None
        if isinstance(item, (bool, int, float)):
            return float(item)
        return None
    if hasattr(value, "__float__") and not isinstance(value, (str, bytes)):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return None
