"""Plates: lifecycle, tokens, public reports, campaigns; addresses: compose, parse,
search and reverse on the Nanjing sample."""

import pytest

from geo.db import fetch_one
from geo.errors import Conflict, Gone, InvalidInput, NotFound
from geo.plates import addresses, campaigns, numbering, plates, qr, rules
from tests.geo.plates.drawn import ACTOR, EAST_WEST, doors, road

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
       "AAAABJRU5ErkJggg==")


def _door(conn, name="测试路"):
    grid, r = road(conn, EAST_WEST, "w", "e", name=name)
    return grid, doors(conn, grid, r["id"], "a", "d", numbers={"a": "3", "d": "1"})


def _install(conn, plate, grid, **extra):
    return plates.update(conn, ACTOR, plate["id"], {
        "status": "installed", "version": plate["version"], "lon": grid["a"][0],
        "lat": grid["a"][1], **extra})


def test_lifecycle_moves_step_by_step_and_keeps_every_event(conn):
    grid, ids = _door(conn)
    p = plates.create(conn, ACTOR, {"entrance_id": ids["a"]})
    assert p["status"] == "planned" and p["url"].endswith(f"/qr/{p['token']}")
    with pytest.raises(Conflict, match="can become ordered, removed"):
        _install(conn, p, grid)
    p = plates.update(conn, ACTOR, p["id"], {"status": "ordered", "version": p["version"]})
    with pytest.raises(InvalidInput, match="position"):
        plates.update(conn, ACTOR, p["id"], {"status": "installed", "version": p["version"]})
    p = _install(conn, p, grid, installed_on="2026-03-01", photo=PNG)
    assert p["installed_on"].isoformat() == "2026-03-01" and p["has_photo"]
    assert plates.photo(conn, p["id"])[1] == "image/png"
    with pytest.raises(Conflict, match="version"):
        plates.update(conn, ACTOR, p["id"], {"status": "damaged", "version": 1})
    assert [e["action"] for e in p["events"]] == ["planned", "ordered", "installed"]


def test_a_replacement_takes_over_and_the_old_token_is_then_withdrawn(conn):
    grid, ids = _door(conn)
    old = plates.create(conn, ACTOR, {"entrance_id": ids["a"]})
    old = plates.update(conn, ACTOR, old["id"], {"status": "ordered", "version": old["version"]})
    old = _install(conn, old, grid)
    old = plates.update(conn, ACTOR, old["id"], {"status": "damaged", "version": old["version"]})
    moved = plates.update(conn, ACTOR, old["id"], {"status": "replaced",
                                                   "version": old["version"]})
    new = plates.get(conn, moved["replacement"]["id"])
    assert new["replaces_id"] == old["id"] and new["token"] != old["token"]
    assert plates.by_token(conn, old["token"])["plate"]["being_replaced"]  # still answers
    new = plates.update(conn, ACTOR, new["id"], {"status": "ordered", "version": new["version"]})
    _install(conn, new, grid)
    with pytest.raises(Gone, match="withdrawn"):
        plates.by_token(conn, old["token"])
    assert plates.by_token(conn, new["token"])["parts"]["number"] == "3号"


