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
