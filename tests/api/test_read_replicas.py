"""Read routing over a real streaming replica (issue 19): the fixture makes a replica of
the test cluster with ``pg_basebackup -R`` on loopback and removes it after."""

from __future__ import annotations

import os
import time

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo import localdb, tiles
from geo.db import connect, fetch_one, fetch_value
from geo.replicas import Lag, lsn_text, lsn_value
from tests import conftest
from tests.factories import committed_token

LINE = {"type": "LineString", "coordinates": [[113.17, 27.86], [113.171, 27.861]]}


@pytest.fixture(scope="module")
def replica(db_url):
    """A streaming replica of the embedded test cluster, started, and its URL for the test
    database; removed (slot dropped) after the module."""
    if os.environ.get("DATABASE_URL"):
        pytest.fail("the replica tests make a replica of the embedded cluster: unset "
                    "DATABASE_URL", pytrace=False)
    n, c = localdb.add_replica()
    try:
        yield n, c, c.url(conftest.test_db_name())
    finally:
        localdb.start(c)   # a test may have stopped it: remove drops its slot either way
        localdb.remove_replica(n)


@pytest.fixture
def routed(db_url, replica):
    settings = Settings(database_url=db_url, database_url_read=(replica[2],), pool_max=4,
                        replica_check_s=0.05)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, settings


def _on(url: str, sql: str):
    conn = connect(url)
    conn.autocommit = True
    try:
        return fetch_one(conn, sql)
    finally:
        conn.close()


