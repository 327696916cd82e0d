"""Place-name signs (地名标志) on the Nanjing sample: the gaps at road ends and intersections
computed on the real roads, outdated signs after a renaming or against the standard
romanization, replacements printing the current name, campaigns, the public page."""

import datetime as dt

import pytest

from geo.audit import Actor
from geo.db import fetch_one, fetch_value
from geo.errors import Conflict, InvalidInput, NotFound
from geo.names import gazetteer, signs
from geo.names import workflow as wf
from geo.plates import campaigns, plates

OFFICER = Actor("地名科", "names_officer")
NANJING = "320100"


def _road(conn, name):
    return fetch_one(conn, "SELECT id, name_id FROM roads WHERE name = %s", (name,))


def test_every_spot_is_on_its_road_and_a_gap_has_no_sign_of_the_road_near(conn, sample):
    found = signs.check(conn, NANJING)
    spots = signs.spots(conn, division=NANJING)
    assert found["spots"] == len(spots) > 300 and found["roads"] > 100
    assert 0 < len(found["gaps"]) < len(spots)
    for spot in spots:
        on_road = fetch_value(conn, """
            SELECT ST_DWithin(r.geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4490)
                              ::geography, 1) FROM roads r WHERE r.id = %s""",
                              (spot["lon"], spot["lat"], spot["road_id"]))
        near = fetch_value(conn, """
            SELECT count(*) FROM plates p
            WHERE p.kind = 'street' AND p.road_id = %s
              AND p.status NOT IN ('replaced', 'removed')
              AND ST_DWithin(p.geom::geography,
                             ST_SetSRID(ST_MakePoint(%s, %s), 4490)::geography, 50)""",
                           (spot["road_id"], spot["lon"], spot["lat"]))
        assert on_road, spot
        assert (near > 0) == (spot["sign_id"] is not None), spot
    # a crossing is named on both roads
    crossing = next(s for s in spots if s["why"] == "intersection" and s["crossing"])
    other = _road(conn, crossing["crossing"].split("、")[0])
    assert any(s["crossing"] and crossing["road"] in s["crossing"].split("、")
               for s in signs.spots(conn, road=other["id"]))


def test_a_sign_at_a_gap_closes_it_and_a_sign_of_another_road_does_not(conn, sample):
    gap = signs.check(conn, NANJING)["gaps"][0]
    other = fetch_one(conn, "SELECT id, name_id FROM roads WHERE id <> %s AND name_id IS NOT "
                      "NULL ORDER BY id LIMIT 1", (gap["road_id"],))
    signs.create(conn, OFFICER, {"name_id": other["name_id"], "road_id": other["id"],
                                 "lon": gap["lon"], "lat": gap["lat"]})
    still = [s for s in signs.spots(conn, road=gap["road_id"])
             if (s["lon"], s["lat"]) == (gap["lon"], gap["lat"])]
    assert still and still[0]["sign_id"] is None
    made = signs.create(conn, OFFICER, {"name_id": gap["name_id"], "lon": gap["lon"] + 0.0001,
                                        "lat": gap["lat"]})
    assert made["road_id"] == gap["road_id"] and made["status"] == "planned"
    assert made["printed_name"] == gap["road"] and not made["outdated"]
    served = [s for s in signs.spots(conn, road=gap["road_id"])
              if (s["lon"], s["lat"]) == (gap["lon"], gap["lat"])]
    assert served[0]["sign_id"] == made["id"] and 5 < served[0]["sign_m"] < 15


def test_seeded_outdated_signs_say_why(conn, sample):
    out = signs.check(conn, NANJING)["outdated"]
    codes = {r["code"] for s in out for r in s["outdated"]}
    assert codes == {"roman_differs", "name_differs"}
    english = next(s for s in out if s["outdated"][0]["code"] == "roman_differs")
    assert english["printed_roman"].endswith((" Rd.", " St.", " Ave.", " Lane"))
    assert english["synthetic"]
    # case and tone marks are not a difference
    ok = {**english, "printed_roman": english["standard_roman"].upper()}
    assert signs.outdated(ok) == []


