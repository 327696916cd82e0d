"""Place-name signs over HTTP (地名标志): a names officer checks the Nanjing sample's signs,
plans a sign at a gap and takes it through its lifecycle, runs a campaign; the public scans
a sign; bad input is a problem naming the field; other roles are refused."""

import pytest

from tests.factories import committed_token, problem

NANJING = "320100"


@pytest.fixture
def officer(db_url, sample):
    return {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}


def test_officer_checks_the_sample_plans_a_sign_at_a_gap_and_installs_it(app, officer):
    check = app.get("/signs/check", params={"division": NANJING}, headers=officer)
    assert check.status_code == 200, check.text
    found = check.json()
    assert found["gaps"] and found["outdated"] and found["signs"] > 300
    gaps = app.get("/signs/gaps", params={"division": NANJING}, headers=officer).json()
    assert gaps["type"] == "FeatureCollection" and gaps["gaps"] == len(found["gaps"])
    gap = gaps["features"][0]
    assert gap["geometry"]["type"] == "Point" and gap["properties"]["sign_id"] is None
    lon, lat = gap["geometry"]["coordinates"]
    made = app.post("/signs", json={"name_id": gap["properties"]["name_id"], "lon": lon,
                                    "lat": lat}, headers=officer)
    assert made.status_code == 201, made.text
    sign = made.json()
    assert sign["kind"] == "street" and sign["printed_name"] == gap["properties"]["road"]
    after = app.get("/signs/gaps", params={"road": gap["properties"]["road_id"]},
                    headers=officer).json()
    assert (lon, lat) not in [tuple(f["geometry"]["coordinates"]) for f in after["features"]]
    step = app.patch(f"/signs/{sign['id']}", json={"status": "ordered",
                                                   "version": sign["version"]},
                     headers=officer)
    assert step.status_code == 200 and step.json()["status"] == "ordered"
    stale = app.patch(f"/signs/{sign['id']}", json={"status": "installed",
                                                    "version": sign["version"]},
                      headers=officer)
    problem(stale, 409, "version")
    done = app.patch(f"/signs/{sign['id']}", json={"status": "installed",
                                                   "version": sign["version"] + 1},
                     headers=officer)
    assert done.status_code == 200 and done.json()["installed_on"]
    assert [e["action"] for e in done.json()["events"]] == ["planned", "ordered", "installed"]
    qr = app.get(f"/signs/{sign['id']}/qr.svg", headers=officer)
    assert qr.status_code == 200 and qr.text.startswith("<svg")


def test_the_public_page_of_an_outdated_sign_shows_the_standard_name(app, officer):
    out = app.get("/signs", params={"division": NANJING, "outdated": "true"},
                  headers=officer).json()["features"]
    english = next(f["properties"] for f in out
                   if f["properties"]["outdated"][0]["code"] == "roman_differs")
    page = app.get(f"/qr/{english['token']}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert english["standard_roman"] in page.text and english["printed_roman"] in page.text
    assert "不是标准形式" in page.text or "标准" in page.text
    data = app.get(f"/qr/{english['token']}", params={"format": "json"}).json()
    assert data["sign"]["outdated"] == ["roman_differs"]
    report = app.post(f"/qr/{english['token']}/report", json={"kind": "missing"})
    assert report.status_code == 201 and report.json()["address"] == english["standard_name"]
    waiting = app.get("/signs", params={"reported": "true"}, headers=officer).json()
    assert [f["id"] for f in waiting["features"]] == [english["id"]]
    check = app.get("/signs/check", params={"division": NANJING}, headers=officer).json()
    assert [s["id"] for s in check["reported"]] == [english["id"]]


def test_a_sign_campaign_lists_beside_the_plates_ones(app, officer, db_url):
    gap = app.get("/signs/gaps", params={"division": NANJING}, headers=officer).json()
    road = gap["features"][0]["properties"]["road_id"]
    made = app.post("/signs/campaigns", json={"name": "路牌补设（接口测试）", "kind": "new",
                                              "roads": [road]}, headers=officer)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["subject"] == "signs" and body["plates"] >= 1
    listed = app.get("/signs/campaigns", headers=officer).json()
    assert [c["id"] for c in listed] == [body["id"]]
    one = app.get(f"/signs/campaigns/{body['id']}", headers=officer).json()
    assert len(one["signs"]) == body["plates"]
    plates = {"Authorization": f"Bearer {committed_token(db_url, 'plates_officer')}"}
    assert body["id"] not in [c["id"] for c in app.get("/plates/campaigns",
                                                        headers=plates).json()]
    assert app.get(f"/plates/campaigns/{body['id']}", headers=plates).status_code == 404


def test_bad_input_is_a_problem_naming_the_field(app, officer):
    problem(app.post("/signs", json={"lon": 118.79, "lat": 32.04}, headers=officer), 422,
            "name_id")
    problem(app.post("/signs", json={"name_id": 99999999, "lon": 118.79, "lat": 32.04},
                     headers=officer), 404, "name_id")
    problem(app.post("/signs", json={"name_id": 1, "lon": 200, "lat": 32.04},
                     headers=officer), 422, "lon")
    problem(app.get("/signs/check", params={"division": "12ab"}, headers=officer), 422,
            "division")
    problem(app.get("/signs/gaps", headers=officer), 422, "division")
    problem(app.post("/signs/campaigns", json={"name": "x", "kind": "fix",
                                               "division": NANJING}, headers=officer),
            422, "kind")
    problem(app.get("/signs/99999999", headers=officer), 404, "id")


def test_only_names_officers_and_admins_keep_the_signs(app, db_url, sample):
    plates = {"Authorization": f"Bearer {committed_token(db_url, 'plates_officer')}"}
    assert app.get("/signs", params={"division": NANJING}, headers=plates).status_code == 403
    assert app.get("/signs/check", params={"division": NANJING}).status_code == 401
    sign = app.get("/signs", params={"division": NANJING}, headers={
        "Authorization": f"Bearer {committed_token(db_url, 'admin')}"}).json()["features"][0]
    assert app.get(f"/plates/{sign['id']}", headers=plates).status_code == 404
