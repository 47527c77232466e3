"""Run filters in W&B's MongoDB-like shape, compiled to a predicate.

``{"group": "exp_1", "config.lr": {"$gt": 0.01}, "state": {"$in": ["finished"]}}``
Keys are run fields, ``config.<path>`` or ``summary.<path>``; ``$and`` / ``$or`` /
``$nor`` take lists of filters; ``$regex`` matches text anywhere (``re.search``).
``{"$text": "bert state!=crashed config.lr>0.01"}`` keeps
the runs the web UI's filter box keeps for that text (``query/textfilter.py``), so
a page sends its filter box to the server and it covers every run of the project.
A missing value is null (as in MongoDB, and as the ``(none)``
group): it matches ``None`` in ``$eq`` / ``$in``, ``$ne`` and ``$nin`` of other
values and ``{"$exists": False}``, never a comparison. Numbers compare by value
(1 equals 1.0) but booleans are not numbers (True does not equal 1), as in
grouping. Both backends filter with this one function, so they agree.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import UsageError
from ..model import MISSING, value_at
from .textfilter import compile_text_filter

__all__ = ["compile_filters", "OPERATORS", "TEXT"]

_COMPARE = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}
OPERATORS = (
    "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex",
)  # fmt: skip

Predicate = Callable[[Any], bool]
LOGICAL = ("$and", "$or", "$nor")
TEXT = "$text"  # the filter box's text (query/textfilter.py)


def _equal(a: Any, b: Any) -> bool:
    # Python's True == 1 would let {"config.flag": 1} match flag=True.
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _matches(value: Any, op: str, arg: Any, is_tags: bool) -> bool:

    if value is MISSING:
        value = None
    missing = value is None
    if op == "$exists":
        return (not missing) == bool(arg)
    if op in ("$in", "$nin"):
        if not isinstance(arg, (list, tuple, set)):
            raise UsageError(
                f"{op} takes a list, e.g. {{'{op}': ['a', 'b']}}; got {arg!r}."
            )
        if is_tags and not missing:
            hit = any(_equal(tag, a) for tag in value for a in arg)
        else:
            hit = any(_equal(value, a) for a in arg)
        return hit if op == "$in" else not hit
    if op in ("$eq", "$ne"):
        if is_tags and not missing:
            hit = any(_equal(tag, arg) for tag in value)
        else:
            hit = _equal(value, arg)
        return hit if op == "$eq" else not hit
    if missing:
        return False
    if op == "$regex":
        return isinstance(value, str) and arg.search(value) is not None
    try:
        return _COMPARE[op](value, arg)
    except TypeError:
        return False


def _field_predicate(key: str, condition: Any) -> Predicate:

    value_at(_Probe(), key) if not key.startswith(("config.", "summary.")) else None
    ops = condition if isinstance(condition, Mapping) else {"$eq": condition}
    for op in ops:
        if op not in OPERATORS:
            raise UsageError(
                f"Unknown filter operator {op!r} for {key!r}; use one of "
                f"{', '.join(OPERATORS)}."
            )
    if "$regex" in ops:
        ops = {**ops, "$regex": _pattern(key, ops["$regex"])}
    is_tags = key == "tags"
    return lambda run: all(
        _matches(value_at(run, key), op, arg, is_tags) for op, arg in ops.items()
    )


def _pattern(key: str, arg: Any) -> re.Pattern[str]:
    try:
        return re.compile(arg)
    except (TypeError, re.error) as exc:
        raise UsageError(
            f"$regex for {key!r} takes a regular expression, e.g. "
            f"{{'{key}': {{'$regex': '^lr-'}}}}; {arg!r} is not one ({exc})."
        ) from None


class _Probe:
    """Stands in for a run to validate field names when compiling."""

    def __getattr__(self, name: str) -> None:
        return None


def _combined(key: str, subs: list[Predicate]) -> Predicate:
    if key == "$and":
        return lambda run: all(p(run) for p in subs)
    if key == "$nor":
        return lambda run: not any(p(run) for p in subs)
    return lambda run: any(p(run) for p in subs)


def compile_filters(filters: Mapping[str, Any] | None) -> Predicate:
    """A predicate over runs; raises UsageError naming what is wrong in ``filters``."""
    if not filters:
        return lambda run: True
    if not isinstance(filters, Mapping):
        raise UsageError(
            f"filters must be a dict, e.g. {{'group': 'exp-1'}}; got {filters!r}."
        )
    parts: list[Predicate] = []
    for key, condition in filters.items():
        if key == TEXT:
            parts.append(compile_text_filter(condition))
            continue
        if key.startswith("$") and key not in LOGICAL:
            raise UsageError(
                f"Unknown filter operator {key!r}; at the top level use "
                f"{' or '.join(LOGICAL)} with a list of filters or {TEXT} with the "
                "filter box's text, and put "
                f"{', '.join(OPERATORS)} under a key, e.g. "
                "{'config.lr': {'$gt': 0.01}}."
            )
        if key in LOGICAL:
            if not isinstance(condition, (list, tuple)):
                raise UsageError(
                    f"{key} takes a list of filters, e.g. "
                    f"{{'{key}': [{{'group': 'a'}}, {{'group': 'b'}}]}}; "
                    f"got {condition!r}."
                )
            parts.append(_combined(key, [compile_filters(f) for f in condition]))
        else:
            parts.append(_field_predicate(key, condition))
    return lambda run: all(p(run) for p in parts)
