"""The one place where values become JSON: non-finite floats turn into null; and
the bound on how deep the JSON the server takes may nest."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["json_safe", "nests_deeper", "MAX_DEPTH", "TOO_DEEP"]


def json_safe(value: Any) -> Any:
    """NaN and ±inf become None (JSON has no such numbers); NumPy scalars and
    arrays become Python numbers and lists; tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist"):
        return json_safe(value.tolist())
    return str(value)


# JSON the server takes nests at most this deep (issue 18: a config nested a few
# thousand levels answered 500 from the recursion limit). Real configs nest a
# handful of levels; every reader of a stored value (json_safe, the UI) recurses.
MAX_DEPTH = 64
TOO_DEEP = (
    "{what} nests deeper than {limit} levels; flatten it (e.g. keys like 'a.b.c')."
)


def nests_deeper(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects in ``value`` nest deeper than ``limit`` (checked
    without recursion, so any depth is safe to ask about)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