def _rename(conn, name_id, new_name):
    """A renaming approved today, so it takes effect at once."""
    target = fetch_one(conn, "SELECT division_code, ST_AsGeoJSON(geom)::json AS g FROM "
                       "place_names WHERE id = %s", (name_id,))
    app = wf.create_application(conn, OFFICER, {
        "kind": "renaming", "target_id": name_id, "name": new_name, "category_code": "0801",
        "division_code": target["division_code"], "applicant": "区住建局",
        "applicant_contact": "张三", "geometry": target["g"]})
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    a = wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
        a["version"], reports=[{"type": "expert_review", "title": "专家论证报告"},
                               {"type": "impact_assessment", "title": "社会风险评估"},
                               {"type": "consultation", "title": "征求意见"}]))
    acks = {f["code"]: "已核" for f in wf.current_findings(conn, a["id"])
            if f["severity"] == "warn"}
    return wf.act(conn, OFFICER, a["id"], "approve", wf.Step(
        a["version"], approving_authority="南京市人民政府", document_no="宁政地〔2026〕1号",
        acknowledgements=acks))


def test_a_renaming_flags_the_sign_and_its_replacement_prints_the_new_name(conn, sample):
    gazetteer.load_categories(conn)
    sign = next(s for s in signs.list_signs(conn, division=NANJING, status="installed")
                if not s["outdated"] and s["kind"] == "street")
    _rename(conn, sign["name_id"], "荷清路")
    flagged = signs.get(conn, sign["id"])
    assert [r["code"] for r in flagged["outdated"]] == ["renamed"]
    assert flagged["standard_name"] == "荷清路" and flagged["printed_name"] == sign["printed_name"]
    assert flagged["id"] in {s["id"] for s in signs.check(conn, NANJING)["outdated"]}
    moved = signs.update(conn, OFFICER, sign["id"], {"status": "replaced",
                                                     "version": flagged["version"]})
    new = signs.get(conn, moved["replacement"]["id"])
    assert (new["printed_name"], new["printed_roman"]) == ("荷清路", "Heqing Lu")
    assert new["replaces_id"] == sign["id"] and not new["outdated"]
    assert (new["lon"], new["lat"], new["road_id"]) == (sign["lon"], sign["lat"],
                                                         sign["road_id"])
    # the old sign's QR code answers until the new sign is installed
    assert plates.by_token(conn, sign["token"])["sign"]["name"] == "荷清路"
    signs.update(conn, OFFICER, new["id"], {"status": "ordered", "version": new["version"]})
    done = signs.update(conn, OFFICER, new["id"], {
        "status": "installed", "version": new["version"] + 1,
        "installed_on": dt.date.today().isoformat()})
    assert done["status"] == "installed" and done["lon"] == sign["lon"]
    assert signs.get(conn, sign["id"])["revoked"]


def test_bad_signs_are_refused_naming_the_field(conn, sample):
    road = _road(conn, "三条巷")
    at = {"lon": 118.7955, "lat": 32.0380}
    with pytest.raises(InvalidInput) as err:
        signs.create(conn, OFFICER, {"lon": 118.79, "lat": 32.03})
    assert err.value.field == "name_id"
    with pytest.raises(NotFound) as err:
        signs.create(conn, OFFICER, {"name_id": 10**12, **at})
    assert err.value.field == "name_id"
    with pytest.raises(InvalidInput) as err:
        signs.create(conn, OFFICER, {"name_id": road["name_id"]})
    assert err.value.field == "lon"
    with pytest.raises(InvalidInput) as err:
        signs.create(conn, OFFICER, {"name_id": road["name_id"], "kind": "village", **at})
    assert err.value.field == "kind"
    division = fetch_value(conn, "SELECT id FROM place_names WHERE category_code LIKE '04%%' "
                           "AND status = 'standard' LIMIT 1")
    with pytest.raises(InvalidInput) as err:
        signs.create(conn, OFFICER, {"name_id": division, **at})
    assert err.value.field == "kind"
    signs.create(conn, OFFICER, {"name_id": road["name_id"], **at})
    with pytest.raises(Conflict) as err:
        signs.create(conn, OFFICER, {"name_id": road["name_id"], **at})
    assert err.value.field == "name_id"
    conn.cursor().execute("UPDATE place_names SET status = 'historical' WHERE id = %s",
                          (road["name_id"],))
    with pytest.raises(InvalidInput) as err:
        signs.create(conn, OFFICER, {"name_id": road["name_id"], "lon": 118.796,
                                     "lat": 32.039})
    assert err.value.field == "name_id"


