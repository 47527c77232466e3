"""Routes for groups (filled in by the server issue)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["groups"])
