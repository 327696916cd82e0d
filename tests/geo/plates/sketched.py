"""A small road drawn on a grid, its doors numbered with faults (a number on the wrong side,
and, with ``seeded``, a duplicate and an unnumbered door), for the road map tests."""

from fixtures.grid import Grid
from geo.audit import Actor
from geo.db import execute
from geo.plates import roads
from tests.geo.plates.drawn import standard_street

# The road runs west to east; by default an east-west road is numbered from the east, odd
# numbers on the right looking along the numbering: the north side. ``d`` is a second 3号,
# ``u`` a door with no number; one cell is 5 m.
GRID = Grid("""
    n1    n2  d n3    n4
w - - - - - - - - - - - - e
    s1  u s2    s3    s4
""", step_m=5)
NUMBERS = {"n4": "1", "n3": "3", "n2": "5", "n1": "7",
           "s4": "2", "s3": "4", "s2": "6", "s1": "9"}     # 9 is on the even side
def add_road(conn, name: str = "测试路", numbers: dict[str, str] = NUMBERS,
             rule: dict | None = None) -> int:
    """The grid's road with doors numbered as in ``numbers`` (label -> number)."""
    record = {"name": name, "geometry": GRID.line("w", "e").__geo_interface__}
    if rule:
        record["rule"] = rule
    standard_street(conn, name, record["geometry"])
    road_id = roads.create(conn, Actor.cli(), record)["id"]
    if numbers:
        roads.add_entrances(conn, Actor.cli(), road_id, [
            {"lon": GRID[k][0], "lat": GRID[k][1], "number": n} for k, n in numbers.items()])
    return road_id


def add_raw_door(conn, road_id: int, at: str, number: int | None = None,
                 number_raw: str | None = None) -> None:
    """A door as an old register has it: add_entrances refuses duplicates and bad numbers."""
    execute(conn, "INSERT INTO entrances (road_id, number, number_raw, geom, source) "
                  "VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4490), 'test')",
            (road_id, number, number_raw, *GRID[at]))


def seeded(conn) -> int:
    road_id = add_road(conn)
    add_raw_door(conn, road_id, "d", 3)
    add_raw_door(conn, road_id, "u")
    return road_id
