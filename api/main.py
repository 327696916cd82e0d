"""The FastAPI application factory (DESIGN §4)."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from psycopg2.pool import ThreadedConnectionPool

from api import (
    addresses,
    admin,
    bodies,
    boundaries,
    boundary,
    coverage,
    facilities,
    health,
    idempotency,
    inspections,
    maps,
    name_applications,
    name_cleanup,
    name_imports,
    name_plan,
    names,
    ogc,
    pages,
    pairing,
    plates,
    problems,
    reads,
    roads,
    signs,
    teams,
    tiles,
)
from api import field as field_app
from api.geojson import FastJSONResponse
from api.settings import Settings
from api.web import admin_desk, boundaries_desk, names_desk, plates_desk, signs_desk
from api.web import auth as web_auth
from api.web import desks as web_desks
from geo.coverage import graph as graphs
from geo.db import connect as connect_db
from geo.names import search as names_search
from maps.assets import assets_dir
from maps.printing import print_slots

try:
    VERSION = version("civgeo")
except PackageNotFoundError:  # running from a checkout without installing
    VERSION = "0.0.0"


class AutocommitPool(ThreadedConnectionPool):
    """Connections in autocommit: a read is one statement with no BEGIN and no ROLLBACK
    round trip; every write opens its own transaction (``geo.db.transaction``)."""

    def _connect(self, key=None):
        conn = super()._connect(key)
        conn.autocommit = True
        return conn


def make_pool(settings: Settings, url: str | None = None, *,
              connect: bool = True) -> ThreadedConnectionPool:
    """A thread-safe pool whose connections carry the statement timeout: to the primary,
    or to ``url`` (a read replica, whose connections open on first use: a replica that is
    down at start-up is only out of rotation)."""
    url = url or settings.database_url
    if connect:
        connect_db(url).close()  # fail with one clear line if unreachable
    # psycopg2's pool closes any returned connection beyond `minconn`, so a smaller minconn
    # would open a new backend for every concurrent request: keep them all.
    pool = AutocommitPool(
        settings.pool_max if connect else 0, settings.pool_max, url,
        options=f"-c statement_timeout={settings.statement_timeout_ms}",
        application_name="civgeo-api", connect_timeout=10 if connect else 2)
    pool.minconn = settings.pool_max
    return pool


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the pool opens at startup and closes at shutdown."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = make_pool(settings)
        app.state.pool_slots = asyncio.Semaphore(settings.pool_max)
        app.state.reads = (reads.ReadRouting(settings, make_pool)
                           if settings.database_url_read else None)
        if app.state.reads is not None:
            app.state.reads.check()   # the replicas' state before the first read
        app.state.print_limiter = anyio.CapacityLimiter(print_slots())
        # What every request reads (dictionaries, converters, the app itself) is loaded
        # now and kept out of the garbage collector's scans: a full collection over it
        # paused requests for tens of milliseconds (the p99 of /health: 104 → 16 ms).
        if settings.warm_start:
            names_search.warm()
            gc.freeze()
        if settings.warm_graph_edges:   # a planner's first click does not load the network
            threading.Thread(target=graphs.warm, name="civgeo-warm-graphs", daemon=True,
                             args=(settings.database_url, settings.warm_graph_edges)).start()
        try:
            yield
        finally:
            app.state.pool.closeall()
            if app.state.reads is not None:
                app.state.reads.close()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(title="civgeo", version=VERSION, lifespan=lifespan, docs_url=None,
                  redoc_url=None, default_response_class=FastJSONResponse,
                  description="Geospatial service for civil-affairs (民政) departments: place "
                              "names, house numbers, administrative boundaries, facilities.")
    app.state.settings = settings
    problems.install(app)
    # Outermost last: the input boundary checks a request before anything else reads it.
    app.add_middleware(reads.ReadYourWrites)
    app.add_middleware(idempotency.Idempotency)
    app.add_middleware(boundary.InputBoundary)
    app.include_router(name_cleanup.exports)   # /names/export: before /names/{name_id}
    app.include_router(name_imports.router)    # /names/import: before /names/{name_id}
    app.include_router(name_plan.router)       # /names/plan: before /names/{name_id}
    for module in (health, admin, name_applications, name_cleanup, names, boundaries,
                   inspections, facilities, coverage, maps, ogc, roads, plates, signs,
                   addresses, teams):
        app.include_router(module.router)
    app.include_router(pairing.router)   # /field/pair/{token} only: before any /field mount
    app.include_router(tiles.router)
    app.include_router(web_auth.router)
    app.include_router(web_desks.router)
    for desk in (signs_desk, names_desk, plates_desk, boundaries_desk, admin_desk):
        app.include_router(desk.router)
    app.include_router(names_desk.plan_desk)   # /app/plan: the planning liaison's page
    # Browser assets from our own server: pages work with no internet (DESIGN §5).
    app.mount("/static/vendor", StaticFiles(directory=assets_dir(), check_dir=False),
              name="vendor")
    app.include_router(field_app.router)
    app.mount("/field/static", StaticFiles(directory=field_app.STATIC), name="field")
    app.mount("/static/app", StaticFiles(directory=Path(web_auth.__file__).with_name("static")),
              name="app")
    app.add_api_route("/docs", _docs, include_in_schema=False, response_class=HTMLResponse)
    app.add_api_route("/", _search_page, include_in_schema=False, response_class=HTMLResponse)
    _openapi = app.openapi

    def openapi() -> dict:
        """The generated document, with the bodies routes read themselves (``bodies``),
        the generic input limits (``boundary``), the ``Idempotency-Key`` header
        (``idempotency``) and the errors as problem+json (``problems``)."""
        if app.openapi_schema is None:
            app.openapi_schema = problems.document(idempotency.document(
                boundary.document(bodies.add_schemas(_openapi()))))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _search_page(request: Request) -> HTMLResponse:
    """The public search page for standard names (phone-friendly, local assets only), in
    the reader's language; no sign-in."""
    return pages.search_page(request)


def _docs() -> HTMLResponse:
    """Swagger UI served from local assets instead of a CDN."""
    base = "/static/vendor/swagger-ui-dist"
    return get_swagger_ui_html(openapi_url="/openapi.json", title="civgeo API",
                               swagger_js_url=f"{base}/swagger-ui-bundle.js",
                               swagger_css_url=f"{base}/swagger-ui.css",
                               swagger_favicon_url=f"{base}/favicon-32x32.png")
