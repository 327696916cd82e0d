"""The 标准地名录 of a division lists every standard name in force in it: those filed under it
(at the division itself too: a district's own streets and rivers are often filed with the
district's code), roads filed next door that run through it, by category, the recently
approved ones marked, and the approved names still waiting for their date apart."""

import datetime as dt

from fixtures.grid import Grid
from geo.db import execute
from geo.names import register as reg
from tests.factories import add_division, add_name

# Two districts side by side; 中山路 (filed in the east one) runs 1 km into the west one,
# 短巷 only touches the shared edge, 西园 is a park mostly in the east.
MAP = Grid("""
    A . . . . . . . . . B . . . . . . . . . E
    .  1 江 2           .                   .
    .                   .                   .
    .  3 街 4     5 . . . . . . . . 6       .
    .                   .                   .
    .                   8 . 9         P Q   .
    .                   .             S R   .
    D . . . . . . . . . C . . . . . . . . . F
""", step_m=200, origin=(101.5, 31.5))   # far from the sample cities, which may be loaded
WEST, TOWNSHIP, EAST = "439911", "439911001", "439912"
TODAY = dt.date(2026, 12, 6)


def districts(conn):
    add_division(conn, WEST, MAP.polygon("A", "B", "C", "D"), name="西测区")
    add_division(conn, EAST, MAP.polygon("B", "E", "F", "C"), name="东测区")


def names_of(register):
    return [e["name"] for e in register.entries]


def test_names_filed_at_the_division_itself_and_below_are_listed_by_category(conn):
    districts(conn)
    at_district = add_name(conn, "测江", "0201", division=WEST, geom=MAP.line("1", "2"))
    in_township = add_name(conn, "测街", division=TOWNSHIP, geom=MAP.line("3", "4"))
    add_name(conn, "别处路", division=EAST, geom=MAP.line("P", "Q"))
    got = reg.register(conn, WEST, today=TODAY)
    assert {e["id"] for e in got.entries} == {at_district, in_township}
    assert names_of(got) == ["测江", "测街"]        # by category: 02 before 08


def test_a_road_filed_next_door_that_runs_through_the_division_is_listed(conn):
    districts(conn)
    zhongshan = add_name(conn, "中山路", division=EAST, geom=MAP.line("5", "6"))
    add_name(conn, "短巷", division=EAST, geom=MAP.line("8", "9"))          # starts on the edge
    add_name(conn, "西园", "1101", division=EAST,
             geom=MAP.polygon("P", "Q", "R", "S"))                          # all in the east
    west = reg.register(conn, WEST, today=TODAY)
    assert names_of(west) == ["中山路"]
    [entry] = west.entries
    assert entry["id"] == zhongshan and entry["runs_through"] == "西测区、东测区"
    assert names_of(reg.register(conn, EAST, today=TODAY)) == ["中山路", "短巷", "西园"]


def test_only_names_in_force_on_the_day(conn):
    districts(conn)
    add_name(conn, "旧街", division=WEST, status="historical", valid=(None, "2026-01-01"))
    add_name(conn, "到期路", division=WEST, valid=("2020-01-01", "2026-12-06"))
    add_name(conn, "明日路", division=WEST, valid=("2026-12-07", None))
    add_name(conn, "今日路", division=WEST, valid=("2026-12-06", None))
    assert names_of(reg.register(conn, WEST, today=TODAY)) == ["今日路"]
    assert names_of(reg.register(conn, WEST, today=TODAY - dt.timedelta(days=1))) == ["到期路"]


def test_recently_approved_names_are_marked(conn):
    districts(conn)
    new, old = (add_name(conn, n, division=WEST) for n in ("新路", "老路"))
    execute(conn, "UPDATE place_names SET approved_on = %s WHERE id = %s",
            (TODAY - dt.timedelta(days=30), new))
    execute(conn, "UPDATE place_names SET approved_on = %s WHERE id = %s",
            (TODAY - dt.timedelta(days=400), old))
    recent = {e["name"]: e["recent"] for e in reg.register(conn, WEST, today=TODAY).entries}
    assert recent == {"新路": True, "老路": False}
