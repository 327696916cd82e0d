"""Networks: noding, pgRouting-ready storage, geodesic lengths, the walking subset."""

import geopandas as gpd
import pytest
from pyproj import Geod

from fixtures import sources
from fixtures.grid import Grid
from geo import network
from geo.db import fetch_all, fetch_value
from geo.errors import InvalidInput
from tests.factories import add_network

GEOD = Geod(ellps="GRS80")
STREETS = Grid("""
    1 - - - 2 - - - 3
            |
            4 - - - 5
            |
    6 = = = 7
""", step_m=25)


def test_node_lines_splits_at_shared_vertices():
    lines = gpd.GeoDataFrame({"highway": ["residential", "residential"], "name": [None, None]},
                             geometry=[STREETS.line("1", "2", "3"), STREETS.line("2", "4", "7")],
                             crs=4490)
    edges = network.node_lines(lines)
    # 2 is shared, so both ways split there; 4 belongs to one way only and stays inside it.
    ends = {tuple(sorted((e.coords[0], e.coords[-1]))) for e in edges.geometry}
    assert ends == {tuple(sorted((STREETS[a], STREETS[b]))) for a, b in
                    (("1", "2"), ("2", "3"), ("2", "7"))}
    assert len(set(edges.u) | set(edges.v)) == 4


def test_lines_crossing_without_a_shared_vertex_are_not_joined():
    lines = gpd.GeoDataFrame({"highway": ["residential"] * 2, "name": [None] * 2},
                             geometry=[STREETS.line("1", "3"), STREETS.line("2", "4")], crs=4490)
    # 2 lies on 1-3 but is not one of its vertices (an overpass, in OSM terms).
    assert len(network.node_lines(lines)) == 2


def test_import_routes_with_pgrouting(conn):
    net = add_network(conn, STREETS, "1 2 3", "2 4 5", "4 7", "6 7")
    assert (net.nodes, net.edges) == (7, 6)
    start, _ = network.nearest_node(conn, net.id, *STREETS["1"])
    end, _ = network.nearest_node(conn, net.id, *STREETS["5"])
    route_m = fetch_value(conn, """
        SELECT sum(cost) FROM pgr_dijkstra(
            'SELECT id, source, target, cost, reverse_cost FROM walk_edges WHERE network_id = '
            || %s, %s, %s, false)""", (net.id, start, end))
    expected = GEOD.geometry_length(STREETS.line("1", "2", "4", "5"))
    assert route_m == pytest.approx(expected, rel=1e-6)


def test_motorways_and_trunks_are_not_walkable(conn):
    g = gpd.GeoDataFrame({"u": [1, 2], "v": [2, 3], "highway": ["trunk", "living_street"],
                          "name": ["快速路", None]},
                         geometry=[STREETS.line("1", "2"), STREETS.line("2", "3")], crs=4490)
    net = network.import_edges(conn, "mixed", g, source="test")
    assert (net.edges, net.walk_edges) == (2, 1)
    names = [r["name"] for r in fetch_all(conn, "SELECT name FROM network_edges "
                                                "WHERE network_id = %s ORDER BY id", (net.id,))]
    assert names == ["快速路", None]


def test_wrong_crs_is_refused(conn):
    g = gpd.GeoDataFrame({"u": [1], "v": [2], "highway": ["x"], "name": [None]},
                         geometry=[STREETS.line("1", "2")], crs=4326)
    with pytest.raises(InvalidInput, match="4490"):
        network.import_edges(conn, "bad", g, source="test")


# The ways of STREETS, one edge each (from, to), and OSM-like node ids for its points.
WAYS = [("1", "2"), ("2", "3"), ("2", "4"), ("4", "5"), ("4", "7"), ("6", "7")]
OSM_ID = {label: 2320987450 + int(label) for label in "1234567"}


def _write_edges(path, ids, lines):
    """A GeoPackage of edges with u/v columns, in UTM as OSMnx exports often are."""
    gpd.GeoDataFrame({"u": [u for u, _ in ids], "v": [v for _, v in ids],
                      "key": 0, "highway": "residential"},
                     geometry=lines, crs=4490).to_crs(32649).to_file(path, engine="pyogrio")
    return path


def _ends_off_their_nodes(conn, network_id: int, metres: float = 1.0) -> int:
    """Edges whose first or last point is more than ``metres`` from its source or target."""
    return fetch_value(conn, """
        SELECT count(*) FROM network_edges e
        JOIN network_nodes a ON a.id = e.source JOIN network_nodes b ON b.id = e.target
        WHERE e.network_id = %(id)s
          AND (ST_Distance(ST_StartPoint(e.geom)::geography, a.geom::geography) > %(m)s
               OR ST_Distance(ST_EndPoint(e.geom)::geography, b.geom::geography) > %(m)s)""",
                       {"id": network_id, "m": metres})


def _route_m(conn, network_id: int, a: str, b: str) -> float:
    start, _ = network.nearest_node(conn, network_id, *STREETS[a])
    end, _ = network.nearest_node(conn, network_id, *STREETS[b])
    return fetch_value(conn, """
        SELECT sum(cost) FROM pgr_dijkstra(
            'SELECT id, source, target, cost, reverse_cost FROM walk_edges WHERE network_id = '
            || %s, %s, %s, false)""", (network_id, start, end))


