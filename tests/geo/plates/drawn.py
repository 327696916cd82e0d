"""Roads and doors drawn with the grid helper for the plates tests (5 m per cell, in
Zhuzhou where the sample data has no roads)."""

from __future__ import annotations

from fixtures.grid import Grid
from geo.audit import Actor
from geo.db import fetch_value
from geo.plates import roads

ACTOR = Actor("officer-test", "plates_officer")

# An east-west road (w → e as drawn); doors north (a b c d) and south (p q r).
EAST_WEST = """
 a . . . . b . . . . c . . . . d
 w - - - - - - - - - - - - - - - - - - - e
     p . . . . q . . . . r
"""


def standard_street(conn, name: str, geometry: dict) -> int:
    """The standard street name (街路巷) a road drawn here is named by, filed in the county
    its line lies in: a road can only be added under a name the gazetteer has."""
    from shapely.geometry import shape

    from geo.names import gazetteer

    line = shape(geometry)
    county = fetch_value(conn, "SELECT code FROM current_divisions WHERE level = 'county' "
                         "AND ST_Intersects(geom, ST_GeomFromText(%s, 4490)) ORDER BY code "
                         "LIMIT 1", (line.representative_point().wkt,))
    known = fetch_value(conn, "SELECT id FROM place_names WHERE name = %s AND status = "
                        "'standard' AND category_code = '0801' AND division_code "
                        "IS NOT DISTINCT FROM %s LIMIT 1", (name, county))
    if known is not None:
        return known
    if gazetteer.STREET_CATEGORY not in gazetteer.categories(conn):
        gazetteer.load_categories(conn)
    return gazetteer.add_names(conn, [gazetteer.NameRow(name, gazetteer.STREET_CATEGORY,
                                                        "test", county, line)], None)[0]


def road(conn, art: str, *labels: str, name: str = "测试路", rule: dict | None = None,
         kind: str = "road", step_m: float = 5.0) -> tuple[Grid, dict]:
    grid = Grid(art, step_m=step_m)
    record = {"name": name, "geometry": grid.line(*labels).__geo_interface__, "kind": kind}
    standard_street(conn, name, record["geometry"])
    if rule:
        record["rule"] = rule
    return grid, roads.create(conn, ACTOR, record)


def doors(conn, grid: Grid, road_id: int, *labels: str, numbers: dict | None = None) -> dict:
    """Doors at the labelled points; ``numbers`` maps labels to house numbers."""
    numbers = numbers or {}
    rows = roads.add_entrances(conn, ACTOR, road_id, [
        {"lon": grid[lb][0], "lat": grid[lb][1], **({"number": numbers[lb]} if lb in numbers
                                                    else {})} for lb in labels])
    return dict(zip(labels, (r["id"] for r in rows), strict=True))


def raw_door(conn, grid: Grid, road_id: int, label: str, number: int | None = None,
             raw: str | None = None) -> int:
    """A door written directly, as an old register would have it (duplicates allowed)."""
    return fetch_value(conn, "INSERT INTO entrances (road_id, number, number_raw, geom, source) "
                       "VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4490), 'test') "
                       "RETURNING id", (road_id, number, raw, *grid[label]))


def numbers(conn, road_id: int) -> dict[int, str]:
    from geo.db import fetch_all
    return {r["id"]: r["label"] for r in fetch_all(
        conn, "SELECT id, civgeo_house_number(number, sub) AS label FROM entrances "
        "WHERE road_id = %s", (road_id,))}
