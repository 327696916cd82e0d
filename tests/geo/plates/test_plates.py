"""Plates: lifecycle, tokens, public reports, campaigns; addresses: compose, parse,
search and reverse on the Nanjing sample."""

import pytest

from geo.db import fetch_one
from geo.errors import Conflict, Gone, InvalidInput, NotFound
from geo.plates import addresses, plates
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
    p = plates.update(conn, ACTOR, p["id"], {"revoke": "lost in transit", "version": p["version"]})
    with pytest.raises(Gone, match="lost in transit"):
        plates.by_token(conn, "plate-token-001")
    p = plates.update(conn, ACTOR, p["id"], {"reissue": True, "version": p["version"]})
    assert plates.by_token(conn, p["token"])["address"].endswith("测试路3号")
    with pytest.raises(NotFound):
        plates.by_token(conn, "no-such-token-here")


def test_public_reports_mark_the_plate_and_keep_nothing_personal(conn):
    grid, ids = _door(conn)
    p = plates.create(conn, ACTOR, {"entrance_id": ids["a"]})
    p = plates.update(conn, ACTOR, p["id"], {"status": "ordered", "version": p["version"]})
    p = _install(conn, p, grid)
    result = plates.public_report(conn, p["token"], {"kind": "damaged", "note": "字迹脱落"})
    assert result["status"] == "damaged"
    again = plates.public_report(conn, p["token"], {"kind": "damaged"})
    assert again["status"] == "damaged"
    events = plates.get(conn, p["id"])["events"]
    assert [e["by_name"] for e in events[-2:]] == ["public", "public"]
    with pytest.raises(InvalidInput, match="damaged or missing"):
        plates.public_report(conn, p["token"], {"kind": "stolen"})


def test_campaigns_plan_plates_and_report_progress(conn):
    grid, ids = _door(conn)
    road_id = fetch_one(conn, "SELECT road_id FROM entrances WHERE id = %s", (ids["a"],))["road_id"]
    c = plates.create_campaign(conn, ACTOR, {"name": "新路门牌", "kind": "new",
                                             "roads": [road_id]})
    assert (c["plates"], c["planned"], c["progress"]) == (2, 2, 0.0)
    with pytest.raises(InvalidInput, match="has a plate already"):
        plates.create_campaign(conn, ACTOR, {"name": "再来", "kind": "new", "roads": [road_id]})
    first = plates.list_plates(conn, campaign=c["id"])[0][0]
    p = plates.get(conn, first["id"])
    p = plates.update(conn, ACTOR, p["id"], {"status": "ordered", "version": p["version"]})
    _install(conn, p, grid)
    assert plates.campaign(conn, c["id"])["progress"] == 0.5
    _, items = plates.sheet_items(conn, c["id"])
    assert {i["number_label"] for i in items} == {"1号", "3号"}
    assert all(i["url"].endswith(i["token"]) for i in items)


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
