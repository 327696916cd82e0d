"""A road's line must be simple and in China, when the road is made and when a numbering
proposal redraws it; a door must be in China, and one sent in GCJ-02 is refused saying so
(or, within a wide tolerance, kept with a warning)."""

from __future__ import annotations

import pytest

from fixtures.grid import Grid
from geo.crs import wgs84_to_gcj02
from geo.errors import InvalidInput
from geo.plates import numbering, roads
from tests.geo.plates.drawn import ACTOR, EAST_WEST, road

# A road that loops over itself: 1 → 2 → 3 → 4 crosses 1–2 at x.
LOOP = Grid("""
          3
          |
 1 - - - -x- - - 2
          |     /
          4    /
""", step_m=20)


def _line(*coords):
    return {"type": "LineString", "coordinates": [list(c) for c in coords]}


def _loop():
    return _line(LOOP["1"], LOOP["2"], LOOP["3"], LOOP["4"])


def test_a_road_that_crosses_itself_is_refused_saying_where(conn):
    with pytest.raises(InvalidInput) as e:
        roads.create(conn, ACTOR, {"name": "回环路", "geometry": _loop()})
    x, y = LOOP["x"]
    assert e.value.field == "geometry"
    assert "piece 1 crosses itself at " in e.value.detail and "not simple" in e.value.detail
    at = e.value.detail.split(" at (")[1].split(")")[0]
    assert [float(v) for v in at.split(", ")] == pytest.approx([x, y], abs=1e-6)


def test_a_redrawn_road_is_checked_too(conn):
    _grid, r = road(conn, EAST_WEST, "w", "e")
    with pytest.raises(InvalidInput) as e:
        numbering.propose(conn, ACTOR, r["id"], {"mode": "renumber", "geometry": _loop()})
    assert e.value.field == "geometry" and "crosses itself" in e.value.detail


@pytest.mark.parametrize(("coords", "words"), [
    (((27.85, 113.15), (27.851, 113.15)), "piece 1, point 1 (27.85, 113.15) lies outside China; "
                                          "longitude and latitude look swapped"),
    (((113.15, 27.85), (2.35, 48.85)), "piece 1, point 2 (2.35, 48.85) lies outside China"),
])
def test_a_road_outside_china_is_refused(conn, coords, words):
    with pytest.raises(InvalidInput) as e:
        roads.create(conn, ACTOR, {"name": "错位路", "geometry": _line(*coords)})
    assert e.value.field == "geometry" and words in e.value.detail


def test_a_door_with_swapped_coordinates_is_refused(conn):
    grid, r = road(conn, EAST_WEST, "w", "e")
    lon, lat = grid["a"]
    with pytest.raises(InvalidInput) as e:
        roads.add_entrances(conn, ACTOR, r["id"], [{"lon": lon, "lat": lat},
                                                    {"lon": lat, "lat": lon}])
    assert e.value.field == "doors[1].lon" and "look swapped" in e.value.detail


def _in_gcj02(point):
    return [float(v) for v in wgs84_to_gcj02(*point)]


def test_a_door_sent_in_gcj02_is_refused_saying_so(conn):
    grid, r = road(conn, EAST_WEST, "w", "e")
    lon, lat = _in_gcj02(grid["b"])               # about 650 m east-south-east at Zhuzhou
    with pytest.raises(InvalidInput) as e:
        roads.add_entrances(conn, ACTOR, r["id"], [{"lon": lon, "lat": lat}])
    assert e.value.field == "doors[0]" and "doors must be within 50 m" in e.value.detail
    assert "read as GCJ-02" in e.value.detail and "crs=gcj02" in e.value.detail
    assert e.value.extra["if_gcj02"] == pytest.approx(list(grid["b"]), abs=1e-6)


def test_a_door_far_off_for_another_reason_is_refused_without_the_hint(conn):
    grid, r = road(conn, EAST_WEST, "w", "e")
    lon, lat = grid["b"]
    with pytest.raises(InvalidInput) as e:
        roads.add_entrances(conn, ACTOR, r["id"], [{"lon": lon, "lat": lat + 0.006}])
    assert "GCJ-02" not in e.value.detail and "if_gcj02" not in e.value.extra


def test_within_a_wide_tolerance_a_gcj02_door_is_kept_with_a_warning(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule={"door_tolerance_m": 1000})
    sent = _in_gcj02(grid["b"])
    right, shifted = roads.add_entrances(conn, ACTOR, r["id"], [
        {"lon": grid["a"][0], "lat": grid["a"][1]}, {"lon": sent[0], "lat": sent[1]}])
    assert right["warnings"] == []
    [warning] = shifted["warnings"]
    assert warning["code"] == "looks_like_gcj02" and warning["given"] == sent
    assert warning["if_gcj02"] == pytest.approx(list(grid["b"]), abs=1e-6)
