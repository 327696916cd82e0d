"""Sign-in from a browser (DESIGN §4): the form, the session cookie, CSRF, the lock, the
redirect of pages to /login, the 403 page, and bearer tokens left as they were."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo import sessions
from geo.audit import Actor
from geo.db import connect, fetch_all, transaction
from tests.factories import committed_staff, problem

PASSWORD = "planner-pass-123"
WHAT_IF = {"division": "420103", "lon": 114.2494, "lat": 30.6137}
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def client(db_url, sample):
    with TestClient(create_app(Settings(database_url=db_url, pool_max=4)),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def planner(db_url) -> str:
    return committed_staff(db_url, "planner", "小王", PASSWORD)


def login_token(client) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def sign_in(client, name="小王", password=PASSWORD, next_url="", **kw):
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf": login_token(client), "next": next_url},
                       follow_redirects=False, **kw)


def csrf_of(client) -> str:
    page = client.get("/app/", headers=HTML)
    return re.search(r'<input type="hidden" name="csrf" value="([^"]+)"', page.text).group(1)


def test_a_page_asked_for_by_a_browser_signed_out_goes_to_the_sign_in_form(client, planner):
    r = client.get("/maps/coverage?division=420103", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fmaps%2Fcoverage%3Fdivision%3D420103"
    problem(client.get("/maps/coverage?division=420103"), 401)   # an API client: JSON
    form = client.get(r.headers["location"])
    assert form.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in form.text and "登录" in form.text
    assert 'value="/maps/coverage?division=420103"' in form.text


def test_signing_in_sets_an_opaque_http_only_lax_cookie_and_goes_on(client, planner):
    r = sign_in(client, next_url="/maps/coverage?division=420103")
    assert r.status_code == 303 and r.headers["location"] == "/maps/coverage?division=420103"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("civgeo_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert client.get("/maps/coverage?division=420103", headers=HTML).status_code == 200
    assert client.get("/coverage/settings?division=420103").status_code == 200


def test_over_https_the_cookie_is_secure(db_url, sample, planner):
    with TestClient(create_app(Settings(database_url=db_url, pool_max=2)),
                    base_url="https://testserver") as c:
        assert "Secure" in sign_in(c).headers["set-cookie"]


def test_next_never_leads_off_the_site(client, planner):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert sign_in(client, next_url=target).headers["location"] == "/app/coverage"
        client.cookies.clear()


def test_the_sign_in_form_needs_its_own_token(client, planner):
    client.get("/login")
    r = client.post("/login", data={"name": "小王", "password": PASSWORD, "csrf": "forged"},
                    follow_redirects=False)
    assert r.status_code == 403 and "登录表单已过期" in r.text
    assert "civgeo_session" not in r.headers.get("set-cookie", "")


def test_a_wrong_password_says_so_in_chinese_or_english(client, planner):
    r = sign_in(client, password="not the password")
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    client.cookies.set("civgeo_lang", "en")
    r = sign_in(client, password="not the password")
    assert "The user name or the password is wrong." in r.text


def test_a_cookie_request_that_changes_state_needs_the_csrf_token(client, planner):
    sign_in(client)
    refused = problem(client.post("/coverage/what-if", json=WHAT_IF), 403)
    assert refused["type"] == "/problems/csrf"
    problem(client.post("/coverage/what-if", json=WHAT_IF, headers={"X-CSRF-Token": "wrong"}),
            403)
    ok = client.post("/coverage/what-if", json=WHAT_IF, headers={"X-CSRF-Token": csrf_of(client)})
    assert ok.status_code == 200, ok.text


def test_a_revoked_session_is_refused(client, planner, db_url):
    sign_in(client)
    assert client.get("/coverage/settings?division=420103").status_code == 200
    conn = connect(db_url)
    with transaction(conn):
        sessions.revoke_sessions(conn, Actor.cli(), "小王")
    conn.close()
    assert problem(client.get("/coverage/settings?division=420103"), 401)
    r = client.get("/app/coverage", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_a_role_without_access_gets_a_403_page_in_chinese(client, db_url, sample):
    committed_staff(db_url, "names_officer", "地名科", "names-pass-1234")
    sign_in(client, "地名科", "names-pass-1234")
    r = client.get("/app/coverage?division=420103", headers=HTML)
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "无权访问" in r.text and "地名管理人员" in r.text
    problem(client.get("/coverage/settings?division=420103"), 403)   # JSON for the API


def test_a_locked_user_cannot_sign_in(client, planner):
    for _ in range(5):
        assert sign_in(client, password="not the password").status_code == 401
    r = sign_in(client)
    assert r.status_code == 401 and "已锁定" in r.text
    assert "civgeo_session" not in r.headers.get("set-cookie", "")


def test_a_bearer_client_is_unaffected(client, planner):
    bearer = {"Authorization": f"Bearer {planner}"}
    assert client.post("/coverage/what-if", json=WHAT_IF, headers=bearer).status_code == 200
    r = client.get("/maps/coverage?division=420103", headers={**HTML, **bearer})
    assert r.status_code == 200
    problem(client.get("/coverage/settings?division=420103",
                       headers={"Authorization": "Bearer cg_unknown"}), 401)


def test_signing_out_needs_the_token_closes_the_session_and_is_audited(client, planner, db_url):
    sign_in(client)
    token = csrf_of(client)
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    r = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    problem(client.get("/coverage/settings?division=420103"), 401)
    conn = connect(db_url)
    actions = [row["action"] for row in fetch_all(
        conn, "SELECT action FROM audit_log WHERE actor = '小王' ORDER BY id")]
    conn.close()
    assert actions[-2:] == ["auth.sign_in", "auth.sign_out"]
