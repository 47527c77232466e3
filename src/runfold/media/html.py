"""``runfold.Html`` and ``runfold.Plotly``: documents logged as one file each.

References::

    {"_type": "html-file", "path": "media/html/<sha>.html", "sha256", "size"}
    {"_type": "plotly-file", "path": "media/plotly/<sha>.plotly.json", "sha256",
     "size"}

The Plotly file is the figure's own JSON (``fig.to_json()``: ``data`` and
``layout``), which ``plotly.io.from_json`` (or Plotly.js) reads back.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from ..errors import UsageError
from .arrays import json_default, read_path
from .base import Media, Put, file_ref

__all__ = ["Html", "Plotly", "is_plotly_figure", "INJECTED"]

# What inject=True puts in the page's <head>: links open a new tab rather than
# inside the viewer's frame.
INJECTED = '<base target="_blank">'
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(r"<html(\s[^>]*)?>", re.IGNORECASE)


class Html(Media):
    """W&B's ``Html(data, inject=True)``: an HTML string, an open file, or a
    path to an .html file. The page is shown in a sandboxed frame."""

    _type = "html-file"

    def __init__(
        self, data_or_path: Any, inject: bool = True, data_is_not_path: bool = False
    ) -> None:
        if isinstance(data_or_path, os.PathLike) or (
            isinstance(data_or_path, str)
            and not data_is_not_path
            and data_or_path.lower().endswith((".html", ".htm"))
            and os.path.isfile(data_or_path)
        ):
            html = read_path(data_or_path, ("html", "htm"), "Html")[0].decode(
                "utf-8", "replace"
            )
        elif isinstance(data_or_path, str):
            html = data_or_path
        elif callable(getattr(data_or_path, "read", None)):
            html = data_or_path.read()
            html = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        else:
            raise UsageError(
                f"Html got a {type(data_or_path).__name__}; it takes an HTML string, "
                "an open file or a path to an .html file."
            )
        self.html: str = inject_head(html) if inject else html

    def to_ref(self, put: Put) -> dict[str, Any]:
        return file_ref(put, self._type, self.html.encode(), "html", ".html")


def inject_head(html: str) -> str:
    """``html`` with ``INJECTED`` at the start of its <head> (made if missing)."""
    if match := _HEAD.search(html):
        return html[: match.end()] + INJECTED + html[match.end() :]
    head = f"<head>{INJECTED}</head>"
    if match := _HTML.search(html):
        return html[: match.end()] + head + html[match.end() :]
    return head + html


class Plotly(Media):
    """W&B's ``Plotly(figure)``: a plotly figure (or its dict form), kept as
    Plotly's JSON. The JSON is taken when the value is made, so the figure may
    change afterwards."""

    _type = "plotly-file"

    def __init__(self, val: Any) -> None:
        if is_plotly_figure(val):
            text = val.to_json()
        elif isinstance(val, dict) and "data" in val:
            try:
                text = json.dumps(val, default=json_default, allow_nan=False)
            except (TypeError, ValueError) as e:
                raise UsageError(
                    f"Plotly could not write this figure dict: {e}."
                ) from None
        elif any(c.__module__.startswith("matplotlib.") for c in type(val).__mro__):
            raise UsageError(
                "Plotly takes a plotly figure; log a matplotlib figure as "
                "runfold.Image(fig) (or pass it to log() directly)."
            )
        else:
            raise UsageError(
                f"Plotly got a {type(val).__name__}; it takes a plotly figure "
                "(plotly.graph_objects.Figure, plotly.express ...) or a dict with "
                "'data' and 'layout'."
            )
        self.json: str = text

    def to_ref(self, put: Put) -> dict[str, Any]:
        return file_ref(put, self._type, self.json.encode(), "plotly", ".plotly.json")


def is_plotly_figure(value: Any) -> bool:
    """A plotly Figure or FigureWidget, found without importing plotly."""
    return any(
        c.__module__ == "plotly.basedatatypes" and c.__name__ == "BaseFigure"
        for c in type(value).__mro__
    )
