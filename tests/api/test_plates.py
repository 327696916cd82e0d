"""House numbers over HTTP: an officer numbers a new sample road, validates the old one,
plans plates and prints their QR sheet; the public opens the QR page and finds addresses."""

import pytest

from geo.db import connect
from tests.factories import a_house_number, committed_token, problem


@pytest.fixture
def officer(db_url, sample):
    yield {"Authorization": f"Bearer {committed_token(db_url, 'plates_officer')}"}
    conn = connect(db_url)
    with conn.cursor() as cur:  # undo what the tests wrote to the sample roads
        cur.execute("DELETE FROM plate_campaigns WHERE created_by <> 'fixtures'")
        cur.execute("DELETE FROM plates WHERE created_by <> 'fixtures'")
        cur.execute("UPDATE plates SET status = 'replaced' WHERE created_by = 'fixtures' "
                    "AND id IN (SELECT replaces_id FROM plates WHERE replaces_id IS NOT NULL)")
        cur.execute("DELETE FROM renumberings WHERE applied_by <> 'fixtures'")
        cur.execute("DELETE FROM numbering_proposals")
        cur.execute("UPDATE entrances SET number = NULL, sub = NULL WHERE road_id IN "
                    "(SELECT id FROM roads WHERE name = '四条巷')")
        cur.execute("DELETE FROM roads WHERE source = 'officer'")
    conn.commit()
    conn.close()


def _road(app, officer, name):
    body = app.get("/roads", params={"q": name}, headers=officer).json()
    return next(f for f in body["features"] if f["properties"]["name"] == name)["id"]


def test_officer_numbers_the_new_sample_road(app, officer):
    road = _road(app, officer, "四条巷")
    proposal = app.post(f"/roads/{road}/numbering", json={"action": "propose"},
                        headers=officer)
    assert proposal.status_code == 201, proposal.text
    body = proposal.json()
    assert body["summary"]["changed"] == body["summary"]["doors"] > 5
    done = app.post(f"/roads/{road}/numbering", json={"action": "apply",
                                                      "proposal": body["proposal"]},
                    headers=officer)
    assert done.status_code == 200 and done.json()["changed"] == body["summary"]["doors"]
    report = app.get(f"/roads/{road}/validation", headers=officer).json()
    assert report["ok"], report["findings"]
    history = app.get(f"/roads/{road}/numbering/history", headers=officer).json()
    assert len(history[0]["mapping"]) == body["summary"]["doors"]
    again = app.post(f"/roads/{road}/numbering", json={"action": "apply",
                                                       "proposal": body["proposal"]},
                     headers=officer)
    problem(again, 409, "proposal")


def test_old_sample_road_shows_its_seeded_mistakes(app, officer):
    road = _road(app, officer, "三条巷")
    report = app.get(f"/roads/{road}/validation", headers=officer).json()
    found = {k for k, n in report["summary"].items() if n}
    assert {"wrong_parity", "duplicate", "out_of_order", "gap", "too_far",
            "bad_number"} <= found
    points = app.get(f"/roads/{road}/validation", params={"format": "geojson"}, headers=officer)
    assert points.headers["content-type"] == "application/geo+json"
    assert len(points.json()["features"]) == len(report["findings"])
    renamed = problem(app.get(f"/roads/{road}/validation", params={"f": "geojson"},
                              headers=officer), 422, "f")
    assert "format=geojson" in renamed["detail"]       # not silently answered as JSON


def test_bad_input_is_problem_json_naming_the_field(app, officer):
    road = _road(app, officer, "四条巷")
    problem(app.post(f"/roads/{road}/numbering", json={"assign": {"1": "12A"}},
                      headers=officer), 422, "assign.1")
    problem(app.post(f"/roads/{road}/entrances", json={"doors": [{"lon": 100, "lat": 40}]},
                      headers=officer), 422, "doors[0]")
    problem(app.post("/roads", json={"name": "断路", "geometry": {
        "type": "LineString", "coordinates": [[118.78, 32.04], [118.78, 32.04]]}},
        headers=officer), 422, "geometry")
    problem(app.post(f"/roads/{road}/numbering", json={"mode": "sideways"},
                      headers=officer), 422, "mode")


