"""``GET /health``: is the database reachable, which versions, what data is loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import Conn
from geo.health import database_status

router = APIRouter(tags=["service"])


@router.get("/health", summary="Service and database health")
def health(conn: Conn, request: Request) -> JSONResponse:
    """Database reachable, PostgreSQL/PostGIS/pgRouting versions, migration level, datasets.

    An unreachable database answers 503 problem+json (via the connection pool's error).
    """
    db = database_status(conn)
    status = "ok" if not db["migrations_pending"] else "degraded"
    return JSONResponse({"status": status, "version": request.app.version, "database": db},
                        status_code=200)
