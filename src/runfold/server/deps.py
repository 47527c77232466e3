"""What routes get from the app: the store and an Api over it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from ..api import Api
from ..query import ReadCache
from ..store.base import Store

__all__ = [
    "get_api", "get_store", "get_answers", "run_dir", "ApiDep", "StoreDep", "AnswersDep",
]  # fmt: skip


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_api(request: Request) -> Api:
    return request.app.state.api


def get_answers(request: Request) -> ReadCache:
    """The server's encoded answers, kept while their runs are unchanged."""
    return request.app.state.answers  # type: ignore[no-any-return]


def run_dir(request: Request, project: str, run_id: str) -> Path | None:
    """``<files_dir>/runs/<project>/<run_id>``, resolved: where a run's files and
    console log live. None when the names would lead outside ``runs/``."""
    runs = (Path(request.app.state.files_dir) / "runs").resolve()
    path = (runs / project / run_id).resolve()
    return path if path.is_relative_to(runs) else None


# Route parameters: ``def route(api: ApiDep)``.
ApiDep = Annotated[Api, Depends(get_api)]
StoreDep = Annotated[Store, Depends(get_store)]
AnswersDep = Annotated[ReadCache, Depends(get_answers)]
