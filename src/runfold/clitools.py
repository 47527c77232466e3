"""What ``runfold`` and ``runfold admin`` share: the store directory, expected
errors as ``Error: ...``, and tables and JSON on stdout.

Both command modules import this one; it imports neither of them.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .errors import RunfoldError

__all__ = [
    "DIR_HELP", "store_dir", "user_errors", "format_cell", "format_time",
    "print_json", "print_table",
]  # fmt: skip

DIR_HELP = "Store directory (default: $RUNFOLD_DIR or ~/.runfold)."


def store_dir(directory: str | None) -> Path:
    from .settings import resolve

    return resolve(dir=directory).dir


@contextmanager
def user_errors() -> Iterator[None]:
    """Expected errors print ``Error: ...`` (exit 1), never a traceback."""
    try:
        yield
    except RunfoldError as exc:
        raise click.ClickException(str(exc)) from exc


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def format_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def print_json(data: Any) -> None:
    def safe(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {str(k): safe(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [safe(v) for v in value]
        return value

    click.echo(json.dumps(safe(data), indent=2))


# A column whose cells are all this short never wraps; longer text wraps at spaces
# and counts this wide when the columns are fitted to the terminal.
_SHORT = 24


def print_table(
    title: str,
    columns: list[str],
    rows: list[list[Any]],
    *,
    priority: list[str] | None = None,
    hint: str = "--json prints everything",
) -> None:
    """Print ``rows`` under ``columns``: in a terminal, a table that fits its width
    (when not all columns fit, those last in ``priority`` (default: the column
    order) are left out and the caption names them, with ``hint``); ids and other
    short cells are never broken across lines. Piped (stdout is not a terminal):
    plain text, one line per row, columns aligned, every column, no title."""
    import sys

    from rich.cells import cell_len

    cells = [[format_cell(v) for v in row] for row in rows]
    if not sys.stdout.isatty():
        _print_plain(columns, cells, cell_len)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    widths = [
        max([cell_len(c)] + [cell_len(row[i]) for row in cells])
        for i, c in enumerate(columns)
    ]
    whole = [c == "id" or w <= _SHORT for c, w in zip(columns, widths, strict=True)]
    shown = _fit(columns, [w if k else _SHORT for w, k in zip(widths, whole, strict=True)],
                 console.width, priority or columns)  # fmt: skip
    left_out = [c for i, c in enumerate(columns) if i not in shown]
    caption = f"Not shown at this width: {', '.join(left_out)} ({hint})."
    table = Table(title=title, caption=caption if left_out else None)
    for i in shown:
        table.add_column(columns[i], no_wrap=whole[i], overflow="fold")
    for row in cells:
        table.add_row(*(row[i] for i in shown))
    console.print(table)


def _fit(
    columns: list[str], widths: list[int], total: int, priority: list[str]
) -> list[int]:
    """Indices of the columns that fit in ``total`` cells, taken in ``priority``
    order (the first always), in their own order."""
    order = [columns.index(c) for c in priority if c in columns]
    order += [i for i in range(len(columns)) if i not in order]
    shown: list[int] = []
    used = 1  # the table's left edge; each column adds its padding and border
    for i in order:
        if not shown or used + widths[i] + 3 <= total:
            shown.append(i)
            used += widths[i] + 3
    return sorted(shown)


def _print_plain(columns: list[str], cells: list[list[str]], cell_len: Any) -> None:
    rows = [columns] + [[" ".join(c.split("\n")) or "-" for c in row] for row in cells]
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(columns))]
    for row in rows:
        padded = [c + " " * (w - cell_len(c)) for c, w in zip(row, widths, strict=True)]
        click.echo("  ".join(padded).rstrip())
