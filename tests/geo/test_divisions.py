"""Divisions: codes, containment, history-aware lookups and population sums."""

import datetime as dt

import pytest

from fixtures.grid import Grid
from geo import divisions
from geo.db import execute, fetch_value
from geo.errors import InvalidInput, NotFound
from tests.factories import add_division

# A county split into two townships, one holding a community.
MAP = Grid("""
    1 . . . . 2 . . . . 3
    .         .         .
    .   5 . 6 .         .
    .   .   . .         .
    .   8 . 7 .         .
    .         .         .
    4 . . . . 9 . . . . 10
""", step_m=100)


def mine(found: list[dict]) -> list[dict]:
    """Only the test's divisions (the sample data may lie under the same grid)."""
    return [d for d in found if d["code"].startswith("4399")]


@pytest.fixture
def county(conn):
    add_division(conn, "439901", MAP.polygon("1", "3", "10", "4"), total=10_000,
                 aged_60_plus=2_000)
    add_division(conn, "439901001", MAP.polygon("1", "2", "9", "4"), parent_code="439901",
                 total=6_000, aged_60_plus=1_500)
    add_division(conn, "439901002", MAP.polygon("2", "3", "10", "9"), parent_code="439901",
                 total=4_000, aged_60_plus=500)
    add_division(conn, "439901001001", MAP.polygon("5", "6", "7", "8"),
                 parent_code="439901001", total=1_000, aged_60_plus=300)
    return "439901"


def test_containing_lists_levels_top_down(conn, county):
    inside = MAP["5"][0] + 0.0002, MAP["5"][1] - 0.0002
    found = mine(divisions.containing(conn, *inside))
    assert [d["code"] for d in found] == ["439901", "439901001", "439901001001"]
    assert [d["level"] for d in found] == ["county", "township", "community"]


def test_point_in_second_township(conn, county):
    lon, lat = MAP["3"][0] - 0.001, MAP["3"][1] - 0.001
    assert [d["code"] for d in mine(divisions.containing(conn, lon, lat))] == ["439901",
                                                                              "439901002"]


def test_population_under_sums_one_level(conn, county):
    assert divisions.population_under(conn, county, "township")["total"] == 10_000
    assert divisions.population_under(conn, county, "community")["aged_60_plus"] == 300
    with pytest.raises(InvalidInput):
        divisions.population_under(conn, county, "street")


def test_count_by_level(conn, county):
    counts = divisions.count_by_level(conn, county)
    assert {k: v["divisions"] for k, v in counts.items()} == {
        "county": 1, "township": 2, "community": 1}


def test_division_as_of_a_date(conn, county):
    # 撤县设区 style change: the old row closes, a renamed one opens.
    execute(conn, "UPDATE divisions SET valid = daterange(NULL, '2018-06-19') "
                  "WHERE code = '439901'")
    execute(conn, "INSERT INTO divisions (code, name, short_name, level, valid, source, "
                  "name_source) VALUES ('439901', '新区', '新区', 'county', "
                  "daterange('2018-06-19', NULL), 'test', 'test')")
    assert divisions.get_division(conn, "439901")["name"] == "新区"
    assert divisions.get_division(conn, "439901", dt.date(2010, 1, 1))["name"] == "测试439901"


def test_overlapping_validity_is_refused(conn, county):
    import psycopg2

    with pytest.raises(psycopg2.errors.ExclusionViolation):
        execute(conn, "INSERT INTO divisions (code, name, short_name, level, source, name_source) "
                      "VALUES ('439901', 'x', 'x', 'county', 't', 't')")


@pytest.mark.parametrize("bad", ["4302", "43020a", "4302020011", ""])
def test_bad_code_is_invalid_input(conn, bad):
    with pytest.raises(InvalidInput) as err:
        divisions.get_division(conn, bad)
    assert err.value.field == "division"


def test_unknown_code_is_not_found(conn):
    with pytest.raises(NotFound):
        divisions.get_division(conn, "999999")


@pytest.mark.parametrize("code", ["430000", "430200", "430202", "430202001", "430202001001",
                                  "110000", "440300"])
def test_prefix_python_and_sql_agree(conn, code):
    assert fetch_value(conn, "SELECT civgeo_division_prefix(%s)", (code,)) == \
        divisions.division_prefix(code)
