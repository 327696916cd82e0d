"""GCJ-02 ⇄ CGCS2000/WGS84 against an independent implementation (prcoords), and the
Gauss-Kruger zones."""

import math

import numpy as np
import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from geo import crs
from geo.db import fetch_value

china_lon = st.floats(min_value=74.0, max_value=134.0)
china_lat = st.floats(min_value=18.5, max_value=53.0)


def metres(lon1, lat1, lon2, lat2) -> float:
    dy = (lat2 - lat1) * 110_574.0
    dx = (lon2 - lon1) * 111_320.0 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


@given(china_lon, china_lat)
@settings(max_examples=300, deadline=None)
def test_wgs84_to_gcj02_matches_prcoords(lon, lat):
    ours = crs.wgs84_to_gcj02(lon, lat)
    theirs = prcoords.wgs_gcj(prcoords.Coords(lat, lon))
    assert metres(float(ours[0]), float(ours[1]), theirs.lon, theirs.lat) < 0.001


@given(china_lon, china_lat)
@settings(max_examples=300, deadline=None)
def test_gcj02_to_wgs84_inverse_under_a_centimetre(lon, lat):
    wlon, wlat = crs.gcj02_to_wgs84(lon, lat)
    back = crs.wgs84_to_gcj02(wlon, wlat)
    assert metres(lon, lat, float(back[0]), float(back[1])) < 0.01
    theirs = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
    assert metres(float(wlon), float(wlat), theirs.lon, theirs.lat) < 0.01


def test_gcj02_shift_is_hundreds_of_metres_in_zhuzhou():
    # The offset is what makes unconverted Amap data land in the wrong street.
    glon, glat = crs.wgs84_to_gcj02(113.15, 27.85)
    assert 300 < metres(113.15, 27.85, float(glon), float(glat)) < 800


def test_no_shift_outside_china():
    lon, lat = crs.wgs84_to_gcj02(2.35, 48.85)
    assert (float(lon), float(lat)) == (2.35, 48.85)


def test_geometry_conversion_round_trips_a_polygon():
    square = Polygon([(113.1, 27.8), (113.2, 27.8), (113.2, 27.9), (113.1, 27.9)])
    back = crs.geometry_gcj02_to_cgcs2000(crs.geometry_cgcs2000_to_gcj02(square))
    assert square.hausdorff_distance(back) < 1e-8
    assert square.hausdorff_distance(crs.geometry_cgcs2000_to_gcj02(square)) > 1e-3


def test_vectorised_matches_scalar():
    lons = np.linspace(100, 120, 50)
    lats = np.linspace(20, 40, 50)
    vec = crs.gcj02_to_wgs84(lons, lats)
    for i in (0, 17, 49):
        one = crs.gcj02_to_wgs84(lons[i], lats[i])
        assert (float(vec[0][i]), float(vec[1][i])) == (float(one[0]), float(one[1]))


@pytest.mark.parametrize(("lon", "number", "cm", "epsg"), [
    (113.13, 38, 114, 4547),   # Zhuzhou
    (114.30, 38, 114, 4547),   # Wuhan
    (75.0, 25, 75, 4534),
    (135.0, 45, 135, 4554),
    (112.5, 38, 114, 4547),    # a zone edge goes east, as floor(lon/3 + 0.5) does
    (112.49, 37, 111, 4546),
])
def test_gk_zone(lon, number, cm, epsg):
    assert crs.gk_zone(lon) == crs.GKZone(number, cm, epsg)


def test_gk_zone_outside_china_is_an_error():
    with pytest.raises(ValueError, match="outside"):
        crs.gk_zone(10.0)


@pytest.mark.parametrize("lon", [73.6, 100.49, 112.5, 113.13, 114.3, 130.0, 136.4])
def test_sql_gk_srid_agrees_with_python(conn, lon):
    assert fetch_value(conn, "SELECT civgeo_gk_srid(%s)", (lon,)) == crs.gk_zone(lon).epsg
    assert fetch_value(conn, "SELECT count(*) FROM spatial_ref_sys WHERE srid = %s",
                       (crs.gk_zone(lon).epsg,)) == 1
