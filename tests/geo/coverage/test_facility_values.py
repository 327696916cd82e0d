"""Every number a facility record carries is a finite one a column can hold (relief stock
quantities, beds, places, plots, area), and its site is in China with lon before lat."""

from __future__ import annotations

import math

import pytest

from geo import facilities
from geo.db import fetch_value
from geo.errors import InvalidInput
from tests.factories import TEST_ACTOR
from tests.geo.coverage import town


@pytest.fixture
def g(conn):
    grid = town.grid("A-B-C")
    town.build(conn, grid, communities={"A": 100, "C": 100})
    return grid


def _warehouse(g, quantity):
    return {"type": "relief_county", "name": "县救灾物资储备库", "lon": g["B"][0],
            "lat": g["B"][1], "stock": [
                {"category": "住宿类", "item": "帐篷", "unit": "顶", "quantity": 300},
                {"category": "生活类", "item": "棉被", "unit": "床", "quantity": quantity}]}


@pytest.mark.parametrize("quantity", [math.nan, math.inf, -math.inf, "NaN", "Infinity", -1,
                                      True, None])
def test_relief_stock_quantities_are_finite_and_not_negative(conn, g, quantity):
    before = fetch_value(conn, "SELECT count(*) FROM relief_stock")
    with pytest.raises(InvalidInput) as e:
        facilities.create(conn, TEST_ACTOR, _warehouse(g, quantity))
    assert e.value.field == "stock[1].quantity"
    assert fetch_value(conn, "SELECT count(*) FROM relief_stock") == before


def test_a_stock_edit_is_checked_as_well(conn, g):
    made = facilities.create(conn, TEST_ACTOR, _warehouse(g, 50))
    with pytest.raises(InvalidInput) as e:
        facilities.update(conn, TEST_ACTOR, made["id"], {"stock": _warehouse(g, math.nan)[
            "stock"]}, made["version"])
    assert e.value.field == "stock[1].quantity"


def _site(g, **kw):
    return {"type": "nursing_home", "name": "测试养老院", "lon": g["B"][0], "lat": g["B"][1],
            **kw}


@pytest.mark.parametrize(("change", "field"), [
    ({"beds": math.nan}, "beds"), ({"beds": "Infinity"}, "beds"), ({"places": 3e9}, "places"),
    ({"meals_per_day": 2**31}, "meals_per_day"), ({"area_m2": math.inf}, "area_m2"),
    ({"area_m2": "NaN"}, "area_m2"), ({"lon": math.nan}, "lon"), ({"lat": "inf"}, "lat"),
])
def test_every_number_of_a_facility_is_checked(conn, g, change, field):
    with pytest.raises(InvalidInput) as e:
        facilities.create(conn, TEST_ACTOR, _site(g, **change))
    assert e.value.field == field


def test_a_site_with_swapped_coordinates_is_refused_saying_so(conn, g):
    lon, lat = g["B"]
    with pytest.raises(InvalidInput) as e:
        facilities.create(conn, TEST_ACTOR, _site(g, lon=lat, lat=lon))
    assert e.value.field == "lon" and "look swapped" in e.value.detail
