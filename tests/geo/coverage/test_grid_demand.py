"""The circle on a population grid (issue 20): cells as demand, communities as the sums of
their cells, what the community-centroid method hides, hot spots and the heat grid, on a
street drawn with the grid helper and a raster written with rasterio.

One street S–T, 2 km east–west, a site at S with no cap on its places. Cells of 3
arc-seconds (about 71 m east–west here) lie on the street with people in four of them:
k cells east of S, at about k × 71 m.

    S - - - - - - - - - - - - - - - - - - - T
    west community  | east community (centre at 11.5 cells, ~817 m)
    k=4: 10, k=9: 5 | k=13: 3 (~923 m, beyond 15 minutes), k=20: 7 (~1420 m)
"""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, box

from geo import population
from geo.coverage import circle, context, gain, hotspots, suggest
from geo.coverage import graph as graphs
from geo.errors import InvalidInput
from tests.factories import add_division, add_network
from tests.geo.coverage import town
from tests.geo.test_population import CELL, raster

ART = "S-------------------T"
PEOPLE = {4: 10.0, 9: 5.0, 13: 3.0, 20: 7.0}
SPLIT = 11                       # the east community starts 11 cells east of S


@pytest.fixture
def street(conn, tmp_path):
    g = town.grid(ART, step_m=100)
    sx, sy = g["S"]
    area = box(sx - 0.005, sy - 0.003, g["T"][0] + 0.005, sy + 0.003)
    add_division(conn, town.COUNTY, area, name="测试县", level="county", total=1000,
                 aged_60_plus=25)
    add_division(conn, town.TOWNSHIP, area, name="测试街道", level="township",
                 parent_code=town.COUNTY, total=1000, aged_60_plus=25)
    cut = sx + SPLIT * CELL
    west, east = f"{town.TOWNSHIP}001", f"{town.TOWNSHIP}002"
    add_division(conn, west, box(area.bounds[0], area.bounds[1], cut, area.bounds[3]),
                 name="西社区", parent_code=town.TOWNSHIP, centre=Point(sx + 6 * CELL, sy),
                 total=500, aged_60_plus=400)          # census spread: replaced by the grid
    add_division(conn, east, box(cut, area.bounds[1], area.bounds[2], area.bounds[3]),
                 name="东社区", parent_code=town.TOWNSHIP,
                 centre=Point(sx + 11.5 * CELL, sy), total=500, aged_60_plus=400)
    add_network(conn, g, "S T", name="street-grid")
    town.site(conn, g, "S")                              # places unknown: not capped
    values = np.zeros((1, 24))
    for k, people in PEOPLE.items():
        values[0, k] = people
    values[0, 22] = -3.4e38                              # NoData: never a cell
    files = [raster(tmp_path / "pop_60_f_street.tif", values, west=sx - CELL / 2,
                    north=sy + CELL / 2)]
    population.import_grid(conn, files, dataset="street-grid", division=town.COUNTY,
                           settings=population.Settings(scale=False))
    return g, {"west": west, "east": east}


def _by_code(result):
    return {c["code"]: c for c in result["communities"]}


def test_a_cell_beyond_the_limit_is_uncovered_and_communities_sum_their_cells(conn, street):
    g, codes = street
    r = circle.circle(conn, town.COUNTY)                 # 15 minutes at 60 m/min: 900 m
    assert r["demand"] == "cells" and r["distance_basis"] == "median"
    assert r["population_credit"] == "Population: WorldPop (www.worldpop.org), CC BY 4.0"
    assert r["population_scaled"] is False and "not scaled" in r["population_note"]
    s = r["summary"]
    assert (s["cells"], s["elderly"], s["covered_elderly"]) == (4, 25, 15)
    assert s["elderly_share"] == pytest.approx(0.6)
    comms = _by_code(r)
    west, east = comms[codes["west"]], comms[codes["east"]]
    # The census figure (400) is gone: each community has the people of its cells.
    assert (west["elderly"], west["covered_elderly"], west["cells"], west["status"]) == \
        (15, 15, 2, "covered")
    assert (east["elderly"], east["covered_elderly"], east["cells"], east["cells_covered"]) \
        == (10, 0, 2, 0)
    assert east["status"] == "too_far" and east["reason_code"] == "too_far"
    assert east["within_limit"] is False and west["within_limit"] is True
    # Half of its 10 elderly walk at most the median: the 7 at ~1420 m.
    assert east["distance_m"] == pytest.approx(20 * CELL * 111_320 * np.cos(np.radians(40)),
                                               rel=0.02)
    cells = hotspots.heat_cells(conn, town.COUNTY)["features"]
    beyond = {round(f["properties"]["walk_m"] / 71): f["properties"] for f in cells}
    assert sorted(beyond) == [13, 20]                    # the ~923 m cell is uncovered
    assert beyond[13]["status"] == "too_far" and beyond[13]["uncovered_elderly"] == 3
    assert 900 < beyond[13]["walk_m"] < 950


