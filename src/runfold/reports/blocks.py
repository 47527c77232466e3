"""A report's blocks: what each type holds, checked the same way by the server and
by ``runfold.Api`` (issue 8, the reports contract).

    {"type": "markdown", "text": str}
    {"type": "chart", "metrics": [str, ...], "by": [str, ...], "filters": {...} | None,
     "settings": {"line", "shading", "x", "smoothing", "log", "max"}}
    {"type": "runs", "filters": {...} | None, "q": str, "by": [...], "columns": [...]}
    {"type": "group", "group": str}
    {"type": "file", "run": str, "path": str}

``validate_blocks`` returns the blocks with every optional key filled in (chart
settings take the workspace's defaults), so a reader never guesses a default.
User text is kept verbatim: it is rendered as text, never trusted as markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import UsageError

__all__ = [
    "BLOCK_TYPES", "CHART_DEFAULTS", "LINES", "SHADINGS", "MAX_BLOCKS",
    "validate_blocks", "validate_block",
]  # fmt: skip

LINES = ("mean", "median", "min", "max")
SHADINGS = ("none", "minmax", "std", "stderr", "members")
CHART_DEFAULTS: dict[str, Any] = {
    "line": "mean", "shading": "minmax", "x": "_step", "smoothing": 0.0,
    "log": False, "max": 20,
}  # fmt: skip
MAX_LINES_DRAWN = 500  # the chart settings' "Max lines" input allows 1..500
MAX_BLOCKS = 1000
MAX_TEXT = 1_000_000
MAX_FILTER_DEPTH = 32

BLOCK_TYPES: dict[str, dict[str, str]] = {
    "markdown": {"text": "markdown text"},
    "chart": {
        "metrics": "a list of metric keys (at least one)",
        "by": "a list of grouping keys ([] draws one line per run)",
        "filters": "a run filter object or null",
        "settings": "an object with line, shading, x, smoothing, log, max",
    },
    "runs": {
        "filters": "a run filter object or null",
        "q": "the runs table's text filter",
        "by": "a list of grouping keys",
        "columns": 'a list of column ids like "config.lr", "summary.loss"',
    },
    "group": {"group": "the name of one experiment group"},
    "file": {"run": "a run id", "path": "a file path inside the run's files"},
}


class _Where:
    """Names the place of a bad value in messages: "block 3 (chart): settings.x"."""

    def __init__(self, index: int, kind: str) -> None:
        self.prefix = f"Block {index + 1} ({kind})"

    def fail(self, field: str, what: str, value: Any) -> UsageError:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return UsageError(f"{self.prefix}: {field} must be {what}; got {shown}.")


def validate_blocks(blocks: Any) -> list[dict[str, Any]]:
    """The blocks checked and completed; UsageError saying which block and field
    is wrong, and what is allowed."""
    if blocks is None:
        return []
    if not isinstance(blocks, (list, tuple)):
        raise UsageError(
            f"blocks must be a list of block objects; got {type(blocks).__name__}. "
            f"Block types: {', '.join(BLOCK_TYPES)}."
        )
    if len(blocks) > MAX_BLOCKS:
        raise UsageError(
            f"A report holds at most {MAX_BLOCKS} blocks; got {len(blocks)}."
        )
    return [validate_block(i, block) for i, block in enumerate(blocks)]


def validate_block(index: int, block: Any) -> dict[str, Any]:
    if not isinstance(block, Mapping):
        raise UsageError(
            f"Block {index + 1} must be an object with a 'type' "
            f"({', '.join(BLOCK_TYPES)}); got {block!r:.80}."
        )
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        raise UsageError(
            f"Block {index + 1} has type {kind!r:.80}; a block's type is one of "
            f"{', '.join(BLOCK_TYPES)}."
        )
    allowed = BLOCK_TYPES[kind]
    unknown = sorted(str(k) for k in block if k != "type" and k not in allowed)
    if unknown:
        fields = "; ".join(f"{name}: {what}" for name, what in allowed.items())
        raise UsageError(
            f"Block {index + 1} ({kind}) has unknown field(s) {', '.join(unknown)}; "
            f"a {kind} block takes: {fields}."
        )
    where = _Where(index, kind)
    bad = _unstorable(block, 0)
    if bad:
        raise UsageError(f"{where.prefix}: {bad}")
    return {"type": kind, **_CHECKS[kind](block, where)}


def _unstorable(value: Any, depth: int) -> str | None:
    """Why a value cannot round-trip through strict JSON and UTF-8, or None."""
    if depth > 2 * MAX_FILTER_DEPTH:
        return f"it is nested deeper than {2 * MAX_FILTER_DEPTH} levels."
    if isinstance(value, float) and not math.isfinite(value):
        return f"the number {value!r} has no JSON form; use a finite number."
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{value[:40]!r} holds a lone surrogate, which is not valid Unicode text."
        return None
    if isinstance(value, Mapping):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return None
    return next((w for w in (_unstorable(v, depth + 1) for v in items) if w), None)


# ---- fields ---------------------------------------------------------------------


def _text(block: Mapping[str, Any], name: str, where: _Where, *,
          required: bool = True, default: str = "", blank: bool = True) -> str:  # fmt: skip
    if name not in block:
        if required:
            raise where.fail(name, "given (a string)", None)
        return default
    value = block[name]
    if not isinstance(value, str) or (not blank and not value.strip()):
        raise where.fail(name, "a string" if blank else "a non-empty string", value)
    if len(value) > MAX_TEXT:
        raise where.fail(name, f"at most {MAX_TEXT} characters", value[:20])
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise where.fail(
            name, "valid Unicode text (no lone surrogate)", value
        ) from None
    return value


def _keys(block: Mapping[str, Any], name: str, where: _Where, default: list[str],
          *, at_least_one: bool = False, grouping: bool = False) -> list[str]:  # fmt: skip
    value = block.get(name, default)
    ok = isinstance(value, (list, tuple)) and all(
        isinstance(v, str) and v.strip() for v in value
    )
    if not ok or (at_least_one and not value):
        what = "a list of non-empty strings" + (
            " (at least one)" if at_least_one else ""
        )
        raise where.fail(name, what, value)
    if grouping:
        from ..query.grouping import group_runs

        try:
            group_runs([], list(value))  # checks each key's spelling
        except UsageError as exc:
            raise UsageError(f"{where.prefix}: {name}: {exc}") from None
    return list(value)


def _depth(value: Any) -> int:
    if isinstance(value, Mapping):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, (list, tuple)):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _filters(block: Mapping[str, Any], where: _Where) -> dict[str, Any] | None:
    value = block.get("filters")
    if value is None:
        return None
    what = 'a run filter object like {"group": "exp-1"} or null'
    if not isinstance(value, Mapping):
        raise where.fail("filters", what, value)
    if _depth(value) > MAX_FILTER_DEPTH:
        raise where.fail("filters", f"nested at most {MAX_FILTER_DEPTH} deep", "...")
    from ..query.filters import compile_filters

    try:
        compile_filters(value)
    except UsageError as exc:
        raise UsageError(f"{where.prefix}: filters: {exc}") from None
    return dict(value)


def _settings(block: Mapping[str, Any], where: _Where) -> dict[str, Any]:
    given = block.get("settings")
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise where.fail("settings", "an object", given)
    unknown = sorted(str(k) for k in given if k not in CHART_DEFAULTS)
    if unknown:
        raise UsageError(
            f"{where.prefix}: unknown setting(s) {', '.join(unknown)}; chart settings "
            f"are {', '.join(CHART_DEFAULTS)}."
        )
    out = {**CHART_DEFAULTS, **given}
    checks: dict[str, tuple[Callable[[Any], bool], str]] = {
        "line": (lambda v: v in LINES, "one of " + ", ".join(LINES)),
        "shading": (lambda v: v in SHADINGS, "one of " + ", ".join(SHADINGS)),
        "x": (
            lambda v: isinstance(v, str) and bool(v.strip()),
            "_step, _timestamp, _runtime or a metric key",
        ),
        "smoothing": (
            lambda v: _is_number(v) and 0 <= v < 1,
            "a number from 0 up to (not including) 1",
        ),
        "log": (lambda v: isinstance(v, bool), "true or false"),
        "max": (
            lambda v: isinstance(v, int) and not isinstance(v, bool)
            and 1 <= v <= MAX_LINES_DRAWN,
            f"a whole number from 1 to {MAX_LINES_DRAWN}",
        ),
    }  # fmt: skip
    for name, (ok, what) in checks.items():
        if not ok(out[name]):
            raise where.fail(f"settings.{name}", what, out[name])
    out["smoothing"] = float(out["smoothing"])
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# ---- block types ----------------------------------------------------------------


def _markdown(block: Mapping[str, Any], where: _Where) -> dict[str, Any]:
    return {"text": _text(block, "text", where)}


def _chart(block: Mapping[str, Any], where: _Where) -> dict[str, Any]:
    return {
        "metrics": _keys(block, "metrics", where, [], at_least_one=True),
        "by": _keys(block, "by", where, ["group"], grouping=True),
        "filters": _filters(block, where),
        "settings": _settings(block, where),
    }


def _runs(block: Mapping[str, Any], where: _Where) -> dict[str, Any]:
    return {
        "filters": _filters(block, where),
        "q": _text(block, "q", where, required=False),
        "by": _keys(block, "by", where, [], grouping=True),
        "columns": _keys(block, "columns", where, []),
    }


def _group(block: Mapping[str, Any], where: _Where) -> dict[str, Any]:
    return {"group": _text(block, "group", where, blank=False)}


def _file(block: Mapping[str, Any], where: _Where) -> dict[str, Any]:
    run = _text(block, "run", where, blank=False)
    path = _text(block, "path", where, blank=False)
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "\\")) or ".." in parts or "\x00" in path:
        raise where.fail(
            "path", "a relative path inside the run's files (no '..', no leading /)",
            path,
        )  # fmt: skip
    return {"run": run, "path": path}


_CHECKS: dict[str, Callable[[Mapping[str, Any], _Where], dict[str, Any]]] = {
    "markdown": _markdown,
    "chart": _chart,
    "runs": _runs,
    "group": _group,
    "file": _file,
}
