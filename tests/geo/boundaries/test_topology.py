"""Topology checks of the boundary register on drawn counties (far from the sample cities,
104°E 44°N). Areas and lengths "by hand" are in the grid's metres, which are within 0.6 %
of the ellipsoid's at this latitude."""

from __future__ import annotations

import math

import pytest
from shapely import affinity
from shapely.geometry import MultiLineString, Point, Polygon, box

from fixtures.grid import Grid
from geo.boundaries import topology
from geo.db import execute, fetch_value
from geo.errors import InvalidInput, NotFound
from tests.factories import add_division

ORIGIN = (104.0, 44.0)
CITY = "990700"                       # a made-up prefecture; its counties are 9907xx
WEST, EAST, SOUTH, FAR = "990701", "990702", "990703", "990704"
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(ORIGIN[1]))   # as Grid converts
M_PER_DEG_LAT = 110_574.0

# Two counties side by side, 800 m × 600 m each, sharing the edge b–e; g and h mark the
# stretch (200 m) where a sliver is cut out of the east county in one test.
TWO = """
a - - - b - - - c
|       |       |
|       g       |
|       |       |
|       h       |
|       |       |
d - - - e - - - f
"""


def east(geom, metres: float):
    """``geom`` moved ``metres`` east (negative: west)."""
    return affinity.translate(geom, xoff=metres / M_PER_DEG_LON)


def strip(grid: Grid, top: str, bottom: str, width_m: float):
    """The rectangle ``width_m`` wide east of the vertical run from ``top`` to ``bottom``."""
    (x, y0), (_, y1) = grid[top], grid[bottom]
    return box(x, y1, x + width_m / M_PER_DEG_LON, y0)


def counties(conn, west, east_, *more) -> None:
    add_division(conn, CITY, None, name="测试市", level="prefecture")
    add_division(conn, WEST, west, name="西县", level="county", parent_code=CITY)
    add_division(conn, EAST, east_, name="东县", level="county", parent_code=CITY)
    for code, geom, name in more:
        add_division(conn, code, geom, name=name, level="county", parent_code=CITY)


@pytest.fixture
def two() -> Grid:
    return Grid(TWO, origin=ORIGIN, step_m=100)


def add_line(conn, left: str, right: str, geom) -> int:
    """A boundary line row, stored as drawn."""
    geom = geom if isinstance(geom, MultiLineString) else MultiLineString([geom])
    return fetch_value(conn, """
        INSERT INTO boundary_lines (number, name, level, left_code, right_code, geom,
                                    length_m, source)
        VALUES (%(number)s, %(name)s, 'county', %(left)s, %(right)s,
                ST_GeomFromText(%(wkt)s, 4490),
                ST_Length(ST_GeomFromText(%(wkt)s, 4490)::geography), 'test')
        RETURNING id""", {"number": left + right, "name": f"{left}-{right}线",
                          "left": left, "right": right, "wkt": geom.wkt})


def add_marker(conn, line_id: int, seq: int, point: Point, custodian: str) -> str:
    marker_no = f"990701990702{seq:03d}Q"
    fetch_value(conn, """
        INSERT INTO boundary_markers (line_id, marker_no, seq, type, geom, custodian_code, source)
        VALUES (%s, %s, %s, 'Q', ST_SetSRID(ST_MakePoint(%s, %s), 4490), %s, 'test')
        RETURNING id""", (line_id, marker_no, seq, point.x, point.y, custodian))
    return marker_no


# ---------------------------------------------------------------- gaps and overlaps

def test_an_exactly_shared_edge_gives_no_gap_or_overlap(conn, two):
    counties(conn, two.polygon("a", "b", "e", "d"), two.polygon("b", "c", "f", "e"))
    assert topology.gaps_and_overlaps(conn, CITY) == []
    assert topology.report(conn, CITY)["counts"]["pairs"] == 1      # but they are neighbours


def test_a_county_pushed_50_m_into_its_neighbour_overlaps_by_the_strip(conn, two):
    counties(conn, two.polygon("a", "b", "e", "d"), east(two.polygon("b", "c", "f", "e"), -50))
    found = topology.gaps_and_overlaps(conn, CITY)
    assert [(p["kind"], p["a_code"], p["b_code"]) for p in found] == [
        ("overlap", WEST, EAST)]
    assert found[0]["area_m2"] == pytest.approx(50 * 600, rel=0.02)   # 50 m × 600 m
    assert found[0]["geometry"]["type"] == "Polygon"
    lon, lat = found[0]["point"]
    assert two["b"][0] - 50 / M_PER_DEG_LON < lon < two["b"][0]


def test_a_40_m_sliver_between_two_counties_is_a_gap_of_its_whole_area(conn, two):
    sliver = strip(two, "g", "h", 40)
    counties(conn, two.polygon("a", "b", "e", "d"), two.polygon("b", "c", "f", "e") - sliver)
    found = topology.gaps_and_overlaps(conn, CITY)
    assert [(p["kind"], p["a_code"], p["b_code"]) for p in found] == [("gap", WEST, EAST)]
    assert found[0]["area_m2"] == pytest.approx(40 * 200, rel=0.02)   # 40 m × 200 m
    assert found[0]["open"] is False                                  # enclosed by the two
    # Wider than twice the tolerance, a sliver is not between them any more.
    assert topology.gaps_and_overlaps(conn, CITY, tolerance_m=15) == []


