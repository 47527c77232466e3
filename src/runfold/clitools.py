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


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(format_cell(v) for v in row))
    Console().print(table)
