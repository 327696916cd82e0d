"""What new sites add (what-if and suggestions, one computation), the reasons' codes, saved
scenarios compared, and the download tables, on a drawn street (cells 50 m, 60 m/min)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from geo.coverage import circle, scenarios, suggest, tables
from geo.errors import InvalidInput
from tests.factories import TEST_ACTOR
from tests.geo.coverage import town

# A street A…G with a node every 100 m.
ART = """
A-B-C-D-E-F-G
"""
STREETS = ("A B", "B C", "C D", "D E", "E F", "F G")


def _town(conn, communities, sites=()):
    return town.drawn(conn, ART, STREETS, communities, sites)


def _at(g, label, **kw):
    return {"lon": g[label][0], "lat": g[label][1], **kw}


# A site at C with 10 places holds 10 / 0.05 = 200 elderly; D (100 m) takes 150 of them
# and E (200 m) the other 50, so E lacks 100. Within 5 minutes (300 m) both are reached.
FULL_AT_C = ({"D": 150, "E": 150}, [("C", {"places": 10})])


def test_what_if_counts_what_todays_sites_cannot_serve(conn):
    g, codes = _town(conn, *FULL_AT_C)
    new = g["F"]                                             # 100 m from E, 200 m from D
    r = circle.what_if(conn, town.COUNTY, *new, minutes=5)
    assert r["newly_covered_elderly"] == 100                  # E's 100 left unserved
    assert r["newly_covered"] == [{"code": codes["E"], "name": "E社区", "elderly": 150,
                                   "elderly_gained": 100, "distance_m": 100, "minutes": 1.7,
                                   "site": 1}]
    assert r["share_before"] == pytest.approx(200 / 300, abs=1e-4)
    assert r["share_after"] == pytest.approx(300 / 300, abs=1e-4)
    assert r["assumptions"] == {"minutes": 5.0, "speed_m_per_min": 60.0, "profile": "adult",
                                "capacity": True}
    # Distance only, C "serves" both: nothing to gain, everyone covered already.
    plain = circle.what_if(conn, town.COUNTY, *new, minutes=5, capacity=False)
    assert plain["newly_covered_elderly"] == 0 and plain["share_before"] == 1.0
    assert plain["assumptions"]["capacity"] is False and "distance only" in plain["assumption"]


@pytest.mark.parametrize("capacity", [True, False])
def test_what_if_and_suggestions_agree(conn, capacity):
    g, _ = _town(conn, {"A": 40, "D": 150, "E": 150, "G": 70}, [("C", {"places": 10})])
    r = circle.what_if(conn, town.COUNTY, *g["F"], minutes=5, capacity=capacity)
    s = suggest.suggest(conn, town.COUNTY, k=1, minutes=5, capacity=capacity,
                        candidates=[_at(g, "F")])
    figures = ("newly_covered_elderly", "share_before", "share_after")
    assert {k: r[k] for k in figures} == {k: s[k] for k in figures}
    assert r["sites"][0]["communities"] == s["suggestions"][0]["communities"]
    assert r["sites"][0]["why_args"] == s["suggestions"][0]["why_args"]
    assert r["assumptions"] == s["assumptions"]


def test_each_community_counts_once_for_its_nearest_new_site(conn):
    g, codes = _town(conn, {"A": 10, "D": 20, "G": 30})
    # D is within 5 minutes (300 m) of both new sites: 200 m from B, 100 m from E.
    r = circle.what_if(conn, town.COUNTY, sites=[_at(g, "B", name="甲"), _at(g, "E")],
                       minutes=5)
    assert [(s["label"], [c["name"] for c in s["communities"]]) for s in r["sites"]] == [
        ("甲", ["A社区"]), ("新增站点 2", ["D社区", "G社区"])]
    assert [s["newly_covered_elderly"] for s in r["sites"]] == [10, 50]
    assert r["newly_covered_elderly"] == 60 and r["share_before"] == 0.0
    assert "site" not in r                                      # that is for one point


@pytest.mark.parametrize(("kw", "field"), [
    ({"lon": 100.0, "lat": 40.0, "sites": []}, "sites"),
    ({"sites": []}, "sites"),
    ({"sites": [{"lon": 100.0, "lat": 40.0}] * 21}, "sites"),
    ({"sites": [{"lon": 100.0}]}, "sites[0]"),
    ({"sites": [{"lon": 100.0, "lat": 40.0}, {"lon": 10.0, "lat": 10.0}]}, "sites[1]"),
    ({"sites": [{"lon": 100.0, "lat": 40.0}, {"lon": 100.0, "lat": 40.01}]}, "sites[1]"),
    ({"lon": 100.0}, "lat"),
])
def test_what_if_bad_sites_name_the_field(conn, kw, field):
    _town(conn, {"A": 1})
    with pytest.raises(InvalidInput) as e:
        circle.what_if(conn, town.COUNTY, **kw)
    assert e.value.field == field


def test_reasons_have_codes_and_their_numbers(conn):
    # C's 200 places: D (100 m) takes 150, E (200 m) the other 50; G is 400 m away.
    g, codes = _town(conn, {"D": 150, "E": 150, "G": 10}, [("C", {"places": 10})])
    r = {c["code"]: c for c in circle.circle(conn, town.COUNTY, minutes=5)["communities"]}
    d, e, gg = (r[codes[k]] for k in ("D", "E", "G"))
    assert d["reason_code"] is None and d["reason_args"] is None
    assert e["reason_code"] == "over_capacity"
    assert e["reason_args"] == {"limit_minutes": 5.0, "limit_m": 300, "speed": 60.0,
                                "room": 50, "elderly": 150, "site": "C站", "distance_m": 200}
    assert "room for 50 of its 150 elderly" in e["reason"]
    assert gg["reason_code"] == "too_far"
    args = gg["reason_args"]
    assert args.pop("distance_m") == pytest.approx(400, abs=2)   # the grid is not exact
    assert args == {"limit_minutes": 5.0, "limit_m": 300, "speed": 60.0, "site": "C站",
                    "minutes": 7}
    assert f"is {gg['distance_m']} m away (7 min)" in gg["reason"]


def test_off_network_reason_gives_the_snapping_distance(conn):
    # Four of five communities on the street, so the county uses it; far is 1 km north.
    g = town.grid("\n".join(["far", *[""] * 19, "A-B-C-D-E-F-G"]))
    codes = town.build(conn, g, communities={"far": 300, "B": 10, "D": 10, "E": 10, "F": 10},
                       streets=STREETS)
    town.site(conn, g, "C", places=50)
    r = {c["code"]: c for c in circle.circle(conn, town.COUNTY)["communities"]}
    far = r[codes["far"]]
    assert far["reason_code"] == "off_network" and far["reason_args"] == {"snap_m": 300.0}


def test_too_far_none_when_no_site_is_anywhere_near(conn):
    g, codes = _town(conn, {"G": 10})
    r = circle.circle(conn, town.COUNTY, minutes=1)            # no site at all
    c = r["communities"][0]
    assert c["reason_code"] == "too_far_none" and c["reason_args"]["km"] == 1
    assert c["reason"] == "too far: no community eldercare site within 1 km"


def test_suggestion_why_has_its_numbers(conn):
    g, _ = _town(conn, {"A": 500, "G": 100})
    s = suggest.suggest(conn, town.COUNTY, k=1, minutes=2, candidates=[_at(g, "G")])
    best = s["suggestions"][0]
    assert best["why_code"] == "newly_covers"
    assert best["why_args"] == {"elderly": 100, "communities": 1, "minutes": 2.0}


def test_scenarios_from_what_if_compared_with_differences_and_warnings(conn):
    g, codes = _town(conn, *FULL_AT_C)
    first = scenarios.what_if_and_save(conn, TEST_ACTOR, town.COUNTY, "F站试算",
                                       lon=g["F"][0], lat=g["F"][1], minutes=5)
    other = suggest.suggest_and_save(conn, TEST_ACTOR, town.COUNTY, "不计容量", k=1,
                                     minutes=5, speed=50, capacity=False,
                                     candidates=[_at(g, "G")])
    assert scenarios.scenario(conn, first["scenario"]["id"])["params"]["kind"] == "what_if"
    assert [s["kind"] for s in scenarios.scenarios(conn, town.COUNTY)] == ["suggestions",
                                                                          "what_if"]
    table = scenarios.compare(conn, [first["scenario"]["id"], other["scenario"]["id"]])
    a, b = table["scenarios"]
    assert (a["kind"], b["kind"]) == ("what_if", "suggestions")
    assert a["sites"][0]["newly_covered_elderly"] == a["newly_covered_elderly"] == 100
    assert b["newly_covered_elderly"] == 0          # distance only: nothing left to cover
    [d] = table["differences"]
    assert (d["base"], d["other"]) == (a["id"], b["id"])
    assert [s["label"] for s in d["sites_only_in_base"]] == ["新增站点 1"]
    assert d["sites_only_in_other"] == []           # nothing to cover: nothing suggested
    assert d["communities_only_in_base"] == [{"code": codes["E"], "name": "E社区",
                                              "elderly": 100}]
    assert d["communities_only_in_other"] == []
    assert d["newly_covered_elderly_delta"] == -100
    assert d["share_after_delta"] == pytest.approx(0.0, abs=1e-4)   # 1.0 both ways
    codes_warned = {w["code"]: w for w in table["warnings"]}
    assert set(codes_warned) == {"different_speed", "different_capacity"}
    assert codes_warned["different_speed"]["values"] == [60.0, 50.0]
    assert codes_warned["different_capacity"]["scenarios"] == [a["id"], b["id"]]
    same = scenarios.compare(conn, [first["scenario"]["id"], first["scenario"]["id"]])
    assert same["warnings"] == [] and same["differences"][0]["newly_covered_elderly_delta"] == 0
    assert same["differences"][0]["sites_only_in_other"] == []
    with pytest.raises(InvalidInput) as e:
        scenarios.what_if_and_save(conn, TEST_ACTOR, town.COUNTY, " ", lon=g["F"][0],
                                   lat=g["F"][1])
    assert e.value.field == "name"


def test_tables_hold_the_figures_of_the_circle(conn):
    g, codes = _town(conn, *FULL_AT_C)
    found = tables.division_tables(conn, town.COUNTY, minutes=5)
    assert [t.key for t in found.tables] == ["about", "indicators", "communities", "sites"]
    about = {r["item"]: r["value"] for r in found.tables[0].rows}
    assert about["demand"] == "communities" and about["population_credit"] is None
    assert "census" in about["population_note"]           # no grid here: the census spread
    content, named = tables.render(found, "xlsx")
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["说明", "指标", "社区", "站点"]
    sheet = book["社区"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "社区代码 code" and "原因代码 reason_code" in header
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(2)]
    e = next(r for r in rows if r["社区代码 code"] == codes["E"])
    assert e["已覆盖老年人 covered_elderly"] == 50 and e["状态 status_name"] == "超出容量"
    sites = book["站点"]
    assert [c.value for c in sites[2]][6:9] == [200, 200, 1.0]   # capacity, served, load
    csv, one = tables.render(found, "csv")
    assert csv.startswith(b"\xef\xbb\xbf") and one.tables[0].key == "communities"
    assert "社区代码 code" in csv.decode("utf-8-sig").splitlines()[0]
    with pytest.raises(InvalidInput) as err:
        tables.render(found, "csv", "people")
    assert err.value.field == "table"
    with pytest.raises(InvalidInput) as err:
        tables.render(found, "pdf")
    assert err.value.field == "format"
