"""The names desk and issue 17: a name filed in traditional characters asks the officer to
confirm its standard form (and then shows it everywhere, the filed form kept), the approval
form offers a later effective date and no future approval date, and findings read as a
person would write them, in Chinese (超出 … 米 / 平方米 by geometry)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from api.web import names_desk
from tests.factories import committed_staff
from tests.web.test_names_desk import client  # noqa: F401
from tests.web.test_sign_in import HTML, sign_in

# Not test_names_desk's officer: the browser tests keep theirs for their whole module.
OFFICER, PASSWORD = "地名科小王", "names-pass-5678"


@pytest.fixture
def officer(db_url) -> dict:
    token = committed_staff(db_url, "names_officer", OFFICER, PASSWORD)
    return {"Authorization": f"Bearer {token}"}

LINE = {"type": "LineString", "coordinates": [[113.17, 27.86], [113.171, 27.861]]}


def new(client, officer, **extra) -> dict:  # noqa: F811
    data = {"kind": "naming", "name": "梔香街", "category_code": "0801",
            "division_code": "430202", "applicant": "荷塘区住建局", "geometry": LINE, **extra}
    r = client.post("/names/applications", json=data, headers=officer)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_traditional_name_asks_for_its_standard_form(client, officer):  # noqa: F811
    a = new(client, officer)
    sign_in(client, OFFICER, PASSWORD)
    page = client.get(f"/app/names/{a['id']}", headers=HTML).text
    block = re.search(r'<li class="error" data-code="traditional"[^>]*>(.*?)</li>', page, re.S)
    assert block and "“梔香街”使用了繁体字，规范写法为“栀香街”" in block.group(1)
    form = re.search(r'<form class="stack action" data-action="confirm-name".*?</form>', page,
                     re.S)
    assert form and 'name="name" value="栀香街"' in form.group(0)
    assert f'data-url="/names/applications/{a["id"]}/confirm-name"' in form.group(0)
    done = client.post(f"/names/applications/{a['id']}/confirm-name", headers=officer,
                       json={"version": a["version"], "name": "栀香街"}).json()
    page = client.get(f"/app/names/{a['id']}", headers=HTML).text
    assert 'id="app-name">栀香街<' in page and "梔香街" in page
    assert '<form class="stack action" data-action="confirm-name"' not in page
    assert 'data-code="traditional"' not in page
    queue = client.get("/app/names", headers=HTML).text
    row = re.search(rf'<tr data-id="{done["id"]}".*?</tr>', queue, re.S).group(0)
    assert ">栀香街</a>" in row and "（申报为 梔香街）" in row


def test_the_approval_form_offers_an_effective_date_and_no_future_approval(
        client, officer):  # noqa: F811 (client)
    a = new(client, officer, name="栀子路")
    a = client.post(f"/names/applications/{a['id']}/submit", headers=officer,
                    json={"version": a["version"]}).json()
    a = client.post(f"/names/applications/{a['id']}/assess", headers=officer, json={
        "version": a["version"], "reports": [{"type": "expert_review", "title": "论证"}]}).json()
    sign_in(client, OFFICER, PASSWORD)
    page = client.get(f"/app/names/{a['id']}", headers=HTML).text
    form = re.search(r'<form class="stack action" data-action="approve".*?</form>', page,
                     re.S).group(0)
    today = re.search(r'name="on" value="([\d-]+)" max="([\d-]+)"', form)
    assert today and today.group(1) == today.group(2)
    assert f'name="effective_on" min="{today.group(1)}"' in form and "启用日期" in form


def test_outside_the_jurisdiction_in_chinese_by_geometry():
    text = names_desk.finding_text
    assert text("zh", {"code": "outside-jurisdiction",
                       "message": "the point lies 540 m outside division 430202"}) == \
        "所标位置超出申报单位辖区（区划代码 430202）540 米。"
    assert text("zh", {"code": "outside-jurisdiction",
                       "message": "540 m of the line lies outside division 430202"}) == \
        "所标线路有 540 米超出申报单位辖区（区划代码 430202）。"
    assert text("zh", {"code": "outside-jurisdiction",
                       "message": "540 m² of the area lies outside division 430202"}) == \
        "所标范围有 540 平方米超出申报单位辖区（区划代码 430202）。"
    # findings recorded before: still a sentence, never "m or m²"
    old = text("zh", {"code": "outside-jurisdiction", "message": "the location lies outside "
                      "division 430202 (540 m or m² outside)"})
    assert old == "所标位置超出申报单位辖区（区划代码 430202）。"


def test_new_findings_read_in_chinese():
    text = names_desk.finding_text
    assert text("zh", {"code": "category-change", "message":
                       "荷塘街道 is 0404 乡级行政区 and the renaming files it as 0403 县级行政区: "
                       "a renaming keeps the category (a change of administrative level is a "
                       "change of the division, not a renaming)"}) == (
        "“荷塘街道”现为 0404 乡级行政区，更名申请却按 0403 县级行政区 申报：更名不改变地名类别；"
        "行政级别的变化属于行政区划调整，不是更名。")
    assert text("zh", {"code": "target-pending-change", "message":
                       "人民路 is already approved to be replaced on 2027-01-01 (application 5)"}) \
        == "“人民路”已批准自 2027-01-01 起更名或销名（申请 5），不能再次申请。"
    assert text("zh", {"code": "duplicate-approved", "message":
                       "荷香路 (430202, application 7) is approved with this name in the same "
                       "built-up area and comes into force on 2027-01-01"}) == \
        "同一范围内已批准同名地名：荷香路（区划代码 430202），将于 2027-01-01 启用。"


def test_the_desk_shows_times_in_beijing_time(client, officer, db_url):  # noqa: F811
    from geo.clock import BEIJING
    from geo.db import connect, fetch_value

    a = new(client, officer, name="栀子巷")
    conn = connect(db_url)
    try:
        made = fetch_value(conn, "SELECT created_at FROM name_applications WHERE id = %s",
                           (a["id"],))
    finally:
        conn.close()
    sign_in(client, OFFICER, PASSWORD)
    page = client.get(f"/app/names/{a['id']}", headers=HTML).text
    beijing = made.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    utc = made.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    assert f"· {beijing}</dd>" in page and utc not in page   # eight hours apart
