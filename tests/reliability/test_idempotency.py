"""``Idempotency-Key`` on POST: a retry never creates twice (api.idempotency)."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from geo.db import connect, fetch_value
from tests.factories import committed_token, problem

JIANGHAN_ROAD = (114.2838, 30.5802)


@pytest.fixture
def planner(db_url):
    return {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}


def _site(name: str) -> dict:
    lon, lat = JIANGHAN_ROAD
    return {"type": "day_care", "name": name, "lon": lon, "lat": lat, "places": 40}


def _count(db_url: str, name: str) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, "SELECT count(*) FROM facilities WHERE name = %s", (name,))
    finally:
        conn.close()


def test_a_retry_gets_the_first_answer_and_creates_nothing(app, sample, db_url, planner):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = app.post("/facilities", json=_site("幂等测试照料中心"), headers={**planner, **key})
    again = app.post("/facilities", json=_site("幂等测试照料中心"), headers={**planner, **key})
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _count(db_url, "幂等测试照料中心") == 1
    # without the key, the same body is a second facility
    assert app.post("/facilities", json=_site("幂等测试照料中心"),
                    headers=planner).status_code == 201
    assert _count(db_url, "幂等测试照料中心") == 2


def test_the_same_key_for_another_request_is_refused(app, sample, db_url, planner):
    key = {"Idempotency-Key": "reused-key-1"}
    assert app.post("/facilities", json=_site("甲照料中心"),
                    headers={**planner, **key}).status_code == 201
    problem(app.post("/facilities", json=_site("乙照料中心"), headers={**planner, **key}),
            422, "Idempotency-Key")
    assert _count(db_url, "乙照料中心") == 0
    # keys belong to their caller: another user's same key is another request
    other = {"Authorization": f"Bearer {committed_token(db_url, 'planner', 'other')}"}
    assert app.post("/facilities", json=_site("乙照料中心"),
                    headers={**other, **key}).status_code == 201


def test_a_refused_request_is_not_remembered(app, sample, db_url, planner):
    key = {"Idempotency-Key": "fix-and-retry"}
    problem(app.post("/facilities", json={**_site("丙照料中心"), "places": -1},
                     headers={**planner, **key}), 422, "places")
    assert app.post("/facilities", json=_site("丙照料中心"),
                    headers={**planner, **key}).status_code == 201
    assert _count(db_url, "丙照料中心") == 1


def test_a_malformed_key_is_refused(app, sample, planner):
    problem(app.post("/facilities", json=_site("丁照料中心"),
                     headers={**planner, "Idempotency-Key": "x" * 256}), 422,
            "Idempotency-Key")


def test_concurrent_retries_create_once(server, db_url, planner):
    """Five copies of one request at once, as a client retrying in parallel: one facility,
    five identical answers."""
    key = {"Idempotency-Key": str(uuid.uuid4())}
    gate = threading.Barrier(5)
    answers: list[httpx.Response] = []

    def send() -> None:
        gate.wait()
        answers.append(httpx.post(f"{server}/facilities", json=_site("并发幂等照料中心"),
                                  headers={**planner, **key}, timeout=30))

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
    assert _count(db_url, "并发幂等照料中心") == 1