def test_a_community_partly_covered_says_how_many_and_why(conn, street):
    _, codes = street
    r = circle.circle(conn, town.COUNTY, minutes=17)     # 1020 m: the ~923 m cell is in
    east = _by_code(r)[codes["east"]]
    assert east["status"] == circle.PARTLY and east["covered_elderly"] == 3
    args = east["reason_args"]
    assert (args["covered"], args["elderly"], args["too_far"]) == (3, 10, 7)
    assert "3 of its 10 elderly" in east["reason"]
    assert r["summary"]["by_status"][circle.PARTLY] == 1


def test_the_centroid_method_hides_the_uncovered_the_cells_find(conn, street):
    _, codes = street
    cent = circle.circle(conn, town.COUNTY, demand="communities")
    assert cent["demand"] == "communities" and cent["summary"]["elderly"] == 25
    assert _by_code(cent)[codes["east"]]["status"] == "covered"   # its centre is ~817 m
    [whole, township] = hotspots.compare(conn, town.COUNTY)["districts"]
    assert whole["code"] == town.COUNTY and township["code"] == town.TOWNSHIP
    assert whole["covered_share_cells"] == pytest.approx(0.6)
    assert whole["covered_share_centroids"] == pytest.approx(1.0)
    assert whole["difference_pp"] == pytest.approx(-40.0)
    assert whole["hidden_elderly"] == 10 and whole["cells"] == 4


def test_hot_spots_densest_first_and_outlined_by_their_cells(conn, street):
    # 300 m: a disc centred between the two uncovered cells (~497 m apart) takes both.
    [both] = hotspots.hotspots(conn, town.COUNTY, radius_m=300)["features"]
    assert (both["properties"]["uncovered_elderly"], both["properties"]["cells"]) == (10, 2)
    assert both["geometry"]["type"] == "MultiPolygon"
    found = hotspots.hotspots(conn, town.COUNTY, radius_m=200)
    assert found["summary"]["uncovered_elderly"] == 10
    first, second = found["features"]
    assert (first["properties"]["uncovered_elderly"], first["properties"]["cells"]) == (7, 1)
    assert (second["properties"]["uncovered_elderly"], second["properties"]["too_far"]) == (3, 3)
    assert first["properties"]["communities"][0]["name"] == "东社区"
    assert first["geometry"]["type"] == "Polygon"         # the one cell's square
    assert found["population_credit"].startswith("Population: WorldPop")
    with pytest.raises(InvalidInput) as bad:
        hotspots.hotspots(conn, town.COUNTY, top=0)
    assert bad.value.field == "top"


def test_what_if_and_suggestions_count_cells(conn, street):
    g, codes = street
    r = gain.what_if(conn, town.COUNTY, *g["T"])         # ~580 m from the 7, ~1077 from the 3
    assert r["newly_covered_elderly"] == 7 and r["newly_covered_cells"] == 1
    assert r["newly_covered"] == [{"code": codes["east"], "name": "东社区", "elderly": 10,
                                   "elderly_gained": 7, "distance_m": pytest.approx(580, rel=0.03),
                                   "minutes": pytest.approx(9.7, abs=0.3), "cells": 1,
                                   "site": 1}]
    sx, sy = g["S"]
    middle = {"lon": sx + 16.5 * CELL, "lat": sy, "name": "中点"}   # ~250 m from both
    s = suggest.suggest(conn, town.COUNTY, k=1, candidates=[{"lon": g["T"][0], "lat": sy},
                                                            middle])
    assert s["suggestions"][0]["label"] == "中点" and s["newly_covered_elderly"] == 10
    assert s["share_after"] == pytest.approx(1.0)
    again = gain.what_if(conn, town.COUNTY, middle["lon"], middle["lat"])
    assert again["newly_covered_elderly"] == s["newly_covered_elderly"]


