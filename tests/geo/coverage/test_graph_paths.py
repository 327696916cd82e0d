"""The fast paths of coverage (issue 18) answer as the slow ones did: isochrones from the
graph in memory as from pgRouting, all pairs on the part of the graph within reach as on
the whole graph, kept divisions and sites that see every change of data."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from geo.coverage import circle, context, versions
from geo.coverage import graph as graphs
from geo.coverage import isochrone as iso
from geo.coverage import settings as cs
from geo.crs import local_projection, to_metres
from geo.db import fetch_value
from geo.errors import InvalidInput
from tests.geo.coverage import town

# A 3 × 3 block grid (streets every 100 m), S inside the first block, a dead end D–K.
ART = """
A-B-C
|S| |
D-E-F
| | |
G-H-I
|
K
"""
STREETS = ("A B", "B C", "D E", "E F", "G H", "H I", "A D", "D G", "B E", "E H", "C F", "F I",
           "G K")


@pytest.fixture
def grid_town(conn):
    g = town.grid(ART)
    codes = town.build(conn, g, communities={"A": 10, "E": 20, "I": 30, "K": 5},
                       streets=STREETS)
    net = fetch_value(conn, "SELECT id FROM networks ORDER BY id DESC LIMIT 1")
    return g, net, codes


def _iou(a, b, lon, lat) -> float:
    tr = local_projection(lon, lat)
    ma, mb = to_metres(tr, a), to_metres(tr, b)
    return ma.intersection(mb).area / ma.union(mb).area


@pytest.mark.parametrize("shape", ["hull", "streets"])
def test_the_isochrone_from_the_graph_is_the_one_pgrouting_draws(conn, grid_town, shape):
    g, net, _ = grid_town
    s = cs.defaults()
    graph = graphs.load_graph(conn, net)
    # Next to a crossing, part-way along a street, and off the streets: inside a block
    # and beside a dead end. None is equally near two streets (at E itself, or at S, 50 m
    # from three, each path may take another street, and the concave hull of the points
    # along them differs on so regular a grid).
    starts = [(g["E"][0] + 0.00005, g["E"][1] + 0.00002),
              (g["S"][0] + 0.0001, g["S"][1] + 0.00005),
              (g["B"][0] + 0.0003, g["B"][1]), (g["K"][0] + 0.0002, g["K"][1])]
    budgets = [60.0, 130.0, 250.0]
    for lon, lat in starts:
        old, old_nodes, old_leg = iso.network_polygons(conn, net, lon, lat, budgets, s,
                                                       shape=shape)
        new, new_nodes, new_leg = iso.graph_polygons(graph, lon, lat, budgets, s, shape=shape)
        assert new_nodes == old_nodes
        assert new_leg == pytest.approx(old_leg, abs=0.01)
        for a, b in zip(old, new, strict=True):
            assert not b.is_empty
            # The same stretches of street; the concave hull of the points along them
            # depends a little on their order where so many lie on one grid.
            assert _iou(a, b, lon, lat) > (0.999 if shape == "streets" else 0.98)


def test_isochrone_serves_from_the_graph_and_refuses_like_pgrouting(conn, grid_town):
    g, net, _ = grid_town
    r = iso.isochrone(conn, *g["E"], minutes=[2])             # 120 m
    assert r["method"] == "network"
    assert r["features"][0]["properties"]["nodes_reached"] == 5   # E and its 4 neighbours
    far = (g["K"][0] + 0.01, g["K"][1])                      # ~850 m east of K
    with pytest.raises(InvalidInput) as sql:
        iso.snap(conn, net, *far, 300.0)
    with pytest.raises(InvalidInput) as mine:
        iso.isochrone(conn, *far, minutes=[5])
    assert mine.value.field == sql.value.field == "lon"
    assert str(mine.value.detail).split(" (")[0] == str(sql.value.detail).split(" (")[0]


def _whole_graph_costs(graph: graphs.Graph, s: graphs.Snapped, t: graphs.Snapped,
                       limit: float) -> np.ndarray:
    """Source by source over the whole graph, as the code did before the local paths."""
    out = np.full((len(s.edge), len(t.edge)), np.inf)
    on = t.on_network
    e = t.edge[on]
    for i in range(len(s.edge)):
        one = graphs.Snapped(s.edge[[i]], s.frac[[i]], s.leg[[i]])
        dn = graph.node_distances(one, limit, min_only=False)[0]
        out[i, on] = np.minimum(dn[graph.src[e]] + t.frac[on] * graph.length[e],
                                dn[graph.tgt[e]] + (1 - t.frac[on]) * graph.length[e]) \
            + t.leg[on]
    i, j, d = graph._same_edge(s, t)
    np.minimum.at(out, (i, j), d)
    out[out > limit] = np.inf
    return out


def test_all_pairs_on_the_part_within_reach_equal_the_whole_graph(conn, grid_town):
    g, net, _ = grid_town
    graph = graphs.load_graph(conn, net)
    rng = np.random.default_rng(4)
    lon0, lat0 = g["A"]
    lon1, lat1 = g["K"]
    pts = np.column_stack([rng.uniform(lon0, g["I"][0], 40), rng.uniform(lat1, lat0, 40)])
    s = graph.snap(pts[:15, 0], pts[:15, 1], 300.0)
    t = graph.snap(pts[15:, 0], pts[15:, 1], 300.0)
    for limit in (80.0, 170.0, 400.0):
        want = _whole_graph_costs(graph, s, t, limit)
        assert np.isfinite(want).any() and not np.isfinite(want).all()
        assert np.array_equal(graph.costs(s, t, limit), want)
        for chunk in (1, 4):                             # however the sources are grouped
            i, j, d = graph.pairs(s, t, limit, chunk=chunk)
            assert np.array_equal(np.column_stack([i, j]), np.argwhere(np.isfinite(want)))
            assert np.array_equal(d, want[i, j])


def test_a_cost_shorter_than_its_line_still_reaches_what_it_costs():
    # A–B is drawn 1,000 m long but costs 100 m (a ferry, a tunnel entered as a shortcut);
    # a walk of 300 m from A reaches C, 1,100 m away in a straight line.
    lon0, lat0 = 100.0, 40.0
    dx = 1 / (111_320 * np.cos(np.radians(lat0)))
    a, b, c = (lon0, lat0), (lon0 + 1000 * dx, lat0), (lon0 + 1100 * dx, lat0)
    edges = gpd.GeoDataFrame({"id": [1, 2], "source": [10, 20], "target": [20, 30],
                              "cost": [100.0, 100.0]},
                             geometry=[LineString([a, b]), LineString([b, c])], crs=4490)
    graph = graphs.Graph(1, "ferry", None, edges)
    assert graph.stretch == pytest.approx(0.1, rel=0.01)
    s = graph.snap(np.array([a[0]]), np.array([a[1]]), 10.0)
    t = graph.snap(np.array([c[0]]), np.array([c[1]]), 10.0)
    assert graph.costs(s, t, 300.0)[0, 0] == pytest.approx(200.0)
    nodes, dist = graph.reach(s, 300.0)
    assert len(nodes) == 3 and dist.max() == pytest.approx(200.0)


def test_the_cells_near_a_point_hold_every_node_within_the_radius():
    lon0, lat0 = 100.0, 40.0
    rng = np.random.default_rng(9)
    xy = rng.uniform(0, 0.05, (300, 2)) + (lon0, lat0)
    lines = [LineString([xy[i], xy[i + 1]]) for i in range(299)]
    edges = gpd.GeoDataFrame({"id": range(299), "source": range(299),
                              "target": range(1, 300), "cost": 1e4}, geometry=lines, crs=4490)
    graph = graphs.Graph(1, "scatter", None, edges)
    centre = graph.node_xy[rng.choice(graph.n, 5)]
    radius = np.array([50.0, 300.0, 700.0, 0.0, 1000.0])
    found = set(graph.near(centre, radius).tolist())
    for (x, y), r in zip(centre, radius, strict=True):
        inside = np.flatnonzero(np.hypot(*(graph.node_xy - (x, y)).T) <= r)
        assert set(inside.tolist()) <= found
    assert len(found) < graph.n


def test_substrings_cut_lines_as_shapely_does():
    rng = np.random.default_rng(2)
    lines = np.array([LineString(rng.uniform(0, 100, (n, 2))) for n in (2, 3, 5, 8)])
    start = np.array([0.0, 0.2, 0.5, 0.13])
    end = np.array([1.0, 0.2001, 0.9, 0.77])
    got = graphs.substrings(lines, start, end)
    for line, a, b, cut in zip(lines, start, end, got, strict=True):
        want = substring(line, a, b, normalized=True)
        assert cut.length == pytest.approx(want.length, rel=1e-9, abs=1e-9)
        assert shapely.hausdorff_distance(cut, want) < 1e-9


def test_a_kept_division_sees_a_site_added_in_the_same_transaction(conn, grid_town):
    g, net, codes = grid_town
    before = circle.circle(conn, town.COUNTY, minutes=3)     # 180 m; no site yet
    assert before["summary"]["covered_communities"] == 0
    town.site(conn, g, "I", places=100)
    after = circle.circle(conn, town.COUNTY, minutes=3)
    covered = {c["code"] for c in after["communities"] if c["status"] == "covered"}
    assert covered == {codes["I"]}
    # The same answer as a process that keeps nothing.
    versions.forget()
    assert circle.circle(conn, town.COUNTY, minutes=3) == after


def test_a_rolled_back_change_is_not_taken_for_a_later_one(conn, grid_town):
    g, _, _ = grid_town
    ctx = context.build(conn, town.COUNTY)
    version = ctx.version
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT trial")
    town.site(conn, g, "E", places=100)
    assert context.build(conn, town.COUNTY).version != version
    with conn.cursor() as cur:
        cur.execute("ROLLBACK TO SAVEPOINT trial")
    assert context.build(conn, town.COUNTY).version == version
    assert len(circle.sites_frame(conn, context.build(conn, town.COUNTY), None)) == 0
    # A later change bumps the counter to the value the rolled-back one had: its time
    # tells them apart, so the rolled-back site list is not served for it.
    town.site(conn, g, "A", places=100)
    sites = circle.sites_frame(conn, context.build(conn, town.COUNTY), None)
    assert sites["name"].tolist() == ["A站"]
