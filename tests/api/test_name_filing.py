"""Building-name filings (建筑物名称备案) and 备案公告 over HTTP: a compound filed end to end
into the register, a refused filing as problem+json naming the field (the return
recorded), corrected and resubmitted, only names officers filing, and the 备案公告 of an
approval and of a period."""

import datetime as dt
import io
import re
from urllib.parse import quote

from openpyxl import load_workbook

from geo.names.workflow import beijing_today
from tests.factories import committed_staff, committed_token, problem

POINT = {"type": "Point", "coordinates": [113.172, 27.862]}   # in 荷塘区 (430202)
TODAY = beijing_today()


def officer(db_url, role="names_officer"):
    return {"Authorization": f"Bearer {committed_token(db_url, role)}"}


def filing(**extra):
    return {"kind": "filing", "name": "荷韵小区", "category_code": "1101",
            "division_code": "430202", "applicant": "株洲荷韵置业有限公司",
            "applicant_contact": "赵六 13900000000",
            "location_description": "红旗北路以东、新华东路以北", "geometry": POINT, **extra}


def step(app, action, h, client, **extra):
    return client.post(f"/names/applications/{app['id']}/{action}", headers=h,
                       json={"version": app["version"], **extra})


def test_a_compound_name_is_filed_end_to_end(app, db_url, sample):
    h = officer(db_url)
    r = app.post("/names/applications", json=filing(), headers=h)
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["kind"], a["state"]) == ("filing", "draft")
    a = step(a, "submit", h, app).json()
    assert a["state"] == "checked", a
    assert [e["action"] for e in a["events"]] == ["create", "submit", "check"]
    r = step(a, "file", h, app, filing_no="荷民地备〔2026〕1号")
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["state"] == "filed" and a["filing_no"] == "荷民地备〔2026〕1号"
    listed = app.get("/names/applications", params={"kind": "filing"}, headers=h).json()
    assert [(i["id"], i["state"]) for i in listed["items"]] == [(a["id"], "filed")]

    # In the register, for everyone: its filing record (not the officer's name).
    name = app.get(f"/names/{a['result_name_id']}").json()
    assert (name["name"], name["status"], name["category_code"]) == ("荷韵小区", "standard",
                                                                    "1101")
    assert name["filing_no"] == "荷民地备〔2026〕1号" and name["filed_on"] == TODAY.isoformat()
    assert "filed_by" not in name and name["roman"] == "Heyun Xiaoqu"


def test_a_refused_filing_is_a_422_naming_the_field_then_corrected(app, db_url, sample):
    h = officer(db_url)
    a = app.post("/names/applications", json=filing(name="帝王华府"), headers=h).json()
    body = problem(step(a, "submit", h, app), 422, "name")
    assert body["state"] == "returned" and body["application_id"] == a["id"]
    assert {(f["code"], f["severity"], f["field"]) for f in body["findings"]} == {
        ("banned-word", "block", "name")}
    again = step({**a, "version": body["version"]}, "submit", h, app)   # as it was returned
    problem(again, 422, "name")                       # the checks still block it
    a = app.get(f"/names/applications/{a['id']}", headers=h).json()
    assert a["state"] == "returned" and a["findings"][0]["code"] == "banned-word"

    bad = step(a, "correct", h, app, corrections={"colour": "red"})
    problem(bad, 422, "corrections.colour")
    a = step(a, "correct", h, app, corrections={"name": "荷韵小区"}).json()
    assert (a["state"], a["name"]) == ("returned", "荷韵小区")
    a = step(a, "submit", h, app).json()
    assert a["state"] == "checked"

    outside = app.post("/names/applications", headers=h, json=filing(
        name="枫林大厦", category_code="1102",
        geometry={"type": "Point", "coordinates": [114.3, 30.6]})).json()   # in Wuhan
    problem(step(outside, "submit", h, app), 422, "geometry")


def test_malformed_filings_are_refused_naming_the_field(app, db_url, sample):
    h = officer(db_url)
    problem(app.post("/names/applications", json=filing(category_code="0801"), headers=h),
            422, "category_code")
    problem(app.post("/names/applications", json=filing(name=""), headers=h), 422, "name")
    a = app.post("/names/applications", json=filing(name="松涛小区"), headers=h).json()
    problem(step(a, "approve", h, app), 409, "action")
    problem(step(a, "file", h, app), 409, "state")            # a draft is not filed
    a = step(a, "submit", h, app).json()
    tomorrow = str(TODAY + dt.timedelta(days=1))
    problem(step(a, "file", h, app, on=tomorrow), 422, "on")
    problem(step(a, "return", h, app), 422, "note")


def test_only_names_officers_file(app, db_url, sample):
    h = officer(db_url)
    a = app.post("/names/applications", json=filing(name="枫林小区"), headers=h).json()
    a = step(a, "submit", h, app).json()
    for role in ("planner", "plates_officer"):
        problem(step(a, "file", officer(db_url, role), app), 403)
    assert app.post(f"/names/applications/{a['id']}/file",
                    json={"version": a["version"]}).status_code == 401
    assert step(a, "file", h, app).json()["state"] == "filed"


def approved_naming(app, h, name="荷清路"):
    a = app.post("/names/applications", headers=h, json={
        "kind": "naming", "name": name, "category_code": "0801", "division_code": "430202",
        "applicant": "荷塘区住建局", "location_description": "东起红旗北路，西至建设北路",
        "geometry": {"type": "LineString", "coordinates": [[113.17, 27.86], [113.171, 27.861]]}
    }).json()
    a = step(a, "submit", h, app).json()
    a = step(a, "assess", h, app, reports=[{"type": "expert_review", "title": "论证"}]).json()
    r = step(a, "approve", h, app, approving_authority="株洲市人民政府",
             document_no="株政函〔2026〕12号")
    assert r.status_code == 200, r.text
    return r.json()


