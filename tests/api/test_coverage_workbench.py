"""The planner's workbench over HTTP on central Wuhan (real OSM streets): what-if and
suggestions agreeing, scenarios saved from what-if and compared, tables for download."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.factories import committed_token, problem

JIANGHAN = "420103"
# A point in 江汉区 where the two used to disagree: the what-if counted distance only
# (1,360 newly covered elderly from 91.1 %), the suggestions capacity (from 76.8 %).
CLICK = (114.2494, 30.6137)
FIGURES = ("newly_covered_elderly", "share_before", "share_after")


@pytest.fixture
def planner(db_url):
    return {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}


def _what_if(app, planner, **body):
    r = app.post("/coverage/what-if", json={"division": JIANGHAN, **body}, headers=planner)
    assert r.status_code == 200, r.text
    return r.json()


def test_what_if_and_suggestions_agree_with_and_without_capacity(app, sample, planner):
    seen = {}
    for capacity in (True, False):
        w = _what_if(app, planner, lon=CLICK[0], lat=CLICK[1], capacity=capacity)
        s = app.post("/coverage/suggestions", json={
            "division": JIANGHAN, "k": 1, "capacity": capacity,
            "candidates": [{"lon": CLICK[0], "lat": CLICK[1]}]}, headers=planner).json()
        assert {k: w[k] for k in FIGURES} == {k: s[k] for k in FIGURES}
        assert w["newly_covered_elderly"] > 0
        assert w["sites"][0]["communities"] == s["suggestions"][0]["communities"]
        assert w["assumptions"] == s["assumptions"] == {
            "minutes": 15.0, "speed_m_per_min": 60.0, "profile": "adult", "capacity": capacity}
        assert w["assumption"] and w["site"] == {"lon": CLICK[0], "lat": CLICK[1]}
        seen[capacity] = w
    # Counting capacity leaves more of today's elderly unserved, so more to gain.
    assert seen[True]["share_before"] < seen[False]["share_before"]
    assert seen[True]["newly_covered_elderly"] != seen[False]["newly_covered_elderly"]


def test_what_if_of_several_clicks(app, sample, planner):
    one = _what_if(app, planner, lon=CLICK[0], lat=CLICK[1])
    both = _what_if(app, planner, sites=[{"lon": CLICK[0], "lat": CLICK[1], "name": "甲"},
                                         {"lon": 114.2629218, "lat": 30.6038488}])
    assert [s["label"] for s in both["sites"]] == ["甲", "新增站点 2"]
    assert both["newly_covered_elderly"] == sum(s["newly_covered_elderly"]
                                                for s in both["sites"])
    assert both["newly_covered_elderly"] > one["newly_covered_elderly"]
    assert both["share_before"] == one["share_before"]
    codes = [c["code"] for c in both["newly_covered"]]
    assert len(codes) == len(set(codes))                     # each community counted once
    problem(app.post("/coverage/what-if", json={"division": JIANGHAN, "lon": CLICK[0],
                                                "lat": CLICK[1], "sites": []},
                     headers=planner), 422, "sites")
    problem(app.post("/coverage/what-if", json={"division": JIANGHAN,
                                                "sites": [{"lon": CLICK[0],
                                                           "lat": CLICK[1]}] * 21},
                     headers=planner), 422, "sites")
    problem(app.post("/coverage/what-if", json={"division": JIANGHAN}, headers=planner),
            422, "lon")
    problem(app.post("/coverage/what-if", json={"division": JIANGHAN, "sites": [
        {"lon": CLICK[0], "lat": CLICK[1]}, {"lon": 80.0, "lat": 45.0}]}, headers=planner),
            422, "sites[1]")


def test_reason_codes_beside_the_sentences(app, sample, planner):
    body = app.get("/coverage/circle", params={"division": JIANGHAN, "uncovered_only": True},
                   headers=planner).json()
    props = [f["properties"] for f in body["features"]]
    assert body["demand"] == "cells"                     # 江汉区 lies on the WorldPop grid
    assert props and all(p["reason"] and p["reason_code"] in (
        "partly_covered", "over_capacity", "too_far", "too_far_none", "off_network")
        for p in props)
    partly = next(p for p in props if p["reason_code"] == "partly_covered")
    args = partly["reason_args"]
    assert args["limit_minutes"] == 15 and args["limit_m"] == 900
    assert f"{args['covered']} of its {args['elderly']} elderly" in partly["reason"]
    assert args["covered"] == partly["covered_elderly"] < partly["elderly"]
    # Counted at community centres, a community of sites too full says so.
    centres = app.get("/coverage/circle", params={"division": JIANGHAN, "demand": "communities",
                                                  "uncovered_only": True}, headers=planner).json()
    assert centres["demand"] == "communities"
    full = next(f["properties"] for f in centres["features"]
                if f["properties"]["reason_code"] == "over_capacity")
    fargs = full["reason_args"]
    assert f"room for {fargs['room']} of its {fargs['elderly']} elderly" in full["reason"]


def test_scenarios_from_what_if_compared_with_warnings(app, sample, planner):
    saved = _what_if(app, planner, lon=CLICK[0], lat=CLICK[1], save=True, name="江汉路口")
    plain = _what_if(app, planner, lon=CLICK[0], lat=CLICK[1], capacity=False,
                     profile="elderly", save=True, name="不计容量")
    picked = app.post("/coverage/suggestions", json={"division": JIANGHAN, "k": 1,
                                                     "save": True, "name": "建议一站"},
                      headers=planner).json()
    ids = [saved["scenario"]["id"], plain["scenario"]["id"], picked["scenario"]["id"]]
    one = app.get(f"/coverage/scenarios/{ids[0]}", headers=planner).json()
    assert one["params"]["kind"] == "what_if"
    assert one["params"]["assumptions"]["capacity"] is True
    table = app.get("/coverage/scenarios/compare", params={"ids": ",".join(map(str, ids))},
                    headers=planner).json()
    a, b, c = table["scenarios"]
    assert [t["kind"] for t in table["scenarios"]] == ["what_if", "what_if", "suggestions"]
    assert a["division"] == JIANGHAN and a["sites"][0]["newly_covered_elderly"] == \
        saved["newly_covered_elderly"] == a["newly_covered_elderly"]
    assert b["assumptions"] == {"minutes": 15.0, "speed_m_per_min": 48.0,
                                "profile": "elderly", "capacity": False}
    first, second = table["differences"]
    assert (first["base"], first["other"], second["other"]) == (a["id"], b["id"], c["id"])
    assert first["sites_only_in_base"] == first["sites_only_in_other"] == []   # same click
    assert first["newly_covered_elderly_delta"] == \
        b["newly_covered_elderly"] - a["newly_covered_elderly"]
    assert first["share_after_delta"] == pytest.approx(b["share_after"] - a["share_after"],
                                                       abs=1e-4)
    gained_a = {x["code"] for s in a["sites"] for x in s["communities"]}
    gained_c = {x["code"] for s in c["sites"] for x in s["communities"]}
    assert {x["code"] for x in second["communities_only_in_other"]} == gained_c - gained_a
    assert {x["code"] for x in second["communities_only_in_base"]} == gained_a - gained_c
    warned = {w["code"]: w for w in table["warnings"]}
    assert set(warned) == {"different_speed", "different_capacity"}
    assert warned["different_speed"] == {"code": "different_speed", "scenarios": ids,
                                         "values": [60.0, 48.0, 60.0]}
    assert warned["different_capacity"]["values"] == [True, False, True]
    listed = app.get("/coverage/scenarios", params={"division": JIANGHAN},
                     headers=planner).json()
    assert [s["kind"] for s in listed[:3]] == ["suggestions", "what_if", "what_if"]
    problem(app.post("/coverage/what-if", json={"division": JIANGHAN, "lon": CLICK[0],
                                                "lat": CLICK[1], "save": True},
                     headers=planner), 422, "name")


def _sheet_rows(sheet):
    header = [c.value for c in sheet[1]]
    return header, [dict(zip(header, (c.value for c in r), strict=True))
                    for r in sheet.iter_rows(min_row=2)]


def test_tables_for_download_hold_the_api_figures(app, sample, planner):
    r = app.get("/coverage/tables", params={"division": JIANGHAN}, headers=planner)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    disposition = r.headers["content-disposition"]
    assert 'filename="coverage-420103.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "江汉区420103_养老服务覆盖.xlsx"
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["说明", "指标", "社区", "站点", "网格与社区中心对比", "未覆盖热点"]
    _, about = _sheet_rows(book["说明"])
    said = {row["项目 item"]: row["内容 value"] for row in about}
    assert said["population_credit"] == "Population: WorldPop (www.worldpop.org), CC BY 4.0"
    assert said["demand"] == "cells" and "scaled" in said["population_note"]
    compared = app.get("/coverage/grid-comparison", params={"division": JIANGHAN},
                       headers=planner).json()["districts"]
    _, districts = _sheet_rows(book["网格与社区中心对比"])
    assert [(d["区划代码 code"], d["覆盖率(按网格) covered_share_cells"],
             d["覆盖率(按社区中心) covered_share_centroids"]) for d in districts] == \
        [(d["code"], d["covered_share_cells"], d["covered_share_centroids"]) for d in compared]
    spots = app.get("/coverage/hotspots", params={"division": JIANGHAN},
                    headers=planner).json()["features"]
    _, hot = _sheet_rows(book["未覆盖热点"])
    assert [h["未覆盖老年人 uncovered_elderly"] for h in hot] == \
        [f["properties"]["uncovered_elderly"] for f in spots] and len(hot) == 10

    circle = app.get("/coverage/circle", params={"division": JIANGHAN},
                     headers=planner).json()
    header, comms = _sheet_rows(book["社区"])
    assert header[:2] == ["社区代码 code", "社区名称 name"]
    assert len(comms) == circle["summary"]["communities"]
    assert sum(c["已覆盖老年人 covered_elderly"] for c in comms) == pytest.approx(
        circle["summary"]["covered_elderly"], abs=len(comms))       # rounded per community
    by_code = {f["properties"]["code"]: f["properties"] for f in circle["features"]}
    for c in comms:
        p = by_code[c["社区代码 code"]]
        assert c["已覆盖老年人 covered_elderly"] == p["covered_elderly"]
        assert c["原因代码 reason_code"] == p["reason_code"]
    _, sites = _sheet_rows(book["站点"])
    assert [s["已服务老年人 served_elderly"] for s in sites] == \
        [s["served_elderly"] for s in circle["sites"]]

    ind = app.get("/coverage/indicators", params={"division": JIANGHAN},
                  headers=planner).json()["summary"]
    _, rows = _sheet_rows(book["指标"])
    beds = next(x for x in rows if x["区划代码 division_code"] == JIANGHAN
                and x["指标代码 indicator"] == "beds_per_1000")
    assert beds["数值 value"] == ind["beds_per_1000"] and beds["目标 target"] == 35
    circle_share = next(x for x in rows if x["区划代码 division_code"] == JIANGHAN
                        and x["指标代码 indicator"] == "circle_elderly_share")
    assert circle_share["数值 value"] == ind["circle_elderly_share"]
    assert "street network" in circle_share["方法说明 note"]

    csv = app.get("/coverage/tables", params={"division": JIANGHAN, "format": "csv"},
                  headers=planner)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("社区代码 code,社区名称 name") and len(lines) == len(comms) + 1
    assert lines[0].endswith("人口来源 population_source") and lines[1].endswith("CC BY 4.0\"")
    assert "coverage-420103-communities.csv" in csv.headers["content-disposition"]
    sites_csv = app.get("/coverage/tables", params={"division": JIANGHAN, "format": "csv",
                                                    "table": "sites"}, headers=planner)
    assert sites_csv.content.decode("utf-8-sig").startswith("站点编号 id,")
    problem(app.get("/coverage/tables", params={"division": JIANGHAN, "format": "pdf"},
                    headers=planner), 422, "format")
    problem(app.get("/coverage/tables", params={"division": JIANGHAN, "table": "people"},
                    headers=planner), 422, "table")
    problem(app.get("/coverage/tables", params={"division": "999999"}, headers=planner),
            422, "division")
    problem(app.get("/coverage/tables", params={"division": JIANGHAN}), 401)


def test_a_scenario_as_a_table(app, sample, planner):
    saved = _what_if(app, planner, sites=[{"lon": CLICK[0], "lat": CLICK[1], "name": "甲"},
                                          {"lon": 114.2629218, "lat": 30.6038488}],
                     save=True, name="两站")
    sid = saved["scenario"]["id"]
    r = app.get(f"/coverage/scenarios/{sid}/table", headers=planner)
    assert r.status_code == 200, r.text
    assert f'filename="scenario-{sid}.xlsx"' in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["方案", "新增站点", "新覆盖社区"]
    _, sites = _sheet_rows(book["新增站点"])
    assert [s["新覆盖老年人 newly_covered_elderly"] for s in sites] == \
        [s["newly_covered_elderly"] for s in saved["sites"]]
    _, comms = _sheet_rows(book["新覆盖社区"])
    assert sum(c["新覆盖老年人 elderly_gained"] for c in comms) == \
        saved["newly_covered_elderly"]
    _, summary = _sheet_rows(book["方案"])
    assert {s["项目 item"]: s["值 value"] for s in summary}["share_after"] == \
        saved["share_after"]
    csv = app.get(f"/coverage/scenarios/{sid}/table", params={"format": "csv"},
                  headers=planner)
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("站点序号 rank,")
    problem(app.get("/coverage/scenarios/999999/table", headers=planner), 404)
