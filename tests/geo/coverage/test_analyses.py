"""Accessibility (2SFCA), site suggestions, indicators and burial zones on drawn towns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from access import Access
from access import weights as access_weights
from shapely.geometry import box

from geo.coverage import accessibility, burial, indicators, suggest
from geo.coverage import settings as coverage_settings
from geo.db import execute
from geo.errors import InvalidInput
from tests.factories import TEST_ACTOR, add_network
from tests.geo.coverage import town

# --------------------------------------------------------------------- 2SFCA

def _pysal(costs: np.ndarray, supply: np.ndarray, demand: np.ndarray, method: str):
    dem = pd.DataFrame({"pop": demand}).rename_axis("id")
    sup = pd.DataFrame({"cap": supply}).rename_axis("id")
    rows = [(i, j, costs[j, i]) for i in range(len(demand)) for j in range(len(supply))
            if np.isfinite(costs[j, i])]
    cost = pd.DataFrame(rows, columns=["o", "d", "c"])
    a = Access(demand_df=dem, demand_value="pop", supply_df=sup, supply_value="cap",
               cost_df=cost, cost_origin="o", cost_dest="d", cost_name="c")
    if method == "2sfca":
        out = a.two_stage_fca(max_cost=15)
    else:
        out = a.enhanced_two_stage_fca(
            max_cost=15, weight_fn=access_weights.step_fn({5: 1.0, 10: 0.68, 15: 0.22}))
    return out.iloc[:, 0].reindex(range(len(demand))).fillna(0).to_numpy()


@pytest.mark.parametrize("method", ["2sfca", "e2sfca"])
def test_fca_matches_pysal_access(method):
    rng = np.random.default_rng(4)
    costs = rng.uniform(0.5, 20, (6, 11))       # sites × communities, minutes
    costs[costs > 15] = np.inf
    supply = rng.integers(10, 80, 6).astype(float)
    demand = rng.integers(100, 3000, 11).astype(float)
    ours, _ = accessibility.fca(costs, supply, demand, method,
                                [[5, 1.0], [10, 0.68], [15, 0.22]], 15)
    assert np.allclose(ours, _pysal(costs, supply, demand, method))


def test_fca_by_hand():
    # One site of 20 places reached by two communities of 100 and 300 elderly:
    # R = 20 / 400 = 0.05 place per elderly, so both score 0.05; a third out of reach: 0.
    costs = np.array([[3.0, 12.0, np.inf]])
    score, ratio = accessibility.fca(costs, np.array([20.0]), np.array([100.0, 300, 50]),
                                     "2sfca", [], 15)
    assert ratio.tolist() == [0.05] and score.tolist() == [0.05, 0.05, 0.0]


LINE = """
A-B-C-D-E-F-G-H-I-J-K-L-M-N-O
"""
LINE_STREETS = tuple(f"{a} {b}" for a, b in zip("ABCDEFGHIJKLMN", "BCDEFGHIJKLMNO",
                                                strict=True))


def test_accessibility_on_the_network(conn):
    g = town.grid(LINE)
    town.build(conn, g, communities={"A": 100, "C": 300, "O": 50}, streets=LINE_STREETS)
    town.site(conn, g, "B", places=20)
    r = accessibility.accessibility(conn, town.COUNTY, method="2sfca")
    scores = {f["properties"]["name"]: f["properties"]["score"] for f in r["features"]}
    assert scores == {"A社区": 50.0, "C社区": 50.0, "O社区": 0.0}   # places per 1000
    assert r["summary"]["zero_score_elderly"] == 50
    with pytest.raises(InvalidInput):
        accessibility.accessibility(conn, town.COUNTY, method="3sfca")


# --------------------------------------------------------------------- suggestions

def test_suggestions_cover_the_biggest_uncovered_clusters(conn):
    # Sites cover A; clusters at G–H (small) and M–O (large) are uncovered. With k = 1 the
    # model picks the large cluster; with k = 2 both.
    g = town.grid(LINE)
    town.build(conn, g, communities={"A": 500, "G": 100, "H": 100, "M": 400, "O": 400},
               streets=LINE_STREETS)
    town.site(conn, g, "A")
    one = suggest.suggest(conn, town.COUNTY, k=1, minutes=2)          # 120 m
    assert one["method"] == "network" and len(one["suggestions"]) == 1
    best = one["suggestions"][0]
    assert best["newly_covered_elderly"] == 800
    assert {c["name"] for c in best["communities"]} == {"M社区", "O社区"}
    assert "800 uncovered elderly in 2 communities" in best["why"]
    two = suggest.suggest(conn, town.COUNTY, k=2, minutes=2)
    assert two["newly_covered_elderly"] == 1000
    assert two["share_after"] == 1.0 and two["share_before"] == pytest.approx(500 / 1500,
                                                                              abs=1e-4)


def test_planner_candidates_and_saved_scenarios(conn):
    g = town.grid(LINE)
    town.build(conn, g, communities={"A": 50, "O": 70}, streets=LINE_STREETS)
    cands = [{"lon": g["B"][0], "lat": g["B"][1], "name": "旧粮站"},
             {"lon": g["N"][0], "lat": g["N"][1], "name": "社区中心"}]
    r = suggest.suggest(conn, town.COUNTY, k=1, minutes=2, candidates=cands)
    assert r["suggestions"][0]["label"] == "社区中心" and r["newly_covered_elderly"] == 70
    saved = suggest.save(conn, TEST_ACTOR, town.COUNTY, "方案一", {"k": 1}, r)
    other = suggest.save(conn, TEST_ACTOR, town.COUNTY, "方案二", {"k": 1},
                         suggest.suggest(conn, town.COUNTY, k=2, minutes=2, candidates=cands))
    table = suggest.compare(conn, [saved["id"], other["id"]])["scenarios"]
    assert [t["newly_covered_elderly"] for t in table] == [70, 120]
    assert [t["kind"] for t in table] == ["suggestions", "suggestions"]
    with pytest.raises(InvalidInput) as e:
        suggest.suggest(conn, town.COUNTY, k=1, candidates=[{"lon": 10.0, "lat": 10.0}])
    assert e.value.field == "candidates[0]"
    off = {"lon": g["O"][0], "lat": g["O"][1] + 0.005}                     # 550 m north
    with pytest.raises(InvalidInput) as e:
        suggest.suggest(conn, town.COUNTY, k=1, candidates=[*cands, off])
    assert e.value.field == "candidates[2]" and "walkable street" in e.value.detail
    with pytest.raises(InvalidInput) as e:
        suggest.suggest(conn, town.COUNTY, k=0)
    assert e.value.field == "k"


# --------------------------------------------------------------------- indicators

def test_indicators_by_hand(conn):
    g = town.grid(LINE)
    town.build(conn, g, communities={"A": 1000, "O": 1000}, streets=LINE_STREETS, rural=("O",))
    town.site(conn, g, "A", "nursing_home", beds=50, nursing_beds=20)
    town.site(conn, g, "B", "community_station", places=200)
    town.site(conn, g, "C", "relief_county")
    r = indicators.indicators(conn, town.COUNTY)
    top = r["features"][0]["properties"]
    assert top["beds_per_1000"] == 25.0 and top["beds_ok"] is False        # target 35
    assert top["nursing_share"] == 0.4 and top["nursing_ok"] is False
    assert top["community_coverage_urban"] == 1.0 and top["community_coverage_rural"] == 0.0
    assert top["villages"] == 1 and top["cemetery_village_coverage"] == 0.0
    assert top["relief_share_within_sla"] == 1.0
    town.site(conn, g, "N", "public_cemetery")
    again = indicators.indicators(conn, town.COUNTY)["features"][0]["properties"]
    assert again["cemetery_village_coverage"] == 1.0
    coverage_settings.set_value(conn, "99", "beds_per_1000_target", 20)
    assert indicators.indicators(conn, town.COUNTY)["features"][0]["properties"]["beds_ok"]


# --------------------------------------------------------------------- burial zones

BURIAL = """
A-----------------B

   g1


   g2        g3
