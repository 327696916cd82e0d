"""Admin-only views: the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Admin, Conn
from geo import audit

router = APIRouter(tags=["admin"])


@router.get("/audit", summary="Audit log, newest first")
def list_audit(conn: Conn, actor: Admin, entity: str | None = None, entity_id: str | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    """Who changed what and when, with the before and after state."""
    rows = audit.list_entries(conn, entity=entity, entity_id=entity_id, limit=limit,
                              offset=offset)
    return {"items": rows, "limit": limit, "offset": offset}
