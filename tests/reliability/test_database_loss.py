"""Losing the database answers 503 with Retry-After, never 500; a dead connection is dropped
and the service recovers by itself. The API's connections are ended from the server side
(``pg_terminate_backend``: what a restart of the database looks like to the pool); killing
the shared test cluster itself is ``make soak``'s job."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from geo.db import connect, fetch_value
from tests.conftest import url_for
from tests.factories import committed_token, problem


@pytest.fixture
def planner(db_url):
    return {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}


def _on_server(db_url: str, sql: str):
    """Run ``sql`` on the server's ``postgres`` database, about the test database."""
    dbname = urlsplit(db_url).path.lstrip("/")
    conn = connect(url_for("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.replace("{db}", dbname))
            return cur.fetchone()[0] if cur.description else None
    finally:
        conn.close()


def _end_api_connections(db_url: str) -> int:
    return _on_server(db_url, """
        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE application_name = 'civgeo-api' AND datname = '{db}'""")


def test_ended_connections_are_replaced_and_a_database_that_refuses_is_503(app, sample,
                                                                           db_url):
    for _ in range(4):   # every pooled connection opened and used
        assert app.get("/names/search", params={"q": "荷塘"}).status_code == 200
    assert _end_api_connections(db_url) >= 1
    # The server's goodbye is read off each idle connection before it is handed out, so
    # a restart of the database fails no request.
    statuses = [app.get("/names/search", params={"q": "荷塘"}).status_code for _ in range(6)]
    assert statuses == [200] * 6
    # A database that takes no connections: 503 with Retry-After, never 500 ...
    _on_server(db_url, 'ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS false')
    try:
        _end_api_connections(db_url)
        answers = [app.get("/names/search", params={"q": "荷塘"}) for _ in range(3)]
        assert [a.status_code for a in answers] == [503] * 3
        body = problem(answers[0], 503)
        assert body["type"] == "/problems/database-unavailable"
        assert int(answers[0].headers["retry-after"]) > 0
    finally:
        _on_server(db_url, 'ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS true')
    # ... and it recovers by itself once the database takes them again.
    statuses = [app.get("/names/search", params={"q": "荷塘"}).status_code for _ in range(3)]
    assert statuses == [200] * 3


def test_a_write_lost_with_its_connection_is_503_and_a_keyed_retry_writes_once(
        app, sample, db_url, planner):
    site = {"type": "day_care", "name": "断线重试照料中心", "lon": 114.2838, "lat": 30.5802}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert app.get("/facilities", headers=planner).status_code == 200
    _end_api_connections(db_url)
    first = app.post("/facilities", json=site, headers={**planner, **key})
    assert first.status_code in (201, 503), first.text
    retry = app.post("/facilities", json=site, headers={**planner, **key})
    assert retry.status_code == 201, retry.text
    conn = connect(db_url)
    try:
        assert fetch_value(conn, "SELECT count(*) FROM facilities WHERE name = %s",
                           (site["name"],)) == 1
    finally:
        conn.close()
