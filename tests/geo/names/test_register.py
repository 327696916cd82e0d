"""The 标准地名录 of a division lists every standard name filed under it, those filed at the
division itself included (a district's own streets and rivers are often filed with the
district's code, not a township's)."""

from fixtures.grid import Grid
from geo.names import gazetteer
from tests.factories import add_division, add_name

MAP = Grid("""
    A . . . . . . B
    .  1 江 2      .
    .              .
    .  3 街 4      .
    D . . . . . . C
""", step_m=200)
DISTRICT, TOWNSHIP, ELSEWHERE = "439911", "439911001", "439912"


def test_names_filed_at_the_division_itself_are_listed(conn):
    add_division(conn, DISTRICT, MAP.polygon("A", "B", "C", "D"), name="测试区")
    at_district = add_name(conn, "测江", "0201", division=DISTRICT, geom=MAP.line("1", "2"))
    in_township = add_name(conn, "测街", division=TOWNSHIP, geom=MAP.line("3", "4"))
    add_name(conn, "别处路", division=ELSEWHERE, geom=MAP.line("3", "4"))
    entries = gazetteer.register(conn, DISTRICT).entries
    assert {e["id"] for e in entries} == {at_district, in_township}
    assert [e["name"] for e in entries] == ["测江", "测街"]        # by category: 02 before 08
