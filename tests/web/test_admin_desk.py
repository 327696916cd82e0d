"""The administrator's pages without a browser (issue 15): only administrators open them
(others get the 403 page in Chinese, the signed-out the sign-in form); the audit log page
filters as the API does and escapes what it shows; Chinese pages have no English left and
English pages no Chinese but the data's."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo.db import connect, transaction
from tests.factories import committed_staff
from tests.web.test_pages_language import ALLOWED, readable
from tests.web.test_sign_in import HTML, sign_in

PASSWORD = "admin-pass-1234"
ADMIN = "管理员老李"
PAGES = ["/app/admin", "/app/admin/users", "/app/admin/audit",
         "/app/admin/audit?action=auth.*&since=2026-03-01&until=2026-03-31"]
# What is recorded is shown as recorded (codes, JSON keys): marked class "data".
DATA = re.compile(r'<(\w+)[^>]*\bclass="[^"]*\bdata\b[^"]*"[^>]*>.*?</\1>', re.S)


@pytest.fixture
def client(db_url):
    with TestClient(create_app(Settings(database_url=db_url, pool_max=4)),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def admin(client, db_url):
    committed_staff(db_url, "admin", ADMIN, PASSWORD)
    committed_staff(db_url, "planner", "规划员小王", PASSWORD)
    conn = connect(db_url)
    with transaction(conn):
        cur = conn.cursor()
        cur.execute("UPDATE users SET locked_until = now() + interval '10 minutes' "
                    "WHERE name = '规划员小王'")
        for when, who, action, entity, after in [
                ("2026-03-01 23:30+08", "规划员小王", "auth.sign_in", "session",
                 '{"address": "10.0.0.8", "user_agent": "<script>alert(1)</script>"}'),
                ("2026-03-02 00:30+08", ADMIN, "users.role", "user",
                 '{"role": "planner", "until": "2026-03-01 16:45:00+00:00"}'),
                ("2026-03-02 09:00+08", "规划员小王", "some.future_action", "thing",
                 '{"a": {"nested": [1, 2]}, "b": 2}')]:
            cur.execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, after) "
                        "VALUES (%s, %s, %s, %s, '7', %s)", (when, who, action, entity, after))
    conn.close()
    assert sign_in(client, ADMIN, PASSWORD).status_code == 303
    return client


def english_words(page: str) -> list[str]:
    return sorted(set(re.findall(r"[A-Za-z]{2,}", readable(DATA.sub(" ", page)))) - ALLOWED)


@pytest.mark.parametrize("role", ["planner", "names_officer", "plates_officer", "inspector"])
def test_every_other_role_gets_the_403_page_in_chinese(client, db_url, role):
    committed_staff(db_url, role, "张科员", PASSWORD)
    sign_in(client, "张科员", PASSWORD)
    for path in PAGES[:3]:
        page = client.get(path, headers=HTML)
        assert page.status_code == 403
        assert '<html lang="zh-CN">' in page.text and "无权访问" in page.text
        assert english_words(page.text) == []
        assert "规划员小王" not in page.text and "audit" not in page.text.split("<main>")[1]


def test_without_a_session_the_pages_go_to_the_sign_in_form(client):
    for path in PAGES[:3]:
        r = client.get(path, headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_in_chinese_have_no_english_left(admin, path):
    page = admin.get(path, headers=HTML)
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert english_words(page.text) == []


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_in_english_have_no_chinese_but_the_datas(admin, path):
    page = admin.get(path + ("&" if "?" in path else "?") + "lang=en", headers=HTML)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    text = readable(DATA.sub(" ", page.text)).replace("中文", "")
    for name in (ADMIN, "规划员小王"):
        text = text.replace(name, "")
    assert re.findall(r"[\u4e00-\u9fff]+", text) == []


def test_the_users_page_lists_users_with_their_actions(admin):
    page = admin.get("/app/admin", headers=HTML).text
    assert "规划员小王" in page and "锁定至" in page and "解除锁定" in page
    assert 'data-url="/users/%E8%A7%84%E5%88%92%E5%91%98%E5%B0%8F%E7%8E%8B/password"' in page
    assert "password_hash" not in page and "cg_" not in page


def test_the_audit_page_filters_escapes_and_labels(admin):
    page = admin.get("/app/admin/audit", params={"since": "2026-03-02", "until": "2026-03-02"},
                     headers=HTML).text
    rows = re.findall(r'<tr data-action="([^"]+)">', page)
    assert rows == ["some.future_action", "users.role"]            # newest first, China days
    assert "变更角色" in page and "2026-03-02 00:30:00" in page
    assert "规划人员" in page and "2026-03-02 00:45:00" in page      # a role, a time: China's
    assert '<code class="data">some.future_action</code>' in page
    one = admin.get("/app/admin/audit", params={"actor": "规划员小王", "action": "auth.*"},
                    headers=HTML).text
    assert re.findall(r'<tr data-action="([^"]+)">', one) == ["auth.sign_in"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in one and "<script>alert" not in one
    assert "登录" in one


def test_bad_dates_are_explained_in_chinese(admin):
    page = admin.get("/app/admin/audit", params={"since": "2026-03-05", "until": "2026-03-01"},
                     headers=HTML)
    assert page.status_code == 200 and "结束日期早于开始日期" in page.text
    page = admin.get("/app/admin/audit", params={"since": "yesterday"}, headers=HTML)
    assert "日期格式为" in page.text
