"""Dates, confirmations and the register over HTTP (issue 17): a future approval is a 422
in the caller's language, a name in force tomorrow stays out of the public answers until
its day, a traditional name is confirmed before it goes on, and the register of 荷塘区
lists the road approved there, marked as new, in HTML and in a PDF that prints Chinese."""

import datetime as dt
import re
import time
import zlib

from geo.db import connect, transaction
from geo.names import workflow
from tests.factories import committed_token

LINE = {"type": "LineString", "coordinates": [[113.17, 27.86], [113.171, 27.861]]}
ZH = {"Accept-Language": "zh-CN"}
TODAY = workflow.beijing_today()


def body(**extra):
    return {"kind": "naming", "name": "栀香路", "category_code": "0801",
            "division_code": "430202", "applicant": "荷塘区住建局", "geometry": LINE, **extra}


def officer(db_url) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, 'names_officer')}"}


def assessed(app, h, **extra) -> dict:
    a = app.post("/names/applications", json=body(**extra), headers=h).json()
    a = app.post(f"/names/applications/{a['id']}/submit", json={"version": a["version"]},
                 headers=h).json()
    return app.post(f"/names/applications/{a['id']}/assess", headers=h, json={
        "version": a["version"], "reports": [{"type": "expert_review", "title": "论证"}]}).json()


def approve(app, h, a, **extra):
    return app.post(f"/names/applications/{a['id']}/approve", headers={**h, **ZH}, json={
        "version": a["version"], "approving_authority": "荷塘区人民政府",
        "document_no": "荷政函〔2026〕12号", **extra})


def test_an_approval_dated_2030_is_refused_in_chinese(app, db_url, sample):
    h = officer(db_url)
    a = assessed(app, h)
    r = approve(app, h, a, on="2030-01-01")
    assert r.status_code == 422 and r.json()["field"] == "on"
    assert r.json()["detail"].startswith("批准日期（2030-01-01）晚于今天（北京时间")
    assert app.get("/names/search", params={"q": "栀香路"}).json()["features"] == []


def test_filing_dated_before_the_approval_is_refused(app, db_url, sample):
    h = officer(db_url)
    a = approve(app, h, assessed(app, h)).json()
    r = app.post(f"/names/applications/{a['id']}/file", headers={**h, **ZH},
                 json={"version": a["version"], "on": "2020-01-01"})
    assert r.status_code == 422 and r.json()["field"] == "on"
    assert r.json()["detail"] == f"备案日期（2020-01-01）早于批准日期 {TODAY}"


def test_a_name_in_force_tomorrow_is_not_public_today(app, db_url, sample):
    h = officer(db_url)
    tomorrow = TODAY + dt.timedelta(days=1)
    r = approve(app, h, assessed(app, h, name="栀韵路"), effective_on=str(tomorrow))
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["effective_on"] == str(tomorrow) and a["result_name_id"] is None
    assert app.get("/names/search", params={"q": "栀韵路"}).json()["features"] == []
    page = app.get("/names/register", params={"division": "430202"}).text
    assert "已批准、尚未启用" in page and "栀韵路" in page
    conn = connect(db_url)
    with transaction(conn):
        assert a["id"] in workflow.take_effect(conn, today=tomorrow)
    conn.close()
    hits = app.get("/names/search", params={"q": "栀韵路"}).json()["features"]
    assert [f["properties"]["name"] for f in hits] == ["栀韵路"]


def test_a_traditional_name_is_confirmed_then_shown_simplified(app, db_url, sample):
    h = officer(db_url)
    a = app.post("/names/applications", json=body(name="梔香街"), headers=h).json()
    r = app.post(f"/names/applications/{a['id']}/submit", json={"version": a["version"]},
                 headers=h)
    assert r.status_code == 409 and "traditional" in {f["code"] for f in r.json()["findings"]}
    r = app.post(f"/names/applications/{a['id']}/confirm-name", headers=h,
                 json={"version": a["version"], "name": "栀香街"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["name_as_filed"]) == ("栀香街", "梔香街")
    listed = app.get("/names/applications", headers=h).json()["items"]
    assert [i["name"] for i in listed if i["id"] == a["id"]] == ["栀香街"]


def _cmap_codepoints(pdf: bytes) -> set[int]:
    """The Unicode code points the PDF's embedded fonts map glyphs to (ToUnicode CMaps)."""
    points = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            continue
        if b"beginbfchar" in text or b"beginbfrange" in text:
            for hexa in re.findall(rb"<([0-9A-Fa-f]{4})>\s*\n", text):
                points.add(int(hexa, 16))
            for hexa in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{4})>", text):
                points.add(int(hexa, 16))
    return points


def test_the_register_lists_the_road_approved_there_marked_new_in_html_and_pdf(
        app, db_url, sample):
    h = officer(db_url)
    approved = approve(app, h, assessed(app, h, name="荷栀路"))
    assert approved.status_code == 200, approved.text
    page = app.get("/names/register", params={"division": "430202"})
    assert page.status_code == 200
    row = re.search(r'<tr class="recent" data-name="荷栀路">.*?</tr>', page.text, re.S)
    assert row and "★" in row.group(0) and "新批准" in row.group(0)
    assert re.search(r'<h2 id="category-0801" data-category="0801">街路巷（\d+）</h2>', page.text)
    assert page.text.index('id="category-0404"') < page.text.index('id="category-0801"')
    pdf = app.get("/names/register", params={"division": "430202", "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert {ord(c) for c in "荷栀路标准地名录街路巷"} <= _cmap_codepoints(pdf.content)


def test_the_day_changes_at_beijing_midnight():
    from api.name_applications import seconds_to_next_day
    from geo.clock import BEIJING

    assert seconds_to_next_day(dt.datetime(2026, 12, 6, 23, 59, tzinfo=BEIJING)) == 61
    # 16:00 UTC is midnight in Beijing: 15:59 UTC is a minute before it
    assert seconds_to_next_day(dt.datetime(2026, 12, 6, 15, 59, tzinfo=dt.UTC)) == 61
    assert seconds_to_next_day(dt.datetime(2026, 12, 7, 0, 0, 2, tzinfo=BEIJING)) == 86_399


def test_the_api_brings_names_into_force_when_it_starts(db_url, sample):
    """An approval whose day came while no API process ran takes effect at startup."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    settings = Settings(database_url=db_url, pool_max=2)
    with TestClient(create_app(settings), raise_server_exceptions=False) as first:
        h = officer(db_url)
        a = approve(first, h, assessed(first, h, name="栀园路"),
                    effective_on=str(TODAY + dt.timedelta(days=1))).json()
    conn = connect(db_url)
    with transaction(conn):   # the day has come
        conn.cursor().execute("UPDATE name_applications SET effective_on = %s WHERE id = %s",
                              (TODAY, a["id"]))
    conn.close()
    with TestClient(create_app(settings), raise_server_exceptions=False) as second:
        for _ in range(50):
            done = second.get(f"/names/applications/{a['id']}", headers=h).json()
            if done["result_name_id"]:
                break
            time.sleep(0.1)
        assert done["took_effect_at"] and done["events"][-1]["action"] == "take-effect"
        name = second.get(f"/names/{done['result_name_id']}").json()
        assert (name["name"], name["status"]) == ("栀园路", "standard")