def _caught_up(db_url: str, replica_url: str, timeout: float = 20.0) -> None:
    """Wait until the replica has replayed everything the primary holds now."""
    target = lsn_value(_on(db_url, "SELECT pg_current_wal_lsn()::text AS l")["l"])
    deadline = time.monotonic() + timeout
    while lsn_value(_on(replica_url, "SELECT pg_last_wal_replay_lsn()::text AS l")["l"]) < target:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _lands_on_the_replica(client, path: str, timeout: float = 5.0):
    """Read ``path`` until a read is served by the replica (checks run in the background,
    so a replica comes back into rotation, or is seen to have replayed, within a check or
    two); the last response."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(path)
        if r.headers.get("x-civgeo-read") == "replica 1" or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def _approve(client, headers: dict, name: str) -> dict:
    """Run a naming application through to approval (a write on the primary)."""
    a = client.post("/names/applications", headers=headers, json={
        "kind": "naming", "name": name, "category_code": "0801", "division_code": "430202",
        "applicant": "荷塘区住建局", "applicant_contact": "李四 13800000000",
        "geometry": LINE}).json()
    a = client.post(f"/names/applications/{a['id']}/submit", json={"version": 1},
                    headers=headers).json()
    a = client.post(f"/names/applications/{a['id']}/assess", headers=headers, json={
        "version": a["version"], "reports": [{"type": "expert_review", "title": "论证"}]}).json()
    r = client.post(f"/names/applications/{a['id']}/approve", headers=headers, json={
        "version": a["version"], "approving_authority": "荷塘区人民政府",
        "document_no": "荷政函〔2026〕9号"})
    assert r.status_code == 200, r.text
    return r


def test_public_reads_land_on_the_replica_and_answer_as_the_primary(db_url, sample, replica,
                                                                     routed):
    client, _ = routed
    _caught_up(db_url, replica[2])
    r = client.get("/names/search", params={"q": "荷塘"})
    assert r.status_code == 200 and r.headers["x-civgeo-read"] == "replica 1"
    served = fetch_value(connect(replica[2]), "SELECT count(*) FROM pg_stat_activity "
                         "WHERE application_name = 'civgeo-api' AND datname = current_database()")
    assert served >= 1   # the read really went there: the replica holds the API's connection
    plain = TestClient(create_app(Settings(database_url=db_url, pool_max=2)))
    with plain:
        direct = plain.get("/names/search", params={"q": "荷塘"})
    assert "x-civgeo-read" not in direct.headers       # no replicas: no routing at all
    assert r.json()["features"] == direct.json()["features"]
    for path in ("/addresses/search?q=上海路82号", "/ogc/collections/facilities/items?limit=2"):
        got = client.get(path)
        assert got.status_code == 200 and got.headers["x-civgeo-read"] == "replica 1", path
    # An officer's own OGC read authenticates (it writes the token's last use): primary.
    token = committed_token(db_url, "planner")
    got = client.get("/ogc/collections/facilities/items?limit=2",
                     headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200 and "x-civgeo-read" not in got.headers
    # A planner's read-only analysis: checked on the primary, computed on the replica.
    analysis = client.get("/coverage/indicators", params={"division": "430202"},
                          headers={"Authorization": f"Bearer {token}"})
    assert analysis.status_code == 200, analysis.text
    assert analysis.headers["x-civgeo-read"] == "replica 1"
    health = client.get("/health").json()
    [state] = health["replicas"]
    assert state["in_rotation"] and state["lag_s"] is not None and "url" not in state


def test_a_writer_reads_its_write_while_the_replica_is_paused(db_url, sample, replica, routed):
    client, _ = routed
    officer = {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}
    _caught_up(db_url, replica[2])
    _on(replica[2], "SELECT pg_wal_replay_pause()")
    try:
        deadline = time.monotonic() + 10
        while _on(replica[2], "SELECT pg_get_wal_replay_pause_state() AS s")["s"] != "paused":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        approved = _approve(client, officer, "荷香路")
        wrote = approved.headers["x-civgeo-lsn"]
        assert client.cookies.get("civgeo_wrote") == wrote
        # The writer (its cookie) reads from the primary and sees its name ...
        mine = client.get("/names/search", params={"q": "荷香路"})
        assert mine.headers["x-civgeo-read"] == "primary"
        assert "荷香路" in [f["properties"]["name"] for f in mine.json()["features"]]
        # ... an API client sending the position back does too ...
        other = TestClient(client.app)   # another client of the same running app
        sent = other.get("/names/search", params={"q": "荷香路"},
                         headers={"X-Civgeo-Min-LSN": wrote})
        assert sent.headers["x-civgeo-read"] == "primary"
        # ... while someone else reads the paused replica, which has not got it.
        stale = other.get("/names/search", params={"q": "荷香路"})
        assert stale.headers["x-civgeo-read"] == "replica 1"
        assert "荷香路" not in [f["properties"]["name"] for f in stale.json()["features"]]
        assert other.get("/health").json()["replicas"][0]["replay_paused"] is True
    finally:
        _on(replica[2], "SELECT pg_wal_replay_resume()")
    _caught_up(db_url, replica[2])
    again = _lands_on_the_replica(client, "/names/search?q=荷香路")   # a check saw the replay
    assert again.headers["x-civgeo-read"] == "replica 1"
    assert "荷香路" in [f["properties"]["name"] for f in again.json()["features"]]


def test_tiles_are_read_from_the_replica_cache_and_drawn_on_the_primary(db_url, sample,
                                                                       replica, routed):
    client, _ = routed
    x, y = tiles.tile_at(113.17, 27.86, 10)
    path = f"/tiles/divisions/10/{x}/{y}.mvt"
    first = client.get(path)   # not cached yet: drawn, and cached, on the primary
    assert first.status_code == 200 and first.headers["x-tile-cache"] == "miss"
    assert first.headers["x-civgeo-read"] == "replica 1"
    _caught_up(db_url, replica[2])
    second = client.get(path)   # the replica now holds the cached tile
    assert second.headers["x-tile-cache"] == "hit" and second.content == first.content
    assert second.headers["x-civgeo-read"] == "replica 1"
    ogc = client.get(f"/ogc/collections/divisions/tiles/WebMercatorQuad/10/{y}/{x}")
    assert ogc.status_code == 200 and ogc.content == first.content
    assert ogc.headers["x-tile-cache"] == "hit" and ogc.headers["x-civgeo-read"] == "replica 1"


def test_reads_fall_back_to_the_primary_when_the_replica_stops(db_url, sample, replica, routed):
    client, _ = routed
    assert client.get("/names/search", params={"q": "荷塘"}).headers["x-civgeo-read"] == \
        "replica 1"                                   # its pool holds replica connections
    localdb.stop(replica[1])
    try:
        for _ in range(5):
            r = client.get("/names/search", params={"q": "荷塘"})
            assert r.status_code == 200 and r.headers["x-civgeo-read"] == "primary", r.text
            assert r.json()["features"]
        time.sleep(0.1)
        health = client.get("/health").json()
        assert health["status"] == "degraded"
        assert not health["replicas"][0]["in_rotation"]
        assert health["replicas"][0]["reason"]      # unreachable, or no connection: says so
    finally:
        localdb.start(replica[1])
    _caught_up(db_url, replica[2])
    back = _lands_on_the_replica(client, "/names/search?q=荷塘")   # back after a check
    assert back.status_code == 200 and back.headers["x-civgeo-read"] == "replica 1"


def test_lag_counts_from_when_the_primary_first_stood_beyond_the_replay():
    lag = Lag()
    assert lag.measure(100, 100, now=0.0) == (0, 0.0)    # idle: caught up, whatever its age
    assert lag.measure(150, 100, now=1.0) == (50, 0.0)   # first seen behind now
    assert lag.measure(180, 120, now=3.0) == (60, 2.0)   # 150 > 120 was there since t=1
    assert lag.measure(180, 160, now=4.0) == (20, 1.0)   # only 180 is beyond 160: since t=3
    assert lag.measure(180, 180, now=5.0) == (0, 0.0)
    assert lsn_value("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn_text(lsn_value("16/B374D848")) == "16/B374D848"
    assert lsn_value("nonsense") is None and lsn_value(None) is None
