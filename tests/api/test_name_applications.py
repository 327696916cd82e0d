"""Naming applications over HTTP: roles, 201/409/422, and no personal data for others."""

from tests.factories import committed_token

LINE = {"type": "LineString", "coordinates": [[113.17, 27.86], [113.171, 27.861]]}


def body(**extra):
    return {"kind": "naming", "name": "荷香路", "category_code": "0801",
            "division_code": "430202", "applicant": "荷塘区住建局",
            "applicant_contact": "李四 13800000000", "geometry": LINE, **extra}


def test_officer_runs_an_application_through(app, db_url, sample):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}
    r = app.post("/names/applications", json=body(), headers=h)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["state"] == "draft" and a["applicant_contact"].startswith("李四")
    a = app.post(f"/names/applications/{a['id']}/submit", json={"version": 1}, headers=h).json()
    assert a["state"] == "submitted"
    stale = app.post(f"/names/applications/{a['id']}/withdraw", json={"version": 1}, headers=h)
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    listed = app.get("/names/applications", params={"state": "submitted"}, headers=h).json()
    assert [i["id"] for i in listed["items"]] == [a["id"]]


def test_blocking_findings_come_back_in_the_409(app, db_url, sample):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}
    a = app.post("/names/applications", json=body(name="国际荷香路"), headers=h).json()
    r = app.post(f"/names/applications/{a['id']}/submit", json={"version": 1}, headers=h)
    assert r.status_code == 409
    assert {f["code"] for f in r.json()["findings"]} >= {"grand-word"}


def test_other_roles_and_the_public_are_kept_out(app, db_url, sample):
    planner = {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}
    assert app.post("/names/applications", json=body(), headers=planner).status_code == 403
    assert app.get("/names/applications").status_code == 401


def test_malformed_application_is_422_naming_the_field(app, db_url):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}
    r = app.post("/names/applications", json=body(kind="merge"), headers=h)
    assert r.status_code == 422 and r.json()["field"] == "kind"
    r = app.post("/names/applications", json=body(division_code="12"), headers=h)
    assert r.status_code == 422 and r.json()["field"] == "division_code"
    r = app.post("/names/applications/999/approve", json={"version": 0}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "version"
    r = app.post("/names/applications/999/approve", json={"version": 1}, headers=h)
    assert r.status_code == 404


def test_approval_names_the_unacknowledged_warnings_in_a_422(app, db_url, sample):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}
    point = {"type": "Point", "coordinates": [113.158, 27.834]}
    a = app.post("/names/applications", json=body(   # 冬湖 sounds like 东湖社区 nearby
        name="冬湖社区", category_code="0501", geometry=point), headers=h).json()
    a = app.post(f"/names/applications/{a['id']}/submit", json={"version": 1}, headers=h).json()
    a = app.post(f"/names/applications/{a['id']}/assess", json={
        "version": a["version"], "reports": [{"type": "expert_review", "title": "论证"}]},
        headers=h).json()
    step = {"version": a["version"], "approving_authority": "荷塘区人民政府",
            "document_no": "荷政函〔2026〕8号"}
    r = app.post(f"/names/applications/{a['id']}/approve", json=step, headers=h)
    assert r.status_code == 422 and r.json()["unacknowledged"] == ["homophone"]
    r = app.post(f"/names/applications/{a['id']}/approve", headers=h, json={
        **step, "acknowledgements": {"homophone": "两社区分属不同街道，群众无异议"}})
    assert r.status_code == 200, r.text
    assert r.json()["findings"][0]["acknowledgement"] == "两社区分属不同街道，群众无异议"