def test_public_reads_addresses_but_not_the_officer_routes(app, officer, db_url):
    problem(app.get("/roads"), 401)
    token = committed_token(app.app.state.settings.database_url, "planner", "p2")
    planner = {"Authorization": f"Bearer {token}"}
    problem(app.get("/roads", headers=planner), 403)
    number = a_house_number(db_url, "上海路")
    r = app.get("/addresses/search", params={"q": f"南京市上海路{number}號"})
    assert r.status_code == 200
    feats = r.json()["features"]
    assert feats and feats[0]["properties"]["parts"]["number"] == f"{number}号"
    lon, lat = feats[0]["geometry"]["coordinates"]
    rev = app.get("/addresses/reverse", params={"lon": lon, "lat": lat})
    assert rev.json()["properties"]["address"] == feats[0]["properties"]["address"]
    problem(app.get("/addresses/reverse", params={"lon": 100, "lat": 40}), 404)


def test_qr_plates_print_and_open_the_public_page(app, officer):
    road = _road(app, officer, "上海路")
    listed = app.get("/plates", params={"road": road, "status": "installed"},
                     headers=officer).json()
    plate = listed["features"][0]["properties"]
    page = app.get(f"/qr/{plate['token']}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "上海路" in page.text and "Shanghai Lu" in page.text
    as_json = app.get(f"/qr/{plate['token']}", headers={"Accept": "application/json"}).json()
    assert as_json["parts"]["road"] == "上海路"
    assert "created_by" not in str(as_json) and "fixtures" not in str(as_json)
    svg = app.get(f"/plates/{plate['id']}/qr.svg", headers=officer)
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    current = app.get(f"/plates/{plate['id']}", headers=officer).json()
    revoked = app.patch(f"/plates/{plate['id']}", json={"revoke": "test",
                                                        "version": current["version"]},
                        headers=officer)
    assert revoked.status_code == 200, revoked.text
    gone = app.get(f"/qr/{plate['token']}")
    assert gone.status_code == 410 and "此二维码已停用" in gone.text   # Chinese first
    assert "was withdrawn on" in app.get(f"/qr/{plate['token']}", params={"lang": "en"}).text
    problem(app.get(f"/qr/{plate['token']}", params={"format": "json"}), 410, "token")
    assert app.get("/qr/unknown-token-123").status_code == 404
    app.patch(f"/plates/{plate['id']}", json={"reissue": True,
                                              "version": current["version"] + 1},
              headers=officer)


def test_campaign_sheet_links_to_the_public_page(app, officer):
    road = _road(app, officer, "四条巷")
    proposal = app.post(f"/roads/{road}/numbering", json={}, headers=officer).json()
    app.post(f"/roads/{road}/numbering", json={"action": "apply",
                                               "proposal": proposal["proposal"]},
             headers=officer)
    made = app.post("/plates/campaigns", json={"name": "四条巷新门牌", "kind": "new",
                                               "roads": [road]}, headers=officer)
    assert made.status_code == 201, made.text
    campaign = made.json()
    assert campaign["plates"] == proposal["summary"]["doors"]
    sheet = app.get(f"/plates/campaigns/{campaign['id']}/sheet", headers=officer)
    listed = app.get(f"/plates/campaigns/{campaign['id']}", headers=officer).json()["plates"]
    assert sheet.status_code == 200 and all(p["token"] in sheet.text for p in listed)
    token = listed[0]["token"]
    assert app.get(f"/qr/{token}").status_code == 200
    problem(app.post("/plates/campaigns", json={"name": "四条巷新门牌", "kind": "new",
                                                 "roads": [road]}, headers=officer), 409, "name")