def test_a_sliver_open_to_the_outside_is_reported_as_open(conn, two):
    # The east county stops 40 m short of the shared edge from g down to the bottom.
    sliver = strip(two, "g", "e", 40)
    counties(conn, two.polygon("a", "b", "e", "d"), two.polygon("b", "c", "f", "e") - sliver)
    [gap] = topology.gaps_and_overlaps(conn, CITY)
    assert gap["kind"] == "gap" and gap["open"] is True
    # The closing rounds off the open end: the area is the strip's, less a little there.
    assert 0.9 * 40 * 400 < gap["area_m2"] < 40 * 400 * 1.01


# A jagged shared edge (b e f h) between west and east, and a south county under both:
# T junctions at h, and outer corners at b and g, i, where no false gap may appear.
JAGGED = """
a - - - - b - - - - c
|          \\        |
|           e       |
|          /        |
|         f         |
|          \\        |
g - - - - - h - - - i
|                   |
j - - - - - - - - - k
"""


def test_no_false_gap_along_clean_edges_junctions_and_outer_corners(conn):
    g = Grid(JAGGED, origin=ORIGIN, step_m=100)
    counties(conn, g.polygon("a", "b", "e", "f", "h", "g"),
             g.polygon("b", "c", "i", "h", "f", "e"),
             (SOUTH, g.polygon("g", "h", "i", "k", "j"), "南县"))
    result = topology.report(conn, CITY)
    assert result["counts"]["pairs"] == 3
    assert result["gaps"] == [] and result["overlaps"] == []


def test_neighbours_outside_the_division_are_checked_with_it(conn, two):
    sliver = strip(two, "g", "h", 40)
    counties(conn, two.polygon("a", "b", "e", "d"), two.polygon("b", "c", "f", "e") - sliver)
    # Checking one county at its own level takes in its neighbour.
    [gap] = topology.gaps_and_overlaps(conn, EAST, level="county")
    assert (gap["a_code"], gap["b_code"]) == (WEST, EAST)


def inlet(grid: Grid) -> Polygon:
    """A 40 m × 200 m inlet reaching west into the west county from its east edge, centred
    on the latitude of g."""
    x, y = grid["g"]
    half = 20 / M_PER_DEG_LAT
    return box(x - 200 / M_PER_DEG_LON, y - half, x, y + half)


def townships(conn, grid: Grid, west) -> None:
    """The west county's townships: its part north of g and its part south of g, without
    the inlet."""
    cut = grid["g"][1]
    north = box(-180, cut, 180, 90)
    add_division(conn, "990701001", (west & north) - inlet(grid), level="township",
                 parent_code=WEST)
    add_division(conn, "990701002", (west - north) - inlet(grid), level="township",
                 parent_code=WEST)


def test_a_notch_in_the_townships_own_county_is_a_gap_between_them(conn, two):
    west = two.polygon("a", "b", "e", "d")
    counties(conn, west, two.polygon("b", "c", "f", "e"))
    townships(conn, two, west)
    [gap] = topology.gaps_and_overlaps(conn, WEST)            # townships of the west county
    assert (gap["kind"], gap["a_code"], gap["b_code"]) == ("gap", "990701001", "990701002")
    assert gap["open"] is True                                # its mouth faces the east county
    assert 0.9 * 40 * 200 < gap["area_m2"] < 40 * 200 * 1.01


def test_land_of_another_county_is_not_a_gap_between_townships(conn, two):
    # The same inlet, but it is the east county's land (whose townships are not loaded).
    west = two.polygon("a", "b", "e", "d") - inlet(two)
    counties(conn, west, two.polygon("b", "c", "f", "e") | inlet(two))
    townships(conn, two, west)
    assert topology.gaps_and_overlaps(conn, WEST) == []
    assert topology.report(conn, WEST)["counts"]["pairs"] == 1


def test_bad_requests_are_refused(conn, two):
    counties(conn, two.polygon("a", "b", "e", "d"), two.polygon("b", "c", "f", "e"))
    with pytest.raises(NotFound):
        topology.gaps_and_overlaps(conn, "990799")
    with pytest.raises(InvalidInput):
        topology.gaps_and_overlaps(conn, WEST, level="province")
    with pytest.raises(InvalidInput):
        topology.gaps_and_overlaps(conn, CITY, level="hamlet")


# ---------------------------------------------------------------- lines and markers

# The shared edge b–e again, 50 m to a cell: the stored line leaves it at p, runs 100 m east
# of it from q to s (300 m), and comes back at r.
DETOUR = """
a . . . . . . . b . . . . . . . c
.               .               .
.               .               .
.               p q             .
.               .               .
.               .               .
.               .               .
.               .               .
.               .               .
.               r s             .
.               .               .
.               .               .
d . . . . . . . e . . . . . . . f
"""


