"""Every error is RFC 9457 problem+json from one table (STYLE §7.5): one shape test walks
the error cases, others check what each says."""

import psycopg2
import pytest
from fastapi import APIRouter

from geo.errors import Conflict
from tests.factories import committed_token

KEYS = {"type", "title", "status", "detail", "instance"}


def _install_failing_routes(application):
    router = APIRouter()

    @router.get("/_test/crash")
    def crash():
        raise RuntimeError("secret internals: password=hunter2")

    @router.get("/_test/db-down")
    def db_down():
        raise psycopg2.OperationalError("server closed the connection unexpectedly")

    @router.get("/_test/conflict")
    def conflict():
        raise Conflict("version 3 is stale; the current version is 4", field="version", current=4)

    application.include_router(router)


@pytest.fixture
def client(app):
    _install_failing_routes(app.app)
    return app


@pytest.fixture
def planner(db_url):
    return {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}


@pytest.fixture
def tokens(db_url, planner):
    admin = committed_token(db_url, "admin", "admin-user")
    return {None: {}, "planner": planner, "admin": {"Authorization": f"Bearer {admin}"}}


CASES = [
    ("GET", "/no/such/route", None, 404),
    ("POST", "/health", None, 405),
    ("DELETE", "/docs", None, 405),
    ("GET", "/audit", None, 401),
    ("GET", "/maps/divisions", "planner", 422),
    ("GET", "/maps/divisions?division=4302", "planner", 422),
    ("GET", "/maps/divisions?division=999999", "planner", 404),
    ("GET", "/audit?limit=0", "admin", 422),
    ("GET", "/audit", "planner", 403),
    ("GET", "/_test/crash", None, 500),
    ("GET", "/_test/db-down", None, 503),
    ("GET", "/_test/conflict", None, 409),
]


@pytest.mark.parametrize(("method", "path", "who", "status"), CASES)
def test_error_shape(client, tokens, method, path, who, status):
    r = client.request(method, path, headers=tokens[who])
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert KEYS <= body.keys()
    assert body["status"] == status
    assert body["instance"] == path.split("?")[0]
    assert body["type"].startswith("/problems/")
    assert body["detail"]


def test_validation_names_the_field(client, planner):
    body = client.get("/maps/divisions", headers=planner).json()
    assert body["field"] == "division"
    assert body["errors"][0]["in"] == "query"


def test_bad_division_code_says_what_a_code_looks_like(client, planner):
    body = client.get("/maps/divisions?division=4302", headers=planner).json()
    assert body["field"] == "division" and "6-, 9- or 12-digit" in body["detail"]


def test_internal_errors_hide_their_details(client):
    body = client.get("/_test/crash").json()
    assert "hunter2" not in str(body) and "RuntimeError" not in str(body)


def test_conflict_carries_extra_members(client):
    body = client.get("/_test/conflict").json()
    assert body["field"] == "version" and body["current"] == 4


def test_statement_timeout_answers_503(db_url):
    from fastapi.testclient import TestClient

    from api.deps import Conn
    from api.main import create_app
    from api.settings import Settings
    from geo.db import fetch_value

    application = create_app(Settings(database_url=db_url, statement_timeout_ms=200))
    router = APIRouter()

    @router.get("/_test/slow")
    def slow(conn: Conn):
        return {"slept": fetch_value(conn, "SELECT pg_sleep(2) IS NULL")}

    application.include_router(router)
    with TestClient(application) as client:
        r = client.get("/_test/slow")
        assert r.status_code == 503
        assert r.json()["type"] == "/problems/timeout"
        assert client.get("/health").status_code == 200  # the connection went back usable
