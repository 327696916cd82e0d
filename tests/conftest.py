"""Tests run on the real PostGIS, in their own database (``<db>_test``), and fail, never
skip, when it cannot be reached (STYLE §7.6). Domain tests roll back (``conn``); whatever
else a test commits (the API, the uvicorn child, ``civgeo`` commands, ``committed_token``)
is put back when it ends (tests/dbstate.py), with no list of tables to empty."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from geo import localdb
from geo.db import connect
from geo.errors import SetupError
from geo.migrate import migrate
from tests import dbstate


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
    dbstate.install(conn)
    conn.close()
    return url


@pytest.fixture
def conn(db_url):
    """A connection whose work is rolled back after the test (domain code never commits)."""
    c = connect(db_url, application_name=dbstate.ROLLED_BACK)
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


@pytest.fixture(scope="session")
def _dbstate(db_url):
    """The connection that marks and restores (one for the session: 2 ms a test)."""
    c = connect(db_url, application_name="civgeo-tests-dbstate")
    yield c
    c.close()


@pytest.fixture(autouse=True)
def _committed_writes_undone(request):
    """For a test on the test database: every table written from its start (its function
    fixtures included, as autouse ones are set up first) is put back as it was when it
    ends. Session and module fixtures, set up before, keep what they commit."""
    if "db_url" not in request.fixturenames:
        yield
        return
    with dbstate.restored(request.getfixturevalue("_dbstate")):
        yield


@pytest.fixture
def app(db_url):
    """The API on the test database, through a TestClient."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    application = create_app(Settings(database_url=db_url, pool_max=4))
    with TestClient(application, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def server(db_url, sample):
    """The API served by uvicorn on a free port, for clients outside Python."""
    from tests.serving import served

    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """A headless system Chromium driven by Playwright, shared by a module's tests."""
    from tests.browser import chromium_browser

    with chromium_browser() as b:
        yield b
