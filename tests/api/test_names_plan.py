"""Place-name plans over HTTP (``/names/plan``): a reserved name refused to an application
and to another reservation in its scope (problem+json naming the field), fine in another
county; the planning liaison reads the plan and requests, and is refused everything else;
accept → apply turns the reservation into a naming application; expiry."""

import re

from geo.db import connect, execute, transaction
from tests.factories import committed_token, problem
from tests.web.test_pages_language import ALLOWED, readable

# 荷塘区 (430202) and, in the same built-up area (株洲's districts), 芦淞区 (430203); 醴陵市
# (430281) is a county-level city of its own.
HETANG = {"type": "LineString", "coordinates": [[113.17, 27.86], [113.171, 27.861]]}
LUSONG = {"type": "LineString", "coordinates": [[113.147, 27.788], [113.148, 27.789]]}
LILING = {"type": "LineString", "coordinates": [[113.491, 27.649], [113.492, 27.65]]}
WHERE = {"430202": HETANG, "430203": LUSONG, "430281": LILING}


def auth(db_url, role):
    return {"Authorization": f"Bearer {committed_token(db_url, role, f'{role}-plan')}"}


def reservation(name="荷韵路", division="430202", **extra):
    return {"name": name, "category_code": "0801", "division_code": division,
            "geometry": WHERE.get(division), "project": "荷塘区新城片区道路工程",
            "applicant": "株洲市自然资源和规划局", **extra}


def application(name="荷韵路", division="430202"):
    return {"kind": "naming", "name": name, "category_code": "0801", "division_code": division,
            "applicant": "区住建局", "geometry": WHERE.get(division)}


def submit_codes(app, h, data) -> dict:
    """Draft and submit an application; its findings (code: severity)."""
    a = app.post("/names/applications", json=data, headers=h)
    assert a.status_code == 201, a.text
    r = app.post(f"/names/applications/{a.json()['id']}/submit", json={"version": 1}, headers=h)
    found = r.json()["findings"]
    return {f["code"]: f["severity"] for f in found}


def test_a_reserved_name_is_refused_in_its_scope_and_fine_in_another_county(app, db_url, sample):
    h = auth(db_url, "names_officer")
    r = app.post("/names/plan", json=reservation(), headers=h)
    assert r.status_code == 201, r.text
    res = r.json()
    assert res["state"] == "reserved" and res["expires_on"] is not None
    assert res["geometry"] == HETANG
    # An application of the name in the next district (the same built-up area): blocked.
    assert submit_codes(app, h, application(division="430203"))["duplicate-reserved"] == "block"
    # In 醴陵市 the name is free.
    assert "duplicate-reserved" not in submit_codes(app, h, application(division="430281"))
    # Another reservation of the name in the scope: 409 naming the field.
    clash = app.post("/names/plan", json=reservation(division="430203"), headers=h)
    body = problem(clash, 409, "name")
    assert body["reservation"] == res["id"] and "荷韵路" in body["detail"]
    assert app.post("/names/plan", json=reservation(division="430281"),
                    headers=h).status_code == 201


def test_a_blocking_check_and_a_malformed_body(app, db_url, sample):
    h = auth(db_url, "names_officer")
    grand = problem(app.post("/names/plan", json=reservation("国际荷韵路"), headers=h), 409,
                    "findings")
    assert "grand-word" in {f["code"] for f in grand["findings"]}
    problem(app.post("/names/plan", json=reservation(division="4302"), headers=h), 422,
            "division_code")
    problem(app.post("/names/plan", json={**reservation(), "colour": "red"}, headers=h), 422)
    problem(app.get("/names/plan", params={"state": "maybe"}, headers=h), 422, "state")
    problem(app.get("/names/plan/999999", headers=h), 404)
    problem(app.post("/names/plan/999999/accept", json={"version": 1}, headers=h), 404)