"""


def test_graves_near_main_roads_and_in_protected_areas(conn):
    g = town.grid(BURIAL, step_m=50)
    town.build(conn, g, communities={"A": 1})
    add_network(conn, g, "A B", name="burial-roads", highway="primary")
    for label in ("g1", "g2", "g3"):
        town.site(conn, g, label, "grave")
    x, y = g["g3"]
    execute(conn, """INSERT INTO burial_zone_features (layer, name, geom, source)
                     VALUES ('water_source', '水源地', ST_GeomFromText(%s, 4490), 'test')""",
            (box(x - 0.001, y - 0.001, x + 0.001, y + 0.001).wkt,))
    r = burial.report(conn, town.COUNTY)
    found = {f["properties"]["name"]: f["properties"]["zones"] for f in r["features"]}
    assert r["checked"] == 3
    assert set(found) == {"g1站", "g3站"}                       # g1 100 m from the road
    assert found["g1站"][0]["layer"] == "road:primary"
    assert found["g1站"][0]["distance_m"] == pytest.approx(100, abs=2)
    assert found["g3站"][0]["layer"] == "water_source"
    coverage_settings.set_value(conn, "99", "burial_zones",
                                {"road_highways": ["primary"], "road_buffer_m": 300,
                                 "line_layers": {}, "polygon_layers": []})
    wider = {f["properties"]["name"]: f["properties"]["zones"]
             for f in burial.report(conn, town.COUNTY)["features"]}
    assert set(wider) == {"g1站", "g2站", "g3站"}                # all within 300 m of the road
    assert [z["layer"] for z in wider["g3站"]] == ["road:primary"]   # no polygon layers now
