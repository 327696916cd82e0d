"""The facility registry: validation, history, imports that are all-or-nothing and
idempotent."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import box

from fixtures.grid import Grid
from geo import facilities
from geo.db import fetch_value
from geo.errors import Conflict, InvalidInput
from tests.factories import TEST_ACTOR, add_division
from tests.geo.coverage import town

ART = """
A-B-C
"""


@pytest.fixture
def g(conn):
    grid = town.grid(ART)
    town.build(conn, grid, communities={"A": 100, "C": 100})
    return grid


def _site(g, label="B", **kw):
    return {"type": "nursing_home", "name": "测试养老院", "lon": g[label][0], "lat": g[label][1],
            **kw}


@pytest.mark.parametrize(("change", "field"), [
    ({"beds": -1}, "beds"), ({"beds": 10, "nursing_beds": 11}, "nursing_beds"),
    ({"beds": "many"}, "beds"), ({"type": "hospital"}, "type"), ({"name": " "}, "name"),
    ({"lat": 95}, "lat"), ({"lon": 10.0, "lat": 10.0}, "lon"), ({"status": "shut"}, "status"),
    ({"plots_total": 10, "plots_used": 20}, "plots_used"), ({"opened": "2020-13-01"}, "opened"),
    ({"stock": [{"category": "生活类", "item": "棉被", "unit": "床", "quantity": 5}]}, "stock"),
    ({"colour": "red"}, "colour"),
])
def test_bad_records_name_the_field(conn, g, change, field):
    with pytest.raises(InvalidInput) as e:
        facilities.create(conn, TEST_ACTOR, _site(g, **change))
    assert e.value.field == field


def test_a_site_gets_its_division_and_keeps_its_history(conn, g):
    row = facilities.create(conn, TEST_ACTOR, _site(g, "A", beds=100, nursing_beds=40))
    assert row["division_code"] == town.COUNTY + "001001" and row["version"] == 1
    changed = facilities.update(conn, TEST_ACTOR, row["id"], {"beds": 120, "status": "open"}, 1)
    assert changed["beds"] == 120 and changed["version"] == 2
    history = facilities.history(conn, row["id"])
    assert [(h["version"], h["row_before"]["beds"]) for h in history] == [(1, 100)]
    with pytest.raises(Conflict) as e:
        facilities.update(conn, TEST_ACTOR, row["id"], {"beds": 130}, 1)
    assert e.value.extra["current"]["beds"] == 120


def test_relief_stock_is_stored_with_the_warehouse(conn, g):
    row = facilities.create(conn, TEST_ACTOR, {
        "type": "relief_county", "name": "县救灾物资储备库", "lon": g["B"][0], "lat": g["B"][1],
        "stock": [{"category": "住宿类", "item": "帐篷", "unit": "顶", "quantity": 300},
                  {"category": "食品类", "item": "方便食品", "unit": "箱", "quantity": 80,
                   "expiry": "2026-06-30"}]})
    assert [(s["item"], s["quantity"]) for s in row["stock"]] == [("帐篷", 300), ("方便食品", 80)]
    with pytest.raises(InvalidInput) as e:
        facilities.create(conn, TEST_ACTOR, {**_site(g), "type": "relief_county",
                                             "stock": [{"category": "x", "item": "y",
                                                        "unit": "z", "quantity": -1}]})
    assert e.value.field == "stock[0].quantity"


def _collection(g, **extra):
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "ext-1", "geometry": {"type": "Point", "coordinates": g["A"]},
         "properties": {"type": "community_station", "name": "甲站", "places": 30}},
        {"type": "Feature", "id": "ext-2", "geometry": {"type": "Point", "coordinates": g["C"]},
         "properties": {"type": "day_care", "name": "乙中心", "places": 20, **extra}},
    ]}, ensure_ascii=False).encode()


def test_import_twice_creates_nothing_twice_and_updates_what_changed(conn, g):
    first = facilities.import_records(conn, TEST_ACTOR, facilities.parse_upload(_collection(g)),
                                      source="区民政局2025")
    again = facilities.import_records(conn, TEST_ACTOR, facilities.parse_upload(_collection(g)),
                                      source="区民政局2025")
    edited = facilities.import_records(
        conn, TEST_ACTOR, facilities.parse_upload(_collection(g, places=25)),
        source="区民政局2025")
    assert first.as_dict() == {"created": 2, "updated": 0, "unchanged": 0}
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 2}
    assert edited.as_dict() == {"created": 0, "updated": 1, "unchanged": 1}
    assert fetch_value(conn, "SELECT count(*) FROM facilities WHERE source = '区民政局2025'") == 2


def test_a_bad_row_names_itself(conn, g):
    data = _collection(g, places=-3)
    with pytest.raises(InvalidInput) as e:
        facilities.import_records(conn, TEST_ACTOR, facilities.parse_upload(data), source="x")
    assert e.value.field == "records[1].places" and "record 2" in e.value.detail


def test_csv_and_broken_files(conn, g):
    csv = (f"type,name,lon,lat,beds\nnursing_home,丙院,{g['B'][0]},{g['B'][1]},80\n").encode()
    records = facilities.parse_upload(csv, "sites.csv")
    assert records[0]["beds"] == "80"
    assert facilities.import_records(conn, TEST_ACTOR, records, source="csv").created == 1
    for data, name in ((b'{"type": "FeatureCollection"', "x.geojson"),
                       (b"name,lon\n", "x.csv"), (b"\xff\xfe", "x.csv"),
                       (b'{"type": "FeatureCollection", "features": [{"geometry": '
                        b'{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]}', "x.json")):
        with pytest.raises(InvalidInput):
            facilities.parse_upload(data, name)


def test_gcj02_coordinates_are_converted(conn):
    # Outside China the GCJ-02 offset is zero, so this town lies in Guangdong (no sample
    # there); the offset is several hundred metres.
    grid = Grid("A-B", origin=(113.0, 23.0), step_m=50)
    add_division(conn, "990201", box(112.9, 22.9, 113.1, 23.1), level="county")
    x, y = grid["A"]
    row = facilities.create(conn, TEST_ACTOR, {"type": "canteen", "name": "食堂", "lon": x,
                                               "lat": y}, crs="gcj02")
    assert abs(row["lon"] - x) > 1e-3 and abs(row["lat"] - y) > 1e-4


def test_gcj02_reimport_is_idempotent(conn):
    grid = Grid("A-B", origin=(113.0, 23.0), step_m=50)
    add_division(conn, "990201", box(112.9, 22.9, 113.1, 23.1), level="county")
    x, y = grid["A"]
    record = {"type": "canteen", "name": "食堂", "lon": x, "lat": y, "ext_id": "c1"}
    first = facilities.import_records(conn, TEST_ACTOR, [dict(record)], source="g", crs="gcj02")
    changed = facilities.import_records(conn, TEST_ACTOR, [{**record, "meals_per_day": 80}],
                                        source="g", crs="gcj02")
    again = facilities.import_records(conn, TEST_ACTOR, [{**record, "meals_per_day": 80}],
                                      source="g", crs="gcj02")
    assert (first.created, changed.updated, again.unchanged) == (1, 1, 1)
    row = facilities.select(conn, division="990201")[0]
    assert abs(row["lon"] - x) > 1e-3 and row["version"] == 2     # still converted


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(conn, g, value):
    with pytest.raises(InvalidInput) as e:
        facilities.create(conn, TEST_ACTOR, _site(g, beds=value))
    assert e.value.field == "beds"


def test_malformed_geojson_features(conn, g):
    for doc in ({"type": "FeatureCollection", "features": ["x"]},
                {"type": "FeatureCollection", "features": [
                    {"geometry": {"type": "Point", "coordinates": 5}}]},
                {"type": "FeatureCollection", "features": [
                    {"geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": [1]}]}):
        with pytest.raises(InvalidInput):
            facilities.records_from_geojson(doc)
