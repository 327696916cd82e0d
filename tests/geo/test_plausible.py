"""The shared plausibility checks (geo.plausible): China's extent and swapped pairs, finite
quantities, valid and simple geometries, and when a point looks like GCJ-02."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import LineString, Point, Polygon

from geo import plausible
from geo.crs import wgs84_to_gcj02
from geo.errors import InvalidInput


@pytest.mark.parametrize(("lon", "lat", "words"), [
    (2.35, 48.85, "outside China (lon"),                  # Paris
    (27.83, 113.13, "look swapped"),                      # Zhuzhou, lat first
    (48.0, 87.6, "look swapped"),                         # Ürümqi, lat first: lat < 90
    (math.nan, 27.8, "not finite"),
    (113.1, math.inf, "not finite"),
])
def test_points_outside_china_are_refused(lon, lat, words):
    with pytest.raises(InvalidInput) as e:
        plausible.point(lon, lat, "doors[2].lon")
    assert e.value.field == "doors[2].lon" and words in e.value.detail


@pytest.mark.parametrize(("lon", "lat"), [(73.5, 39.4), (135.0, 48.4), (112.3, 3.9),
                                          (122.5, 53.5), (113.13, 27.83)])
def test_the_corners_of_china_are_inside(lon, lat):
    plausible.point(lon, lat)


@pytest.mark.parametrize(("value", "minimum", "words"), [
    (math.nan, 0.0, "finite"), ("Infinity", 0.0, "finite"), (-math.inf, None, "finite"),
    (-0.5, 0.0, "less than 0"), (True, 0.0, "must be a number"), ("五", 0.0, "must be a number"),
])
def test_quantities_must_be_finite_numbers(value, minimum, words):
    with pytest.raises(InvalidInput) as e:
        plausible.number(value, "stock[0].quantity", minimum=minimum)
    assert e.value.field == "stock[0].quantity" and words in e.value.detail


def test_a_number_that_is_fine_comes_back_as_a_float():
    assert plausible.number("12", "beds") == 12.0 and plausible.number(-3, "x", minimum=None) == -3


@pytest.mark.parametrize(("coords", "where"), [
    ([(113, 27), (113.2, 27.2), (113.2, 27), (113, 27.2)], "at (113.1, 27.1)"),      # an X
    ([(113, 27), (113.2, 27), (113.2, 27.1), (113.1, 27.1), (113.1, 26.9)], "at (113.1, 27.0)"),
    ([(113, 27), (113.2, 27), (113.1, 27)], "at (113.1, 27.0)"),     # doubles back on itself
])
def test_lines_that_cross_or_touch_themselves_are_refused_saying_where(coords, where):
    with pytest.raises(InvalidInput) as e:
        plausible.simple_line(LineString(coords), "geometry", "piece 1")
    assert e.value.field == "geometry" and "crosses itself " + where in e.value.detail


def test_a_closed_ring_road_is_simple():
    plausible.simple_line(LineString([(113, 27), (113.1, 27), (113.1, 27.1), (113, 27)]), "g")


@pytest.mark.parametrize(("geom", "words"), [
    (Polygon([(113, 27), (113.1, 27.1), (113.1, 27), (113, 27.1)]),
     "not valid: Self-intersection[113.05 27.05]"),
    (Polygon([(113, 27), (113.1, 27), (113.1, 27.1), (113, 27.1)],
             [[(113.3, 27.3), (113.4, 27.3), (113.3, 27.4)]]), "not valid: Hole lies outside"),
    (Point(27.8, 113.1), "look swapped"),
    (Point(), "empty"),
])
def test_geometries_must_be_valid_and_in_china(geom, words):
    with pytest.raises(InvalidInput) as e:
        plausible.geometry(geom, "geometry")
    assert e.value.field == "geometry" and words in e.value.detail


def _metres_from(target):
    """A distance function to ``target`` (an equirectangular one: enough at 28°N)."""
    def metres(lon, lat):
        return math.hypot((lon - target[0]) * 111_320 * math.cos(math.radians(lat)),
                          (lat - target[1]) * 111_320)
    return metres


def test_a_point_sent_in_gcj02_is_flagged_with_where_it_would_be():
    door = (113.1699297, 27.8602071)                      # the audit's door, in CGCS2000
    sent = tuple(float(v) for v in wgs84_to_gcj02(*door))   # what a phone map gave
    metres = _metres_from(door)
    w = plausible.gcj02_warning(*sent, metres(*sent), metres, "荷塘大道")
    assert w["code"] == "looks_like_gcj02" and 600 < w["distance_m"] < 700
    assert w["if_gcj02"] == pytest.approx(list(door), abs=1e-6)
    assert "荷塘大道" in w["message"] and w["if_gcj02_distance_m"] < 1


@pytest.mark.parametrize(("given_m", "converted_m"), [(140.0, 1.0), (400.0, 201.0)])
def test_no_warning_when_the_conversion_does_not_tell(given_m, converted_m):
    assert plausible.gcj02_warning(113.17, 27.86, given_m, lambda x, y: converted_m,
                                   "x") is None
