"""``api.cli.session``: the one way a command gets a connection. It commits only when asked
to write, rolls back when the block raises, and always closes."""

import pytest

from api.cli import session
from geo.db import connect, fetch_value

PROBE = "cli_session_probe"


@pytest.fixture
def probe(db_url, monkeypatch):
    """DATABASE_URL pointing at the test database; the probe table dropped afterwards."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    yield
    conn = connect(db_url)
    with conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PROBE}")
    conn.close()


def probe_exists(db_url) -> bool:
    conn = connect(db_url)
    try:
        return fetch_value(conn, "SELECT to_regclass(%s) IS NOT NULL", (PROBE,))
    finally:
        conn.close()


def create_probe(conn) -> None:
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {PROBE} (x int)")


def test_a_write_session_commits_and_closes(db_url, probe):
    with session(write=True) as conn:
        create_probe(conn)
    assert conn.closed and probe_exists(db_url)


def test_a_read_session_keeps_nothing_and_closes(db_url, probe):
    with session() as conn:
        create_probe(conn)
    assert conn.closed and not probe_exists(db_url)


def test_a_write_session_that_raises_keeps_nothing_and_closes(db_url, probe):
    with pytest.raises(KeyError), session(write=True) as conn:
        create_probe(conn)
        raise KeyError("boom")
    assert conn.closed and not probe_exists(db_url)