def test_signs_are_not_plates_and_plates_are_not_signs(conn, sample):
    sign = signs.list_signs(conn, division=NANJING)[0]
    with pytest.raises(NotFound):
        plates.get(conn, sign["id"])
    plate = plates.list_plates(conn, limit=1)[0][0]
    with pytest.raises(NotFound):
        signs.get(conn, plate["id"])
    assert sign["id"] not in {p["id"] for p in plates.list_plates(conn, limit=10_000)[0]}


def test_the_public_reports_a_sign_through_its_qr_code(conn, sample):
    sign = next(s for s in signs.list_signs(conn, division=NANJING, status="installed")
                if not s["outdated"])
    page = plates.by_token(conn, sign["token"])
    assert page["sign"]["name"] == page["address"] == sign["standard_name"]
    assert "token" not in page["sign"] and "created_by" not in page["sign"]
    plates.public_report(conn, sign["token"], {"kind": "damaged"})
    assert [s["id"] for s in signs.list_signs(conn, reported=True)] == [sign["id"]]
    assert plates.pending_reports(conn, sign["id"])[0]["kind"] == "damaged"


def test_a_campaign_plans_a_sign_at_every_gap_of_a_road_then_replaces_outdated_ones(conn,
                                                                                   sample):
    gap = signs.check(conn, NANJING)["gaps"][0]
    before = [s for s in signs.spots(conn, road=gap["road_id"]) if s["sign_id"] is None]
    made = signs.create_campaign(conn, OFFICER, {"name": "路牌补设（测试）", "kind": "new",
                                                 "roads": [gap["road_id"]]})
    assert made["subject"] == "signs" and made["plates"] == made["planned"] == len(before)
    assert all(s["sign_id"] for s in signs.spots(conn, road=gap["road_id"]))
    with pytest.raises(InvalidInput):
        signs.create_campaign(conn, OFFICER, {"name": "再补", "kind": "new",
                                              "roads": [gap["road_id"]]})
    assert made["id"] not in {c["id"] for c in campaigns.campaigns(conn)}   # plates' list
    due = {s["id"] for s in signs.list_signs(conn, division=NANJING, active=True)
           if s["status"] in signs.REPLACEABLE
           and (s["outdated"] or s["status"] in ("damaged", "missing"))}
    assert len(due) > 5
    swap = signs.create_campaign(conn, OFFICER, {"name": "路牌更换（测试）", "kind": "replace",
                                                 "division": NANJING})
    assert swap["plates"] == len(due)
    assert {s["status"] for s in signs.list_signs(conn, division=NANJING)
            if s["id"] in due} == {"replaced"}
    new = signs.list_signs(conn, campaign=swap["id"])
    assert all(s["printed_name"] == s["standard_name"] and not s["outdated"] for s in new)
    assert signs.check(conn, NANJING)["outdated"] == []


def test_every_administrative_village_needs_its_village_sign(conn, sample):
    villages = signs.villages(conn, "430200")
    assert len(villages) > 1000 and all(v["sign_id"] is None for v in villages)
    v = villages[0]
    made = signs.create(conn, OFFICER, {"name_id": v["name_id"], "lon": v["lon"],
                                        "lat": v["lat"]})
    assert made["kind"] == "village"
    after = signs.check(conn, v["division_code"][:6])
    assert v["name_id"] not in {x["name_id"] for x in after["villages_without_sign"]}
