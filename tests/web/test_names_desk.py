"""The names officer's desk without a browser: who may open its pages (a 403 page in
Chinese for the other roles, the sign-in form without a session), the romanization as
typed, the checks' findings in Chinese, and both languages with nothing of the other left."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.web import i18n
from geo.db import connect
from geo.names import gazetteer
from tests.factories import committed_staff
from tests.web.test_pages_language import ALLOWED, DATA_HAN, readable
from tests.web.test_sign_in import HTML, sign_in

OFFICER, PASSWORD = "地名科小李", "names-pass-1234"
# 冬湖 (donghu) sounds like 东湖社区 of 荷塘区: the one warning of this application.
POINT = {"type": "Point", "coordinates": [113.158, 27.834]}
APPLICATION = {"kind": "naming", "name": "冬湖社区", "category_code": "0501",
               "division_code": "430202", "applicant": "荷塘区民政局",
               "applicant_contact": "李四 13800000000", "geometry": POINT,
               "reason": "新建小区入住，设立社区居民委员会", "location_description": "东湖路以北"}
PAGES = ["/app/names", "/app/names?state=assessed", "/app/names?overdue=true",
         "/app/names/new", "/app/names/register", "/app/names/register?division=430202",
         "/app/names/{id}"]
# Latin that stays in Chinese pages: the standard's designation and the PDF format.
# The register's import form names coordinate systems and a file format as they are written.
LATIN_KEPT = ALLOWED | {"GB", "PDF", "CGCS", "WGS", "GCJ", "Shapefile"}


@pytest.fixture
def client(db_url, sample):
    with TestClient(create_app(Settings(database_url=db_url, pool_max=4)),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def officer(db_url) -> dict:
    token = committed_staff(db_url, "names_officer", OFFICER, PASSWORD)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def assessed(client, officer) -> dict:
    """An application taken to 'assessed' through the API (the approve form then shows)."""
    a = client.post("/names/applications", json=APPLICATION, headers=officer).json()
    a = client.post(f"/names/applications/{a['id']}/submit", json={"version": a["version"]},
                    headers=officer).json()
    a = client.post(f"/names/applications/{a['id']}/assess", headers=officer, json={
        "version": a["version"], "reports": [{"type": "expert_review", "title": "专家论证意见"}]})
    assert a.status_code == 200, a.text
    return a.json()


def english_words(text: str, data: list[str]) -> list[str]:
    for d in data:
        text = text.replace(d, " ")
    return sorted(set(re.findall(r"[A-Za-z]{2,}", text)) - LATIN_KEPT)


@pytest.mark.parametrize("role", ["planner", "plates_officer", "inspector"])
def test_other_roles_get_a_403_page_in_chinese(client, db_url, role):
    committed_staff(db_url, role, "别的科室", "other-pass-1234")
    sign_in(client, "别的科室", "other-pass-1234")
    for path in PAGES + ["/app/names/romanize?name=冬湖社区"]:
        page = client.get(path.format(id=1), headers=HTML)
        assert page.status_code == 403, path
        assert '<html lang="zh-CN">' in page.text
        assert i18n.gettext("zh", "Not allowed") in page.text
        assert english_words(readable(page.text), []) == []


def test_without_a_session_the_pages_go_to_the_sign_in_form(client):
    for path in PAGES:
        page = client.get(path.format(id=1), headers=HTML, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"].startswith("/login?next=%2Fapp%2Fnames")


def test_romanization_as_the_name_is_typed(client, officer):
    sign_in(client, OFFICER, PASSWORD)
    r = client.get("/app/names/romanize", params={"name": "冬湖社区", "category": "0501"})
    assert r.json()["roman"] == "Donghu Shequ" and r.json()["roman_toned"] == "Dōnghú Shèqū"
    r = client.get("/app/names/romanize", params={"name": "冬湖3路", "category": "0801"})
    assert r.status_code == 200 and r.json() | {"roman": None, "why": "not_chinese"} == r.json()


def test_the_queue_filters_by_state_and_shows_the_deadlines(client, officer, assessed):
    sign_in(client, OFFICER, PASSWORD)
    listed = client.get("/app/names", params={"state": "assessed"}, headers=HTML).text
    assert f'<tr data-id="{assessed["id"]}"' in listed and "冬湖社区" in listed
    assert "冬湖社区" not in client.get("/app/names", params={"state": "draft"},
                                       headers=HTML).text
    assert "冬湖社区" not in client.get("/app/names", params={"overdue": "true"},
                                       headers=HTML).text


def test_the_warning_is_shown_in_chinese_with_a_place_for_its_reason(client, officer, assessed):
    sign_in(client, OFFICER, PASSWORD)
    page = client.get(f"/app/names/{assessed['id']}", headers=HTML).text
    warning = re.search(r'<li class="warning" data-code="homophone"[^>]*>(.*?)</li>', page, re.S)
    assert warning and "东湖社区" in warning.group(1) and "同音" in warning.group(1)
    assert 'name="acknowledgements.homophone"' in page
    assert f'name="version" value="{assessed["version"]}"' in page
    assert [a for a in ("submit", "assess", "approve", "reject", "withdraw", "file")
            if f'id="do-{a}"' in page] == ["approve", "reject", "withdraw"]


def data_of(db_url, app: dict) -> list[str]:
    """The application's own data and the category names (data, in both languages)."""
    conn = connect(db_url)
    try:
        categories = [c["name"] for c in gazetteer.categories(conn).values()]
    finally:
        conn.close()
    return [OFFICER, "东湖社区", "Donghu Shequ", "Dōnghú Shèqū", "专家论证意见",
            *[str(v) for k, v in app.items() if isinstance(v, str)], *categories]


@pytest.mark.parametrize("path", PAGES)
def test_desk_pages_in_chinese_have_no_english_left(client, db_url, officer, assessed, path):
    sign_in(client, OFFICER, PASSWORD)
    page = client.get(path.format(id=assessed["id"]), headers=HTML)
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert english_words(readable(page.text), data_of(db_url, assessed)) == []


@pytest.mark.parametrize("path", PAGES)
def test_desk_pages_in_english_have_no_chinese_left(client, db_url, officer, assessed, path):
    sign_in(client, OFFICER, PASSWORD)
    url = path.format(id=assessed["id"])
    page = client.get(url + ("&" if "?" in url else "?") + "lang=en", headers=HTML)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    text = readable(page.text).replace("中文", "")
    data = sorted(data_of(db_url, assessed), key=len, reverse=True)
    for d in [d for d in data if len(d) > 1]:   # 山 (a category) is in 青山区, so after
        text = text.replace(d, " ")
    text = DATA_HAN.sub("", text)
    for d in data:
        text = text.replace(d, " ")
    assert re.findall(r"[\u4e00-\u9fff]+", text) == []
