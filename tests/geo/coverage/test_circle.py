"""The 15-minute circle and its travel model on drawn streets, where every distance is known
by hand (cells are 50 m; 60 m/min)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from geo.coverage import circle, context
from geo.coverage import graph as graphs
from geo.errors import InvalidInput
from tests.factories import add_network
from tests.geo.coverage import town

# A street A…G with a node every 100 m; x is 50 m south of D, S is 50 m south of the middle
# of B–C, far is 1 km north of A with no street near it.
ART = """
far



















A-B-C-D-E-F-G
   S  x
"""
STREETS = ("A B", "B C", "C D", "D E", "E F", "F G")


def _town(conn, communities, sites=()):
    return town.drawn(conn, ART, STREETS, communities, sites)


def _by_label(result, codes):
    by_code = {c["code"]: c for c in result["communities"]}
    return {label: by_code[code] for label, code in codes.items()}


def test_distances_follow_the_street_and_count_the_walk_to_it(conn):
    g, codes = _town(conn, {"D": 100, "G": 100, "x": 100}, [("B", {"places": 100})])
    r = circle.circle(conn, town.COUNTY, minutes=5)          # 300 m
    c = _by_label(r, codes)
    assert r["method"] == "network"
    assert c["D"]["distance_m"] == pytest.approx(200, abs=1)
    assert c["x"]["distance_m"] == pytest.approx(250, abs=1)  # 200 along + 50 to the street
    assert c["D"]["status"] == c["x"]["status"] == "covered"
    assert c["G"]["status"] == "too_far"
    away = re.search(r"is (\d+) m away \(8 min\)", c["G"]["reason"])
    assert away and abs(int(away.group(1)) - 500) <= 2
    assert r["summary"]["covered_elderly"] == 200 and r["summary"]["elderly_share"] == 0.6667


def test_a_site_part_way_along_an_edge_is_snapped_there(conn):
    g, codes = _town(conn, {"A": 10, "E": 10}, [("S", {"places": 50})])
    r = circle.circle(conn, town.COUNTY, minutes=10)
    c = _by_label(r, codes)
    # S is 50 m off the middle of B–C: 50 + 150 to A, 50 + 250 to E.
    assert c["A"]["distance_m"] == pytest.approx(200, abs=1)
    assert c["E"]["distance_m"] == pytest.approx(300, abs=1)


def test_capacity_fills_the_nearest_community_first(conn):
    # One site at C with 10 places = 10 / 0.05 = 200 elderly; D (100 m) asks 150, E 150.
    g, codes = _town(conn, {"D": 150, "E": 150}, [("C", {"places": 10})])
    r = circle.circle(conn, town.COUNTY, minutes=5)
    c = _by_label(r, codes)
    assert c["D"]["status"] == "covered"
    assert c["E"]["status"] == "over_capacity" and c["E"]["covered_elderly"] == 50
    assert "room for 50 of its 150" in c["E"]["reason"]
    assert r["sites"][0]["served_elderly"] == 200 and r["sites"][0]["full"]
    plain = circle.circle(conn, town.COUNTY, minutes=5, capacity=False)
    assert plain["summary"]["covered_elderly"] == 300


def test_a_community_far_from_every_street_is_off_the_network(conn):
    # Four of five communities on the network: the county uses it (network_min_share 0.8).
    g, codes = _town(conn, {"far": 300, "B": 10, "D": 10, "E": 10, "F": 10},
                     [("C", {"places": 50})])
    r = circle.circle(conn, town.COUNTY)
    assert r["method"] == "network"
    c = _by_label(r, codes)
    assert c["far"]["status"] == "off_network" and "no walkable street" in c["far"]["reason"]
    assert c["B"]["status"] == "covered"


def test_slower_walkers_reach_less(conn):
    g, codes = _town(conn, {"F": 10}, [("B", {})])
    assert _by_label(circle.circle(conn, town.COUNTY, minutes=7), codes)["F"]["status"] \
        == "covered"                                               # 400 m ≤ 420 m
    elderly = circle.circle(conn, town.COUNTY, minutes=7, profile="elderly")  # 48 m/min
    assert _by_label(elderly, codes)["F"]["status"] == "too_far"   # 400 m > 336 m


def test_multi_source_nearest_matches_pairwise_costs(conn):
    g, codes = _town(conn, {"A": 1, "C": 1, "E": 1, "G": 1, "x": 1},
                     [("B", {}), ("F", {}), ("S", {})])
    ctx = context.build(conn, town.COUNTY, minutes=10)
    sites = circle.sites_frame(conn, ctx, None)
    placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
    best, which = ctx.model.nearest(placed, ctx.targets, ctx.limit_m)
    costs = ctx.model.costs(placed, ctx.targets, ctx.limit_m)
    assert np.allclose(best, costs.min(axis=0))
    assert (which == costs.argmin(axis=0)).all()


def test_what_if_reports_the_communities_a_new_site_would_add(conn):
    # A's site has no places given, so it is not capped: the same with capacity counted
    # (the default since what-if and suggestions share one computation) as without.
    g, codes = _town(conn, {"A": 40, "G": 70}, [("A", {})])
    x, y = g["F"]
    r = circle.what_if(conn, town.COUNTY, x, y, minutes=5)
    assert [c["code"] for c in r["newly_covered"]] == [codes["G"]]
    assert r["newly_covered_elderly"] == 70
    assert r["share_before"] == pytest.approx(40 / 110, abs=1e-4)
    assert r["share_after"] == 1.0


def test_without_a_network_distances_are_straight_lines_times_the_detour(conn):
    g = town.grid(ART)
    codes = town.build(conn, g, communities={"G": 10, "D": 10})   # no streets
    town.site(conn, g, "A")
    r = circle.circle(conn, town.COUNTY, minutes=10)
    assert r["method"] == "straight-line" and r["note"].startswith("STRAIGHT-LINE ESTIMATE")
    c = _by_label(r, codes)
    assert c["D"]["distance_m"] == pytest.approx(300 * 1.3, abs=1)
    assert c["G"]["status"] == "too_far"                            # 600 × 1.3 > 600


def test_bad_input_names_the_field(conn):
    with pytest.raises(InvalidInput) as e:
        circle.circle(conn, "999999")
    assert e.value.field == "division"
    _town(conn, {"A": 1})
    for kw, field in (({"minutes": 0}, "minutes"), ({"minutes": 61}, "minutes"),
                      ({"speed": -5}, "speed"), ({"profile": "runner"}, "profile")):
        with pytest.raises(InvalidInput) as e:
            circle.circle(conn, town.COUNTY, **kw)
        assert e.value.field == field


def test_the_graph_is_rebuilt_for_a_new_network(conn):
    g, _ = _town(conn, {"A": 1})
    ctx = context.build(conn, town.COUNTY)
    assert isinstance(ctx.model, graphs.Graph)
    again = context.build(conn, town.COUNTY)
    assert again.model is ctx.model                       # cached per process
    add_network(conn, g, "A G", name="town-shortcut")     # a new network: a new graph
    fresh = context.build(conn, town.COUNTY)
    assert fresh.model is not ctx.model


def test_a_site_on_a_loop_road_takes_the_shorter_way_round(conn):
    # A closed way L1 L2 L3 L4 L1 (800 m) meets a spur only at L1: one edge from L1 to
    # itself. A site by L2 is 100 m from L1 one way round and 700 m the other.
    art = """
    L2----L3
    |      |
Z---L1----L4
    """
    g = town.grid(art, step_m=50)
    town.build(conn, g, communities={"Z": 10, "L3": 10})
    add_network(conn, g, "L1 L2 L3 L4 L1", "Z L1", name="loop")
    ctx = context.build(conn, town.COUNTY, minutes=60)
    loops = ctx.model.src == ctx.model.tgt
    assert loops.sum() == 1
    x, y = g["L2"]
    site = ctx.model.snap(np.array([x]), np.array([y + 0.0001]), 300)   # 11 m north of L2
    best, _ = ctx.model.nearest(site, ctx.targets, 10_000)
    by = dict(zip(ctx.communities["name"], best, strict=True))
    assert by["Z社区"] == pytest.approx(11 + 100 + 200, abs=3)


def test_what_if_outside_the_city_is_refused(conn):
    _town(conn, {"A": 1})
    with pytest.raises(InvalidInput) as e:
        circle.what_if(conn, town.COUNTY, 10.0, 10.0)
    assert e.value.field == "lon"
    with pytest.raises(InvalidInput) as e:
        circle.what_if(conn, town.COUNTY, 1000.0, 10.0)
    assert e.value.field == "lon"
