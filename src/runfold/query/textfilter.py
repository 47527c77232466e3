"""The runs table's filter box (``q``), compiled to a predicate over runs, with the
same meaning as the web UI's parser (``web/static/lib/filterexpr.js``), which
checks the text as it is typed. The server applies it (``{"$text": q}`` in a run
filter, ``query/filters.py``), so a filter covers every run of a project, not only
the runs a page fetched.

Plain words search name, group and tags; terms like ``config.lr>0.01``,
``summary.loss<=0.5``, ``state!=crashed``, ``tags=best`` or ``name~^bert`` (a
case-insensitive regular expression) filter on values. All must hold.

Values compare as JavaScript compares them in ``filterexpr.js`` (``Number(v)``,
``String(v)``, ``JSON.stringify(v)``): the helpers below write those forms, so
both sides keep the same runs (``tests/test_filters.py`` runs them side by side).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import UsageError

__all__ = ["compile_text_filter", "TEXT_FIELDS"]

_OPERATORS = (">=", "<=", "!=", "=", ">", "<", "~")
_NUMERIC = {">", ">=", "<", "<="}
TEXT_FIELDS = ("name", "id", "state", "group", "job_type", "host", "tags", "notes",
               "created_at", "runtime")  # fmt: skip
_NUMBER = re.compile(
    r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?Infinity|0[xX][0-9a-fA-F]+"
)


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
                raise UsageError(
                    f'A quote opened at {text[i:]!r} is not closed: add the closing ".'
                )
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


# ---- JavaScript's conversions, for the values a run holds ------------------------


def _js_number(v: Any) -> float:
    """``Number(v)``."""
    if v is None or isinstance(v, bool):
        return float(bool(v))
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        t = v.strip()
        if not t:
            return 0.0
        if not _NUMBER.fullmatch(t):
            return math.nan
        if t[:2] in ("0x", "0X"):
            return float(int(t, 16))
        return float(t.replace("Infinity", "inf"))
    if isinstance(v, list):  # Number([5]) is 5, Number([1, 2]) NaN
        return _js_number(_js_string(v))
    return math.nan


def _number_text(v: float) -> str:
    """A finite float as ``String(v)`` writes it (the shortest digits, with an
    exponent only below 1e-6 or from 1e21 up)."""
    if v == 0:
        return "0"
    sign, digits, exp = Decimal(repr(v)).normalize().as_tuple()
    text = "".join(map(str, digits))
    k = len(text)
    n = k + int(exp)  # the value is 0.<text> × 10^n
    out = (
        text + "0" * (n - k) if k <= n <= 21
        else text[:n] + "." + text[n:] if 0 < n <= 21
        else "0." + "0" * -n + text if -6 < n <= 0
        else f"{text[0]}{'.' + text[1:] if k > 1 else ''}e{'+' if n > 0 else '-'}{abs(n - 1)}"
    )  # fmt: skip
    return "-" + out if sign else out


def _js_string(v: Any) -> str:
    """``String(v)``."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return _number_text(v)
    if isinstance(v, list):
        return ",".join("" if x is None else _js_string(x) for x in v)
    if isinstance(v, dict):
        return "[object Object]"
    return str(v)


def _js_json(v: Any) -> str:
    """``JSON.stringify(v)`` (compact; NaN and infinities as null)."""
    if isinstance(v, (bool, int, float)) or v is None:
        finite = not isinstance(v, float) or math.isfinite(v)
        return _js_string(v) if finite else "null"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(_js_json(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{"
            + ",".join(f"{_js_json(str(k))}:{_js_json(x)}" for k, x in v.items())
            + "}"
        )
    return json.dumps(str(v), ensure_ascii=False)


# ---- parsing and matching ----------------------------------------------------------


def _literal(tok: dict[str, Any]) -> Any:
    w = tok["word"]
    if tok.get("quoted"):
        return w
    if w in ("true", "false"):
        return w == "true"
    if w in ("null", "none"):
        return None
    number = _js_number(w) if w else math.nan
    return number if math.isfinite(number) else w


def _value(run: Any, field: str) -> Any:
    if field.startswith("config."):
        from ..model import MISSING, value_at

        found = value_at(run, field)
        return None if found is MISSING else found
    if field.startswith("summary."):
        return (run.summary or {}).get(field[len("summary.") :])
    return getattr(run, field, None)


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
        _js_json(actual) == _js_json(value) or _js_string(actual) == raw
    )
    if op == "=":
        return missing if value is None else same
    if op == "!=":
        return not missing if value is None else (missing or not same)
    if missing:
        return False
    if op == "~":
        shown = (
            _js_json(actual) if isinstance(actual, (dict, list)) else _js_string(actual)
        )
        return bool(regex.search(shown))
    a, b = _js_number(actual), _js_number(value)
    if math.isnan(a) or math.isnan(b):
        return False
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def _term(field: str, op: str, tok: dict[str, Any]) -> dict[str, Any]:
    if field not in TEXT_FIELDS and not re.match(r"^(config|summary)\.\S+$", field):
        raise UsageError(
            f"Unknown field {field!r} in the filter: use config.<path>, "
            f"summary.<key> or one of {', '.join(TEXT_FIELDS)}."
        )
    value = _literal(tok)
    if (
        op in _NUMERIC
        and not isinstance(value, float)
        and field not in ("created_at", "runtime")
    ):
        raise UsageError(
            f"{field + op + tok['word']!r} compares with a number; "
            f"{tok['word']!r} is not one."
        )
    try:
        regex = re.compile(tok["word"], re.I) if op == "~" else None
    except re.error as exc:
        raise UsageError(
            f"{tok['word']!r} is not a valid regular expression: {exc}."
        ) from None
    return {
        "field": field,
        "op": op,
        "value": value,
        "raw": tok["word"],
        "regex": regex,
    }


def compile_text_filter(text: str) -> Callable[[Any], bool]:
    """A predicate over runs for the filter box's text; UsageError with what to fix."""
    if not isinstance(text, str):
        raise UsageError(
            f"A text filter is the filter box's text, e.g. 'state=failed "
            f"config.lr>0.01'; got {text!r:.80}."
        )
    toks = _tokens(text)
    words: list[str] = []
    terms: list[dict[str, Any]] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if "op" in t:
            raise UsageError(
                f"{t['op']!r} needs a field before it, like config.lr{t['op']}0.01."
            )
        if nxt and "op" in nxt:
            val = toks[i + 2] if i + 2 < len(toks) else None
            if val is None or "op" in val:
                raise UsageError(
                    f"{t['word'] + nxt['op']!r} needs a value after it, like "
                    f"{t['word']}{nxt['op']}1."
                )
            terms.append(_term(t["word"], nxt["op"], val))
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