def test_where_no_grid_exists_the_census_spread_stays_and_says_so(conn):
    town.drawn(conn, "A-B", ("A B",), {"A": 30}, [("A", {})])
    r = circle.circle(conn, town.COUNTY)
    assert r["demand"] == "communities" and r["population_credit"] is None
    assert "census" in r["population_note"] and "synthetic" in r["population_note"]
    assert r["summary"]["elderly"] == 30
    with pytest.raises(InvalidInput) as bad:
        context.build(conn, town.COUNTY, demand="cells")
    assert bad.value.field == "demand"
    with pytest.raises(InvalidInput) as none:
        hotspots.hotspots(conn, town.COUNTY)
    assert none.value.field == "division" and "no population grid" in str(none.value)


def test_cells_are_placed_on_the_network_with_their_straight_leg(conn, street):
    ctx = context.build(conn, town.COUNTY)
    assert isinstance(ctx.model, graphs.Graph) and len(ctx.demand) == 4
    assert ctx.reachable(ctx.targets).all()
    assert ctx.targets.leg.max() < 1.0                   # centres lie on the street


def test_accessibility_scores_cells_and_weights_them_per_community(conn, street):
    from geo.coverage import accessibility

    _, codes = street
    town_site = conn.cursor()
    town_site.execute("UPDATE facilities SET places = 5 WHERE name = 'S站'")
    r = accessibility.accessibility(conn, town.COUNTY, method="2sfca")
    scores = {f["properties"]["code"]: f["properties"]["score"] for f in r["features"]}
    # 5 places for the 15 elderly within reach: 333.33 per 1000; the east's are beyond.
    assert scores[codes["west"]] == pytest.approx(5 / 15 * 1000, abs=0.01)
    assert scores[codes["east"]] == 0
    assert r["summary"]["zero_score_elderly"] == 10 and r["demand"] == "cells"


def test_the_sparse_covering_model_finds_spopts_optimum():
    import pulp
    import scipy.sparse as sp
    from spopt.locate import MCLP

    rng = np.random.default_rng(7)
    cover = rng.random((60, 25)) < 0.12
    weight = rng.integers(1, 50, 60).astype(float)
    mine = suggest.mclp(sp.csr_matrix(cover), weight, 3)
    model = MCLP.from_cost_matrix(np.where(cover, 0.0, 10.0), weight, service_radius=1.0,
                                  p_facilities=3, name="check")
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = [j for j in range(25) if pulp.value(model.fac_vars[j]) > 0.5]
    covered = lambda chosen: weight[cover[:, chosen].any(axis=1)].sum()   # noqa: E731
    assert len(mine) == 3 and covered(mine) == covered(theirs)


def test_isochrones_count_the_people_of_the_grid_inside(conn, street):
    from geo.coverage import isochrone

    g, _ = street
    r = isochrone.isochrone(conn, *g["S"], minutes=[5, 11], shape="streets")
    eleven, five = (f["properties"] for f in r["features"])
    assert (five["elderly"], five["cells"]) == (10, 1)      # k=4, ~284 m
    assert (eleven["elderly"], eleven["cells"]) == (15, 2)  # and k=9, ~639 of 660 m
    assert r["population_credit"] == "Population: WorldPop (www.worldpop.org), CC BY 4.0"


def test_people_off_the_network_are_said_as_such(conn, street, tmp_path):
    g, codes = street
    sx, sy = g["S"]
    from geo.coverage import settings as cs

    cs.set_value(conn, "99", "snap_max_m", 200)          # this test's province
    conn.cursor().execute("DELETE FROM datasets WHERE name = 'street-grid'")   # replaced
    values = np.zeros((4, 24))
    for k, people in PEOPLE.items():
        values[3, k] = people                            # the street, as before
    values[0, 16] = 20.0                                 # ~278 m north of it: off the network
    files = [raster(tmp_path / "pop_60_f_north.tif", values, west=sx - CELL / 2,
                    north=sy + 3.5 * CELL)]
    population.import_grid(conn, files, dataset="street-grid-north", division=town.COUNTY,
                           settings=population.Settings(scale=False))
    east = _by_code(circle.circle(conn, town.COUNTY))[codes["east"]]
    assert (east["elderly"], east["status"]) == (30, "off_network")
    assert east["reason_code"] == "off_network_cells"
    assert east["reason_args"] == {"snap_m": 200.0, "off_network": 20, "elderly": 30}
    assert "20 of its 30 elderly live farther than 200 m" in east["reason"]
    [spot] = hotspots.hotspots(conn, town.COUNTY, radius_m=150, top=1)["features"]
    assert spot["properties"]["off_network"] == 20
    assert spot["properties"]["median_walk_m"] is None   # nobody there can walk to a site
