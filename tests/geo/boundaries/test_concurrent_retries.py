"""A field app that lost its answer sends the same record again, sometimes several times at
once (a retry queue, two tabs). Five identical uploads released together, each on its own
connection, give one record created and four duplicates: never a 409 for a retry."""

from __future__ import annotations

import threading
import uuid

import pytest

from geo.boundaries import patrols
from geo.db import connect, fetch_value, transaction
from tests.geo.boundaries import drawn

TIMES = 5


@pytest.fixture
def d(db_url):
    """The drawn boundary, committed so that other connections see it (put back after the
    test by tests/dbstate.py)."""
    conn = connect(db_url)
    try:
        with transaction(conn):
            built = drawn.build(conn)
    finally:
        conn.close()
    return built


def _all_at_once(db_url, submit) -> list[object]:
    """``submit(conn)`` on TIMES connections released by one barrier; each answer's
    ``duplicate`` flag, or the exception it raised."""
    barrier = threading.Barrier(TIMES)
    answers: list[object] = []

    def one() -> None:
        conn = connect(db_url)
        try:
            barrier.wait()
            with transaction(conn):
                answers.append(submit(conn)["duplicate"])
        except Exception as exc:       # noqa: BLE001 - the test reports what went wrong
            answers.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=one) for _ in range(TIMES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _rows(db_url, table: str, uid: str) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, f"SELECT count(*) FROM {table} WHERE uuid = %s", (uid,))
    finally:
        conn.close()


def test_a_patrol_sent_five_times_at_once_is_one_patrol(db_url, d):
    uid = str(uuid.uuid4())
    record = {"uuid": uid, "members": ["王五"], "track": {
        "format": "gpx", "data": drawn.gpx([d.grid[k] for k in "1234"]).decode()}}
    answers = _all_at_once(db_url, lambda conn: patrols.submit_patrol(
        conn, d.west, d.inspection["id"], dict(record)))
    assert sorted(answers, key=str) == [False] + [True] * (TIMES - 1)
    assert _rows(db_url, "patrols", uid) == 1


def test_a_marker_check_sent_five_times_at_once_is_one_check(db_url, d):
    uid = str(uuid.uuid4())
    m = d.markers[0]
    record = {"uuid": uid, "marker": m["marker_no"], "condition": "intact", "lon": m["lon"],
              "lat": m["lat"], "checked_at": "2026-10-01T10:00:00+08:00"}
    answers = _all_at_once(db_url, lambda conn: patrols.submit_check(
        conn, d.east, d.inspection["id"], dict(record)))
    assert sorted(answers, key=str) == [False] + [True] * (TIMES - 1)
    assert _rows(db_url, "marker_checks", uid) == 1


def test_a_hazard_sent_five_times_at_once_is_one_hazard(db_url, d):
    uid = str(uuid.uuid4())
    lon, lat = d.grid["3"]
    record = {"uuid": uid, "kind": "construction", "description": "修路跨越界线",
              "lon": lon, "lat": lat, "reported_at": "2026-10-01T10:00:00Z"}
    answers = _all_at_once(db_url, lambda conn: patrols.submit_hazard(
        conn, d.west, d.inspection["id"], dict(record)))
    assert sorted(answers, key=str) == [False] + [True] * (TIMES - 1)
    assert _rows(db_url, "hazards", uid) == 1