def test_file_ids_that_fit_the_lines_are_kept(conn, tmp_path):
    ids = [(OSM_ID[a], OSM_ID[b]) for a, b in WAYS]
    path = _write_edges(tmp_path / "osmnx.gpkg", ids, [STREETS.line(a, b) for a, b in WAYS])
    net = network.import_edges(conn, "osmnx", network.read_network_file(path), source="test")
    assert (net.nodes, net.edges) == (7, 6)
    assert _ends_off_their_nodes(conn, net.id) == 0
    stored = fetch_all(conn, "SELECT ext_id, ST_X(geom) AS x, ST_Y(geom) AS y "
                             "FROM network_nodes WHERE network_id = %s", (net.id,))
    where = {r["ext_id"]: (r["x"], r["y"]) for r in stored}
    assert set(where) == set(OSM_ID.values())
    for label, osm_id in OSM_ID.items():
        assert where[osm_id] == pytest.approx(STREETS[label], abs=1e-7)


def test_lines_drawn_from_v_to_u_are_turned_round(conn, tmp_path):
    # As in the neatnet-simplified Wuhan network: the ids are right, but half the lines run
    # from v to u (dead ends 3, 5 and 6 among them), so "u is where the line starts" is not.
    ids = [(OSM_ID[a], OSM_ID[b]) for a, b in WAYS]
    lines = [STREETS.line(b, a) if n % 2 else STREETS.line(a, b)
             for n, (a, b) in enumerate(WAYS)]
    path = _write_edges(tmp_path / "simplified.gpkg", ids, lines)
    edges = network.read_network_file(path)
    assert list(zip(edges.u, edges.v, strict=True)) == ids
    net = network.import_edges(conn, "simplified", edges, source="test")
    assert (net.nodes, net.edges) == (7, 6)
    assert _ends_off_their_nodes(conn, net.id) == 0
    assert _route_m(conn, net.id, "1", "5") == pytest.approx(
        GEOD.geometry_length(STREETS.line("1", "2", "4", "5")), rel=1e-6)


def test_file_ids_that_do_not_fit_the_lines_are_replaced_by_noding(conn, tmp_path):
    # Each line carries the ids of the next way: the ids name points elsewhere.
    ids = [(OSM_ID[a], OSM_ID[b]) for a, b in WAYS[1:] + WAYS[:1]]
    path = _write_edges(tmp_path / "mismatched.gpkg", ids, [STREETS.line(a, b) for a, b in WAYS])
    net = network.import_edges(conn, "mismatched", network.read_network_file(path),
                               source="test")
    assert (net.nodes, net.edges) == (7, 6)
    assert _ends_off_their_nodes(conn, net.id) == 0
    assert _route_m(conn, net.id, "1", "5") == pytest.approx(
        GEOD.geometry_length(STREETS.line("1", "2", "4", "5")), rel=1e-6)


def test_ids_at_one_point_stay_apart(conn):
    # A flyover (ids 10, 11, 12) passes over the street 2-4-7 at 4 with a node of its own
    # there, as elevated roads do in OSM: the ids fit the lines, so they are kept and the
    # flyover does not meet the street.
    g = gpd.GeoDataFrame({"u": [1, 2, 10, 11], "v": [2, 30, 11, 12], "highway": "residential",
                          "name": None},
                         geometry=[STREETS.line("2", "4"), STREETS.line("7", "4"),
                                   STREETS.line("3", "4"), STREETS.line("4", "5")], crs=4490)
    edges = network.orient_edges(g)
    assert list(zip(edges.u, edges.v, strict=True)) == [(1, 2), (2, 30), (10, 11), (11, 12)]
    assert edges.geometry.iloc[1].coords[0] == STREETS["4"]
    net = network.import_edges(conn, "flyover", g, source="test")
    assert (net.nodes, net.edges) == (6, 4)
    assert _ends_off_their_nodes(conn, net.id) == 0


def test_import_refuses_ids_that_do_not_fit_the_lines(conn):
    g = gpd.GeoDataFrame({"u": [1, 2], "v": [2, 3], "highway": "residential", "name": None},
                         geometry=[STREETS.line("1", "2"), STREETS.line("3", "4")], crs=4490)
    with pytest.raises(InvalidInput, match="do not match where their lines end"):
        network.import_edges(conn, "bad", g, source="test")


def test_missing_file_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="does not exist"):
        network.read_network_file(tmp_path / "nope.gpkg")


def test_raw_osm_file_imports_as_a_routable_network(conn):
    osm = sources.shared_data_dir() / "osm/nanjing-xinjiekou-2021/nanjing_xinjiekou_2021.osm"
    edges = network.read_network_file(osm)
    net = network.import_edges(conn, "nanjing", edges, source="OpenStreetMap 2021-06-12")
    # DATA.md: 87 km of walkable ways in the extract (footways included).
    assert net.length_km == pytest.approx(87, abs=2)
    assert net.walk_edges > 700
    # OSM ways meet at shared nodes, so the largest connected piece holds most nodes.
    biggest = fetch_value(conn, """
        SELECT max(n) FROM (SELECT count(*) AS n FROM pgr_connectedComponents(
            'SELECT id, source, target, cost, reverse_cost FROM walk_edges WHERE network_id = '
            || %s) GROUP BY component) c""", (net.id,))
    assert biggest > 0.6 * net.nodes
