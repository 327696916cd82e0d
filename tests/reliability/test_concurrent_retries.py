"""A field app retrying in parallel: five identical uploads of one record at once give one
201 and four 200 duplicates, and one row (the record is keyed by its client UUID)."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from fixtures.boundaries import sample_gpx
from geo.boundaries import inspections
from geo.db import connect, fetch_value, transaction
from tests.factories import TEST_ACTOR, committed_token

COPIES = 5


@pytest.fixture
def field(server, db_url):
    """An inspector of the lead team on a new inspection of 株衡线, and two of its markers."""
    token = committed_token(db_url, "inspector", "并发巡线员")
    conn = connect(db_url)
    with transaction(conn):
        inspections.join_team(conn, TEST_ACTOR, "株洲市联检工作组", "并发巡线员")
    gpx = sample_gpx(conn, "株衡线", km=3)
    conn.close()
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{server}/inspections", headers=headers, timeout=30, json={
        "line": "株衡线", "year": 2026, "kind": "ad_hoc", "reason": "并发重试",
        "lead_code": "430200", "lead_team": "株洲市联检工作组",
        "support_team": "衡阳市联检工作组"})
    assert made.status_code == 201, made.text
    ins = made.json()
    markers = httpx.get(f"{server}/boundaries/markers", params={"line": ins["line_id"]},
                        headers=headers, timeout=30).json()["features"]
    return server, headers, ins["id"], [m["properties"] for m in markers[:2]], gpx


def _at_once(send) -> list[httpx.Response]:
    gate = threading.Barrier(COPIES)
    answers: list[httpx.Response] = []

    def one() -> None:
        gate.wait()
        answers.append(send())

    threads = [threading.Thread(target=one) for _ in range(COPIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _rows(db_url: str, table: str, uid: str) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, f"SELECT count(*) FROM {table} WHERE uuid = %s", (uid,))
    finally:
        conn.close()


def _one_created(answers: list[httpx.Response]) -> None:
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (COPIES - 1) + [201], [a.text for a in answers]
    assert sum(a.json()["duplicate"] for a in answers) == COPIES - 1


def test_marker_checks_and_hazards(field, db_url):
    server, headers, ins, (marker, _), _gpx = field
    check = {"uuid": str(uuid.uuid4()), "marker": marker["marker_no"], "condition": "intact",
             "lon": marker["lon"], "lat": marker["lat"],
             "checked_at": "2026-10-12T10:00:00+08:00"}
    _one_created(_at_once(lambda: httpx.post(f"{server}/inspections/{ins}/marker-checks",
                                             json=check, headers=headers, timeout=30)))
    assert _rows(db_url, "marker_checks", check["uuid"]) == 1
    hazard = {"uuid": str(uuid.uuid4()), "kind": "construction", "description": "施工跨越界线",
              "lon": marker["lon"], "lat": marker["lat"],
              "reported_at": "2026-10-12T11:00:00+08:00"}
    _one_created(_at_once(lambda: httpx.post(f"{server}/inspections/{ins}/hazards",
                                             json=hazard, headers=headers, timeout=30)))
    assert _rows(db_url, "hazards", hazard["uuid"]) == 1


def test_patrols(field, db_url):
    server, headers, ins, _markers, gpx = field
    uid = str(uuid.uuid4())
    _one_created(_at_once(lambda: httpx.post(
        f"{server}/inspections/{ins}/patrols", params={"uuid": uid, "members": "王五"},
        content=gpx.encode(), timeout=60,
        headers={**headers, "Content-Type": "application/gpx+xml"})))
    assert _rows(db_url, "patrols", uid) == 1