def test_the_liaison_reads_and_requests_and_nothing_else(app, db_url, sample):
    liaison, officer = auth(db_url, "planning_liaison"), auth(db_url, "names_officer")
    r = app.post("/names/plan", json=reservation(applicant_contact="周 13900000000"),
                 headers=liaison)
    assert r.status_code == 201, r.text
    asked = r.json()
    assert asked["state"] == "requested" and asked["expires_on"] is None
    listed = app.get("/names/plan", params={"division": "430200", "q": "荷韵"}, headers=liaison)
    assert listed.status_code == 200
    assert listed.headers["content-type"] == "application/geo+json"
    assert [f["id"] for f in listed.json()["features"]] == [asked["id"]]
    assert listed.json()["counts"] == {"requested": 1}
    assert app.get(f"/names/plan/{asked['id']}", headers=liaison).json()["state"] == "requested"
    # Not an officer: no decision on the plan, no applications, no other desk.
    for path in (f"/names/plan/{asked['id']}/accept", f"/names/plan/{asked['id']}/decline"):
        problem(app.post(path, json={"version": 1, "reason": "x"}, headers=liaison), 403)
    problem(app.post("/names/plan", json=reservation("荷风路", expires_on="2030-01-01"),
                     headers=liaison), 403)
    problem(app.get("/names/applications", headers=liaison), 403)
    problem(app.post("/names/applications", json=application(), headers=liaison), 403)
    problem(app.get(f"/names/applications/{1}", headers=liaison), 403)
    problem(app.get("/names/audit", params={"division": "430202"}, headers=liaison), 403)
    problem(app.get("/facilities", headers=liaison), 403)
    problem(app.get("/roads", headers=liaison), 403)
    problem(app.get("/users", headers=liaison), 403)
    assert app.get("/app/names", headers=liaison).status_code == 403
    # Others without the role are kept out of the plan; nobody anonymous reads it.
    problem(app.get("/names/plan", headers=auth(db_url, "planner")), 403)
    problem(app.get("/names/plan"), 401)
    # The officer sees the request and accepts it.
    got = app.post(f"/names/plan/{asked['id']}/accept", json={"version": 1}, headers=officer)
    assert got.status_code == 200, got.text
    assert got.json()["state"] == "reserved"


def test_accept_then_apply_makes_the_naming_application_in_one_step(app, db_url, sample):
    liaison, officer = auth(db_url, "planning_liaison"), auth(db_url, "names_officer")
    asked = app.post("/names/plan", json=reservation(
        location_description="东起荷花路，西至新华东路"), headers=liaison).json()
    res = app.post(f"/names/plan/{asked['id']}/accept",
                   json={"version": asked["version"], "expires_on": "2030-12-31"},
                   headers=officer).json()
    assert res["state"] == "reserved" and res["expires_on"] == "2030-12-31"
    stale = app.post(f"/names/plan/{res['id']}/apply", json={"version": 1}, headers=officer)
    problem(stale, 409, "version")
    r = app.post(f"/names/plan/{res['id']}/apply", json={"version": res["version"]},
                 headers=officer)
    assert r.status_code == 200, r.text
    done = r.json()
    made = done["application"]
    assert done["state"] == "used" and done["application_id"] == made["id"]
    assert (made["kind"], made["state"], made["name"]) == ("naming", "draft", "荷韵路")
    assert made["geometry"] == HETANG
    assert made["location_description"] == "东起荷花路，西至新华东路"
    again = app.get(f"/names/applications/{made['id']}", headers=officer).json()
    assert again["geometry"] == HETANG and again["state"] == "draft"
    # The application goes on (its own reservation does not block it).
    submitted = app.post(f"/names/applications/{made['id']}/submit", json={"version": 1},
                         headers=officer)
    assert submitted.status_code == 200, submitted.text
    assert [e["action"] for e in app.get(f"/names/plan/{res['id']}", headers=liaison)
            .json()["events"]] == ["request", "accept", "apply"]
    problem(app.post(f"/names/plan/{res['id']}/release", json={"version": done["version"]},
                     headers=officer), 409, "state")


