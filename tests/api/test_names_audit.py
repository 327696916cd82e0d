"""The clean-up of non-standard names over HTTP (names officers): the audit of 江汉区's
standard names as JSON and as a workbook, a campaign of renaming drafts, bad input."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.factories import committed_token, problem

JIANGHAN = "420103"


def test_an_officer_audits_a_district_and_drafts_renamings(app, db_url, sample):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}
    r = app.get("/names/audit", params={"division": JIANGHAN}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    t = body["totals"]
    assert t["names"] > 100 and 0 < t["names_with_findings"] == body["matched"]
    assert sum(x["findings"] for x in t["by_rule"]) == t["findings"]
    named = body["names"][0]
    assert named["findings"][0]["rule"] and named["findings"][0]["reason"]
    homophones = app.get("/names/audit", params={"division": JIANGHAN, "rule": "homophone"},
                         headers=h).json()
    assert homophones["names"] and all(
        any(f["rule"] == "homophone" for f in n["findings"]) for n in homophones["names"])
    book = app.get("/names/audit", params={"division": JIANGHAN, "format": "xlsx"}, headers=h)
    assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in book.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(book.content))["问题地名"]
    assert sheet.max_row - 1 == t["findings"]

    picked = [n["id"] for n in homophones["names"][:2]]
    made = app.post("/names/audit/campaigns", headers=h, json={
        "division": JIANGHAN, "title": "江汉区同音地名清理", "name_ids": picked})
    assert made.status_code == 201, made.text
    campaign = made.json()
    assert [i["name_id"] for i in campaign["items"]] == sorted(picked)
    assert {i["state"] for i in campaign["items"]} == {"draft"}
    listed = app.get("/names/audit/campaigns", params={"division": JIANGHAN},
                     headers=h).json()
    assert listed[0]["id"] == campaign["id"] and listed[0]["names"] == 2
    again = app.get(f"/names/audit/campaigns/{campaign['id']}", headers=h).json()
    assert again["items"] == campaign["items"]
    # Bad input names the field; nothing is drafted by a refused campaign.
    problem(app.post("/names/audit/campaigns", headers=h, json={
        "division": JIANGHAN, "title": "再来", "name_ids": [picked[0]]}), 422, "name_ids[0]")
    problem(app.post("/names/audit/campaigns", headers=h, json={
        "division": JIANGHAN, "title": "空", "name_ids": []}), 422, "name_ids")
    problem(app.get("/names/audit", params={"division": "4201"}, headers=h), 422, "division")
    problem(app.get("/names/audit", params={"division": JIANGHAN, "rule": "ugly"},
                    headers=h), 422, "rule")
    assert app.get("/names/audit/campaigns", params={"division": JIANGHAN},
                   headers=h).json()[0]["id"] == campaign["id"]
    for item in campaign["items"]:                      # leave no open draft behind
        app.post(f"/names/applications/{item['application_id']}/withdraw",
                 json={"version": 1}, headers=h)


def test_only_names_officers_audit(app, db_url, sample):
    planner = {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}
    assert app.get("/names/audit", params={"division": JIANGHAN},
                   headers=planner).status_code == 403
    assert app.get("/names/audit", params={"division": JIANGHAN}).status_code == 401


def test_changes_of_a_period_download_in_the_national_record_shape(app, db_url, sample):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}
    for fmt, media in (("xlsx", "application/vnd.openxmlformats"), ("csv", "text/csv"),
                       ("gpkg", "application/geopackage+sqlite3")):
        r = app.get("/names/export", params={"since": "2026-01-01", "until": "2026-12-31",
                                              "format": fmt}, headers=h)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), r.text
        assert f"place-name-changes-2026-01-01_2026-12-31.{fmt}" in \
            r.headers["content-disposition"]
    csv = app.get("/names/export", params={"since": "2026-01-01", "format": "csv"},
                  headers=h).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("变更类型 change,地名编号 id,标准名称 name")
    problem(app.get("/names/export", params={"since": "2026-06-01", "until": "2026-01-01"},
                    headers=h), 422, "until")
    problem(app.get("/names/export", params={"format": "csv"}, headers=h), 422, "since")
    problem(app.get("/names/export", params={"since": "0"}, headers=h), 422, "since")
    problem(app.get("/names/export", params={"since": "2026-02-30"}, headers=h), 422, "since")
    problem(app.get("/names/export", params={"since": "2026-01-01", "format": "pdf"},
                    headers=h), 422, "format")
    planner = {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}
    assert app.get("/names/export", params={"since": "2026-01-01"},
                   headers=planner).status_code == 403
