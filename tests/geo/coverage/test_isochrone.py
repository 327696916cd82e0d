"""Isochrones with pgRouting on a drawn 3 × 3 block grid (streets every 100 m)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Point, shape

from geo import network
from geo.coverage import graph as graphs
from geo.coverage import isochrone as iso
from geo.errors import InvalidInput
from tests.geo.coverage import town

ART = """
A-B-C
|S| |
D-E-F
| | |
G-H-I




        far
"""
STREETS = ("A B", "B C", "D E", "E F", "G H", "H I", "A D", "D G", "B E", "E H", "C F", "F I")


@pytest.fixture
def grid_town(conn):
    g = town.grid(ART)
    town.build(conn, g, communities={"A": 10, "E": 20, "I": 30}, streets=STREETS)
    net = conn.cursor()
    net.execute("SELECT id FROM networks ORDER BY id DESC LIMIT 1")
    return g, net.fetchone()[0]


def _labels(conn, g, network_id, costs: dict[int, float]) -> set[str]:
    ids = {network.nearest_node(conn, network_id, *g[k])[0]: k for k in "ABCDEFGHI"}
    return {ids[n] for n in costs if n in ids}


def test_reach_follows_the_streets(conn, grid_town):
    g, net = grid_town
    costs = iso.reach(conn, net, *g["E"], 120, snap_max_m=300)
    assert _labels(conn, g, net, costs) == {"E", "B", "D", "F", "H"}   # corners are 200 m
    more = iso.reach(conn, net, *g["E"], 210, snap_max_m=300)
    assert _labels(conn, g, net, more) == set("ABCDEFGHI")


def test_start_part_way_along_an_edge_counts_the_walk_to_it(conn, grid_town):
    g, net = grid_town
    # S is 50 m from the A–B street's middle... on a 50 m grid S sits between A-D-B-E:
    # 50 m east of the A–D street's middle and 50 m west of B–E's, 50 m below A–B.
    costs = iso.reach(conn, net, *g["S"], 110, snap_max_m=300)
    reached = _labels(conn, g, net, costs)
    assert reached and reached <= {"A", "B", "D", "E"}
    assert all(c <= 110 for c in costs.values())
    assert min(costs.values()) == pytest.approx(100, abs=1)   # 50 to the street + 50 along


def test_inbound_and_outbound_agree_on_two_way_streets(conn, grid_town):
    g, net = grid_town
    inbound = iso.reach(conn, net, *g["S"], 250, snap_max_m=300, inbound=True)
    outbound = iso.reach(conn, net, *g["S"], 250, snap_max_m=300, inbound=False)
    assert inbound.keys() == outbound.keys()
    assert all(abs(inbound[k] - outbound[k]) < 1e-6 for k in inbound)


def test_pgrouting_and_the_in_memory_graph_agree(conn, grid_town):
    g, net = grid_town
    costs = iso.reach(conn, net, *g["S"], 250, snap_max_m=300)
    graph = graphs.load_graph(conn, net)
    s = graph.snap(np.array([g["S"][0]]), np.array([g["S"][1]]), 300)
    dist, _ = graph.node_distances(s, 250)
    mine = {int(graph.node_ids[i]): d for i, d in enumerate(dist) if np.isfinite(d)}
    assert mine.keys() == costs.keys()
    assert all(abs(mine[k] - costs[k]) < 0.5 for k in mine)   # snapping: metric vs geodesic


def test_polygons_follow_the_reached_streets(conn, grid_town):
    g, net = grid_town
    r = iso.isochrone(conn, *g["E"], minutes=[2, 4])          # 120 m and 240 m
    assert r["method"] == "network" and r["direction"] == "inbound"
    big, small = (shape(f["geometry"]) for f in r["features"])
    assert [f["properties"]["minutes"] for f in r["features"]] == [4, 2]
    assert big.contains(small.representative_point())
    assert small.contains(Point(g["B"])) and not small.contains(Point(g["A"]))
    assert big.contains(Point(g["A"])) and big.contains(Point(g["I"]))
    assert not big.contains(Point(g["far"]))
    assert r["features"][1]["properties"]["nodes_reached"] == 5
    # Communities inside each tier with their people aged 60+.
    assert r["features"][0]["properties"]["elderly"] == 60        # A, E, I
    assert r["features"][1]["properties"]["elderly"] == 20        # E
    streets = iso.isochrone(conn, *g["E"], minutes=[2], shape="streets")
    assert shape(streets["features"][0]["geometry"]).contains(Point(g["D"]))


def test_a_point_far_from_any_street_is_refused(conn, grid_town):
    g, _ = grid_town
    with pytest.raises(InvalidInput) as e:
        iso.isochrone(conn, *g["far"], minutes=[5])
    assert e.value.field == "lon" and "no walkable street within 300 m" in e.value.detail


def test_out_of_range_and_outside_the_city(conn, grid_town):
    g, _ = grid_town
    for kw, field in (({"minutes": [0]}, "minutes"), ({"minutes": [90]}, "minutes"),
                      ({"speed": 500}, "speed"), ({"direction": "sideways"}, "direction")):
        with pytest.raises(InvalidInput) as e:
            iso.isochrone(conn, *g["E"], **kw)
        assert e.value.field == field
    with pytest.raises(InvalidInput) as e:
        iso.isochrone(conn, 60.0, 10.0)
    assert e.value.field == "lon" and "outside every loaded city" in e.value.detail


def test_without_a_network_the_isochrone_is_a_labelled_disc(conn):
    g = town.grid(ART)
    town.build(conn, g, communities={"E": 10})
    r = iso.isochrone(conn, *g["E"], minutes=[5])
    assert r["method"] == "straight-line" and "STRAIGHT-LINE" in r["note"]
    area = r["features"][0]["properties"]["area_km2"] * 1e6
    assert area == pytest.approx(math.pi * (300 / 1.3) ** 2, rel=0.01)