@pytest.fixture
def detour(conn) -> Grid:
    g = Grid(DETOUR, origin=ORIGIN, step_m=50)
    counties(conn, g.polygon("a", "b", "e", "d"), g.polygon("b", "c", "f", "e"),
             (FAR, east(g.polygon("b", "c", "f", "e"), 2000), "远县"))
    return g


def test_a_line_departing_100_m_from_the_edge_for_300_m_is_flagged(conn, detour):
    g = detour
    apart = add_line(conn, WEST, FAR, g.line("b", "e"))   # parties 2 km apart
    bad = add_line(conn, WEST, EAST, g.line("b", "p", "q", "s", "r", "e"))
    found = {r["id"]: r for r in topology.lines_off_edge(conn, CITY)}
    assert set(found) == {apart, bad}
    line = found[bad]
    assert line["problem"] == "off_edge"
    assert line["deviation_m"] == pytest.approx(100, rel=0.02)
    [stretch] = line["stretches"]
    assert stretch["along_m"] == pytest.approx(300, rel=0.02)        # q–s beside p–r
    assert stretch["length_m"] == pytest.approx(80 + 300 + 80, rel=0.02)   # outside 20 m
    assert stretch["geometry"]["type"] == "LineString"
    assert found[apart]["problem"] == "parties_apart"
    assert found[apart]["parties_distance_m"] == pytest.approx(2000, rel=0.02)


def test_a_line_on_the_edge_passes_and_a_wider_tolerance_takes_in_a_detour(conn, detour):
    g = detour
    lid = add_line(conn, WEST, EAST, g.line("b", "e"))
    assert topology.lines_off_edge(conn, CITY) == []
    execute(conn, "UPDATE boundary_lines SET geom = ST_Multi(ST_GeomFromText(%s, 4490)) "
                  "WHERE id = %s", (g.line("b", "p", "q", "s", "r", "e").wkt, lid))
    assert [r["id"] for r in topology.lines_off_edge(conn, line_id=lid)] == [lid]
    assert topology.lines_off_edge(conn, line_id=lid, tolerance_m=101) == []


def test_a_line_whose_party_is_gone_is_flagged(conn, detour):
    g = detour
    lid = add_line(conn, WEST, "990705", g.line("b", "e"))
    [row] = topology.lines_off_edge(conn, line_id=lid)
    assert row["problem"] == "party_missing"


def test_a_marker_60_m_off_its_line_is_flagged_one_5_m_off_is_not(conn, detour):
    g = detour
    lid = add_line(conn, WEST, EAST, g.line("b", "e"))
    far = add_marker(conn, lid, 1, east(g.point("p"), 60), WEST)
    add_marker(conn, lid, 2, east(g.point("r"), -5), EAST)
    [row] = topology.markers_off_line(conn, CITY)
    assert row["marker_no"] == far and row["line_id"] == lid
    assert row["distance_m"] == pytest.approx(60, abs=0.5)
    assert row["offset_line"]["type"] == "LineString"
    assert topology.markers_off_line(conn, line_id=lid, tolerance_m=70) == []


def test_report_bundles_the_three_checks(conn, detour):
    g = detour
    lid = add_line(conn, WEST, EAST, g.line("b", "p", "q", "s", "r", "e"))
    add_marker(conn, lid, 1, east(g.point("p"), -60), WEST)    # west of the line
    add_marker(conn, lid, 2, east(g.point("p"), 60), WEST)     # on the detour
    result = topology.report(conn, CITY)
    assert result["division"] == {"code": CITY, "name": "测试市", "level": "prefecture"}
    assert result["level"] == "county"
    assert result["counts"] == {"pairs": 1, "overlaps": 0, "gaps": 0,
                                "markers_off_line": 1, "lines_off_edge": 1}
    assert result["settings"]["marker_tolerance_m"] == 30


# ---------------------------------------------------------------- the national run's path

def test_national_runs_the_same_check_on_a_temporary_table(conn, two):
    sliver = strip(two, "g", "h", 40)
    units = [("990701", "西县", two.polygon("a", "b", "e", "d")),
             ("990702", "东县", two.polygon("b", "c", "f", "e") - sliver),
             ("990703", "远县", east(two.polygon("b", "c", "f", "e"), 5000))]
    result = topology.national(conn, units)
    assert result["counties"] == 3 and result["pairs"] == 1
    assert result["neighbours"] == [("990701", "990702")]
    assert result["gaps"]["count"] == 1 and result["overlaps"]["count"] == 0
    assert result["gaps"]["area_m2"] == pytest.approx(8000, rel=0.02)
    assert set(result["seconds"]) == {"load", "check"}
    # Nothing of it is left in the divisions.
    assert fetch_value(conn, "SELECT count(*) FROM current_divisions "
                             "WHERE code LIKE '9907%'") == 0
