"""The inspection story over HTTP on the sample's 株衡线 (Zhuzhou–Hengyang): an inspector
logs a patrol from a GPX file, retries the upload five times and still has one patrol,
checks markers and sees displacements; both sides sign and get the report."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from fixtures.boundaries import sample_gpx
from geo.db import connect
from tests.factories import committed_inspector, committed_token

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def teams(app, sample, db_url):
    zz = committed_inspector(db_url, "株洲巡线员", "株洲市联检工作组")
    hy = committed_inspector(db_url, "衡阳巡线员", "衡阳市联检工作组")
    other = committed_inspector(db_url, "荷塘巡线员", "荷塘区联检工作组")
    r = app.post("/inspections", json={"line": "株衡线", "year": 2026, "kind": "ad_hoc",
                                       "reason": "汛后检查 after the floods",
                                       "lead_code": "430200", "lead_team": "株洲市联检工作组",
                                       "support_team": "衡阳市联检工作组"}, headers=zz)
    assert r.status_code == 201, r.text
    return r.json()["id"], zz, hy, other


def _gpx(db_url) -> bytes:
    conn = connect(db_url)
    try:
        return sample_gpx(conn, "株衡线", km=4).encode()
    finally:
        conn.close()


def test_the_whole_inspection(app, db_url, teams):
    ins, zz, hy, _other = teams
    gpx = _gpx(db_url)
    patrol_id = str(uuid.uuid4())
    answers = [app.post(f"/inspections/{ins}/patrols", params={"uuid": patrol_id,
                                                               "members": "王五,李四"},
                        content=gpx, headers={**zz, "Content-Type": "application/gpx+xml"})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [201, 200, 200, 200, 200, 200]
    assert {a.json()["uuid"] for a in answers} == {patrol_id}
    assert answers[0].json()["cleaning"]["dropped_jumps"] == 1     # the GPS spike
    listed = app.get(f"/inspections/{ins}", headers=hy).json()
    assert listed["patrols"] == 1 and listed["status"] == "in_progress"

    markers = app.get("/boundaries/markers", params={"line": listed["line_id"]},
                      headers=zz).json()["features"]
    intact = [m for m in markers if m["properties"]["condition"] == "intact"
              and m["properties"]["type"] == "Q"]
    first, second = intact[0]["properties"], intact[1]["properties"]
    check = {"uuid": str(uuid.uuid4()), "marker": first["marker_no"], "condition": "displaced",
             "lon": first["lon"] + 0.0001, "lat": first["lat"],
             "checked_at": "2026-10-12T10:00:00+08:00", "note": "桩体倾斜",
             "photos": [{"uuid": str(uuid.uuid4()), "sha256": hashlib.sha256(PNG).hexdigest(),
                         "size": len(PNG), "media_type": "image/png"}]}
    made = app.post(f"/inspections/{ins}/marker-checks", json=check, headers=hy)
    assert made.status_code == 201, made.text
    assert made.json()["displacement_m"] == pytest.approx(9.6, abs=0.5)   # 0.0001° at 27°N
    assert app.post(f"/inspections/{ins}/marker-checks", json=check,
                    headers=hy).status_code == 200
    changed = app.post(f"/inspections/{ins}/marker-checks",
                       json={**check, "condition": "intact"}, headers=hy)
    assert changed.status_code == 409 and changed.json()["field"] == "uuid"
    photo = check["photos"][0]["uuid"]
    corrupt = app.put(f"/attachments/{photo}", content=PNG[:-1] + b"\0", headers=hy)
    assert corrupt.status_code == 422 and corrupt.json()["field"] == "sha256"
    assert app.get(f"/attachments/{photo}", headers=hy).json()["received"] == 0   # start again
    assert app.put(f"/attachments/{photo}", content=PNG[:100], headers={
        **hy, "Content-Range": f"bytes 0-99/{len(PNG)}"}).json()["received"] == 100
    done = app.put(f"/attachments/{photo}", content=PNG[100:], headers={
        **hy, "Content-Range": f"bytes 100-{len(PNG) - 1}/{len(PNG)}"})
    assert done.status_code == 200 and done.json()["complete"] is True
    assert app.get(f"/attachments/{photo}/content", headers=zz).content == PNG

    lost = {"uuid": str(uuid.uuid4()), "marker": second["marker_no"], "condition": "lost",
            "checked_at": "2026-10-12T11:00:00+08:00"}
    assert app.post(f"/inspections/{ins}/marker-checks", json=lost,
                    headers=zz).status_code == 201
    hazard = {"uuid": str(uuid.uuid4()), "kind": "construction",
              "description": "新修公路跨越界线", "lon": first["lon"], "lat": first["lat"],
              "reported_at": "2026-10-12T11:30:00+08:00"}
    assert app.post(f"/inspections/{ins}/hazards", json=hazard, headers=zz).status_code == 201

    signed_once = app.post(f"/inspections/{ins}/sign", headers=zz).json()
    assert signed_once["status"] == "in_progress"
    draft = app.get(f"/inspections/{ins}/report", headers=hy)
    assert draft.status_code == 200 and "DRAFT" in draft.text
    signed = app.post(f"/inspections/{ins}/sign", headers=hy).json()
    assert signed["status"] == "signed"
    report = app.get(f"/inspections/{ins}/report", headers=hy)
    assert report.status_code == 200 and "DRAFT" not in report.text
    assert first["marker_no"] in report.text and "株衡线" in report.text
    pdf = app.get(f"/inspections/{ins}/report", params={"format": "pdf"}, headers=zz)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    frozen = app.post(f"/inspections/{ins}/hazards", json={**hazard, "uuid": str(uuid.uuid4())},
                      headers=zz)
    assert frozen.status_code == 409 and "frozen" in frozen.json()["detail"]


def test_who_sees_what(app, db_url, teams):
    ins, zz, _hy, other = teams
    assert app.get(f"/inspections/{ins}", headers=other).status_code == 404
    assert all(i["id"] != ins for i in app.get("/inspections", headers=other).json())
    names = {line["name"] for line in app.get("/boundaries/lines", headers=zz).json()}
    assert "株衡线" in names and "荷芦线" not in names
    patrol = app.post(f"/inspections/{ins}/patrols", params={"uuid": str(uuid.uuid4())},
                      content=_gpx(db_url),
                      headers={**other, "Content-Type": "application/gpx+xml"})
    assert patrol.status_code == 403
    assert app.get("/boundaries/lines").status_code == 401         # the public sees nothing


@pytest.mark.parametrize(("body", "kind", "status", "field"), [
    (b"<gpx><trk><trkseg><trkpt lat=", "application/gpx+xml", 422, "track"),
    (b'{"type": "LineString", "coordinates": []}', "application/geo+json", 422, "track"),
    (b"not json", "application/json", 422, "body"),
])
def test_bad_uploads(app, teams, body, kind, status, field):
    ins, zz, _hy, _other = teams
    r = app.post(f"/inspections/{ins}/patrols", params={"uuid": str(uuid.uuid4())},
                 content=body, headers={**zz, "Content-Type": kind})
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field
    assert app.get(f"/inspections/{ins}", headers=zz).json()["patrols"] == 0


def test_history_and_register_over_http(app, sample, db_url):
    admin = {"Authorization": f"Bearer {committed_token(db_url, 'admin', 'boundary-admin')}"}
    old = app.get("/boundaries/divisions", params={"parent": "430200", "on": "2017-01-01"},
                  headers=admin).json()
    assert "430221" in {d["code"] for d in old} and "430212" not in {d["code"] for d in old}
    changes = app.get("/boundaries/changes", params={"division": "430200"}, headers=admin)
    assert changes.json()[0]["new_name"] == "渌口区"
    plan = app.get("/inspections/plan", params={"year": 2026, "division": "430200"},
                   headers=admin).json()
    assert {p["name"]: p["status"] for p in plan}["株衡线"] == "due"
    line = app.get("/boundaries/lines", params={"division": "430200", "level": "prefecture"},
                   headers=admin).json()
    zh = next(r for r in line if r["name"] == "株衡线")
    assert zh["markers"] > 20 and zh["number"] == "43024304"
    feature = app.get(f"/boundaries/lines/{zh['id']}", headers=admin).json()
    assert feature["geometry"]["type"] == "MultiLineString"
