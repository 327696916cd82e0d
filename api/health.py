"""``GET /health``: is the database reachable, which versions, what data is loaded."""

from __future__ import annotations

import os
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import Conn
from geo.health import database_status, migration_level, newest_migration

router = APIRouter(tags=["service"])
DETAILS_S = 10.0   # how long the versions and datasets answered are kept


@router.get("/health", summary="Service and database health")
def health(conn: Conn, request: Request) -> JSONResponse:
    """Database reachable, PostgreSQL/PostGIS/pgRouting versions, migration level, datasets.

    Cheap enough for a load balancer to poll every second: each call asks the database one
    index look-up (its migration level, which also shows it answers); the versions and
    datasets are read again when that level changes or after ``DETAILS_S`` seconds.
    An unreachable database answers 503 problem+json (via the connection pool's error).
    """
    level = migration_level(conn)
    cached = getattr(request.app.state, "health_details", None)
    now = time.monotonic()
    if cached is None or cached[0] != level or now - cached[1] > DETAILS_S:
        cached = (level, now, database_status(conn))
        request.app.state.health_details = cached
    db = {**cached[2], "migration": level, "migrations_pending": level != newest_migration()}
    status = "ok" if not db["migrations_pending"] else "degraded"
    # The process that answered: behind a load balancer with several API processes
    # (`civgeo serve --workers N`) each keeps only caches it can rebuild (api.reads).
    found = {"status": status, "version": request.app.version, "process": os.getpid(),
             "database": db}
    if (routing := getattr(request.app.state, "reads", None)) is not None:
        routing.check_if_due()
        # Each replica as this process last found it (checked at most every
        # CIVGEO_REPLICA_CHECK_MS; a replica out of rotation says why).
        found["replicas"] = routing.describe()
        if not any(r["in_rotation"] for r in found["replicas"]):
            found["status"] = "degraded"
    return JSONResponse(found, status_code=200)
