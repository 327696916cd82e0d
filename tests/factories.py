"""Factory helpers with defaults, so each test states only what it is about (STYLE §7.6)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import MultiPolygon, Point, Polygon

from fixtures.grid import Grid
from geo import divisions, network, users
from geo.audit import Actor
from geo.divisions import DivisionRow, PopulationRow

TEST_ACTOR = Actor("test", "admin")
_LEVEL_BY_LENGTH = {9: "township", 12: "community"}


def add_division(conn, code: str, geom: Polygon | MultiPolygon | None = None, *,
                 name: str | None = None, level: str | None = None,
                 parent_code: str | None = None, source: str = "test", total: int | None = None,
                 aged_60_plus: int | None = None, centre: Point | None = None, **kw) -> str:
    """Insert a division (and its population if given); return its code."""
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    level = level or _LEVEL_BY_LENGTH.get(len(code), "county")
    if centre is None and geom is not None:
        centre = geom.representative_point()
    divisions.insert_divisions(conn, [DivisionRow(
        code, name or f"测试{code}", level, parent_code, geom, source, "test",
        centre=centre, **kw)], None)
    if total is not None:
        divisions.upsert_population(conn, [PopulationRow(
            code, 2020, total, aged_60_plus if aged_60_plus is not None else total // 5, "test")],
            None)
    return code


def add_network(conn, grid: Grid, *ways: str, name: str = "test-net",
                highway: str = "residential") -> network.NetworkSummary:
    """A network of ways drawn on ``grid``: each way is a string of labels, e.g. "1 2 3"."""
    rows = [{"highway": highway, "name": None, "geometry": grid.line(*w.split())} for w in ways]
    edges = network.node_lines(gpd.GeoDataFrame(rows, geometry="geometry", crs=4490))
    return network.import_edges(conn, name, edges, source="test")


def add_user(conn, role: str = "planner", name: str | None = None) -> str:
    """Create a user with ``role``; return its bearer token."""
    return users.add_user(conn, TEST_ACTOR, name or f"{role}-user", role).token


def committed_token(db_url: str, role: str = "planner", name: str | None = None) -> str:
    """Create a user in its own committed transaction (for API tests); return its token."""
    from geo.db import connect, transaction

    conn = connect(db_url)
    try:
        with transaction(conn):
            return add_user(conn, role, name)
    finally:
        conn.close()


def add_name(conn, name: str, category: str = "0801", *, division: str | None = "439901",
             geom=None, status: str = "standard", current_id: int | None = None,
             valid: tuple[str | None, str | None] | None = None) -> int:
    """Insert one place name (romanized, with search keys); return its id."""
    from geo.db import execute
    from geo.names import gazetteer

    gazetteer.load_categories(conn)
    [new_id] = gazetteer.add_names(conn, [gazetteer.NameRow(name, category, "test", division,
                                                            geom, status=status)], None)
    if current_id is not None or valid is not None:
        execute(conn, "UPDATE place_names SET current_id = %s, valid = daterange(%s, %s) "
                      "WHERE id = %s", (current_id, *(valid or (None, None)), new_id))
    return new_id


def problem(response, status: int, field: str | None = None) -> dict:
    """Assert an RFC 9457 problem+json answer with ``status`` (and the ``field`` at fault)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field:
        assert response.json()["field"] == field
    return response.json()


def a_house_number(db_url: str, road: str) -> int:
    """The lowest plain house number on a sample road (the numbers follow the rule)."""
    from geo.db import connect, fetch_value

    conn = connect(db_url)
    try:
        return fetch_value(conn, "SELECT min(e.number) FROM entrances e JOIN roads r ON "
                                 "r.id = e.road_id WHERE r.name = %s AND e.sub IS NULL", (road,))
    finally:
        conn.close()


def committed_staff(db_url: str, role: str, name: str, password: str) -> str:
    """Create a user with a password in its own committed transaction (for sign-in tests);
    return its bearer token."""
    from geo import sessions
    from geo.db import connect, transaction

    conn = connect(db_url)
    try:
        with transaction(conn):
            token = add_user(conn, role, name)
            sessions.set_password(conn, TEST_ACTOR, name, password)
            return token
    finally:
        conn.close()


def committed_inspector(db_url: str, name: str, team: str,
                        password: str | None = None) -> dict:
    """An inspector put in an inspection team, committed (with a password to sign in from a
    browser when given); its bearer headers for the API."""
    from geo.boundaries import inspections
    from geo.db import connect, transaction

    token = (committed_staff(db_url, "inspector", name, password) if password
             else committed_token(db_url, "inspector", name))
    conn = connect(db_url)
    try:
        with transaction(conn):
            inspections.join_team(conn, TEST_ACTOR, team, name)
    finally:
        conn.close()
    return {"Authorization": f"Bearer {token}"}
