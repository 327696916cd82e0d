"""The inspectors' desk without a browser: who may open it, what an inspector sees (its
teams' lines only; another team's line or inspection is a 404 page, as in the API), and
its pages in both languages (no English left in Chinese, no Chinese in English)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo.boundaries import inspections
from geo.db import connect, fetch_value, transaction
from tests.factories import TEST_ACTOR, committed_staff
from tests.web.test_pages_language import ALLOWED, DATA_HAN, readable
from tests.web.test_sign_in import HTML, sign_in

PASSWORD = "inspector-pass-123"
WORDS = ALLOWED | {"PDF"}     # a file format keeps its name, as HTML and CSV do
# Names in the sample's data that stay Chinese in English pages: teams, lines, people.
NAMES_HAN = re.compile(r"[\u4e00-\u9fff]*(巡线员|管理员)[甲乙]?|[\u4e00-\u9fff]+(联检工作组|线)")
OTHERS = {"names_officer": "地名科甲", "plates_officer": "门牌科甲", "planner": "规划科甲"}


@pytest.fixture
def client(db_url, sample):
    committed_staff(db_url, "inspector", "株洲巡线员甲", PASSWORD)
    conn = connect(db_url)
    with transaction(conn):
        inspections.join_team(conn, TEST_ACTOR, "株洲市联检工作组", "株洲巡线员甲")
    conn.close()
    with TestClient(create_app(Settings(database_url=db_url, pool_max=4)),
                    raise_server_exceptions=False) as c:
        sign_in(c, "株洲巡线员甲", PASSWORD)
        yield c


def _id(db_url, sql: str, *args) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, sql, args)
    finally:
        conn.close()


def pages(db_url) -> list[str]:
    line = _id(db_url, "SELECT id FROM boundary_lines WHERE name = '株衡线'")
    ins = _id(db_url, "SELECT id FROM inspections WHERE line_id = %s AND year = 2026", line)
    return ["/app/boundaries", f"/app/boundaries/lines/{line}", "/app/boundaries/plan",
            "/app/boundaries/plan?all=true", "/app/boundaries/inspections",
            f"/app/boundaries/inspections/{ins}"]


def test_an_inspector_sees_only_its_teams_lines(client, db_url):
    page = client.get("/app/boundaries", headers=HTML)
    assert page.status_code == 200
    assert "株衡线" in page.text and "荷芦线" not in page.text
    assert "株洲市联检工作组" in page.text
    plan = client.get("/app/boundaries/plan?all=true", headers=HTML)
    assert "株衡线" in plan.text and "荷芦线" not in plan.text


def test_another_teams_line_and_inspection_are_a_404_page(client, db_url):
    other = _id(db_url, "SELECT id FROM boundary_lines WHERE name = '荷芦线'")
    ins = _id(db_url, "SELECT id FROM inspections WHERE line_id = %s ORDER BY id LIMIT 1", other)
    missing = _id(db_url, "SELECT max(id) + 1000 FROM boundary_lines")
    for path in (f"/app/boundaries/lines/{other}", f"/app/boundaries/inspections/{ins}",
                 f"/app/boundaries/lines/{missing}"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 404, path
        assert "未找到" in page.text and "荷芦线" not in page.text
    # The same answer as for a line that does not exist: nothing tells them apart.
    theirs = client.get(f"/app/boundaries/lines/{other}", headers=HTML).text
    nothing = client.get(f"/app/boundaries/lines/{missing}", headers=HTML).text
    assert theirs.replace(f"/{other}?", "/N?") == nothing.replace(f"/{missing}?", "/N?")


@pytest.mark.parametrize("role", ["names_officer", "plates_officer", "planner"])
def test_other_roles_get_a_403_page_in_chinese(db_url, sample, role):
    committed_staff(db_url, role, OTHERS[role], "other-pass-1234")
    with TestClient(create_app(Settings(database_url=db_url, pool_max=2)),
                    raise_server_exceptions=False) as c:
        sign_in(c, OTHERS[role], "other-pass-1234")
        for path in ("/app/boundaries", "/app/boundaries/plan", "/app/boundaries/teams"):
            page = c.get(path, headers=HTML)
            assert page.status_code == 403 and '<html lang="zh-CN">' in page.text
            assert "无权访问" in page.text
            assert sorted(set(re.findall(r"[A-Za-z]{2,}", readable(page.text))) - ALLOWED) == []


def test_an_inspector_may_not_open_the_teams_page(client):
    assert client.get("/app/boundaries/teams", headers=HTML).status_code == 403


def test_without_a_session_the_desk_sends_to_the_sign_in_page(db_url, sample):
    with TestClient(create_app(Settings(database_url=db_url, pool_max=2))) as c:
        r = c.get("/app/boundaries/plan", headers=HTML, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=%2Fapp%2Fboundaries%2Fplan"


def test_the_desk_in_chinese_has_no_english_left(client, db_url):
    for path in pages(db_url):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200 and '<html lang="zh-CN">' in page.text, path
        english = sorted(set(re.findall(r"[A-Za-z]{2,}", readable(page.text))) - WORDS)
        assert english == [], path


def test_the_desk_in_english_has_no_chinese_left(client, db_url):
    for path in pages(db_url):
        page = client.get(path + ("&" if "?" in path else "?") + "lang=en", headers=HTML)
        assert page.status_code == 200 and '<html lang="en">' in page.text, path
        text = DATA_HAN.sub("", NAMES_HAN.sub("", readable(page.text).replace("中文", "")))
        assert re.findall(r"[\u4e00-\u9fff]+", text) == [], path


def test_the_teams_page_in_both_languages(db_url, sample):
    committed_staff(db_url, "admin", "联检管理员", "admin-pass-1234")
    with TestClient(create_app(Settings(database_url=db_url, pool_max=2))) as c:
        sign_in(c, "联检管理员", "admin-pass-1234")
        zh = c.get("/app/boundaries/teams", headers=HTML)
        assert zh.status_code == 200 and "株洲市联检工作组" in zh.text
        assert sorted(set(re.findall(r"[A-Za-z]{2,}", readable(zh.text))) - WORDS) == []
        en = c.get("/app/boundaries/teams?lang=en", headers=HTML)
        text = DATA_HAN.sub("", NAMES_HAN.sub("", readable(en.text).replace("中文", "")))
        assert "Add a team" in en.text
        assert re.findall(r"[\u4e00-\u9fff]+", text) == []
