"""The runs table's text filter (``q``), as the web UI applies it
(``web/static/lib/filterexpr.js``), so an exported runs block lists the same runs.

Plain words search name, group and tags; terms like ``config.lr>0.01``,
``summary.loss<=0.5``, ``state!=crashed``, ``tags=best`` or ``name~^bert`` (a
case-insensitive regular expression) filter on values. All must hold.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from ..errors import UsageError

__all__ = ["compile_text_filter"]

_OPERATORS = (">=", "<=", "!=", "=", ">", "<", "~")
_NUMERIC = {">", ">=", "<", "<="}
_FIELDS = ("name", "id", "state", "group", "job_type", "host", "tags", "notes",
           "created_at", "runtime")  # fmt: skip


def _tokens(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op:
            out.append({"op": op})
            i += len(op)
            continue
        if c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise UsageError(f"A quote opened at {text[i:]!r} is not closed.")
            out.append({"word": text[i + 1 : end], "quoted": True})
            i = end + 1
            continue
        j = i
        while (
            j < len(text)
            and not text[j].isspace()
            and not any(text.startswith(o, j) for o in _OPERATORS)
        ):
            j += 1
        out.append({"word": text[i:j]})
        i = j
    return out


def _literal(tok: dict[str, Any]) -> Any:
    w = tok["word"]
    if tok.get("quoted"):
        return w
    if w in ("true", "false"):
        return w == "true"
    if w in ("null", "none"):
        return None
    try:
        number = float(w)
    except ValueError:
        return w
    return number if math.isfinite(number) else w


def _value(run: Any, field: str) -> Any:
    if field.startswith("config."):
        from ..model import MISSING, value_at

        found = value_at(run, field)
        return None if found is MISSING else found
    if field.startswith("summary."):
        return (run.summary or {}).get(field[len("summary.") :])
    return getattr(run, field, None)


def _js_text(v: Any) -> str:
    """String(v) as JavaScript writes it, for the few types a run holds."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and math.isfinite(v):
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _holds(actual: Any, term: dict[str, Any]) -> bool:
    op, value, raw, regex = term["op"], term["value"], term["raw"], term["regex"]
    if isinstance(actual, list) and term["field"] == "tags":
        if op == "=":
            return raw in actual
        if op == "!=":
            return raw not in actual
        if op == "~":
            return any(regex.search(t) for t in actual)
    missing = actual is None
    same = not missing and (
        _js_text(actual) == _js_text(value) or _js_text(actual) == raw
    )
    if op == "=":
        return missing if value is None else same
    if op == "!=":
        return not missing if value is None else (missing or not same)
    if missing:
        return False
    if op == "~":
        return bool(regex.search(_js_text(actual)))
    try:
        a = float(actual)
    except (TypeError, ValueError):
        return False
    if math.isnan(a) or not isinstance(value, float):
        return False
    return {">": a > value, ">=": a >= value, "<": a < value, "<=": a <= value}[op]


def compile_text_filter(text: str) -> Callable[[Any], bool]:
    """A predicate over runs for the runs table's filter text; UsageError with
    what to fix."""
    toks = _tokens(text or "")
    words: list[str] = []
    terms: list[dict[str, Any]] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if "op" in t:
            raise UsageError(
                f"{t['op']!r} needs a field before it, like config.lr>0.01."
            )
        if nxt and "op" in nxt:
            val = toks[i + 2] if i + 2 < len(toks) else None
            if val is None or "op" in val:
                raise UsageError(f"{t['word'] + nxt['op']!r} needs a value after it.")
            field = t["word"]
            if field not in _FIELDS and not re.match(r"^(config|summary)\.\S+$", field):
                raise UsageError(
                    f"Unknown field {field!r} in the text filter: use config.<path>, "
                    f"summary.<key> or one of {', '.join(_FIELDS)}."
                )
            try:
                regex = re.compile(val["word"], re.I) if nxt["op"] == "~" else None
            except re.error as exc:
                raise UsageError(
                    f"{val['word']!r} is not a valid regular expression: {exc}."
                ) from None
            terms.append({"field": field, "op": nxt["op"], "value": _literal(val),
                          "raw": val["word"], "regex": regex})  # fmt: skip
            i += 3
            continue
        if t["word"]:
            words.append(t["word"].lower())
        i += 1

    def keep(run: Any) -> bool:
        for w in words:
            hay = [run.name or "", run.group or "", *(run.tags or [])]
            if not any(w in str(s).lower() for s in hay):
                return False
        return all(_holds(_value(run, term["field"]), term) for term in terms)

    return keep