def test_tokens_are_unique_revocable_and_never_carry_the_address(conn):
    grid, ids = _door(conn)
    p = plates.create(conn, ACTOR, {"entrance_id": ids["a"], "token": "plate-token-001"})
    with pytest.raises(Conflict, match="already on plate") as exc:
        plates.create(conn, ACTOR, {"entrance_id": ids["d"], "token": "plate-token-001"})
    assert exc.value.field == "token"
    with pytest.raises(InvalidInput, match="8 to 64"):
        plates.create(conn, ACTOR, {"entrance_id": ids["d"], "token": "short"})
    with pytest.raises(Conflict, match="already serves"):
        plates.create(conn, ACTOR, {"entrance_id": ids["a"]})
    p = plates.update(conn, ACTOR, p["id"], {"revoke": "住户张三投诉", "version": p["version"]})
    with pytest.raises(Gone, match="withdrawn") as exc:
        plates.by_token(conn, "plate-token-001")
    assert "张三" not in exc.value.detail              # the officer's reason stays internal
    assert plates.get(conn, p["id"])["token_revoked_reason"] == "住户张三投诉"
    p = plates.update(conn, ACTOR, p["id"], {"reissue": True, "version": p["version"]})
    assert plates.by_token(conn, p["token"])["address"].endswith("测试路3号")
    with pytest.raises(Gone):                          # the old code stays withdrawn
        plates.by_token(conn, "plate-token-001")
    with pytest.raises(Conflict, match="already on plate"):  # and is never given out again
        plates.create(conn, ACTOR, {"entrance_id": ids["d"], "token": "plate-token-001"})
    with pytest.raises(NotFound):
        plates.by_token(conn, "no-such-token-here")
    # the QR code holds the public URL and nothing else
    assert p["url"] == f"{rules.public_base_url()}/qr/{p['token']}"
    assert qr.qr_svg(p["url"]) == qr.qr_svg(f"{rules.public_base_url()}/qr/{p['token']}")
    p = plates.update(conn, ACTOR, p["id"], {"status": "removed", "version": p["version"]})
    with pytest.raises(Conflict, match="no new QR code"):
        plates.update(conn, ACTOR, p["id"], {"reissue": True, "version": p["version"]})


def test_public_reports_wait_for_an_officer_and_keep_nothing_personal(conn):
    grid, ids = _door(conn)
    p = plates.create(conn, ACTOR, {"entrance_id": ids["a"]})
    p = plates.update(conn, ACTOR, p["id"], {"status": "ordered", "version": p["version"]})
    p = _install(conn, p, grid)
    result = plates.public_report(conn, p["token"], {"kind": "damaged", "note": "字迹脱落"})
    assert result["received"] and not result["already_reported"]
    again = plates.public_report(conn, p["token"], {"kind": "damaged"})
    assert again["already_reported"]                   # one a day is kept
    current = plates.get(conn, p["id"])
    assert current["status"] == "installed"            # a report changes nothing by itself
    assert [e["by_name"] for e in current["events"]].count("public") == 1
    road = fetch_one(conn, "SELECT road_id FROM entrances WHERE id = %s", (ids["a"],))["road_id"]
    waiting = plates.list_plates(conn, road=road, reported=True)[0]
    assert [w["id"] for w in waiting] == [p["id"]] and waiting[0]["public_reports"] == 1
    plates.update(conn, ACTOR, p["id"], {"status": "damaged", "version": current["version"]})
    assert plates.list_plates(conn, road=road, reported=True)[0] == []
    with pytest.raises(InvalidInput, match="damaged or missing"):
        plates.public_report(conn, p["token"], {"kind": "stolen"})


def test_renumbering_marks_the_plates_made_for_the_old_number(conn):
    grid, ids = _door(conn)
    p = plates.create(conn, ACTOR, {"entrance_id": ids["a"]})
    p = plates.update(conn, ACTOR, p["id"], {"status": "ordered", "version": p["version"]})
    p = _install(conn, p, grid)
    road = fetch_one(conn, "SELECT road_id FROM entrances WHERE id = %s", (ids["a"],))["road_id"]
    proposal = numbering.propose(conn, ACTOR, road, {"mode": "renumber"})
    assert [x["id"] for x in proposal["plates_affected"]] == [p["id"]]
    done = numbering.apply(conn, ACTOR, road, proposal["proposal"])
    assert [x["id"] for x in done["plates_outdated"]] == [p["id"]]
    page = plates.by_token(conn, p["token"])
    assert page["plate"]["printed_address"] == "测试路3号"
    assert page["parts"]["number"] != "3号"
    c = campaigns.create_campaign(conn, ACTOR, {"name": "改号换牌", "kind": "replace",
                                                "roads": [road]})
    assert c["plates"] == 1                            # the outdated plate is replaced


