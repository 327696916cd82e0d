"""The plates officer's desk without a browser: who may open it (a 403 page in Chinese for
the other roles, the sign-in form without a session), and its pages in both languages (no
English left in Chinese, no Chinese in English, beyond the data: road names, addresses, the
sample's notes)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo.db import connect, fetch_all
from tests.factories import committed_staff
from tests.web.test_pages_language import ALLOWED, readable
from tests.web.test_sign_in import HTML, sign_in

PASSWORD = "plates-pass-1234"
HAN = re.compile(r"[\u3400-\u9fff]+")


@pytest.fixture
def client(db_url, sample):
    with TestClient(create_app(Settings(database_url=db_url, pool_max=4)),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def officer(client, db_url):
    committed_staff(db_url, "plates_officer", "门牌科", PASSWORD)
    sign_in(client, "门牌科", PASSWORD)
    return client


def data_texts(db_url) -> list[str]:
    """What the pages show from the data, in whatever language it was written: names of
    places, roads and people, the sample's campaign names, notes and reasons."""
    conn = connect(db_url)
    try:
        rows = fetch_all(conn, """
            SELECT name AS t FROM roads UNION SELECT name FROM current_divisions
            UNION SELECT name FROM place_names UNION SELECT name FROM plate_campaigns
            UNION SELECT note FROM plate_events UNION SELECT by_name FROM plate_events
            UNION SELECT reason FROM renumberings UNION SELECT name FROM users
            UNION SELECT printed_address FROM plates""")
    finally:
        conn.close()
    return sorted({r["t"] for r in rows if r["t"]}, key=len, reverse=True)


def pages(client, db_url) -> list[str]:
    """A path of each page of the desk, with a public report waiting on a plate."""
    conn = connect(db_url)
    try:
        [road] = fetch_all(conn, "SELECT id FROM roads WHERE name = '三条巷'")
        [plate] = fetch_all(conn, "SELECT id, token FROM plates WHERE status = 'installed' "
                                  "ORDER BY id LIMIT 1")
        [campaign] = fetch_all(conn, "SELECT id FROM plate_campaigns ORDER BY id LIMIT 1")
    finally:
        conn.close()
    assert client.post(f"/qr/{plate['token']}/report", json={"kind": "damaged"}).status_code == 201
    return ["/app/plates?division=320104", f"/app/plates/roads/{road['id']}",
            "/app/plates/list", f"/app/plates/plate/{plate['id']}", "/app/plates/reports",
            "/app/plates/campaigns", f"/app/plates/campaigns/{campaign['id']}"]


def test_without_a_session_the_desk_goes_to_the_sign_in_form(client):
    r = client.get("/app/plates/reports", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fapp%2Fplates%2Freports"


@pytest.mark.parametrize("role", ["names_officer", "planner", "inspector"])
def test_other_roles_get_a_403_page_in_chinese(client, db_url, role):
    committed_staff(db_url, role, f"{role}-x", PASSWORD)
    sign_in(client, f"{role}-x", PASSWORD)
    for path in ("/app/plates", "/app/plates/reports", "/app/plates/campaigns"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 403 and '<html lang="zh-CN">' in page.text
        english = set(re.findall(r"[A-Za-z]{2,}", readable(page.text))) - ALLOWED
        assert english <= set(re.findall(r"[A-Za-z]{2,}", f"{role}-x")), english
        assert "无权" in page.text or "不能" in page.text or "不允许" in page.text
        assert 'id="roads"' not in page.text and "群众报告" not in page.text


def test_an_admin_opens_the_desk(client, db_url):
    committed_staff(db_url, "admin", "管理员甲", PASSWORD)
    sign_in(client, "管理员甲", PASSWORD)
    assert client.get("/app/plates/reports", headers=HTML).status_code == 200


def test_desk_pages_in_chinese_have_no_english_left(officer, db_url):
    data = data_texts(db_url)
    allowed = ALLOWED | {"PDF"} | {w for t in data for w in re.findall(r"[A-Za-z]{2,}", t)}
    for path in pages(officer, db_url):
        page = officer.get(path, headers=HTML)
        assert page.status_code == 200 and '<html lang="zh-CN">' in page.text, path
        english = sorted(set(re.findall(r"[A-Za-z]{2,}", readable(page.text))) - allowed)
        assert english == [], path


def test_desk_pages_in_english_have_no_chinese_left(officer, db_url):
    data = data_texts(db_url)
    for path in pages(officer, db_url):
        page = officer.get(path + ("&" if "?" in path else "?") + "lang=en", headers=HTML)
        assert page.status_code == 200 and '<html lang="en">' in page.text, path
        text = readable(page.text).replace("中文", "")
        for t in data:
            text = text.replace(t, " ")
        text = re.sub(r"\d+(-\d+)?号", " ", text)            # house numbers are data
        assert HAN.findall(text) == [], path


def test_a_finding_is_a_chinese_sentence_and_the_rule_is_in_words(officer, db_url):
    road = pages(officer, db_url)[1]
    page = officer.get(road, headers=HTML).text
    assert "110号位于道路右侧，该侧应编单号。" in page
    assert "57号夹在73号与89号之间，顺序错乱。" in page
    assert "“124A”不是规范的门牌号" in page
    assert "自北向南编号" in page and "单号在右侧" in page and "临街面每4米一个号" in page
    english = officer.get(road + "?lang=en", headers=HTML).text
    assert "110号 is on the right side, which takes odd numbers." in english
