"""Facilities and coverage over HTTP on the sample data: central Wuhan (real OSM streets)
and Zhuzhou (no network: straight-line estimates)."""

from __future__ import annotations

import json

import pytest

from tests.factories import committed_token, problem

JIANGHAN_ROAD = (114.2838, 30.5802)
TIANXINGZHOU = (114.5709, 30.5731)     # a village on an island with no streets


@pytest.fixture
def planner(db_url):
    return {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}


def test_planners_only(app, sample, db_url):
    problem(app.get("/coverage/circle", params={"division": "420103"}), 401)
    officer = committed_token(db_url, "names_officer")
    problem(app.get("/coverage/circle", params={"division": "420103"},
                     headers={"Authorization": f"Bearer {officer}"}), 403)


def test_isochrone_on_real_streets(app, sample, planner):
    lon, lat = JIANGHAN_ROAD
    r = app.get("/coverage/isochrone", params={"lon": lon, "lat": lat, "minutes": "5,10,15"},
                headers=planner)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["method"] == "network" and "OpenStreetMap" in body["attribution"]
    assert [f["properties"]["minutes"] for f in body["features"]] == [15, 10, 5]
    areas = [f["properties"]["area_km2"] for f in body["features"]]
    assert areas[0] > areas[1] > areas[2] > 0
    assert areas[0] < 3.1416 * 0.9 ** 2       # smaller than the 900 m circle: streets wind
    assert body["features"][0]["properties"]["elderly"] > 0


@pytest.mark.parametrize(("params", "field"), [
    ({"minutes": "0"}, "minutes"), ({"minutes": "61"}, "minutes"),
    ({"minutes": "5,x"}, "minutes"), ({"speed": "-60"}, "speed"),
    ({"lon": 80.0, "lat": 45.0}, "lon"), ({"lon": TIANXINGZHOU[0], "lat": TIANXINGZHOU[1]}, "lon"),
    ({"direction": "up"}, "direction"),
])
def test_isochrone_bad_input(app, sample, planner, params, field):
    query = {"lon": JIANGHAN_ROAD[0], "lat": JIANGHAN_ROAD[1], **params}
    problem(app.get("/coverage/isochrone", params=query, headers=planner), 422, field)


def test_circle_of_jianghan_on_the_network(app, sample, planner):
    body = app.get("/coverage/circle", params={"division": "420103"}, headers=planner).json()
    assert body["method"] == "network" and body["minutes"] == 15
    s = body["summary"]
    assert s["communities"] == 111 and 0 < s["elderly_share"] < 1
    assert s["by_status"]["covered"] > 0 and s["by_status"]["covered"] < 111
    statuses = {f["properties"]["status"] for f in body["features"]}
    assert "covered" in statuses and statuses - {"covered"}
    uncovered = app.get("/coverage/circle", params={"division": "420103",
                                                    "uncovered_only": True},
                        headers=planner).json()["features"]
    assert uncovered and all(f["properties"]["reason"] for f in uncovered)


def test_zhuzhou_is_a_labelled_straight_line_estimate(app, sample, planner):
    body = app.get("/coverage/circle", params={"division": "430202"}, headers=planner).json()
    assert body["method"] == "straight-line" and body["detour_factor"] == 1.3
    assert body["note"].startswith("STRAIGHT-LINE ESTIMATE")


def test_indicator_tables(app, sample, planner):
    zz = app.get("/coverage/indicators", params={"division": "430200"}, headers=planner).json()
    assert zz["method"] == "straight-line" and zz["targets"]["beds_per_1000"] == 32
    assert zz["targets"]["community_coverage_urban"] == 0.8
    rows = [f["properties"] for f in zz["features"]]
    assert rows[0]["code"] == "430200" and len(rows) == 10          # the city + 9 counties
    assert all(r["beds_per_1000"] > 0 and r["beds_ok"] in (True, False) for r in rows)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in zz["features"])
    wh = app.get("/coverage/indicators", params={"division": "420100"}, headers=planner).json()
    assert wh["method"] == "network" and wh["targets"]["beds_per_1000"] == 35
    assert [f["properties"]["code"] for f in wh["features"]][1:] == [
        "420102", "420103", "420104", "420105", "420106", "420107", "420111"]
    problem(app.get("/coverage/indicators", params={"division": "123"}, headers=planner),
             422, "division")
    problem(app.get("/coverage/indicators", params={"division": "999999"}, headers=planner),
             422, "division")