def test_a_lapsed_reservation_reads_expired_and_blocks_nothing(app, db_url, sample):
    officer = auth(db_url, "names_officer")
    res = app.post("/names/plan", json=reservation(), headers=officer).json()
    conn = connect(db_url)
    try:
        with transaction(conn):
            execute(conn, "UPDATE name_reservations SET expires_on = current_date - 1 "
                          "WHERE id = %s", (res["id"],))
    finally:
        conn.close()
    assert app.get(f"/names/plan/{res['id']}", headers=officer).json()["state"] == "expired"
    lapsed = app.get("/names/plan", params={"division": "430202", "state": "expired"},
                     headers=officer).json()
    assert [f["id"] for f in lapsed["features"]] == [res["id"]]
    problem(app.post(f"/names/plan/{res['id']}/apply", json={"version": 1}, headers=officer),
            409, "state")
    assert "duplicate-reserved" not in submit_codes(app, officer, application(division="430203"))
    extended = app.post(f"/names/plan/{res['id']}/extend",
                        json={"version": 1, "expires_on": "2031-01-31"}, headers=officer)
    assert extended.status_code == 200, extended.text
    assert extended.json()["state"] == "reserved"


def test_plan_routes_are_not_taken_by_names_by_id(app, db_url, sample):
    officer = auth(db_url, "names_officer")
    r = app.get("/names/plan", params={"division": "430202"}, headers=officer)
    assert r.status_code == 200 and r.json()["type"] == "FeatureCollection"
    schema = app.get("/openapi.json").json()["paths"]
    assert {"/names/plan", "/names/plan/{res_id}", "/names/plan/{res_id}/{action}"} <= set(schema)


def test_the_plan_pages_of_the_officer_and_of_the_liaison(app, db_url, sample):
    liaison, officer = auth(db_url, "planning_liaison"), auth(db_url, "names_officer")
    zh = {"Accept-Language": "zh-CN"}
    asked = app.post("/names/plan", json=reservation(), headers=liaison).json()
    desk = app.get("/app/names/plan", params={"division": "430202"}, headers=officer | zh)
    assert desk.status_code == 200
    assert "地名规划" in desk.text and "荷韵路" in desk.text and "已申请预留" in desk.text
    assert f'id="accept-{asked["id"]}"' in desk.text and 'id="plan-map"' in desk.text
    page = app.get("/app/plan", params={"q": "荷韵"}, headers=liaison | zh)
    assert page.status_code == 200
    assert "荷韵路" in page.text and "提交预留申请" in page.text
    assert f'id="accept-{asked["id"]}"' not in page.text          # no decisions
    assert 'href="/app/names' not in page.text                     # no names desk
    home = app.get("/app/", headers=liaison | zh)
    assert 'href="/app/plan"' in home.text and "规划建设部门联络员" in home.text
    assert app.get("/app/names/plan", headers=liaison).status_code == 403
    assert app.get("/app/plan", headers=officer).status_code == 403
    # Chinese pages with no English left (the users' Latin names are data).
    for text in (desk.text, page.text):
        shown = re.sub(r"(planning_liaison|names_officer)-plan", " ", readable(text))
        assert sorted(set(re.findall(r"[A-Za-z]{2,}", shown)) - ALLOWED) == []
        assert "None" not in text


def test_the_plan_from_the_command_line(db_url, sample):
    import json

    from tests.cli import civgeo

    made = civgeo(db_url, "names", "plan", "reserve", "荷韵路", "--category", "0801",
                  "--division", "430202", "--applicant", "株洲市自然资源和规划局",
                  "--geometry", json.dumps(HETANG), "--until", "2030-06-30")
    assert made.returncode == 0, made.stderr
    res = json.loads(made.stdout)
    assert res["state"] == "reserved" and res["expires_on"] == "2030-06-30"
    again = civgeo(db_url, "names", "plan", "reserve", "荷韵路", "--category", "0801",
                   "--division", "430203", "--applicant", "住建局")
    assert again.returncode == 2 and "reservation" in again.stderr
    listed = civgeo(db_url, "names", "plan", "list", "--division", "430200")
    assert f"{res['id']}  reserved" in listed.stdout and "荷韵路" in listed.stdout
    applied = civgeo(db_url, "names", "plan", "apply", str(res["id"]))
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["state"] == "used"
