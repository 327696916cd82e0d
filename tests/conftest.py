"""Tests run on the real PostGIS, in their own database (``<db>_test``), and fail, never
skip, when it cannot be reached (STYLE §7.6)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from geo import localdb
from geo.db import connect
from geo.errors import SetupError
from geo.migrate import migrate

# Tables the API tests write; sample data and the schema stay.
MUTABLE_TABLES = ("audit_log", "api_tokens", "users", "name_application_events",
                  "name_applications", "coverage_scenarios", "facility_history", "team_users",
                  "attachments", "hazards", "marker_checks", "patrols")


def url_for(dbname: str) -> str:
    """The server's URL (DATABASE_URL or the embedded cluster) with another database name."""
    parts = urlsplit(localdb.database_url())
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def test_db_name() -> str:
    base = urlsplit(localdb.database_url()).path.lstrip("/") or "civgeo"
    return os.environ.get("CIVGEO_TEST_DB", f"{base}_test")


def recreate_database(dbname: str) -> str:
    """Drop and create ``dbname`` on the server; return its URL."""
    try:
        admin = connect(url_for("postgres"))
    except SetupError as exc:
        pytest.fail(f"the test database server is unreachable: {exc}", pytrace=False)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{dbname}"')
    admin.close()
    return url_for(dbname)


@pytest.fixture(scope="session")
def db_url() -> str:
    """A freshly created and migrated test database."""
    try:
        url = recreate_database(test_db_name())
    except SetupError as exc:
        pytest.fail(f"no database for the tests: {exc}", pytrace=False)
    conn = connect(url)
    migrate(conn)
    conn.close()
    return url


@pytest.fixture
def conn(db_url):
    """A connection whose work is rolled back after the test (domain code never commits)."""
    c = connect(db_url)
    yield c
    c.rollback()
    c.close()


@pytest.fixture(scope="session")
def sample(db_url) -> dict:
    """The two sample cities loaded (and committed) once into the test database."""
    from fixtures.load import SAMPLES, load_city
    from geo.db import transaction

    c = connect(db_url)
    try:
        with transaction(c):
            summaries = {name: load_city(c, spec, progress=lambda _msg: None)
                         for name, spec in SAMPLES.items()}
    finally:
        c.close()
    return summaries


@pytest.fixture
def app(db_url):
    """The API on the test database; tables the API writes are emptied afterwards."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    application = create_app(Settings(database_url=db_url, pool_max=4))
    with TestClient(application, raise_server_exceptions=False) as client:
        yield client
    c = connect(db_url)
    with c.cursor() as cur:
        # Markers the tests checked go back to intact (tests check intact sample markers).
        cur.execute("UPDATE boundary_markers SET condition = 'intact' WHERE id IN "
                    "(SELECT marker_id FROM marker_checks)")
        cur.execute(f"TRUNCATE {', '.join(MUTABLE_TABLES)} RESTART IDENTITY CASCADE")
        cur.execute("DELETE FROM facilities WHERE dataset IS NULL")  # sample sites stay
        cur.execute("DELETE FROM inspections WHERE kind = 'ad_hoc'")  # sample plans stay
    c.commit()
    c.close()


@pytest.fixture
def server(db_url, sample):
    """The API served by uvicorn on a free port, for clients outside Python."""
    from tests.serving import served

    with served(db_url) as url:
        yield url