def test_accessibility_scores(app, sample, planner):
    body = app.get("/coverage/accessibility", params={"division": "420103"},
                   headers=planner).json()
    assert body["score_method"] == "e2sfca" and len(body["features"]) == 111
    assert body["summary"]["score_weighted_mean"] > 0


def test_three_explained_suggestions_saved_and_compared(app, sample, planner):
    r = app.post("/coverage/suggestions", json={"division": "420103", "k": 3, "save": True,
                                                "name": "江汉三站"}, headers=planner)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["suggestions"]) == 3 and body["share_after"] > body["share_before"]
    for s in body["suggestions"]:
        assert s["newly_covered_elderly"] > 0 and s["communities"] and "uncovered elderly" in \
            s["why"]
    other = app.post("/coverage/suggestions", json={"division": "420103", "k": 1, "save": True,
                                                    "name": "江汉一站"}, headers=planner).json()
    table = app.get("/coverage/scenarios/compare",
                    params={"ids": f"{body['scenario']['id']},{other['scenario']['id']}"},
                    headers=planner).json()["scenarios"]
    assert [t["k"] for t in table] == [3, 1]
    assert table[0]["newly_covered_elderly"] > table[1]["newly_covered_elderly"]
    problem(app.post("/coverage/suggestions", json={"division": "420103", "save": True},
                      headers=planner), 422, "name")
    problem(app.post("/coverage/suggestions", json={"division": "420103", "k": 0},
                      headers=planner), 422, "k")


def test_what_if_and_burial(app, sample, planner):
    r = app.post("/coverage/what-if", json={"division": "420111", "lon": 114.41,
                                            "lat": 30.50}, headers=planner)
    assert r.status_code == 200 and r.json()["share_after"] >= r.json()["share_before"]
    burial = app.get("/coverage/burial", params={"division": "420100"}, headers=planner).json()
    assert burial["checked"] > 0 and burial["inside_zones"] > 0
    zones = burial["features"][0]["properties"]["zones"]
    assert zones[0]["layer"].startswith(("road:", "water_source"))


def test_facilities_crud_and_import(app, sample, planner):
    lon, lat = JIANGHAN_ROAD
    site = {"type": "day_care", "name": "江汉路日间照料中心", "lon": lon, "lat": lat,
            "places": 40, "beds": 10}
    r = app.post("/facilities", json=site, headers=planner)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["properties"]["division_code"].startswith("420103")
    problem(app.post("/facilities", json={**site, "beds": -1}, headers=planner), 422, "beds")
    problem(app.post("/facilities", json={**site, "lon": 80.0, "lat": 45.0}, headers=planner),
             422, "lon")
    fid = made["id"]
    ok = app.patch(f"/facilities/{fid}", json={"version": 1, "places": 45}, headers=planner)
    assert ok.status_code == 200 and ok.json()["properties"]["version"] == 2
    stale = problem(app.patch(f"/facilities/{fid}", json={"version": 1, "places": 50},
                               headers=planner), 409)
    assert stale["current"]["places"] == 45
    history = app.get(f"/facilities/{fid}", headers=planner).json()["properties"]["history"]
    assert [h["version"] for h in history] == [1]

    listed = app.get("/facilities", params={"division": "420103", "kind": "eldercare"},
                     headers=planner).json()
    assert listed["type"] == "FeatureCollection"
    assert any(f["id"] == fid for f in listed["features"])

    collection = {"type": "FeatureCollection", "name": "canteens",      # as QGIS writes it
                  "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                  "features": [
        {"type": "Feature", "id": "a1", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"type": "canteen", "name": "长者食堂甲", "meals_per_day": 120,
                        "opened": ""}}]}
    first = app.post("/facilities", params={"source": "test-import"}, json=collection,
                     headers=planner).json()
    again = app.post("/facilities", params={"source": "test-import"}, json=collection,
                     headers=planner).json()
    assert first["created"] == 1 and again == {"created": 0, "updated": 0, "unchanged": 1}
    csv = f"type,name,lon,lat,places\ncommunity_station,测试站,{lon},{lat},30\n"
    r = app.post("/facilities/import", params={"source": "csv-test"}, content=csv.encode(),
                 headers={**planner, "Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["created"] == 1
    bad = json.dumps({"type": "FeatureCollection", "features": [{"geometry": None}]})
    problem(app.post("/facilities/import", params={"source": "bad"}, content=bad.encode(),
                      headers={**planner, "Content-Type": "application/geo+json"}), 422)