def test_the_announcement_of_an_approval_and_of_a_period(app, db_url, sample):
    h = officer(db_url)
    a = approved_naming(app, h)
    r = app.get(f"/names/applications/{a['id']}/announcement", headers=h)
    assert r.status_code == 200, r.text
    record = r.json()
    assert {k: record[k] for k in record["labels"]} == {
        "name": "荷清路", "roman": "Heqing Lu", "division": "湖南省株洲市荷塘区",
        "location_description": "东起红旗北路，西至建设北路",
        "approving_authority": "株洲市人民政府", "approved_on": TODAY.isoformat()}
    assert record["labels"]["roman"] == "罗马字母拼写" and record["text"] == a["announcement"]
    assert record["document_no"] == "株政函〔2026〕12号" and record["change"] == "命名"

    draft = app.post("/names/applications", json=filing(name="云杉小区"), headers=h).json()
    problem(app.get(f"/names/applications/{draft['id']}/announcement", headers=h), 409,
            "kind")
    problem(app.get("/names/applications/999999/announcement", headers=h), 404)
    problem(app.get(f"/names/applications/{a['id']}/announcement"), 401)

    period = {"since": TODAY.isoformat(), "until": TODAY.isoformat()}
    listed = app.get("/names/announcements", params=period, headers=h).json()
    assert [i["application_id"] for i in listed["items"]] == [a["id"]]
    xlsx = app.get("/names/announcements", params={**period, "format": "xlsx"}, headers=h)
    assert xlsx.status_code == 200
    assert quote("备案公告_") in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["备案公告"]
    assert [c.value for c in sheet[2]][2:4] == ["荷清路", "Heqing Lu"]
    csv = app.get("/names/announcements", params={**period, "format": "csv", "division": "4302"},
                  headers=h)
    problem(csv, 422, "division")
    problem(app.get("/names/announcements", headers=h,
                    params={"since": "2026-02-01", "until": "2026-01-31"}), 422, "until")
    problem(app.get("/names/announcements", headers=h, params={"since": "2026-02-30"}),
            422, "since")
    problem(app.get("/names/announcements", headers=h, params={"since": "20260201"}),
            422, "since")


def categories(db_url) -> list[str]:
    from geo.db import connect
    from geo.names import gazetteer

    conn = connect(db_url)
    try:
        return [c["name"] for c in gazetteer.categories(conn).values()]
    finally:
        conn.close()


def test_the_desk_pages_of_filings_read_in_one_language(app, db_url, sample):
    """A returned, a checked and a filed filing, the queue of filings, the new filing form
    and an approval's 备案公告 in the desk: Chinese with no English left, and the other way
    round (the names, numbers and codes of the data apart)."""
    from tests.web.test_names_desk import english_words
    from tests.web.test_pages_language import DATA_HAN, readable
    from tests.web.test_sign_in import HTML, sign_in

    token = committed_staff(db_url, "names_officer", "地名科小周", "names-pass-5678")
    h = {"Authorization": f"Bearer {token}"}
    returned = app.post("/names/applications", json=filing(name="帝王小区"), headers=h).json()
    step(returned, "submit", h, app)
    checked = app.post("/names/applications", json=filing(name="枫林小区"), headers=h).json()
    checked = step(checked, "submit", h, app).json()
    filed = app.post("/names/applications", json=filing(name="松涛小区"), headers=h).json()
    filed = step(step(filed, "submit", h, app).json(), "file", h, app).json()
    approved = approved_naming(app, h, "荷雅路")
    data = ["地名科小周", "帝王小区", "帝王", "论证", "枫林小区", "松涛小区", "荷雅路",
            filed["filing_no"],
            *[v for a in (filed, approved) for v in a.values() if isinstance(v, str)],
            "Diwang Xiaoqu", "Fenglin Xiaoqu", "Songtao Xiaoqu", "Heya Lu", "Dìwáng Xiǎoqū",
            "Fēnglín Xiǎoqū", "Sōngtāo Xiǎoqū", "Héyǎ Lù",
            "湖南省株洲市荷塘区", "荷塘区", "JSON", *categories(db_url)]
    sign_in(app, "地名科小周", "names-pass-5678")
    paths = [f"/app/names/{a['id']}" for a in (returned, checked, filed, approved)]
    for path in [*paths, "/app/names?kind=filing", "/app/names/new?kind=filing"]:
        sep = "&" if "?" in path else "?"
        zh = app.get(f"{path}{sep}lang=zh", headers=HTML)   # the switch is remembered
        assert zh.status_code == 200, path
        english = english_words(readable(zh.text), data)
        assert [w for w in english if w not in {"GB", "CGCS", "WGS", "GCJ"}] == [], path
        en = readable(app.get(f"{path}{sep}lang=en", headers=HTML).text).replace("中文", "")
        for d in [d for d in sorted(data, key=len, reverse=True) if len(d) > 1]:
            en = en.replace(d, " ")   # 山 (a category) is in 青山区: the places first
        en = DATA_HAN.sub("", en)
        for d in data:
            en = en.replace(d, " ")
        assert re.findall(r"[\u4e00-\u9fff]+", en) == [], path
