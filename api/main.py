"""The FastAPI application factory (DESIGN §4)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from psycopg2.pool import ThreadedConnectionPool

from api import admin, health, problems
from api.settings import Settings
from geo.db import connect

try:
    VERSION = version("civgeo")
except PackageNotFoundError:  # running from a checkout without installing
    VERSION = "0.0.0"


def make_pool(settings: Settings) -> ThreadedConnectionPool:
    """A thread-safe pool whose connections carry the statement timeout."""
    connect(settings.database_url).close()  # fail with one clear line if unreachable
    return ThreadedConnectionPool(
        settings.pool_min, settings.pool_max, settings.database_url,
        options=f"-c statement_timeout={settings.statement_timeout_ms}",
        application_name="civgeo-api", connect_timeout=10)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the pool opens at startup and closes at shutdown."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = make_pool(settings)
        try:
            yield
        finally:
            app.state.pool.closeall()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(title="civgeo", version=VERSION, lifespan=lifespan,
                  description="Geospatial service for civil-affairs (民政) departments: place "
                              "names, house numbers, administrative boundaries, facilities.")
    app.state.settings = settings
    problems.install(app)
    app.include_router(health.router)
    app.include_router(admin.router)
    return app
