"""Admin-only views: the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Admin, Conn
from api.params import paging
from geo import audit

router = APIRouter(tags=["admin"])
Paged = paging(100, 1000)


@router.get("/audit", summary="Audit log, newest first")
def list_audit(conn: Conn, actor: Admin, page: Paged,
               entity: Annotated[str | None, Query(description="e.g. plate, road, facility")]
               = None,
               entity_id: Annotated[str | None, Query(description="one record's id")] = None
               ) -> dict:
    """Who changed what and when, with the before and after state."""
    rows = audit.list_entries(conn, entity=entity, entity_id=entity_id, limit=page.limit,
                              offset=page.offset)
    return {"items": rows, "limit": page.limit, "offset": page.offset}