def test_campaigns_plan_plates_and_report_progress(conn):
    grid, ids = _door(conn)
    road_id = fetch_one(conn, "SELECT road_id FROM entrances WHERE id = %s", (ids["a"],))["road_id"]
    c = campaigns.create_campaign(conn, ACTOR, {"name": "新路门牌", "kind": "new",
                                                "roads": [road_id]})
    assert (c["plates"], c["planned"], c["progress"]) == (2, 2, 0.0)
    with pytest.raises(InvalidInput, match="has a plate already"):
        campaigns.create_campaign(conn, ACTOR, {"name": "再来", "kind": "new",
                                                "roads": [road_id]})
    first = plates.list_plates(conn, campaign=c["id"])[0][0]
    p = plates.get(conn, first["id"])
    p = plates.update(conn, ACTOR, p["id"], {"status": "ordered", "version": p["version"]})
    _install(conn, p, grid)
    assert campaigns.campaign(conn, c["id"])["progress"] == 0.5
    sheet = campaigns.sheet(conn, c["id"])
    assert {i["number_label"] for i in sheet.plates} == {"1号", "3号"}
    assert all(i["url"].endswith(i["token"]) for i in sheet.plates)


def test_address_parse_tolerates_variants_and_missing_levels(conn, sample):
    full = addresses.parse(conn, "江蘇省南京市玄武區三條巷１２號3栋2单元501室")
    assert [d["name"] for d in full["divisions"]] == ["江苏省", "南京市", "玄武区"]
    assert (full["road"], full["number"], full["building"], full["unit"], full["room"]) == (
        "三条巷", 12, 3, 2, 501)
    short = addresses.parse(conn, "南京三条巷12号之一")
    assert short["road"] == "三条巷" and (short["number"], short["sub"]) == (12, 1)
    lettered = addresses.parse(conn, "三条巷12A号")
    assert lettered["number"] is None and "letter" in lettered["problems"][0]["reason"]
    unknown = addresses.parse(conn, "南京市幸福大道8号")
    assert unknown["road_ids"] == [] and "not a road" in unknown["problems"][0]["reason"]
    elsewhere = addresses.parse(conn, "南京市玄武区三条巷5号")   # 三条巷 is in 秦淮区
    assert elsewhere["road"] == "三条巷" and "not in the division" in elsewhere["problems"][0][
        "reason"]
    assert addresses.parse(conn, "一〇八号")["number"] == 108


@pytest.mark.parametrize("road", ["太平南路", "长江路", "汉中路", "华侨路", "洪武路"])
def test_road_names_that_begin_like_a_division_are_roads(conn, sample, road):
    parsed = addresses.parse(conn, f"南京市{road}1号")
    assert parsed["road"] == road and parsed["road_ids"], parsed
    assert [d["name"] for d in parsed["divisions"]] == ["南京市"]


def test_a_named_compound_stands_for_road_and_number(conn, sample):
    door = fetch_one(conn, """
        SELECT e.id, e.name FROM entrances e JOIN buildings b ON b.entrance_id = e.id
        WHERE e.name ~ '^[一-龥]+$' AND e.number IS NOT NULL AND b.floors >= 5
        ORDER BY e.id LIMIT 1""")
    found = addresses.search(conn, f"{door['name']}1栋1单元502室")
    assert [a["entrance_id"] for a in found["results"]] == [door["id"]]
    assert found["results"][0]["address"].endswith("1栋1单元502室")


def test_search_and_reverse_give_the_standard_address(conn, sample):
    door = fetch_one(conn, """
        SELECT e.id, e.number, r.name, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat
        FROM entrances e JOIN roads r ON r.id = e.road_id
        WHERE r.name = '上海路' AND e.number IS NOT NULL AND e.sub IS NULL
        ORDER BY e.number LIMIT 1""")
    found = addresses.search(conn, f"南京市上海路{door['number']}号")["results"]
    assert [a["entrance_id"] for a in found] == [door["id"]]
    a = found[0]
    assert a["address"].startswith("江苏省南京市") and a["address"].endswith(
        f"上海路{door['number']}号")
    assert {n["name"]: n["roman"] for n in a["standard_names"]}["上海路"] == "Shanghai Lu"
    near = addresses.reverse(conn, door["lon"] + 0.00005, door["lat"])
    assert near["entrance_id"] == door["id"] and near["distance_m"] < 10
    with pytest.raises(NotFound, match="no numbered door within"):
        addresses.reverse(conn, 100.0, 40.0)
