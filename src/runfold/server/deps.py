"""What routes get from the app: the store and an Api over it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ..api import Api

__all__ = ["get_api", "get_store", "ApiDep", "StoreDep"]


def get_store(request: Request) -> Any:
    return request.app.state.store


def get_api(request: Request) -> Api:
    return request.app.state.api


# Route parameters: ``def route(api: ApiDep)``.
ApiDep = Annotated[Api, Depends(get_api)]
StoreDep = Annotated[Any, Depends(get_store)]
