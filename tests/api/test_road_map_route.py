"""``GET /maps/roads/{road_id}``: a plates officer (or a planner) gets the road's numbering
map as HTML with local assets; no token is 401, an inspector 403, an unknown road 404."""

import pytest

from geo.db import connect, execute, transaction
from tests.factories import committed_token
from tests.geo.plates.sketched import add_raw_door, add_road

NAME = "接口测试路"


@pytest.fixture
def road_id(db_url):
    """A committed road with a duplicate 3号 and a 9号 on the even side; deleted afterwards
    (its doors cascade)."""
    conn = connect(db_url)
    try:
        with transaction(conn):
            new_id = add_road(conn, name=NAME)
            add_raw_door(conn, new_id, "d", 3)
        yield new_id
    finally:
        with transaction(conn):
            execute(conn, "DELETE FROM roads WHERE name = %s", (NAME,))
        conn.close()


def _bearer(db_url, role: str) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, role, f'{role}-map')}"}


def test_road_map_is_for_plates_officers_and_planners(app, db_url, road_id):
    assert app.get(f"/maps/roads/{road_id}").status_code == 401
    refused = app.get(f"/maps/roads/{road_id}", headers=_bearer(db_url, "inspector"))
    assert refused.status_code == 403 and "plates_officer" in refused.json()["detail"]
    assert app.get(f"/maps/roads/{road_id}",
                   headers=_bearer(db_url, "planner")).status_code == 200


def test_road_map_is_html_for_a_plates_officer(app, db_url, road_id):
    r = app.get(f"/maps/roads/{road_id}", headers=_bearer(db_url, "plates_officer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f"{NAME} 门牌编号 house numbering" in r.text
    assert "重号 duplicate number: 2" in r.text
    assert r.text.count('"className": "civgeo-finding"') == 3   # two 3号 and the 9号
    assert "/static/vendor/leaflet/dist/leaflet.js" in r.text and "cdn." not in r.text


def test_an_unknown_road_is_a_404_problem(app, db_url):
    r = app.get(f"/maps/roads/{10**9}", headers=_bearer(db_url, "plates_officer"))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == f"no road {10**9}"
